//! The QR exchange from the terminal: the doctor's hello and reading (`carnet doctor hello`,
//! `carnet receive`), the patient's share and emergency card (`carnet share`,
//! `carnet emergency-card`).

use crate::{CliError, output};
use carnet_core::Vault;
use carnet_core::share::printable::{self, Lang};
use carnet_core::share::{
    self, DoctorSession, Hello, QrMatrix, ReaderSession, Selection, ShareError, ShareFlowError,
};
use chrono::Utc;
use std::path::{Path, PathBuf};

impl From<ShareError> for CliError {
    fn from(e: ShareError) -> Self {
        let code = match e {
            ShareError::WrongKey | ShareError::NeedsDoctorSession => 3,
            ShareError::Expired { .. } | ShareError::HelloExpired => 8,
            ShareError::Tampered | ShareError::EmergencyCardDamaged => 6,
            ShareError::UnsupportedVersion(_) => 7,
            ShareError::NoCodeInImage | ShareError::BadImage | ShareError::Incomplete => 4,
            _ => 5,
        };
        Self {
            message: e.to_string(),
            code,
        }
    }
}

impl From<ShareFlowError> for CliError {
    fn from(e: ShareFlowError) -> Self {
        match e {
            ShareFlowError::Vault(v) => v.into(),
            ShareFlowError::Share(s) => s.into(),
        }
    }
}

pub fn now() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

/// "30m", "2h", "90s", "1d" or plain minutes.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30m, 2h or 1d"))?;
    let seconds = match unit {
        "s" => n,
        "" | "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{text:?} is not a duration such as 30m, 2h or 1d")),
    };
    if seconds == 0 || seconds > 7 * 86_400 {
        return Err("a share lasts between 1 second and 7 days".into());
    }
    Ok(seconds)
}

/// Encodes `text` (at most `max_version`) and writes it as PNG or SVG, by the extension.
pub fn write_code_file(text: &str, max_version: i16, out: &Path) -> Result<(), CliError> {
    write_code(&QrMatrix::encode(text, max_version)?, out)
}

/// Writes a QR code as PNG or SVG, by the file's extension.
fn write_code(matrix: &QrMatrix, out: &Path) -> Result<(), CliError> {
    let is_svg = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = if is_svg {
        matrix.to_svg().into_bytes()
    } else {
        matrix.to_png(8)
    };
    std::fs::write(out, bytes)
        .map_err(|e| CliError::other(format!("cannot write {}: {}", out.display(), e.kind())))
}

// ---- doctor side ------------------------------------------------------------------------

/// Where the doctor's device keeps its session secrets: one file per hello, readable only by
/// its owner, deleted once expired.
pub fn doctor_state(given: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let dirs = directories::ProjectDirs::from("app", "Carnet", "carnet")
        .ok_or_else(|| CliError::usage("no home directory: pass --state DIR"))?;
    Ok(dirs.data_dir().join("doctor"))
}

fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn save_session(dir: &Path, session: &DoctorSession) -> Result<PathBuf, CliError> {
    create_private_dir(dir)?;
    let hello = session.hello();
    let name: String = hello.key_id().iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("session-{name}.key"));
    let secret = session.secret_bytes();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let content = zeroize::Zeroizing::new(format!("{hex} {}\n", hello.expires_at));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options
        .open(&path)
        .and_then(|mut f| f.write_all(content.as_bytes()))?;
    Ok(path)
}

fn parse_session(text: &str) -> Option<DoctorSession> {
    let (hex, expiry) = text.trim().split_once(' ')?;
    if hex.len() != 64 {
        return None;
    }
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(DoctorSession::from_secret(*secret, expiry.parse().ok()?))
}

/// The sessions still valid; expired ones are deleted.
fn load_sessions(dir: &Path, now: u64) -> Vec<DoctorSession> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut sessions = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("session-"))
        {
            continue;
        }
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path).unwrap_or_default());
        match parse_session(&text) {
            Some(s) if s.hello().expires_at >= now => sessions.push(s),
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    sessions
}

/// A new hello session, kept in `state`.
pub fn new_doctor_session(
    state: &Path,
    lifetime: u64,
    signer: Option<&dyn carnet_core::trust::Signer>,
) -> Result<DoctorSession, CliError> {
    let mut session = DoctorSession::new(now(), lifetime);
    if let Some(signer) = signer {
        session.sign_hello(signer)?;
    }
    save_session(state, &session)?;
    Ok(session)
}

/// Reads a share from image files with the sessions kept in `state`.
pub fn receive_files(state: &Path, files: &[PathBuf]) -> Result<share::OpenedShare, CliError> {
    let now = now();
    let mut reader = ReaderSession::new(load_sessions(state, now));
    for path in files {
        let bytes = std::fs::read(path)?;
        reader.push_image(&bytes, now)?;
    }
    Ok(reader.into_result()?)
}

