//! FHIR R4 both ways: records in from the bundles other systems write (hospital and lab
//! portals, other personal health records, national programmes), and the International Patient
//! Summary out, for the doctor's own software once it is back.
//!
//! - [`import_bundle`] reads a bundle ([`bundle`]: bounded, indexed), maps its resources
//!   ([`read`]: what becomes what, what is skipped and why) and stores them through
//!   [`crate::import`] (one transaction, idempotent, with a report).
//! - [`export_profile`] (the patient's vault) and [`export_share`] (a share a doctor received)
//!   gather what to say ([`content`]) and write one IPS document ([`ips`]).
//!
//! Everything read is hostile until mapped: sizes and nesting are bounded before parsing, and
//! every malformed element an item depends on is a typed error naming the entry and field,
//! never the content.

pub mod bundle;
pub mod codes;
pub mod content;
pub mod ips;
pub mod read;

use crate::import::{self, DocumentImportReport, Intake};
use crate::model::{Profile, ProfileId};
use crate::share::OpenedShare;
use crate::vault::{ImportOptions, Vault, VaultError};
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    #[error("the file is larger than {limit} bytes, the most Carnet reads as a FHIR bundle")]
    TooLarge { limit: usize },
    #[error("the file nests deeper than {limit} levels; no FHIR bundle does")]
    TooDeep { limit: usize },
    #[error("the file holds a text longer than {limit} bytes")]
    StringTooLong { limit: usize },
    #[error("the bundle holds more than {limit} entries")]
    TooManyEntries { limit: usize },
    #[error("the file is not JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("the file is not a FHIR Bundle (it is {found})")]
    NotABundle { found: String },
    #[error("Carnet does not read bundles of type {found}")]
    UnsupportedBundleType { found: String },
    #[error("{place}: {field} {problem}")]
    Invalid {
        place: String,
        field: &'static str,
        problem: &'static str,
    },
    #[error(
        "this bundle is about someone else: its patient's {differs} is not this profile's; choose the right profile"
    )]
    OtherPatient { differs: &'static str },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Whether `bytes` look like FHIR JSON (for a command that takes several formats).
pub fn looks_like_fhir(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    start.is_some_and(|i| bytes[i] == b'{')
        && bytes
            .windows(b"\"resourceType\"".len())
            .take(64 * 1024)
            .any(|w| w == b"\"resourceType\"")
}

/// Reads a bundle for `profile`, storing nothing.
pub fn read_bundle(bytes: &[u8], profile: &Profile, file_name: &str) -> Result<Intake, FhirError> {
    let value = bundle::parse(bytes)?;
    let bundle = bundle::Bundle::index(&value)?;
    read::read(&bundle, profile, file_name)
}

/// Imports a bundle into `profile`, in one transaction: all or nothing. With `dry_run`, says
/// what it would do and writes nothing.
pub fn import_bundle(
    vault: &Vault,
    profile: &ProfileId,
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions<'_>,
    dry_run: bool,
) -> Result<DocumentImportReport, FhirError> {
    let person = vault.profile(profile)?;
    let intake = read_bundle(bytes, &person, file_name)?;
    Ok(import::store(vault, intake, options, !dry_run)?)
}

/// The IPS document of every record of `profile`, as of `now`, as JSON text.
pub fn export_profile(
    vault: &Vault,
    profile: &ProfileId,
    now: DateTime<Utc>,
) -> Result<String, FhirError> {
    let content = content::from_vault(vault, profile, now.date_naive())?;
    Ok(to_text(&ips::document(&content, now)))
}

/// The IPS document of a share a doctor received, each item's source as the doctor's device
/// verified it, as JSON text.
pub fn export_share(opened: &OpenedShare, now: DateTime<Utc>) -> String {
    to_text(&ips::document(&content::from_share(opened), now))
}

fn to_text(value: &serde_json::Value) -> String {
    // A Value always serialises; pretty, because people open these files.
    serde_json::to_string_pretty(value).unwrap_or_default()
}
