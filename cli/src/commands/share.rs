//! The patient's side at the terminal: `share` (a consultation pack as QR codes for a
//! doctor), `emergency-card` (plain text any camera reads), `receipts` (keep and list the
//! doctors' access receipts).

use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, load_store, profile_arg, trust_dir};
use carnet_core::files::Existing;
use carnet_core::qr::{self, QrMatrix};
use carnet_core::share::{self, Hello, Recipient, Selection, ShareError, ShareMode, emergency};
use carnet_core::time::{Clock, SystemClock};
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ShareArgs {
    #[arg(long)]
    profile: Option<String>,
    /// The doctor's hello, as an image.
    #[arg(long = "for", conflicts_with = "for_text")]
    for_image: Option<PathBuf>,
    /// The doctor's hello, as scanned text.
    #[arg(long)]
    for_text: Option<String>,
    /// No hello: the key travels in the code, so ANYONE who scans it can read it.
    #[arg(long, conflicts_with_all = ["for_image", "for_text"])]
    open: bool,
    /// How long the share stays valid: 30m, 2h, 1d.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    expires: std::time::Duration,
    /// PNG or SVG file for a single code.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Directory for the frames of a large share (PNG files and frames.txt).
    #[arg(long)]
    frames: Option<PathBuf>,
    /// Draw the code in the terminal.
    #[arg(long)]
    terminal: bool,
    /// Leave an item out (its key is shown by --preview). Repeatable.
    #[arg(long)]
    exclude: Vec<String>,
    /// Put in an item that is out by default (identity:ins, identity:emergency_contact).
    #[arg(long)]
    include: Vec<String>,
    /// Mark items dated on or after this day as new.
    #[arg(long)]
    since: Option<NaiveDate>,
    /// How many of the latest letters to include.
    #[arg(long)]
    letters: Option<usize>,
    /// Share the vaccinations (the default for a child).
    #[arg(long, conflicts_with = "no_vaccinations")]
    vaccinations: bool,
    /// Leave the vaccinations out (an adult's are out unless --vaccinations).
    #[arg(long)]
    no_vaccinations: bool,
    /// Include the letters' full text (usually makes an animated multi-frame share).
    #[arg(long)]
    letter_text: bool,
    /// Where the trusted authorities are, to verify the doctor's hello.
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
    /// Seal to a doctor's hello that does not verify (no certificate, or one the trusted
    /// authorities do not vouch for), after checking with the doctor that the code on their
    /// screen is theirs. Then compare the comparison code with their screen.
    #[arg(long)]
    accept_unverified_doctor: bool,
    /// Show what would be shared, and share nothing.
    #[arg(long)]
    preview: bool,
}

