//! Records in from documents written elsewhere: a FHIR bundle today, the French CDA documents
//! next. Each format's reader turns a file into an [`Intake`] (the records it found, what it
//! skipped and why, the patient it names); this module stores an intake by one rule, and says
//! what happened in a [`DocumentImportReport`]. Both formats use it, so they agree on idempotence and
//! on what the patient reads.
//!
//! # Idempotence
//!
//! A record read from a document gets an id derived from the patient's profile, the format and
//! the document's own name for the item (a FHIR resource's identifier or full URL, a CDA
//! entry's id): the same item imported twice is the same record. Storing then follows the
//! vault's merge rule ([`crate::vault::merge`]): an item the vault does not hold is added, one
//! it holds with the same content is left as it is, a newer version (a later `lastUpdated`)
//! replaces the older one unless it weakens it without the patient's yes, and nothing dated in
//! the future gets in.
//!
//! # One transaction per file
//!
//! The whole intake goes through one [`Vault::import`]: a failure stores nothing.

use crate::crypto::digest::Hasher;
use crate::model::{
    Attachment, AttachmentId, Ins, Profile, ProfileId, Provenance, Record, RecordBody, RecordId,
};
use crate::vault::{ImportItem, ImportOptions, Vault, VaultError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;

/// What a reader found in one file, ready to be stored for one profile.
pub struct Intake {
    pub profile: ProfileId,
    /// "FHIR R4 Bundle (document)", "CDA R2 CR-BIO".
    pub format: String,
    pub records: Vec<IntakeRecord>,
    /// How many items of each kind the file held that became (part of) a record.
    pub items: Vec<ItemCount>,
    pub skipped: Vec<Skipped>,
    /// What the file says about whom it concerns.
    pub patient: Option<PatientTraits>,
    /// Values the reader had to interpret (a partial date made a day).
    pub adjusted: Vec<String>,
}

impl fmt::Debug for Intake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intake")
            .field("format", &self.format)
            .field("records", &self.records.len())
            .field("skipped", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

/// One record read from a document.
pub struct IntakeRecord {
    /// The document's own stable name for the item, from which the record's id is derived.
    pub key: String,
    pub issued_on: NaiveDate,
    /// When the item was last changed at its source (for "a newer version replaces").
    pub updated_at: DateTime<Utc>,
    pub provenance: Provenance,
    pub body: RecordBody,
    /// A file the document carries for it (a report's PDF).
    pub attachment: Option<IntakeFile>,
}

impl fmt::Debug for IntakeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntakeRecord")
            .field("kind", &self.body.kind())
            .finish_non_exhaustive()
    }
}

/// A file carried inside a document.
pub struct IntakeFile {
    pub file_name: String,
    pub media_type: String,
    pub data: FileData,
}

/// A file's content: in memory (small, from a JSON bundle), or read from where it lies when
/// it is stored (a CDA report's PDF), so a large one never sits whole in memory.
pub enum FileData {
    Bytes(Vec<u8>),
    Stream(Box<dyn FileSource>),
}

/// A file read in pieces when it is stored.
pub trait FileSource {
    /// Its exact size, decoded (the vault checks the stored size against it).
    fn size(&self) -> std::io::Result<u64>;
    /// Its decoded content, from the start.
    fn open(&self) -> std::io::Result<Box<dyn Read>>;
}

impl fmt::Debug for FileData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bytes(_) => "FileData::Bytes",
            Self::Stream(_) => "FileData::Stream",
        })
    }
}

impl FileData {
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Bytes(b) if b.is_empty())
    }
}

impl fmt::Debug for IntakeFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntakeFile").finish_non_exhaustive()
    }
}

/// What kind of item a document held, as a clinician counts them (a lab report of five
/// results is five lab results).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Medication,
    Allergy,
    Condition,
    Immunisation,
    LabResult,
    Letter,
    Document,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Medication => "medications",
            Self::Allergy => "allergies",
            Self::Condition => "conditions",
            Self::Immunisation => "immunisations",
            Self::LabResult => "lab results",
            Self::Letter => "letters",
            Self::Document => "documents",
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCount {
    pub kind: ItemKind,
    pub count: u32,
}

