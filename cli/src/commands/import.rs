//! `carnet import`: into the patient's vault, whatever the patient was given: a practitioner's
//! signed record (QR images or scanned texts), a FHIR R4 bundle (a JSON file) or a French CDA
//! R2 document (an XML file from the DMP, MSSanté or a laboratory). It tells which from the
//! content, not the file name.

use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, load_store, profile_arg, trust_dir};
use carnet_core::model::Provenance;
use carnet_core::qr::QrError;
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust::transport::SignedRecordScanner;
use carnet_core::trust::{self, UnverifiedPolicy};
use carnet_core::vault::ImportOptions;
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ImportArgs {
    scans: Vec<PathBuf>,
    #[arg(long = "text")]
    texts: Vec<String>,
    #[arg(long)]
    profile: Option<String>,
    /// Store a record whose certificate does not verify, marked NOT verified.
    #[arg(long)]
    accept_unverified: bool,
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
    /// For a FHIR bundle or a CDA document: print what would be imported and skipped, and
    /// store nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: ImportArgs, ctx: &Context) -> Result<(), CliError> {
    // A single file that is FHIR JSON is a bundle, one that is CDA XML a document; anything
    // else is a signed record's codes. Only the file's start is read to tell: a CDA document
    // with a large PDF streams from the file and may be larger than any input held in memory.
    if let [path] = args.scans.as_slice() {
        let mut head = Vec::new();
        files::open_input(path)?
            .take(64 * 1024)
            .read_to_end(&mut head)
            .map_err(|e| CliError::from(e).context(path))?;
        if carnet_core::cda::looks_like_cda(&head) {
            return document(&args, path, ctx);
        }
        if carnet_core::fhir::looks_like_fhir(&head) {
            let bytes = files::read_input(path)?;
            return bundle(&args, path, &bytes, ctx);
        }
    }
    if args.dry_run {
        return Err(CliError::usage(
            "--dry-run is for a FHIR bundle or a CDA document (a .json or .xml file)",
        ));
    }
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let mut all = files::read_codes(&args.scans)?;
    all.extend(args.texts.iter().cloned());
    if all.is_empty() {
        return Err(CliError::usage("give the signed record's images or --text"));
    }
    let mut scanner = SignedRecordScanner::new();
    for text in &all {
        match scanner.push_text(text) {
            Ok(p) if p.complete => break,
            Ok(_) | Err(QrError::FrameRejected(_) | QrError::OtherTransfer) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let bytes = scanner
        .result()
        .ok_or_else(|| CliError::not_found("the signed record is incomplete: scan more frames"))?;
    let policy = if args.accept_unverified {
        UnverifiedPolicy::StoreUnverified
    } else {
        UnverifiedPolicy::Reject
    };
    let record = trust::import_signed(
        &vault,
        &profile.id,
        bytes,
        &store,
        SystemClock.now(),
        policy,
    )?;
    output::emit(ctx.json, &record, || {
        say!("Imported {}", record.body.title());
        say!("  provenance: {}", record.provenance.label());
        if let Provenance::Practitioner {
            name,
            rpps,
            trust_anchor,
            ..
        } = &record.provenance
        {
            let rpps = rpps
                .as_ref()
                .map(|r| format!(", RPPS {r}"))
                .unwrap_or_default();
            let anchor = trust_anchor
                .as_ref()
                .map(|a| format!(", verified by {a}"))
                .unwrap_or_default();
            say!("  signed by {name}{rpps}{anchor}");
        }
    })
}

/// Imports a FHIR bundle, in one transaction, and prints the report.
fn bundle(args: &ImportArgs, path: &Path, bytes: &[u8], ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report = carnet_core::fhir::import_bundle(
        &vault,
        &profile.id,
        bytes,
        &file_name,
        &ImportOptions::trusting_no_one(SystemClock.now()),
        args.dry_run,
    )
    .map_err(|e| CliError::from(e).context(path))?;
    output::emit(ctx.json, &report, || {
        output::import_report(&report, &profile.display_name)
    })
}

/// Imports a CDA document, in one transaction, and prints the report.
fn document(args: &ImportArgs, path: &Path, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let report = carnet_core::cda::import_document(
        &vault,
        &profile.id,
        path,
        &ImportOptions::trusting_no_one(SystemClock.now()),
        args.dry_run,
    )
    .map_err(|e| CliError::from(e).context(path))?;
    output::emit(ctx.json, &report, || {
        output::import_report(&report, &profile.display_name)
    })
}
