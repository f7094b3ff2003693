//! The practitioner authorities this device trusts (`carnet trust add-anchor|list`), and a
//! practitioner signing a record for the patient (`carnet practitioner issue`).

use crate::commands::doctor::signer;
use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, load_store, trust_dir};
use carnet_core::model::{Ins, RecordKind};
use carnet_core::qr;
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust::{self, Patient, TrustStore, transport};
use chrono::NaiveDate;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a certification authority (PEM or DER), e.g. an IGC-Santé root.
    AddAnchor {
        file: PathBuf,
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
    /// Load a certificate revocation list (PEM or DER) signed by a trusted authority: the
    /// certificates it lists are refused from then on.
    AddCrl {
        file: PathBuf,
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
    /// List the trusted authorities.
    List {
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
}

pub fn run(command: TrustCommand, json: bool) -> Result<(), CliError> {
    match command {
        TrustCommand::AddAnchor {
            file,
            trust_dir: dir,
        } => add_anchor(&trust_dir(dir)?, &file, json),
        TrustCommand::AddCrl {
            file,
            trust_dir: dir,
        } => add_crl(&trust_dir(dir)?, &file, json),
        TrustCommand::List { trust_dir: dir } => list(&trust_dir(dir)?, json),
    }
}

fn add_anchor(dir: &Path, file: &Path, json: bool) -> Result<(), CliError> {
    let bytes = files::read_input(file)?;
    let mut check = TrustStore::new();
    let names = check
        .add(&bytes)
        .map_err(|e| CliError::from(e).context(file))?;
    std::fs::create_dir_all(dir)?;
    let known = load_store(dir)?;
    let existing: Vec<&Vec<u8>> = known
        .anchors()
        .iter()
        .map(|a| &a.der)
        .chain(known.intermediates())
        .collect();
    let new: Vec<&Vec<u8>> = check
        .anchors()
        .iter()
        .map(|a| &a.der)
        .chain(check.intermediates())
        .collect();
    for der in new.into_iter().filter(|d| !existing.contains(d)) {
        // Named by their fingerprint: adding one never replaces another.
        write_once(
            &dir.join(format!("authority-{}.der", fingerprint(der))),
            der,
        )?;
    }
    output::emit(json, &names, || {
        for n in &names {
            say!("Trusted: {n}");
        }
    })
}

/// The first 16 hex digits of a file's SHA-256: its name in the trust directory.
fn fingerprint(bytes: &[u8]) -> String {
    carnet_core::crypto::digest::sha256(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` at `path` unless the same file is already there.
fn write_once(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    carnet_core::files::write_new(path, |f| {
        use std::io::Write;
        f.write_all(bytes)
    })?;
    Ok(())
}

fn add_crl(dir: &Path, file: &Path, json: bool) -> Result<(), CliError> {
    let bytes = files::read_input(file)?;
    let mut store = load_store(dir)?;
    let issued = store
        .add_crl(&bytes)
        .map_err(|e| CliError::from(e).context(file))?;
    std::fs::create_dir_all(dir)?;
    write_once(
        &dir.join(format!("revocation-{}.crl", fingerprint(&bytes))),
        &bytes,
    )?;
    output::emit(
        json,
        &serde_json::json!({ "issued": carnet_core::time::unix(issued) }),
        || {
            say!(
                "Revocation list loaded (issued {}).",
                issued.format("%Y-%m-%d")
            )
        },
    )
}

fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = load_store(dir)?;
    let names: Vec<&str> = store.anchors().iter().map(|a| a.name.as_str()).collect();
    output::emit(json, &names, || {
        if names.is_empty() {
            say!("No trust anchors. Add one with `carnet trust add-anchor FILE`.");
        }
        for n in &names {
            say!("{n}");
        }
    })
}

#[derive(Debug, Subcommand)]
pub enum PractitionerCommand {
    /// Sign a record file (see examples/) and write its QR code.
    Issue {
        /// prescription, letter or lab
        kind: RecordKind,
        /// The practitioner's certificate, then intermediates (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// The practitioner's PKCS#8 P-256 private key (PEM or DER).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        file: PathBuf,
        /// The patient the record is for, as their share or their documents name them: the
        /// record is bound to them, and another patient's vault refuses it.
        #[arg(long)]
        patient: String,
        #[arg(long)]
        patient_birth_date: NaiveDate,
        /// The patient's INS, when known (it is never shown to anyone else).
        #[arg(long)]
        patient_ins: Option<Ins>,
        /// PNG to write (frames get -001, -002… when the record needs several codes).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The practitioner signs a record file and writes its QR code(s).
pub fn issue(command: PractitionerCommand, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    let PractitionerCommand::Issue {
        kind,
        cert,
        key,
        file,
        patient,
        patient_birth_date,
        patient_ins,
        out,
    } = command;
    let patient = Patient {
        name: patient,
        birth_date: patient_birth_date,
        ins: patient_ins,
    };
    let signer = signer(&cert, &key)?;
    let body = files::read_record_file(&file)?;
    if body.kind() != kind {
        return Err(CliError::invalid(format!(
            "{} holds a {}, not a {}",
            file.display(),
            body.kind(),
            kind
        )));
    }
    let signed = trust::sign_record(&body, &patient, &signer, SystemClock.now())?;
    let codes = transport::qr_codes(&signed)?;
    let mut written = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let path = if codes.len() == 1 {
            out.clone()
        } else {
            let stem = out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "signed".into());
            out.with_file_name(format!("{stem}-{:03}.png", i + 1))
        };
        files::write_code_text(code, qr::MAX_SINGLE_VERSION, &path, ctx.existing())?;
        written.push(path);
    }
    output::emit(
        json,
        &serde_json::json!({ "codes": codes, "files": written }),
        || {
            for p in &written {
                say!("Wrote {}", p.display());
            }
            say!("Show it to the patient: `carnet import` reads it into their vault, verified.");
        },
    )
}
