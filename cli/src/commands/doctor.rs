//! The doctor's side at the terminal: `doctor hello` (a session key shown as a QR code),
//! `receive` (read a patient's share and print it), `receipt` (sign an access receipt).
//!
//! The session secrets are kept in a state directory, one file per hello, readable only by
//! their owner, deleted once expired.

use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, doctor_state, load_store, trust_dir};
use carnet_core::qr::{self, QrMatrix};
use carnet_core::share::printable::{self, Lang};
use carnet_core::share::{
    DoctorSession, OpenedShare, ReaderSession, ShareError, emergency, receipt,
};
use carnet_core::time::{self, Clock, SystemClock};
use carnet_core::trust::{Signer, SoftwareSigner, TrustStore};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// Make a hello: a fresh session key, kept in the local state, shown as a QR code.
    Hello(HelloArgs),
}

#[derive(Debug, Args)]
pub struct HelloArgs {
    /// PNG or SVG file to write.
    #[arg(long)]
    out: Option<PathBuf>,
    /// How long the hello stays valid, in minutes (1 to 1440).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    minutes: u64,
    /// Also draw the code in the terminal.
    #[arg(long)]
    terminal: bool,
    #[arg(long, env = "CARNET_DOCTOR_STATE")]
    state: Option<PathBuf>,
    /// The practitioner's certificate chain (PEM): the patient then sees who they share with.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// The practitioner's PKCS#8 P-256 key.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
}

/// What the state directory holds: `session-<16 hex digits>.key`, one per hello.
fn is_session_file(name: &str) -> bool {
    name.strip_prefix("session-")
        .and_then(|n| n.strip_suffix(".key"))
        .is_some_and(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn save_session(dir: &Path, session: &DoctorSession) -> Result<PathBuf, CliError> {
    files::own_dir(dir, is_session_file)?;
    let hello = session.hello();
    let name: String = hello.key_id().iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("session-{name}.key"));
    let secret = session.secret_bytes();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let content = zeroize::Zeroizing::new(format!("{hex} {}\n", time::unix(hello.expires_at)));
    use std::io::Write;
    carnet_core::files::create_private(&path).and_then(|mut f| f.write_all(content.as_bytes()))?;
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
    let expires_at = time::from_unix(expiry.parse().ok()?)?;
    Some(DoctorSession::from_secret(*secret, expires_at))
}

/// The sessions still valid at `now`; expired ones are deleted.
pub fn load_sessions(dir: &Path, now: chrono::DateTime<chrono::Utc>) -> Vec<DoctorSession> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut sessions = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        // Only Carnet's own session files are read, and only they are ever deleted.
        if !path
            .file_name()
            .is_some_and(|n| is_session_file(&n.to_string_lossy()))
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

/// A software signer from a certificate chain file (PEM) and a PKCS#8 key file.
pub fn signer(cert: &Path, key: &Path) -> Result<SoftwareSigner, CliError> {
    let chain = carnet_core::trust::certificates_from_file(&files::read_input(cert)?)
        .map_err(|e| CliError::from(e).context(cert))?;
    SoftwareSigner::new(&files::read_input(key)?, chain).map_err(|e| CliError::from(e).context(key))
}

/// A new hello session, kept in `state`.
pub fn new_session(
    state: &Path,
    lifetime: Duration,
    signer: Option<&dyn Signer>,
) -> Result<DoctorSession, CliError> {
    let mut session = DoctorSession::new(SystemClock.now(), lifetime)?;
    if let Some(signer) = signer {
        session.sign_hello(signer)?;
    }
    save_session(state, &session)?;
    Ok(session)
}

/// Reads a share from image files with the sessions kept in `state`, its proofs checked
/// against this device's `trust` store.
pub fn receive_files(
    state: &Path,
    trust: TrustStore,
    files: &[PathBuf],
) -> Result<OpenedShare, CliError> {
    let now = SystemClock.now();
    let mut reader = ReaderSession::new(load_sessions(state, now), trust);
    for path in files {
        reader.push_image(&files::read_input(path)?, now)?;
    }
    Ok(reader.into_result()?)
}

pub fn run(command: DoctorCommand, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    let DoctorCommand::Hello(args) = command;
    let signer = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(signer(cert, key)?),
        (None, None) => None,
        _ => return Err(CliError::usage("give both --cert and --key, or neither")),
    };
    let lifetime = Duration::from_secs(args.minutes * 60);
    let session = new_session(
        &doctor_state(args.state)?,
        lifetime,
        signer.as_ref().map(|s| s as &dyn Signer),
    )?;
    let hello = session.hello();
    let text = hello.to_text();
    // With the practitioner's certificate chain the hello is larger than a bare key.
    let matrix = QrMatrix::encode(&text, qr::MAX_SINGLE_VERSION)?;
    if let Some(out) = &args.out {
        files::write_code(&matrix, out, ctx.existing())?;
    }
    output::emit(
        json,
        &serde_json::json!({ "hello": text, "fingerprint": hello.fingerprint(), "expires_at": time::unix(hello.expires_at), "qr_version": matrix.version, "out": args.out }),
        || {
            if args.terminal {
                print!("{}", matrix.to_terminal());
            }
            say!(
                "Hello {} (QR version {}), valid until {} UTC",
                hello.fingerprint(),
                matrix.version,
                hello.expires_at.format("%H:%M")
            );
            if let Some(out) = &args.out {
                say!(
                    "Show {} to the patient, or give them this text:",
                    out.display()
                );
            }
            say!("{text}");
        },
    )
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// PNG images of the code or of its frames.
    files: Vec<PathBuf>,
    /// Scanned texts (repeat for frames).
    #[arg(long = "text")]
    texts: Vec<String>,
    /// Also write the printable page here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Labels of the printable page: fr or en.
    #[arg(long, default_value = "fr")]
    lang: Lang,
    /// Also save what was read as a FHIR R4 International Patient Summary here, for the
    /// practice's own software.
    #[arg(long)]
    fhir: Option<PathBuf>,
    /// Where the hello sessions are kept [default: the user's data directory, carnet/doctor].
    #[arg(long, env = "CARNET_DOCTOR_STATE")]
    state: Option<PathBuf>,
    /// The authorities this device trusts: a practitioner's item reads as verified only when
    /// its signature verifies against them.
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
}

