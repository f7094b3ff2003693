//! Moving a vault's content in bulk: out, as a stream read from one consistent snapshot (for
//! backups), and in ([`super::merge`]).

use super::attachments;
use super::rows::{self, stored_id};
use super::{Vault, VaultError};
use crate::model::{Attachment, Profile, ProfileId, Record, RecordId};
use rusqlite::Connection;

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
}
