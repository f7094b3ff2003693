//! Moving a vault's content in bulk: out, as a stream read from one consistent snapshot (for
//! backups), and in, as one all-or-nothing transaction that merges by record id (for restores
//! and caregiver handovers).
//!
//! # The merge rule
//!
//! A record id is the same record wherever it travels. On import:
//! - a record the vault does not have is added;
//! - a record it has is replaced only if the incoming copy was updated later; otherwise the
//!   vault's copy stays (nothing newer is overwritten, nothing is duplicated);
//! - attachments follow their record: they are added with a record that is added or
//!   updated (an attachment id already present is kept), and skipped with one that is skipped;
//! - a profile already present keeps its details; its records merge as above.
//!
//! Deletions do not travel: a record deleted here and still in an archive comes back.

use super::attachments::{self, AttachmentWriter};
use super::audit::{self, AuditAction};
use super::rows::{self, stored_id};
use super::{Vault, VaultError};
use crate::model::{Attachment, AttachmentId, Profile, ProfileId, Record, RecordId};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// What an export hands out, in order: each profile, then its records, each record followed
/// by its attachments' bytes.
pub trait ExportSink {
    fn profile(&mut self, profile: &Profile) -> Result<(), VaultError>;
    fn record(&mut self, record: &Record) -> Result<(), VaultError>;
    fn attachment_start(
        &mut self,
        record: &RecordId,
        attachment: &Attachment,
    ) -> Result<(), VaultError>;
    fn attachment_data(&mut self, bytes: &[u8]) -> Result<(), VaultError>;
    fn attachment_end(&mut self) -> Result<(), VaultError>;
}

/// One item of an import, in the order an export produced them.
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

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub profiles_added: usize,
    pub profiles_present: usize,
    pub records_added: usize,
    pub records_updated: usize,
    /// Records skipped because the vault's copy is as new or newer.
    pub records_skipped: usize,
    pub attachments_added: usize,
    pub attachments_skipped: usize,
}

fn profile_ids(
    conn: &Connection,
    only: Option<&[ProfileId]>,
) -> Result<Vec<ProfileId>, VaultError> {
    let mut stmt = conn.prepare("SELECT id FROM profiles")?;
    let all = stmt
        .query_map([], |row| row.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|b| stored_id(b, "profile"))
        .collect::<Result<Vec<ProfileId>, _>>()?;
    match only {
        None => Ok(all),
        Some(wanted) => {
            for w in wanted {
                if !all.contains(w) {
                    return Err(VaultError::ProfileNotFound);
                }
            }
            Ok(wanted.to_vec())
        }
    }
}

enum Incoming {
    Take,
    Skip,
}