/// An item of the file that Carnet did not store, and why. `what` names the item by its type
/// and its place in the file (never its content).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The item's type in its format: "Procedure", "Observation (vital-signs)", "section".
    pub item_type: String,
    /// Where it is: "entry 12".
    pub place: String,
    pub reason: String,
}

/// Who the document is about, for the patient to confirm it is the right person.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PatientTraits {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub birth_date: Option<NaiveDate>,
    /// The INS, when the document carries one that validates.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub ins: Option<String>,
}

impl fmt::Debug for PatientTraits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientTraits(<redacted>)")
    }
}

/// Why a document is not stored for a profile: it names someone else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherPatient {
    Ins,
    BirthDate,
}

impl OtherPatient {
    pub fn trait_name(self) -> &'static str {
        match self {
            Self::Ins => "INS",
            Self::BirthDate => "birth date",
        }
    }
}

impl PatientTraits {
    /// The first trait that shows the document is about someone other than `profile`: an INS
    /// that differs, or a birth date that differs. A missing trait proves nothing either way.
    pub fn mismatch(&self, profile: &Profile) -> Option<OtherPatient> {
        if let (Some(theirs), Some(ours)) = (&self.ins, &profile.ins) {
            let theirs = Ins::parse(theirs).ok();
            if theirs.as_ref() != Some(ours) {
                return Some(OtherPatient::Ins);
            }
        }
        match self.birth_date {
            Some(date) if date != profile.birth_date => Some(OtherPatient::BirthDate),
            _ => None,
        }
    }
}

/// What an import did (or, for a dry run, would do).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentImportReport {
    pub format: String,
    /// What the file held that Carnet read, per kind.
    pub items: Vec<ItemCount>,
    /// Records new to the vault.
    pub records_added: u32,
    /// Records replaced by a newer version.
    pub records_updated: u32,
    /// Records the vault already held as they are (an import done before).
    pub records_unchanged: u32,
    /// Records held back by the merge rule: dated in the future, weakening without the
    /// patient's yes, or an older version than the vault's.
    pub records_held_back: u32,
    pub skipped: Vec<Skipped>,
    pub adjusted: Vec<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub patient: Option<PatientTraits>,
    /// Whether anything was written (false for a dry run).
    pub stored: bool,
}

impl DocumentImportReport {
    /// How many items of `kind` the file held that Carnet read.
    pub fn count(&self, kind: ItemKind) -> u32 {
        self.items
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.count)
            .sum()
    }
}

/// Adds one to `kind`'s count in `counts`.
pub fn count(counts: &mut Vec<ItemCount>, kind: ItemKind, n: u32) {
    match counts.iter_mut().find(|c| c.kind == kind) {
        Some(c) => c.count += n,
        None => {
            counts.push(ItemCount { kind, count: n });
            counts.sort_by_key(|c| c.kind);
        }
    }
}

/// The id of the record that `key` names in a document of `format`, for `profile`.
pub fn record_id(profile: &ProfileId, format_family: &str, key: &str) -> RecordId {
    let mut h = Hasher::new("carnet.import.v1.record");
    h.update(profile.as_bytes())
        .update_with_length(format_family.as_bytes())
        .update_with_length(key.as_bytes());
    let digest = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    RecordId::from_bytes(id)
}

fn attachment_id(record: &RecordId, file: &IntakeFile, size: u64) -> AttachmentId {
    let mut h = Hasher::new("carnet.import.v1.attachment");
    h.update(record.as_bytes())
        .update_with_length(file.file_name.as_bytes())
        .update(size.to_be_bytes());
    let digest = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    AttachmentId::from_bytes(id)
}

/// The family a format's ids belong to: a record read from a FHIR bundle keeps its id whatever
/// the bundle's type.
fn family(format: &str) -> &str {
    format.split_whitespace().next().unwrap_or(format)
}