/// Reads a share (or an emergency card) from images or scanned texts and prints it.
pub fn receive(args: ReceiveArgs, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    if args.files.is_empty() && args.texts.is_empty() {
        return Err(CliError::usage("give the share's image files or --text"));
    }
    let state = doctor_state(args.state)?;
    let now = SystemClock.now();
    let today = SystemClock.today();
    let mut texts = files::read_codes(&args.files)?;
    texts.extend(args.texts.iter().cloned());
    // An emergency card is plain text, not a share: check it and show it.
    if let Some(card) = texts.iter().find(|t| emergency::looks_like_card(t)) {
        let verified = emergency::verify(card, today)?;
        return output::emit(json, &verified, || output::emergency(&verified));
    }
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let mut reader = ReaderSession::new(load_sessions(&state, now), store);
    let mut rejected = 0usize;
    let mut last_error = None;
    for text in &texts {
        match reader.push_text(text, now) {
            Ok(p) if p.complete => break,
            Ok(_) => {}
            Err(
                e @ ShareError::Code(
                    carnet_core::qr::QrError::FrameRejected(_)
                    | carnet_core::qr::QrError::OtherTransfer,
                ),
            ) => {
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
        return Err(CliError::not_found(format!(
            "the share is incomplete ({:.0}% received){detail}; scan more frames",
            progress.fraction * 100.0
        )));
    };
    if let Some(path) = &args.html {
        let printed = now
            .with_timezone(&chrono::Local)
            .format("%d/%m/%Y %H:%M")
            .to_string();
        files::write_output(
            path,
            printable::render(share, today, &printed, args.lang).as_bytes(),
            ctx.existing(),
        )?;
    }
    if let Some(path) = &args.fhir {
        let document = carnet_core::fhir::export_share(share, now);
        files::write_output(path, document.as_bytes(), ctx.existing())?;
    }
    if json {
        return output::json(share);
    }
    output::received(share, today);
    if let Some(path) = &args.html {
        println!();
        say!("Printable page: {}", path.display());
    }
    if let Some(path) = &args.fhir {
        say!("Patient summary (FHIR R4 IPS): {}", path.display());
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ReceiptArgs {
    /// The share's images, read again with this device's sessions.
    files: Vec<PathBuf>,
    #[arg(long)]
    cert: PathBuf,
    #[arg(long)]
    key: PathBuf,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, env = "CARNET_DOCTOR_STATE")]
    state: Option<PathBuf>,
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
}

/// Reads the share again from its images and signs a receipt for it.
pub fn receipt(args: ReceiptArgs, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    let signer = signer(&args.cert, &args.key)?;
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let share = receive_files(&doctor_state(args.state)?, store, &args.files)?;
    let code = receipt::receipt_code(&share, &signer, SystemClock.now())?;
    files::write_code_text(&code, qr::MAX_SINGLE_VERSION, &args.out, ctx.existing())?;
    output::emit(
        json,
        &serde_json::json!({ "receipt": code, "out": args.out }),
        || {
            say!(
                "Receipt for the share read from {} item group(s) written to {}.",
                receipt::items_read(&share).len(),
                args.out.display()
            );
            say!("Show it to the patient; `carnet receipts --add` keeps it in their vault.");
        },
    )
}
