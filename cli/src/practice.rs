//! Practitioners from the terminal: the trust anchors (`carnet trust`), a practitioner
//! signing a record for the patient (`carnet practitioner issue`), and the patient importing
//! it (`carnet import`).

use crate::{CliError, output};
use carnet_core::Vault;
use carnet_core::model::{ProfileId, RecordKind};
use carnet_core::share::ShareError;
use carnet_core::trust::transport::{self, SignedRecordScanner};
use carnet_core::trust::{
    self, ChainError, SignedImportError, SignedRecordError, SoftwareSigner, TrustStore,
    UnverifiedPolicy,
};
use std::path::{Path, PathBuf};

impl From<ChainError> for CliError {
    fn from(e: ChainError) -> Self {
        Self {
            message: e.to_string(),
            code: 6,
        }
    }
}

impl From<SignedRecordError> for CliError {
    fn from(e: SignedRecordError) -> Self {
        Self {
            message: e.to_string(),
            code: 6,
        }
    }
}

impl From<SignedImportError> for CliError {
    fn from(e: SignedImportError) -> Self {
        match e {
            SignedImportError::Vault(v) => v.into(),
            SignedImportError::Signed(s) => s.into(),
            SignedImportError::Unverified(reason) => Self {
                message: format!(
                    "{reason}; not imported (use --accept-unverified to store it marked NOT verified)"
                ),
                code: 6,
            },
        }
    }
}

/// Where the anchors live: one PEM file each, public data.
pub fn trust_dir(given: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let dirs = directories::ProjectDirs::from("app", "Carnet", "carnet")
        .ok_or_else(|| CliError::usage("no home directory: pass --trust-dir DIR"))?;
    Ok(dirs.data_dir().join("trust"))
}

pub fn load_store(dir: &Path) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(store);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path)?;
        store
            .add(&bytes)
            .map_err(|e| CliError::from(e).context(&path))?;
    }
    Ok(store)
}

pub fn add_anchor(dir: &Path, file: &Path, json: bool) -> Result<(), CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError {
        message: format!("cannot read {}: {}", file.display(), e.kind()),
        code: 4,
    })?;
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
        let n = std::fs::read_dir(dir)?.count();
        std::fs::write(dir.join(format!("authority-{:03}.der", n + 1)), der)?;
    }
    output::emit(json, &names, || {
        for n in &names {
            println!("Trusted: {n}");
        }
    })
}

pub fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let store = load_store(dir)?;
    let names: Vec<&str> = store.anchors().iter().map(|a| a.name.as_str()).collect();
    output::emit(json, &names, || {
        if names.is_empty() {
            println!("No trust anchors. Add one with `carnet trust add-anchor FILE`.");
        }
        for n in &names {
            println!("{n}");
        }
    })
}

pub struct IssueArgs {
    pub kind: RecordKind,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub file: PathBuf,
    pub out: PathBuf,
}

/// The practitioner signs a record file and writes its QR code(s).
/// A software signer from a certificate chain file (PEM) and a PKCS#8 key file.
pub fn signer(cert: &Path, key: &Path) -> Result<SoftwareSigner, CliError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| CliError {
            message: format!("cannot read {}: {}", p.display(), e.kind()),
            code: 4,
        })
    };
    let chain =
        trust::certificates_from_file(&read(cert)?).map_err(|e| CliError::from(e).context(cert))?;
    SoftwareSigner::new(&read(key)?, chain).map_err(|e| CliError::from(e).context(key))
}

pub fn issue(args: IssueArgs, json: bool) -> Result<(), CliError> {
    let signer = signer(&args.cert, &args.key)?;
    let body = crate::add::parse_record_file(&args.file)?;
    if body.kind() != args.kind {
        return Err(CliError::invalid(format!(
            "{} holds a {}, not a {}",
            args.file.display(),
            body.kind(),
            args.kind
        )));
    }
    let signed = trust::sign_record(&body, &signer, now_secs())?;
    let codes = transport::qr_codes(&signed)?;
    let mut written = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let path = if codes.len() == 1 {
            args.out.clone()
        } else {
            let stem = args
                .out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "signed".into());
            args.out.with_file_name(format!("{stem}-{:03}.png", i + 1))
        };
        crate::exchange::write_code_file(code, carnet_core::share::MAX_SINGLE_VERSION, &path)?;
        written.push(path);
    }
    output::emit(
        json,
        &serde_json::json!({ "codes": codes, "files": written }),
        || {
            for p in &written {
                println!("Wrote {}", p.display());
            }
            println!(
                "Show it to the patient: `carnet import` reads it into their vault, verified."
            );
        },
    )
}

