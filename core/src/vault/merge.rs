//! Bringing records in from an archive (a restore, a caregiver's handover), in one
//! all-or-nothing transaction, by a rule that an archive cannot bend.
//!
//! # The merge rule
//!
//! A record id is the same record wherever it travels. On import:
//! - a record the vault does not have is added;
//! - a record it has is replaced only if the incoming copy was updated later; otherwise the
//!   vault's copy stays (nothing newer is overwritten, nothing is duplicated);
//! - a record dated in the future (created or updated more than ten minutes after now) is
//!   refused: an archive cannot win every comparison with a forged date;
//! - a record this vault holds as signed by a practitioner and verified is never replaced: a
//!   signed record's content does not change (an edit makes it the patient's), so another copy
//!   can only be less trustworthy;
//! - a replacement that weakens the record (an allergy made milder, a condition no longer
//!   active, a medication gone: [`crate::model::weakening`]) is applied only when the patient
//!   accepted it, by record id ([`MergeChoices`]); otherwise it is left out and reported;
//! - a practitioner's provenance is earned again: the record is written as entered by the
//!   patient, and becomes a practitioner's only if its signed bytes (the attachment
//!   [`SIGNATURE_ATTACHMENT`]) verify here, through the caller's [`ProvenanceCheck`];
//! - attachments follow their record: added with a record that is added or updated (an
//!   attachment id already present is kept), skipped with one that is skipped;
//! - a profile already present keeps its details; its records merge as above.
//!
//! Deletions do not travel: a record deleted here and still in an archive comes back.
//!
//! [`Vault::plan_import`] runs the same rule and writes nothing: the list of changes it returns
//! is what the patient sees before choosing.

use super::attachments::AttachmentWriter;
use super::audit::{self, AuditAction};
use super::chain;
use super::cipher::RowCipher;
use super::rows;
use super::{Vault, VaultError};
use crate::model::{
    Attachment, AttachmentId, Profile, ProfileId, Provenance, Record, RecordId, RecordKind,
    SIGNATURE_ATTACHMENT, weakening,
};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// How far in the future an incoming record's dates may be (device clocks differ).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);
/// The largest signed bytes looked at to earn a provenance.
const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

/// One item of an import, in the order an export produced them.
// Items stream one at a time; boxing the large record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum ImportItem {
    Profile(Profile),
    Record(Record),
    AttachmentStart {
        record: RecordId,
        attachment: Attachment,
    },
    AttachmentData(Vec<u8>),
    AttachmentEnd,
}

/// Earns a practitioner's provenance for a record that arrives with its signed bytes. The
/// trust module implements it (`trust::import::SignatureCheck`); the vault, below it, only
/// asks.
pub trait ProvenanceCheck {
    /// The provenance `record` has for `profile`, given the bytes its signature attachment
    /// holds: a verified practitioner's only if they verify here and sign exactly this record.
    fn check(&self, record: &Record, signed: &[u8], profile: &Profile) -> Provenance;
}

/// The check of a device that trusts no one: every claim becomes the patient's.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustNoOne;

impl ProvenanceCheck for TrustNoOne {
    fn check(&self, _: &Record, _: &[u8], _: &Profile) -> Provenance {
        Provenance::PatientEntered
    }
}

/// What the patient accepted beyond the rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeChoices {
    /// Replacements that weaken a record, accepted one by one.
    pub accept_weakening: BTreeSet<RecordId>,
}

/// What an import does to one record that matters to the patient.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Replaced,
    /// Replaced by a copy that takes something away, as the patient accepted.
    Weakened,
    /// A replacement that would take something away, left out: the patient did not accept it.
    WeakeningLeftOut,
    /// The archive's copy was not taken: this vault's is signed and verified.
    KeptVerified,
    /// Refused: the archive dates it in the future.
    DatedInTheFuture,
    /// It claimed a practitioner's signature that does not verify here: stored as the
    /// patient's (or as "NOT verified" when the signature is intact but unknown here).
    ClaimNotEarned,
}

/// One change, for the patient's screen: `detail` is health data (never for a log), and
/// `Debug` leaves it out.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub record_id: RecordId,
    pub profile_id: ProfileId,
    pub record_kind: RecordKind,
    pub change: ChangeKind,
    /// What it is ("Allergy: Arachide"), and for a weakening what it takes away.
    pub detail: String,
}

impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Change")
            .field("record_id", &self.record_id)
            .field("record_kind", &self.record_kind)
            .field("change", &self.change)
            .finish_non_exhaustive()
    }
}