/// What `share --frames` writes: `frame-NNN.png` and `frames.txt`.
fn is_frame_file(name: &str) -> bool {
    name == "frames.txt"
        || name
            .strip_prefix("frame-")
            .and_then(|n| n.strip_suffix(".png"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// "30m", "2h", "90s", "1d" or plain minutes; between a second and a week.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30m, 2h or 1d"))?;
    let seconds = match unit {
        "s" => Some(n),
        "" | "m" | "min" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        _ => return Err(format!("{text:?} is not a duration such as 30m, 2h or 1d")),
    };
    match seconds {
        Some(s) if (1..=7 * 86_400).contains(&s) => Ok(std::time::Duration::from_secs(s)),
        _ => Err("a share lasts between 1 second and 7 days".into()),
    }
}

/// The doctor's hello from an image or a scanned text, checked at `now`.
pub fn read_hello(file: Option<&Path>, text: Option<&str>) -> Result<Option<Hello>, CliError> {
    let now = SystemClock.now();
    let scanned = match (file, text) {
        (Some(path), _) => {
            let texts = qr::scan::read_image(&files::read_input(path)?)?;
            Some(texts.into_iter().next().ok_or(qr::QrError::NoCodeInImage)?)
        }
        (None, Some(text)) => Some(text.to_owned()),
        (None, None) => None,
    };
    Ok(scanned.map(|t| Hello::parse(&t, now)).transpose()?)
}

pub fn run(args: ShareArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let hello = read_hello(args.for_image.as_deref(), args.for_text.as_deref())?;
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let now = SystemClock.now();
    let selection = Selection {
        excluded: args.exclude.into_iter().collect(),
        included: args.include.into_iter().collect(),
        changes_since: args.since,
        letters: args.letters,
        lab_history: None,
        immunisations: match (args.vaccinations, args.no_vaccinations) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        letter_text: args.letter_text,
    };
    if hello.is_none() && !args.open {
        return Err(CliError::usage(
            "give the doctor's hello (--for HELLO.png or --for-text TEXT), or --open to make a code that anyone who scans it can read",
        ));
    }
    let today = SystemClock.today();
    if args.preview {
        let summary = vault.summary(&profile.id, today)?;
        let items = share::selection::candidates(&summary, &selection);
        return output::emit(ctx.json, &items, || output::preview(&items));
    }
    let prepared = share::share_profile(
        &vault,
        &share::ShareRequest {
            profile: profile.id,
            selection: &selection,
            hello: hello.as_ref(),
            trust: &store,
            unverified_hello_accepted: args.accept_unverified_doctor,
            today,
            now,
            lifetime: args.expires,
        },
    )
    .map_err(|e| match e {
        share::ShareFlowError::Share(ShareError::UnverifiedHello) => {
            let who = hello
                .as_ref()
                .map(|h| h.recipient(&store, now).describe())
                .unwrap_or_default();
            CliError::usage(format!(
                "{}: nothing was sealed. Check with the doctor that the code on their screen is theirs, then share again with --accept-unverified-doctor and compare the comparison code with their screen",
                output::terminal_safe(&who)
            ))
        }
        other => other.into(),
    })?;
    let recipient = prepared.recipient.clone();
    let mut written = Vec::new();
    if let Some(out) = &args.out {
        let first = prepared.codes.first().ok_or(ShareError::Incomplete)?;
        if prepared.is_animated() {
            return Err(CliError::usage(format!(
                "this share needs {} frames; write them with --frames DIR",
                prepared.codes.len()
            )));
        }
        files::write_code_text(first, qr::MAX_SINGLE_VERSION, out, ctx.existing())?;
        written.push(out.clone());
    }
    if let Some(dir) = &args.frames {
        // The previous share's frames go first: none of them may still be read with these.
        for old in files::own_dir(dir, is_frame_file)? {
            std::fs::remove_file(old)?;
        }
        for (i, code) in prepared.codes.iter().enumerate() {
            let path = dir.join(format!("frame-{:03}.png", i + 1));
            files::write_code_text(code, qr::MAX_SINGLE_VERSION, &path, Existing::Refuse)?;
            written.push(path);
        }
        files::write_output(
            &dir.join("frames.txt"),
            (prepared.codes.join("\n") + "\n").as_bytes(),
            Existing::Refuse,
        )?;
    }
    output::emit(
        ctx.json,
        &serde_json::json!({
            "mode": match &prepared.mode { ShareMode::Open => "open".to_owned(), ShareMode::ToHello { fingerprint } => format!("to-hello {fingerprint}") },
            "expires_at": carnet_core::time::unix(prepared.expires_at),
            "qr_version": prepared.version,
            "codes": prepared.codes,
            "items": prepared.items,
            "files": written,
            "warning": prepared.warning(),
            "recipient": prepared.recipient.as_ref().map(Recipient::describe),
            "comparison_code": prepared.comparison_code,
            "proved_items": prepared.proved_items,
        }),
        || {
            if let Some(w) = prepared.warning() {
                say!("WARNING: {w}");
            }
            match &recipient {
                Some(r @ Recipient::Verified(_)) => {
                    say!("Recipient: {}", output::terminal_safe(&r.describe()))
                }
                Some(r @ Recipient::Unverified { .. }) => say!(
                    "WARNING: {} (shared as you chose)",
                    output::terminal_safe(&r.describe())
                ),
                None => {}
            }
            match &prepared.mode {
                ShareMode::ToHello { fingerprint } => {
                    say!("Sealed for the doctor's device {fingerprint}.");
                    if let Some(code) = &prepared.comparison_code {
                        say!(
                            "Comparison code: {code}. The doctor's screen shows it once it reads the share; if it differs, the share went through another device."
                        );
                    }
                }
                ShareMode::Open => say!("Open share."),
            }
            if prepared.proved_items > 0 {
                say!(
                    "{} item(s) carry their practitioner's signature, for the doctor's device to check.",
                    prepared.proved_items
                );
            }
            say!(
                "{} items, valid until {} UTC.",
                prepared.items.len(),
                prepared.expires_at.format("%Y-%m-%d %H:%M")
            );
            match prepared.version {
                Some(v) => say!(
                    "One QR code, version {v} ({} bytes sealed).",
                    prepared.sealed_len
                ),
                None => say!(
                    "{} frames to show in turn ({} bytes sealed).",
                    prepared.codes.len(),
                    prepared.sealed_len
                ),
            }
            if args.terminal {
                show_in_terminal(&prepared.codes);
            }
            for path in &written {
                say!("Wrote {}", path.display());
            }
            if written.is_empty() && !args.terminal {
                for code in &prepared.codes {
                    say!("{code}");
                }
            }
        },
    )
}

/// Draws the code in the terminal; frames are animated, three times round, five a second.
fn show_in_terminal(codes: &[String]) {
    let matrices: Vec<QrMatrix> = codes
        .iter()
        .filter_map(|c| QrMatrix::encode(c, qr::MAX_SINGLE_VERSION).ok())
        .collect();
    match matrices.as_slice() {
        [one] => print!("{}", one.to_terminal()),
        many => {
            for _ in 0..3 {
                for (i, m) in many.iter().enumerate() {
                    // Clear the screen and go home, then draw the frame: our own escape codes
                    // and the drawing, printed as they are.
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

#[derive(Debug, Args)]
pub struct EmergencyCardArgs {
    #[arg(long)]
    profile: Option<String>,
    /// PNG or SVG file to write.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn emergency_card(args: EmergencyCardArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let text = share::emergency_card(&vault, &profile.id, SystemClock.today())?;
    let matrix = QrMatrix::encode_text(&text, emergency::CARD_MAX_VERSION)?;
    if let Some(out) = &args.out {
        files::write_code(&matrix, out, ctx.existing())?;
    }
    output::emit(
        ctx.json,
        &serde_json::json!({ "text": text, "qr_version": matrix.version, "out": args.out }),
        || {
            for line in text.lines() {
                say!("{line}");
            }
            println!();
            say!(
                "QR version {}{}",
                matrix.version,
                args.out
                    .as_ref()
                    .map(|o| format!(", written to {}", o.display()))
                    .unwrap_or_default()
            );
        },
    )
}

#[derive(Debug, Args)]
pub struct ReceiptsArgs {
    #[arg(long)]
    add: Option<PathBuf>,
    #[arg(long)]
    text: Option<String>,
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
}

/// Keeps a doctor's receipt (from an image or text) and lists those kept.
pub fn receipts(args: ReceiptsArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let scanned = match (&args.add, &args.text) {
        (Some(path), _) => qr::scan::read_image(&files::read_input(path)?)?
            .into_iter()
            .next(),
        (None, Some(t)) => Some(t.clone()),
        (None, None) => None,
    };
    if let Some(code) = scanned {
        share::receipt::keep_receipt(&vault, &code, &store)?;
    }
    let all = share::receipt::receipts(&vault)?;
    output::emit(ctx.json, &all, || {
        if all.is_empty() {
            say!("No receipts yet.");
        }
        for r in &all {
            say!(
                "{}  {}  read the share to {}: {}",
                r.read_at.format("%Y-%m-%d %H:%M UTC"),
                r.practitioner,
                r.hello,
                r.items.join(", ")
            );
        }
    })
}
