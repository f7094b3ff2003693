//! `carnet desk`: the consultation desk for a GP with only a browser (the `carnet-desk`
//! crate). It prints the address, opens it in the default browser unless told not to, and
//! serves until interrupted; the hello's secret and the share read live in memory only.

use super::doctor::signer;
use crate::exit::CliError;
use crate::session::{doctor_state, load_store, trust_dir};
use carnet_desk::{Desk, DeskOptions};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DeskArgs {
    /// Only print the address; do not open the browser.
    #[arg(long)]
    no_browser: bool,
    /// The port on 127.0.0.1 [default: any free port].
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The practitioner's certificate chain (PEM): the hello says who the doctor is, and the
    /// desk shows a signed access receipt for each share read.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// The practitioner's PKCS#8 P-256 key.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Where the trusted authorities are, to verify practitioners' signatures in shares.
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
    /// The state of `carnet doctor hello` (the same default): shares sealed to the hellos it
    /// made, while they are valid, also open at the desk.
    #[arg(long, env = "CARNET_DOCTOR_STATE")]
    state: Option<PathBuf>,
}

pub fn run(args: DeskArgs) -> Result<(), CliError> {
    let signer = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(signer(cert, key)?),
        _ => None,
    };
    let trust = load_store(&trust_dir(args.trust_dir)?)?;
    let state = doctor_state(args.state)?;
    let earlier_sessions: carnet_desk::EarlierSessions =
        Box::new(move |now| super::doctor::load_sessions(&state, now));
    let desk = Desk::start(DeskOptions {
        port: args.port,
        signer,
        trust,
        earlier_sessions: Some(earlier_sessions),
    })?;
    let url = desk.url();
    // The desk serves on even if whoever started it stopped reading its output.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Carnet desk: {url}");
    let _ = writeln!(
        out,
        "Open this address in the browser on this PC (it works offline); Ctrl-C stops the desk."
    );
    let _ = out.flush();
    if !args.no_browser {
        open_browser(&url);
    }
    desk.serve();
    Ok(())
}

/// Opens the address in the default browser; if that fails, the printed address remains.
fn open_browser(url: &str) {
    let (program, before): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(target_os = "windows") {
        ("cmd", &["/C", "start", ""])
    } else {
        ("xdg-open", &[])
    };
    let _ = std::process::Command::new(program)
        .args(before)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