/// What an import did (or, planned, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub profiles_added: usize,
    pub profiles_present: usize,
    pub records_added: usize,
    pub records_updated: usize,
    /// Records skipped because the vault's copy is as new or newer, or verified, or because
    /// the replacement weakens it and was not accepted.
    pub records_skipped: usize,
    /// Records refused because the archive dates them in the future.
    pub records_refused: usize,
    pub attachments_added: usize,
    pub attachments_skipped: usize,
    /// Practitioners' signatures that verified here.
    pub signatures_verified: usize,
    /// The changes the patient should see: additions, replacements, and above all what was
    /// or would be weakened, kept or refused.
    pub changes: Vec<Change>,
}

impl ImportReport {
    fn note(&mut self, record: &Record, change: ChangeKind, detail: String) {
        self.changes.push(Change {
            record_id: record.id,
            profile_id: record.profile_id,
            record_kind: record.kind(),
            change,
            detail,
        });
    }

    /// Whether the import would weaken anything the patient has not accepted, or left out
    /// what it would weaken.
    pub fn weakens_anything(&self) -> bool {
        self.changes.iter().any(|c| {
            matches!(
                c.change,
                ChangeKind::Weakened | ChangeKind::WeakeningLeftOut
            )
        })
    }
}

/// How an import runs.
pub struct ImportOptions<'a> {
    /// "Now", to refuse records dated in the future.
    pub now: DateTime<Utc>,
    /// Earns practitioners' provenance.
    pub check: &'a dyn ProvenanceCheck,
    pub choices: &'a MergeChoices,
}

/// No choices: nothing weakening is accepted.
static NO_CHOICES: MergeChoices = MergeChoices {
    accept_weakening: BTreeSet::new(),
};

impl ImportOptions<'static> {
    /// An import on a device that trusts no authority and where the patient accepted nothing:
    /// every practitioner's record arrives as the patient's, no record is weakened.
    pub fn trusting_no_one(now: DateTime<Utc>) -> Self {
        Self {
            now,
            check: &TrustNoOne,
            choices: &NO_CHOICES,
        }
    }
}

impl fmt::Debug for ImportOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOptions")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

enum Decision {
    Take,
    Skip,
}

/// A record taken that claimed a practitioner's provenance, waiting for its signed bytes.
struct Pending {
    record: Record,
    signed: Option<Vec<u8>>,
    capturing: bool,
}

