//! The French CDA R2 documents a patient already holds (from the DMP / Mon Espace Santé, by
//! MSSanté mail, printed by the lab), read into records "imported from a document".
//!
//! - [`xml`] reads the file into a small tree within bounds, leaving embedded PDFs on disk
//!   until they stream into the vault; `header` reads who wrote it, when, about whom, and
//!   `narrative` what its entries' references point at.
//! - [`read`] recognises the document by its CI-SIS templateId and maps it: a CR-BIO lab report
//!   (and a rapid test, TROD) to one lab report with every coded result and its PDF attached, a
//!   discharge letter (LDL-SES) to a letter, a level-1 document (non-structured body) to a
//!   document with its file; the summaries (VSM, IPS-FR) and the vaccination record (VAC) to
//!   problems, allergies, immunisations, current medications and the remaining narrative; a
//!   medication prescription (eP-MED-DM) to a prescription ([`summary`], entry by entry with
//!   [`entries`]). Another volet is refused with a typed error that names it.
//! - [`import_document`] stores the result through [`crate::import`], as FHIR bundles are: one
//!   transaction, idempotent (a document's records are named by its set id, so a newer version
//!   replaces the older one's), with the same report.
//!
//! Provenance is "imported from a file", with the document's id, date, author (name,
//! specialty, RPPS) and organisation: the DMP's signatures are not checked by Carnet, so
//! nothing from a CDA document is ever "verified".

mod entries;
mod header;
mod mapping;
mod narrative;
pub mod read;
mod summary;
pub mod xml;

use crate::import::{self, DocumentImportReport};
use crate::model::ProfileId;
use crate::vault::{ImportOptions, Vault, VaultError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CdaError {
    #[error("the file cannot be read")]
    Unreadable,
    #[error("the file is larger than {limit} bytes, the most Carnet reads as a CDA document")]
    TooLarge { limit: u64 },
    #[error("the file is not well-formed XML")]
    NotXml,
    #[error(
        "the file declares a document type (<!DOCTYPE>): no CDA document does, and Carnet never reads one"
    )]
    DocumentTypeDeclaration,
    #[error("the file uses an entity XML does not define")]
    UndeclaredEntity,
    #[error("the file nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the file holds more than {limit} elements")]
    TooManyElements { limit: usize },
    #[error("the file holds more than {limit} bytes of text")]
    TooMuchText { limit: usize },
    #[error("an embedded file is not valid base64")]
    BadBase64,
    #[error("the file is not a CDA R2 ClinicalDocument")]
    NotCda,
    #[error("this is a {volet} document, which Carnet does not read yet")]
    UnsupportedVolet { volet: String },
    #[error("{place}: {field} {problem}")]
    Invalid {
        place: String,
        field: &'static str,
        problem: &'static str,
    },
    #[error(
        "this document is about someone else: its patient's {differs} is not this profile's; choose the right profile"
    )]
    OtherPatient { differs: &'static str },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Whether `bytes` (the start of a file) look like a CDA document.
pub fn looks_like_cda(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
        && text.contains("ClinicalDocument")
}

/// The ClinicalDocument of a file: its root, or, for a CI-SIS "auto-présentable" document (an
/// XSL stylesheet that carries the CDA inside it, so a browser shows it), the one it carries.
pub fn document_in(tree: &xml::Element) -> Result<&xml::Element, CdaError> {
    match tree.name.as_str() {
        "ClinicalDocument" => Ok(tree),
        "stylesheet" => tree
            .descendants()
            .into_iter()
            .find(|e| e.name == "ClinicalDocument")
            .ok_or(CdaError::NotCda),
        _ => Err(CdaError::NotCda),
    }
}

/// Imports the CDA document at `path` into `profile`, in one transaction; with `dry_run`, says
/// what it would do and stores nothing.
pub fn import_document(
    vault: &Vault,
    profile: &ProfileId,
    path: &Path,
    options: &ImportOptions<'_>,
    dry_run: bool,
) -> Result<DocumentImportReport, CdaError> {
    let person = vault.profile(profile)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tree = xml::read(path)?;
    let intake = read::read(document_in(&tree)?, &person, &file_name)?;
    Ok(import::store(vault, intake, options, !dry_run)?)
}