/// The chunk size attachments travel in to the vault.
const CHUNK: usize = 64 * 1024;

/// Stores `intake` in `vault` (or, when `write` is false, says what storing would do and
/// writes nothing), in one transaction, by the rule in the module header.
pub fn store(
    vault: &Vault,
    intake: Intake,
    options: &ImportOptions<'_>,
    write: bool,
) -> Result<DocumentImportReport, VaultError> {
    let profile = vault.profile(&intake.profile)?;
    let mut report = DocumentImportReport {
        format: intake.format.clone(),
        items: intake.items,
        records_added: 0,
        records_updated: 0,
        records_unchanged: 0,
        records_held_back: 0,
        skipped: intake.skipped,
        adjusted: intake.adjusted,
        patient: intake.patient,
        stored: write,
    };
    // What to store, in order; an attachment's content is read only when its turn comes.
    let mut planned: Vec<Planned> = Vec::new();
    let family = family(&intake.format).to_owned();
    let mut seen = std::collections::HashSet::new();
    for item in intake.records {
        let id = record_id(&profile.id, &family, &item.key);
        if !seen.insert(id) {
            // Two items of one file with the same name: the file contradicts itself.
            return Err(VaultError::DuplicateRecord);
        }
        match vault.record(&id) {
            Ok(existing) if existing.profile_id == profile.id && existing.body == item.body => {
                report.records_unchanged += 1;
                continue;
            }
            Ok(_) | Err(VaultError::RecordNotFound) => {}
            Err(e) => return Err(e),
        }
        let record = Record {
            id,
            profile_id: profile.id,
            issued_on: item.issued_on,
            created_at: item.updated_at,
            updated_at: item.updated_at,
            provenance: item.provenance.declared(),
            body: item.body,
            attachments: Vec::new(),
        };
        planned.push(Planned::Item(ImportItem::Record(record)));
        if let Some(file) = item.attachment {
            let size = match &file.data {
                FileData::Bytes(b) => b.len() as u64,
                FileData::Stream(s) => s.size()?,
            };
            planned.push(Planned::Item(ImportItem::AttachmentStart {
                record: id,
                attachment: Attachment {
                    id: attachment_id(&id, &file, size),
                    file_name: file.file_name.clone(),
                    media_type: file.media_type.clone(),
                    size,
                },
            }));
            planned.push(Planned::Content(file.data));
            planned.push(Planned::Item(ImportItem::AttachmentEnd));
        }
    }
    let mut queue = planned.into_iter();
    let mut reading: Option<Box<dyn Read>> = None;
    let mut next = || -> Result<Option<ImportItem>, VaultError> {
        loop {
            if let Some(r) = reading.as_mut() {
                let mut chunk = vec![0u8; CHUNK];
                let n = read_full(r.as_mut(), &mut chunk)?;
                if n > 0 {
                    chunk.truncate(n);
                    return Ok(Some(ImportItem::AttachmentData(chunk)));
                }
                reading = None;
            }
            match queue.next() {
                None => return Ok(None),
                Some(Planned::Item(item)) => return Ok(Some(item)),
                Some(Planned::Content(FileData::Bytes(bytes))) => {
                    reading = Some(Box::new(std::io::Cursor::new(bytes)));
                }
                Some(Planned::Content(FileData::Stream(source))) => {
                    reading = Some(source.open()?);
                }
            }
        }
    };
    let merged = if write {
        vault.import(&mut next, options)?
    } else {
        vault.plan_import(&mut next, options)?
    };
    report.records_added = to_u32(merged.records_added);
    report.records_updated = to_u32(merged.records_updated);
    report.records_held_back = to_u32(merged.records_skipped + merged.records_refused);
    Ok(report)
}

// A few per record, in one Vec for one file: boxing the record would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Planned {
    Item(ImportItem),
    Content(FileData),
}

/// Fills `buf` as far as the reader goes (a decoder may return short reads).
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