impl Vault {
    /// Streams the chosen profiles (all when `None`) into `sink`, from one read snapshot so a
    /// concurrent change cannot tear it, holding one record and one 64 KiB chunk at a time.
    pub fn export(
        &self,
        only: Option<&[ProfileId]>,
        sink: &mut dyn ExportSink,
    ) -> Result<(), VaultError> {
        let mut conn = self.connection();
        let tx = conn.transaction()?;
        let cipher = &self.cipher;
        for profile_id in profile_ids(&tx, only)? {
            sink.profile(&rows::get_profile(&tx, cipher, &profile_id)?)?;
            let mut stmt =
                tx.prepare("SELECT id, kind, body FROM records WHERE profile_id = ?1")?;
            let mut rows = stmt.query([profile_id.as_bytes()])?;
            while let Some(row) = rows.next()? {
                let id: RecordId = stored_id(row.get(0)?, "record")?;
                let kind: String = row.get(1)?;
                let body: Vec<u8> = row.get(2)?;
                let mut record = rows::open_record(cipher, id, profile_id, &kind, &body)?;
                record.attachments = attachments::list_for_record(&tx, cipher, &record.id)?;
                sink.record(&record)?;
                for attachment in &record.attachments {
                    sink.attachment_start(&record.id, attachment)?;
                    attachments::stream_attachment(&tx, cipher, &attachment.id, &mut |bytes| {
                        sink.attachment_data(bytes)
                    })?;
                    sink.attachment_end()?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Imports items from `next` in one transaction, merging by record id (see the module
    /// documentation). Any error, from the source or the vault, leaves the vault as it was.
    pub fn import<E: From<VaultError>>(
        &self,
        next: &mut dyn FnMut() -> Result<Option<ImportItem>, E>,
    ) -> Result<ImportReport, E> {
        let mut conn = self.connection();
        let tx = conn.transaction().map_err(VaultError::from)?;
        let cipher = &self.cipher;
        let mut report = ImportReport::default();
        let mut last_record: Option<(RecordId, Incoming)> = None;
        let mut writer: Option<(AttachmentWriter<'_>, Attachment)> = None;
        let mut skipping_attachment = false;
        while let Some(item) = next()? {
            match item {
                ImportItem::Profile(profile) => {
                    if rows::profile_exists(&tx, &profile.id)? {
                        report.profiles_present += 1;
                    } else {
                        rows::write_profile(&tx, cipher, &profile)?;
                        report.profiles_added += 1;
                    }
                }
                ImportItem::Record(record) => {
                    record.body.validate().map_err(VaultError::from)?;
                    if !rows::profile_exists(&tx, &record.profile_id)? {
                        return Err(VaultError::ProfileNotFound.into());
                    }
                    let existing = rows::find_record(&tx, cipher, &record.id)?;
                    let decision = match existing {
                        None => {
                            report.records_added += 1;
                            Incoming::Take
                        }
                        Some(local)
                            if local.profile_id == record.profile_id
                                && record.updated_at > local.updated_at =>
                        {
                            report.records_updated += 1;
                            Incoming::Take
                        }
                        Some(_) => {
                            report.records_skipped += 1;
                            Incoming::Skip
                        }
                    };
                    if matches!(decision, Incoming::Take) {
                        rows::write_record(&tx, cipher, &record)?;
                    }
                    last_record = Some((record.id, decision));
                }
                ImportItem::AttachmentStart { record, attachment } => {
                    if writer.is_some() || skipping_attachment {
                        return Err(VaultError::AttachmentDamaged(
                            "attachment started inside another",
                        )
                        .into());
                    }
                    let take = match &last_record {
                        Some((id, Incoming::Take)) if *id == record => {
                            !attachment_exists(&tx, &attachment.id)?
                        }
                        Some((id, _)) if *id == record => false,
                        _ => {
                            return Err(VaultError::AttachmentDamaged(
                                "attachment without its record",
                            )
                            .into());
                        }
                    };
                    if take {
                        writer = Some((
                            AttachmentWriter::begin(&tx, attachment.id, record)?,
                            attachment,
                        ));
                    } else {
                        skipping_attachment = true;
                        report.attachments_skipped += 1;
                    }
                }
                ImportItem::AttachmentData(bytes) => match writer.as_mut() {
                    Some((w, _)) => w.write(&bytes)?,
                    None if skipping_attachment => {}
                    None => {
                        return Err(VaultError::AttachmentDamaged(
                            "attachment data outside an attachment",
                        )
                        .into());
                    }
                },
                ImportItem::AttachmentEnd => {
                    if let Some((w, announced)) = writer.take() {
                        let stored =
                            w.finish(cipher, &announced.file_name, &announced.media_type)?;
                        if stored.size != announced.size {
                            return Err(VaultError::AttachmentDamaged("size does not match").into());
                        }
                        report.attachments_added += 1;
                    } else if !std::mem::take(&mut skipping_attachment) {
                        return Err(VaultError::AttachmentDamaged(
                            "attachment end without a start",
                        )
                        .into());
                    }
                }
            }
        }
        if writer.is_some() || skipping_attachment {
            return Err(VaultError::AttachmentDamaged("attachment not finished").into());
        }
        audit::append(
            &tx,
            cipher,
            AuditAction::Imported {
                records_added: report.records_added,
                records_updated: report.records_updated,
                records_skipped: report.records_skipped,
            },
        )?;
        tx.commit().map_err(VaultError::from)?;
        Ok(report)
    }
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