/// The patient imports a signed record from scans or texts.
pub fn import(
    vault: &Vault,
    profile: &ProfileId,
    scans: &[PathBuf],
    texts: &[String],
    store: &TrustStore,
    accept_unverified: bool,
    json: bool,
) -> Result<(), CliError> {
    let mut all = Vec::new();
    for path in scans {
        let bytes = std::fs::read(path).map_err(|e| CliError {
            message: format!("cannot read {}: {}", path.display(), e.kind()),
            code: 4,
        })?;
        all.extend(
            carnet_core::share::render::read_image(&bytes)
                .map_err(|e| CliError::from(e).context(path))?,
        );
    }
    all.extend(texts.iter().cloned());
    if all.is_empty() {
        return Err(CliError::usage("give the signed record's images or --text"));
    }
    let mut scanner = SignedRecordScanner::new();
    for text in &all {
        match scanner.push_text(text) {
            Ok(p) if p.complete => break,
            Ok(_) | Err(ShareError::FrameRejected(_) | ShareError::OtherTransfer) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let bytes = scanner.result().ok_or_else(|| CliError {
        message: "the signed record is incomplete: scan more frames".into(),
        code: 4,
    })?;
    let policy = if accept_unverified {
        UnverifiedPolicy::StoreUnverified
    } else {
        UnverifiedPolicy::Reject
    };
    let record = trust::import_signed(vault, profile, bytes, store, now_secs(), policy)?;
    output::emit(json, &record, || {
        println!("Imported {}", record.body.title());
        println!("  provenance: {}", record.provenance.label());
        if let carnet_core::model::Provenance::Practitioner {
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
            println!("  signed by {name}{rpps}{anchor}");
        }
    })
}

fn now_secs() -> i64 {
    i64::try_from(crate::exchange::now()).unwrap_or(i64::MAX)
}

impl From<trust::receipt::ReceiptError> for CliError {
    fn from(e: trust::receipt::ReceiptError) -> Self {
        match e {
            trust::receipt::ReceiptError::NotThisVaultsShare
            | trust::receipt::ReceiptError::OutsideTheShareLife => Self {
                message: e.to_string(),
                code: 6,
            },
            trust::receipt::ReceiptError::Code(c) => c.into(),
            trust::receipt::ReceiptError::Signed(s) => s.into(),
            trust::receipt::ReceiptError::Vault(v) => v.into(),
        }
    }
}

/// Doctor side: read the share again from its images and sign a receipt for it.
pub fn receipt(
    state: &Path,
    files: &[PathBuf],
    signer: &SoftwareSigner,
    out: &Path,
    json: bool,
) -> Result<(), CliError> {
    let share = crate::exchange::receive_files(state, files)?;
    let code = trust::receipt::receipt_code(&share, signer, now_secs())?;
    crate::exchange::write_code_file(&code, carnet_core::share::MAX_SINGLE_VERSION, out)?;
    output::emit(
        json,
        &serde_json::json!({ "receipt": code, "out": out }),
        || {
            println!(
                "Receipt for the share read from {} item group(s) written to {}.",
                trust::receipt::items_read(&share).len(),
                out.display()
            );
            println!("Show it to the patient; `carnet receipts --add` keeps it in their vault.");
        },
    )
}

/// Patient side: keep a receipt (from an image or text) and list those kept.
pub fn receipts(
    vault: &Vault,
    add: Option<&Path>,
    text: Option<&str>,
    store: &TrustStore,
    json: bool,
) -> Result<(), CliError> {
    let scanned = match (add, text) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| CliError {
                message: format!("cannot read {}: {}", path.display(), e.kind()),
                code: 4,
            })?;
            carnet_core::share::render::read_image(&bytes)?
                .into_iter()
                .next()
        }
        (None, Some(t)) => Some(t.to_owned()),
        (None, None) => None,
    };
    if let Some(code) = scanned {
        trust::receipt::keep_receipt(vault, &code, store)?;
    }
    let all = trust::receipt::receipts(vault)?;
    output::emit(json, &all, || {
        if all.is_empty() {
            println!("No receipts yet.");
        }
        for r in &all {
            let when = chrono::DateTime::from_timestamp(r.read_at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            println!(
                "{when}  {}  read the share to {}: {}",
                r.practitioner,
                r.hello,
                r.items.join(", ")
            );
        }
    })
}