fn attachment_exists(conn: &Connection, id: &AttachmentId) -> Result<bool, VaultError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM attachments WHERE id = ?1",
            [id.as_bytes()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn is_verified(p: &Provenance) -> bool {
    matches!(p, Provenance::Practitioner { verified: true, .. })
}

/// One import's state: the rule applied item by item.
struct Merge<'t, 'o> {
    tx: &'t Connection,
    cipher: &'t RowCipher,
    options: &'o ImportOptions<'o>,
    write: bool,
    report: ImportReport,
    /// Profiles the archive brought, for the records that follow them.
    profiles: HashMap<ProfileId, Profile>,
    last_record: Option<(RecordId, Decision)>,
    writer: Option<(AttachmentWriter<'t>, Attachment)>,
    skipping_attachment: bool,
    pending: Option<Pending>,
    /// Rows written, for the history: (table, key).
    written: Vec<(&'static str, Vec<u8>)>,
    /// This vault's largest attachment.
    max_attachment: u64,
}

/// How many written rows an import records per audit event.
const ROWS_PER_EVENT: usize = 256;

impl<'t, 'o> Merge<'t, 'o> {
    fn wrote(&mut self, table: &'static str, key: &[u8]) -> Result<(), VaultError> {
        if !self.written.iter().any(|(t, k)| *t == table && k == key) {
            self.written.push((table, key.to_vec()));
        }
        if self.written.len() >= ROWS_PER_EVENT {
            self.record_written(AuditAction::RowsImported {
                count: self.written.len(),
            })?;
        }
        Ok(())
    }

    /// Logs `action` with the digests of the rows written since the last such event.
    fn record_written(&mut self, action: AuditAction) -> Result<(), VaultError> {
        let mut rows = Vec::with_capacity(self.written.len());
        for (table, key) in std::mem::take(&mut self.written) {
            rows.extend(chain::row(self.tx, table, &key)?);
        }
        audit::append_with_rows(self.tx, self.cipher, action, rows)
    }

    fn profile(&self, id: &ProfileId) -> Result<Option<Profile>, VaultError> {
        if let Some(p) = self.profiles.get(id) {
            return Ok(Some(p.clone()));
        }
        if rows::profile_exists(self.tx, id)? {
            return rows::get_profile(self.tx, self.cipher, id).map(Some);
        }
        Ok(None)
    }

    /// The provenance earned by the pending record, once its signed bytes are in (or known
    /// never to come), written and counted.
    fn settle(&mut self) -> Result<(), VaultError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let mut record = pending.record;
        let earned = match (&pending.signed, self.profile(&record.profile_id)?) {
            (Some(signed), Some(profile)) => self.options.check.check(&record, signed, &profile),
            _ => Provenance::PatientEntered,
        };
        if is_verified(&earned) {
            self.report.signatures_verified += 1;
        } else {
            let detail = record.body.title();
            self.report
                .note(&record, ChangeKind::ClaimNotEarned, detail);
        }
        if earned != Provenance::PatientEntered && self.write {
            record.provenance = earned;
            rows::write_record(self.tx, self.cipher, &record)?;
            self.wrote("records", record.id.as_bytes())?;
        }
        Ok(())
    }

    fn profile_item(&mut self, profile: Profile) -> Result<(), VaultError> {
        if rows::profile_exists(self.tx, &profile.id)? {
            self.report.profiles_present += 1;
        } else {
            if self.write {
                rows::write_profile(self.tx, self.cipher, &profile)?;
                self.wrote("profiles", profile.id.as_bytes())?;
            }
            self.report.profiles_added += 1;
        }
        self.profiles.insert(profile.id, profile);
        Ok(())
    }

    fn decide(&mut self, record: &Record) -> Result<Decision, VaultError> {
        let latest = self
            .options
            .now
            .checked_add_signed(CLOCK_SKEW)
            .unwrap_or(self.options.now);
        if record.updated_at > latest || record.created_at > latest {
            self.report.records_refused += 1;
            self.report
                .note(record, ChangeKind::DatedInTheFuture, record.body.title());
            return Ok(Decision::Skip);
        }
        let existing = rows::find_record(self.tx, self.cipher, &record.id)?;
        Ok(match existing {
            None => {
                self.report.records_added += 1;
                self.report
                    .note(record, ChangeKind::Added, record.body.title());
                Decision::Take
            }
            Some(local) if local.profile_id != record.profile_id => {
                self.report.records_skipped += 1;
                Decision::Skip
            }
            Some(local) if record.updated_at <= local.updated_at => {
                self.report.records_skipped += 1;
                Decision::Skip
            }
            Some(local) if is_verified(&local.provenance) => {
                // Even an identical copy stays out: taking it would replace a verified
                // provenance by whatever the copy earns.
                self.report.records_skipped += 1;
                if local.body != record.body {
                    self.report
                        .note(record, ChangeKind::KeptVerified, local.body.title());
                }
                Decision::Skip
            }
            Some(local) => match weakening(&local.body, &record.body) {
                Some(what) if self.options.choices.accept_weakening.contains(&record.id) => {
                    self.report.records_updated += 1;
                    self.report.note(record, ChangeKind::Weakened, what);
                    Decision::Take
                }
                Some(what) => {
                    self.report.records_skipped += 1;
                    self.report.note(record, ChangeKind::WeakeningLeftOut, what);
                    Decision::Skip
                }
                None => {
                    self.report.records_updated += 1;
                    self.report
                        .note(record, ChangeKind::Replaced, record.body.title());
                    Decision::Take
                }
            },
        })
    }

    fn record_item(&mut self, mut record: Record) -> Result<(), VaultError> {
        self.settle()?;
        record.body.validate()?;
        if self.profile(&record.profile_id)?.is_none() {
            return Err(VaultError::ProfileNotFound);
        }
        let decision = self.decide(&record)?;
        if matches!(decision, Decision::Take) {
            let claimed = record.provenance.clone();
            // Written as the patient's until its signature, if any, verifies here.
            record.provenance = claimed.clone().declared();
            if self.write {
                rows::write_record(self.tx, self.cipher, &record)?;
                self.wrote("records", record.id.as_bytes())?;
            }
            if matches!(claimed, Provenance::Practitioner { .. }) {
                self.pending = Some(Pending {
                    record: Record {
                        provenance: claimed,
                        ..record.clone()
                    },
                    signed: None,
                    capturing: false,
                });
            }
        }
        self.last_record = Some((record.id, decision));
        Ok(())
    }

    fn attachment_start(
        &mut self,
        record: RecordId,
        attachment: Attachment,
    ) -> Result<(), VaultError> {
        if self.writer.is_some() || self.skipping_attachment {
            return Err(VaultError::AttachmentDamaged(
                "attachment started inside another",
            ));
        }
        let take = match &self.last_record {
            Some((id, Decision::Take)) if *id == record => {
                !attachment_exists(self.tx, &attachment.id)?
            }
            Some((id, _)) if *id == record => false,
            _ => {
                return Err(VaultError::AttachmentDamaged(
                    "attachment without its record",
                ));
            }
        };
        if let Some(p) = self.pending.as_mut().filter(|p| p.record.id == record) {
            p.capturing = attachment.file_name == SIGNATURE_ATTACHMENT
                && attachment.size <= MAX_SIGNATURE_BYTES as u64
                && p.signed.is_none();
            if p.capturing {
                p.signed = Some(Vec::new());
            }
        }
        if take && self.write {
            self.writer = Some((
                AttachmentWriter::begin(self.tx, attachment.id, record, self.max_attachment)?,
                attachment,
            ));
        } else {
            self.skipping_attachment = true;
            if take {
                self.report.attachments_added += 1;
            } else {
                self.report.attachments_skipped += 1;
            }
        }
        Ok(())
    }

    fn attachment_data(&mut self, bytes: Vec<u8>) -> Result<(), VaultError> {
        if let Some(p) = self.pending.as_mut().filter(|p| p.capturing) {
            if let Some(signed) = p.signed.as_mut() {
                if signed.len() + bytes.len() <= MAX_SIGNATURE_BYTES {
                    signed.extend_from_slice(&bytes);
                } else {
                    p.signed = None;
                    p.capturing = false;
                }
            }
        }
        match self.writer.as_mut() {
            Some((w, _)) => w.write(&bytes),
            None if self.skipping_attachment => Ok(()),
            None => Err(VaultError::AttachmentDamaged(
                "attachment data outside an attachment",
            )),
        }
    }

    fn attachment_end(&mut self) -> Result<(), VaultError> {
        if let Some(p) = self.pending.as_mut() {
            p.capturing = false;
        }
        if let Some((w, announced)) = self.writer.take() {
            let stored = w.finish(self.cipher, &announced.file_name, &announced.media_type)?;
            if stored.size != announced.size {
                return Err(VaultError::AttachmentDamaged("size does not match"));
            }
            self.wrote("attachments", announced.id.as_bytes())?;
            self.report.attachments_added += 1;
            Ok(())
        } else if std::mem::take(&mut self.skipping_attachment) {
            Ok(())
        } else {
            Err(VaultError::AttachmentDamaged(
                "attachment end without a start",
            ))
        }
    }

    fn item(&mut self, item: ImportItem) -> Result<(), VaultError> {
        match item {
            ImportItem::Profile(profile) => self.profile_item(profile),
            ImportItem::Record(record) => self.record_item(record),
            ImportItem::AttachmentStart { record, attachment } => {
                self.attachment_start(record, attachment)
            }
            ImportItem::AttachmentData(bytes) => self.attachment_data(bytes),
            ImportItem::AttachmentEnd => self.attachment_end(),
        }
    }

    /// The end of the items: nothing left half-read, the last provenance settled.
    fn close(&mut self) -> Result<(), VaultError> {
        if self.writer.is_some() || self.skipping_attachment {
            return Err(VaultError::AttachmentDamaged("attachment not finished"));
        }
        self.settle()
    }

    fn finish(mut self) -> Result<ImportReport, VaultError> {
        self.close()?;
        Ok(self.report)
    }

    /// [`Merge::finish`], then the import's summary in the audit log, with the digests of the
    /// last rows written.
    fn finish_writing(mut self) -> Result<ImportReport, VaultError> {
        self.close()?;
        let summary = AuditAction::Imported {
            records_added: self.report.records_added,
            records_updated: self.report.records_updated,
            records_skipped: self.report.records_skipped,
        };
        self.record_written(summary)?;
        Ok(self.report)
    }
}

impl Vault {
    /// Imports items from `next` in one transaction, by the rule of this module. Any error,
    /// from the source or the vault, leaves the vault as it was.
    pub fn import<E: From<VaultError>>(
        &self,
        next: &mut dyn FnMut() -> Result<Option<ImportItem>, E>,
        options: &ImportOptions<'_>,
    ) -> Result<ImportReport, E> {
        self.run_import(next, options, true)
    }

    /// What [`Vault::import`] would do with the same items and options, writing nothing.
    pub fn plan_import<E: From<VaultError>>(
        &self,
        next: &mut dyn FnMut() -> Result<Option<ImportItem>, E>,
        options: &ImportOptions<'_>,
    ) -> Result<ImportReport, E> {
        self.run_import(next, options, false)
    }

    fn run_import<E: From<VaultError>>(
        &self,
        next: &mut dyn FnMut() -> Result<Option<ImportItem>, E>,
        options: &ImportOptions<'_>,
        write: bool,
    ) -> Result<ImportReport, E> {
        let mut conn = self.connection();
        let tx = conn.transaction().map_err(VaultError::from)?;
        let mut merge = Merge {
            tx: &tx,
            cipher: &self.cipher,
            options,
            write,
            report: ImportReport::default(),
            profiles: HashMap::new(),
            last_record: None,
            writer: None,
            skipping_attachment: false,
            pending: None,
            written: Vec::new(),
            max_attachment: self.options.max_attachment_bytes,
        };
        while let Some(item) = next()? {
            merge.item(item)?;
        }
        if !write {
            // Nothing was written; the transaction only gave a consistent view.
            return Ok(merge.finish()?);
        }
        let report = merge.finish_writing()?;
        tx.commit().map_err(VaultError::from)?;
        Ok(report)
    }
}