pub fn doctor_hello(
    state: &Path,
    minutes: u64,
    signer: Option<&dyn carnet_core::trust::Signer>,
    out: Option<&Path>,
    terminal: bool,
    json: bool,
) -> Result<(), CliError> {
    let session = new_doctor_session(state, minutes.clamp(1, 24 * 60) * 60, signer)?;
    let hello = session.hello();
    let text = hello.to_text();
    // With the practitioner's certificate chain the hello is larger than a bare key.
    let matrix = QrMatrix::encode(&text, share::MAX_SINGLE_VERSION)?;
    if let Some(out) = out {
        write_code(&matrix, out)?;
    }
    let expires = chrono::DateTime::from_timestamp(i64::try_from(hello.expires_at).unwrap_or(0), 0)
        .unwrap_or_default();
    output::emit(
        json,
        &serde_json::json!({ "hello": text, "fingerprint": hello.fingerprint(), "expires_at": hello.expires_at, "qr_version": matrix.version, "out": out }),
        || {
            if terminal {
                print!("{}", matrix.to_terminal());
            }
            println!(
                "Hello {} (QR version {}), valid until {} UTC",
                hello.fingerprint(),
                matrix.version,
                expires.format("%H:%M")
            );
            if let Some(out) = out {
                println!(
                    "Show {} to the patient, or give them this text:",
                    out.display()
                );
            }
            println!("{text}");
        },
    )
}

pub struct ReceiveArgs {
    pub files: Vec<PathBuf>,
    pub texts: Vec<String>,
    pub html: Option<PathBuf>,
    pub lang: Lang,
    pub state: PathBuf,
}

pub fn receive(args: ReceiveArgs, json: bool) -> Result<(), CliError> {
    if args.files.is_empty() && args.texts.is_empty() {
        return Err(CliError::usage("give the share's image files or --text"));
    }
    let now = now();
    let today = chrono::Local::now().date_naive();
    let mut texts = Vec::new();
    for path in &args.files {
        let bytes = std::fs::read(path).map_err(|e| CliError {
            message: format!("cannot read {}: {}", path.display(), e.kind()),
            code: 4,
        })?;
        texts.extend(
            share::render::read_image(&bytes).map_err(|e| CliError::from(e).context(path))?,
        );
    }
    texts.extend(args.texts.iter().cloned());
    // An emergency card is plain text, not a share: check it and show it.
    if let Some(card) = texts.iter().find(|t| share::emergency::looks_like_card(t)) {
        let verified = share::emergency::verify(card, today)?;
        return output::emit(json, &verified, || output::emergency(&verified));
    }
    let mut reader = ReaderSession::new(load_sessions(&args.state, now));
    let mut rejected = 0usize;
    let mut last_error = None;
    for text in &texts {
        match reader.push_text(text, now) {
            Ok(p) if p.complete => break,
            Ok(_) => {}
            Err(e @ (ShareError::FrameRejected(_) | ShareError::OtherTransfer)) => {
                rejected += 1;
                last_error = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let progress = reader.progress();
    let Some(share) = reader.result() else {
        let detail = last_error
            .map(|e| format!("; {rejected} frame(s) refused, last: {e}"))
            .unwrap_or_default();
        return Err(CliError {
            message: format!(
                "the share is incomplete ({:.0}% received){detail}; scan more frames",
                progress.fraction * 100.0
            ),
            code: 4,
        });
    };
    if let Some(path) = &args.html {
        let printed = chrono::Local::now().format("%d/%m/%Y %H:%M").to_string();
        std::fs::write(path, printable::render(share, today, &printed, args.lang)).map_err(
            |e| CliError::other(format!("cannot write {}: {}", path.display(), e.kind())),
        )?;
    }
    if json {
        return output::json(share);
    }
    output::received(share, today);
    if let Some(path) = &args.html {
        println!("\nPrintable page: {}", path.display());
    }
    Ok(())
}

// ---- patient side -----------------------------------------------------------------------

pub struct ShareArgs {
    pub profile: carnet_core::model::ProfileId,
    pub hello: Option<Hello>,
    /// Who the hello says it is, checked against the trust store.
    pub recipient: Option<share::Recipient>,
    pub open: bool,
    pub lifetime: u64,
    pub out: Option<PathBuf>,
    pub frames: Option<PathBuf>,
    pub terminal: bool,
    pub selection: Selection,
    pub preview: bool,
}

pub fn read_hello(file: Option<&Path>, text: Option<&str>) -> Result<Option<Hello>, CliError> {
    let now = now();
    match (file, text) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| CliError {
                message: format!("cannot read {}: {}", path.display(), e.kind()),
                code: 4,
            })?;
            let texts = share::render::read_image(&bytes)?;
            let first = texts.first().ok_or(ShareError::NoCodeInImage)?;
            Ok(Some(Hello::parse(first, now)?))
        }
        (None, Some(text)) => Ok(Some(Hello::parse(text, now)?)),
        (None, None) => Ok(None),
    }
}

