//! Records: add (alone, in a batch, or with a file), change, re-label, delete. Reading them
//! back is [`super::query`]; their sealed form is [`super::rows`].
//!
//! Provenance is earned, not declared: a record added through the public API that claims a
//! practitioner's provenance is stored as entered by the patient ([`Provenance::declared`]).
//! Only the trust module, having checked a signature, stores a practitioner's provenance
//! ([`Vault::add_checked_record`]).

use super::attachments::{self, AttachmentWriter};
use super::audit::{self, AddedRecord, AuditAction};
use super::chain::RowDigest;
use super::cipher::RowCipher;
use super::query::get_record;
use super::rows::{self, profile_exists, stored_id};
use super::{Vault, VaultError};
use crate::model::{
    AttachmentId, ModelError, NewRecord, ProfileId, Provenance, Record, RecordBody, RecordId,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashSet;
use std::io::Read;

/// Writes a new record (validated by the caller, its profile known to exist) in the open
/// transaction, without its audit entry ([`audit_added`] writes it, for one record or a
/// batch): the one way a record comes into being. `id` is the record's id when it has one
/// already (a signed record's), else a fresh one. Returns the digest of the row written.
fn write_new(
    conn: &Connection,
    cipher: &RowCipher,
    new: NewRecord,
    id: Option<RecordId>,
    now: DateTime<Utc>,
) -> Result<(Record, RowDigest), VaultError> {
    let id = match id {
        Some(id) if rows::find_record(conn, cipher, &id)?.is_some() => {
            return Err(VaultError::DuplicateRecord);
        }
        Some(id) => id,
        None => RecordId::random(),
    };
    let record = Record {
        id,
        profile_id: new.profile_id,
        issued_on: new
            .issued_on
            .or(new.body.natural_date())
            .unwrap_or(now.date_naive()),
        created_at: now,
        updated_at: now,
        provenance: new.provenance,
        body: new.body,
        attachments: Vec::new(),
    };
    let digest = rows::write_record(conn, cipher, &record)?;
    Ok((record, digest))
}

/// [`write_new`] and its audit entry, for a record added alone.
fn insert_new(
    conn: &Connection,
    cipher: &RowCipher,
    new: NewRecord,
    id: Option<RecordId>,
    now: DateTime<Utc>,
) -> Result<Record, VaultError> {
    let (record, digest) = write_new(conn, cipher, new, id, now)?;
    audit_added(conn, cipher, std::slice::from_ref(&record), vec![digest])?;
    Ok(record)
}

/// The audit entries of records just written, with their rows' digests: `RecordAdded` for one
/// record, else one `RecordsAdded` per [`audit::RECORDS_PER_EVENT`] records, each naming
/// every record it added. One event per batch instead of one per record: the log says the
/// same (which records, of whom, of what kind) for a fraction of the writes.
fn audit_added(
    conn: &Connection,
    cipher: &RowCipher,
    records: &[Record],
    digests: Vec<RowDigest>,
) -> Result<(), VaultError> {
    if let [record] = records {
        let action = AuditAction::RecordAdded {
            record_id: record.id,
            profile_id: record.profile_id,
            kind: record.kind(),
        };
        return audit::append_with_rows(conn, cipher, action, digests);
    }
    let mut digests = digests.into_iter();
    for chunk in records.chunks(audit::RECORDS_PER_EVENT) {
        let action = AuditAction::RecordsAdded {
            records: chunk
                .iter()
                .map(|r| AddedRecord {
                    record_id: r.id,
                    profile_id: r.profile_id,
                    kind: r.kind(),
                })
                .collect(),
        };
        let rows = digests.by_ref().take(chunk.len()).collect();
        audit::append_with_rows(conn, cipher, action, rows)?;
    }
    Ok(())
}

fn require_file_name(file_name: &str) -> Result<(), VaultError> {
    if file_name.trim().is_empty() {
        return Err(ModelError::Empty { field: "file name" }.into());
    }
    Ok(())
}

/// Appends an audit row for one record's change.
fn audit_updated(conn: &Connection, cipher: &RowCipher, record: &Record) -> Result<(), VaultError> {
    audit::append(
        conn,
        cipher,
        AuditAction::RecordUpdated {
            record_id: record.id,
            profile_id: record.profile_id,
            kind: record.kind(),
        },
    )
}

impl Vault {
    /// Adds a record. Its issued date defaults to the date its content carries, then today.
    pub fn add_record(&self, new: NewRecord) -> Result<Record, VaultError> {
        let mut added = self.insert_all(vec![new])?;
        added
            .pop()
            .ok_or(VaultError::Database("no record written".into()))
    }

    /// Adds many records in one transaction (an import, a generated test set): all or none.
    pub fn add_records(&self, news: Vec<NewRecord>) -> Result<Vec<RecordId>, VaultError> {
        Ok(self.insert_all(news)?.into_iter().map(|r| r.id).collect())
    }

    fn insert_all(&self, news: Vec<NewRecord>) -> Result<Vec<Record>, VaultError> {
        for new in &news {
            new.body.validate()?;
        }
        let now = crate::time::now();
        self.write(|tx, cipher| {
            let mut added = Vec::with_capacity(news.len());
            let mut digests = Vec::with_capacity(news.len());
            let mut known_profiles = HashSet::new();
            for new in news {
                if !known_profiles.contains(&new.profile_id) {
                    if !profile_exists(tx, &new.profile_id)? {
                        return Err(VaultError::ProfileNotFound);
                    }
                    known_profiles.insert(new.profile_id);
                }
                let new = NewRecord {
                    provenance: new.provenance.declared(),
                    ..new
                };
                let (record, digest) = write_new(tx, cipher, new, None, now)?;
                added.push(record);
                digests.push(digest);
            }
            audit_added(tx, cipher, &added, digests)?;
            Ok(added)
        })
    }

    /// Adds a record and a file attached to it in one transaction: a scanned document with its
    /// scan. Both are stored, or neither.
    pub fn add_record_with_file(
        &self,
        new: NewRecord,
        file_name: &str,
        media_type: &str,
        reader: &mut dyn Read,
    ) -> Result<Record, VaultError> {
        let new = NewRecord {
            provenance: new.provenance.declared(),
            ..new
        };
        self.insert_with_file(new, None, file_name, media_type, reader)
    }

    /// Adds a record whose provenance the trust module earned by checking its signature, with
    /// the signed bytes attached and, for a signed record that has one, its own id; an id the
    /// vault already holds is [`VaultError::DuplicateRecord`]. Both are stored, or neither.
    pub(crate) fn add_checked_record(
        &self,
        new: NewRecord,
        id: Option<RecordId>,
        file_name: &str,
        media_type: &str,
        reader: &mut dyn Read,
    ) -> Result<Record, VaultError> {
        self.insert_with_file(new, id, file_name, media_type, reader)
    }

    fn insert_with_file(
        &self,
        new: NewRecord,
        id: Option<RecordId>,
        file_name: &str,
        media_type: &str,
        reader: &mut dyn Read,
    ) -> Result<Record, VaultError> {
        new.body.validate()?;
        require_file_name(file_name)?;
        self.write(|tx, cipher| {
            if !profile_exists(tx, &new.profile_id)? {
                return Err(VaultError::ProfileNotFound);
            }
            let mut record = insert_new(tx, cipher, new, id, crate::time::now())?;
            let attachment = attachments::write_from(
                tx,
                cipher,
                AttachmentWriter::begin(
                    tx,
                    AttachmentId::random(),
                    record.id,
                    self.options.max_attachment_bytes,
                )?,
                reader,
                file_name,
                media_type,
            )?;
            record.attachments.push(attachment);
            Ok(record)
        })
    }

    /// Encrypts a file into the vault, attached to a record, reading it 64 KiB at a time.
    /// All of it is stored, or (on any error, including a read error half way) none of it.
    pub fn attach(
        &self,
        record: &RecordId,
        file_name: &str,
        media_type: &str,
        reader: &mut dyn Read,
    ) -> Result<crate::model::Attachment, VaultError> {
        require_file_name(file_name)?;
        self.write(|tx, cipher| {
            attachments::write_from(
                tx,
                cipher,
                AttachmentWriter::begin(
                    tx,
                    AttachmentId::random(),
                    *record,
                    self.options.max_attachment_bytes,
                )?,
                reader,
                file_name,
                media_type,
            )
        })
    }

    /// Replaces a record's provenance (after its signature was verified again), keeping its
    /// content. Used by the trust module; the content itself changes only through
    /// [`Vault::update_record`], which drops a practitioner's provenance.
    pub(crate) fn set_provenance(
        &self,
        id: &RecordId,
        provenance: Provenance,
    ) -> Result<Record, VaultError> {
        self.write(|tx, cipher| {
            let mut record = get_record(tx, cipher, id)?;
            record.provenance = provenance;
            rows::write_record(tx, cipher, &record)?;
            audit_updated(tx, cipher, &record)?;
            Ok(record)
        })
    }

    /// Replaces a record's content. Its id, profile and creation time stay. A record received
    /// from a practitioner and then edited is no longer what the practitioner signed: its
    /// provenance becomes "entered by patient".
    pub fn update_record(&self, id: &RecordId, body: RecordBody) -> Result<Record, VaultError> {
        body.validate()?;
        self.write(|tx, cipher| {
            let mut record = get_record(tx, cipher, id)?;
            if record.body != body && matches!(record.provenance, Provenance::Practitioner { .. }) {
                record.provenance = Provenance::PatientEntered;
            }
            if let Some(date) = body.natural_date() {
                record.issued_on = date;
            }
            record.body = body;
            record.updated_at = crate::time::now();
            rows::write_record(tx, cipher, &record)?;
            audit_updated(tx, cipher, &record)?;
            Ok(record)
        })
    }

    /// Deletes a record and its attachments, in one transaction.
    pub fn delete_record(&self, id: &RecordId) -> Result<(), VaultError> {
        self.write(|tx, cipher| {
            let profile: Vec<u8> = tx
                .query_row(
                    "SELECT profile_id FROM records WHERE id = ?1",
                    [id.as_bytes()],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or(VaultError::RecordNotFound)?;
            attachments::delete_for_record(tx, id)?;
            tx.execute("DELETE FROM records WHERE id = ?1", [id.as_bytes()])?;
            let profile_id: ProfileId = stored_id(profile, "profile")?;
            audit::append(
                tx,
                cipher,
                AuditAction::RecordDeleted {
                    record_id: *id,
                    profile_id,
                },
            )
        })
    }
}