pub fn share(vault: &Vault, args: ShareArgs, json: bool) -> Result<(), CliError> {
    if args.hello.is_none() && !args.open {
        return Err(CliError::usage(
            "give the doctor's hello (--for HELLO.png or --for-text TEXT), or --open to make a code that anyone who scans it can read",
        ));
    }
    let today = chrono::Local::now().date_naive();
    if args.preview {
        let summary = vault.summary(&args.profile, today)?;
        let items = share::pack::candidates(&summary, &args.selection);
        return output::emit(json, &items, || output::preview(&items));
    }
    let prepared = share::share_profile_to(
        vault,
        &args.profile,
        &args.selection,
        args.hello.as_ref(),
        args.recipient.as_ref(),
        today,
        now(),
        args.lifetime,
    )?;
    let mut written = Vec::new();
    if let Some(out) = &args.out {
        let first = prepared.codes.first().ok_or(ShareError::Incomplete)?;
        if prepared.is_animated() {
            return Err(CliError::usage(format!(
                "this share needs {} frames; write them with --frames DIR",
                prepared.codes.len()
            )));
        }
        write_code(&QrMatrix::encode(first, share::MAX_SINGLE_VERSION)?, out)?;
        written.push(out.clone());
    }
    if let Some(dir) = &args.frames {
        std::fs::create_dir_all(dir)?;
        for (i, code) in prepared.codes.iter().enumerate() {
            let path = dir.join(format!("frame-{:03}.png", i + 1));
            write_code(&QrMatrix::encode(code, share::MAX_SINGLE_VERSION)?, &path)?;
            written.push(path);
        }
        std::fs::write(dir.join("frames.txt"), prepared.codes.join("\n") + "\n")?;
    }
    let expires =
        chrono::DateTime::from_timestamp(i64::try_from(prepared.expires_at).unwrap_or(0), 0)
            .unwrap_or_default();
    output::emit(
        json,
        &serde_json::json!({
            "mode": match &prepared.mode { share::ShareMode::Open => "open".to_owned(), share::ShareMode::ToHello { fingerprint } => format!("to-hello {fingerprint}") },
            "expires_at": prepared.expires_at,
            "qr_version": prepared.version,
            "codes": prepared.codes,
            "items": prepared.items,
            "files": written,
            "warning": prepared.warning(),
        }),
        || {
            if let Some(w) = prepared.warning() {
                println!("WARNING: {w}");
            }
            match &args.recipient {
                Some(r @ share::Recipient::Verified(_)) => println!("Recipient: {}", r.describe()),
                Some(r @ share::Recipient::Unverified { .. }) => {
                    println!("WARNING: {}", r.describe())
                }
                None => {}
            }
            match &prepared.mode {
                share::ShareMode::ToHello { fingerprint } => println!(
                    "Sealed for the doctor's device {fingerprint}; check it matches their screen."
                ),
                share::ShareMode::Open => println!("Open share."),
            }
            println!(
                "{} items, valid until {} UTC.",
                prepared.items.len(),
                expires.format("%Y-%m-%d %H:%M")
            );
            match prepared.version {
                Some(v) => println!(
                    "One QR code, version {v} ({} bytes sealed).",
                    prepared.sealed_len
                ),
                None => println!(
                    "{} frames to show in turn ({} bytes sealed).",
                    prepared.codes.len(),
                    prepared.sealed_len
                ),
            }
            if args.terminal {
                show_in_terminal(&prepared.codes);
            }
            for path in &written {
                println!("Wrote {}", path.display());
            }
            if written.is_empty() && !args.terminal {
                for code in &prepared.codes {
                    println!("{code}");
                }
            }
        },
    )
}

/// Draws the code in the terminal; frames are animated, three times round, five a second.
fn show_in_terminal(codes: &[String]) {
    let matrices: Vec<QrMatrix> = codes
        .iter()
        .filter_map(|c| QrMatrix::encode(c, share::MAX_SINGLE_VERSION).ok())
        .collect();
    match matrices.as_slice() {
        [one] => print!("{}", one.to_terminal()),
        many => {
            for _ in 0..3 {
                for (i, m) in many.iter().enumerate() {
                    // Clear the screen and go home, then draw the frame.
                    println!(
                        "\x1b[2J\x1b[H{}frame {}/{}",
                        m.to_terminal(),
                        i + 1,
                        many.len()
                    );
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            }
        }
    }
}

pub fn emergency_card(
    vault: &Vault,
    profile: &carnet_core::model::ProfileId,
    out: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    let text = share::emergency_card(vault, profile, today)?;
    let matrix = QrMatrix::encode(&text, share::emergency::CARD_MAX_VERSION)?;
    if let Some(out) = out {
        write_code(&matrix, out)?;
    }
    output::emit(
        json,
        &serde_json::json!({ "text": text, "qr_version": matrix.version, "out": out }),
        || {
            println!("{text}");
            println!();
            println!(
                "QR version {}{}",
                matrix.version,
                out.map(|o| format!(", written to {}", o.display()))
                    .unwrap_or_default()
            );
        },
    )
}
