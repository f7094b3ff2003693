//! Never lose a patient's record: encrypted backup archives, restore into a new vault, and
//! merge into an existing one (a caregiver handing a family member's file to another).
//!
//! [`write_file`] streams the chosen profiles out of the vault into an archive
//! ([`archive`] documents the format) protected by the recovery key or a backup passphrase.
//! [`restore_new`] builds a new vault from an archive; [`merge`] merges one into an open vault
//! by the rule in [`crate::vault::ImportReport`]'s module: newest copy of a record wins,
//! nothing is duplicated. Both are all or nothing: an archive that is damaged anywhere, even
//! in its last byte, leaves no trace.

pub mod archive;
mod error;
mod sheet;

pub use archive::{ArchiveKey, Protection};
pub use error::BackupError;
pub use sheet::recovery_sheet;

use crate::crypto::{KdfParams, KdfPolicy, Passphrase, RecoveryKey};
use crate::model::{Attachment, Profile, ProfileId, Record, RecordId};
use crate::vault::{ExportSink, ImportReport, Vault, VaultError, VaultOptions};
use archive::{ArchiveReader, ArchiveWriter};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to back up and how.
#[derive(Clone, Debug, Default)]
pub struct BackupOptions {
    /// Only these profiles; all when `None`.
    pub profiles: Option<Vec<ProfileId>>,
    /// Argon2id parameters for a passphrase-protected archive.
    pub kdf: KdfParams,
    /// The minimum accepted when reading (tests may lower it with the test-only policy).
    pub kdf_policy: KdfPolicy,
}

/// What a backup holds.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    pub profiles: u64,
    pub records: u64,
    pub attachments: u64,
    pub bytes: u64,
}

struct Sink<'a, 'w> {
    writer: &'a mut ArchiveWriter<'w>,
    error: Option<BackupError>,
}

impl Sink<'_, '_> {
    fn keep(&mut self, r: Result<(), BackupError>) -> Result<(), VaultError> {
        r.map_err(|e| {
            self.error = Some(e);
            VaultError::Io("backup write failed".into())
        })
    }
}

impl ExportSink for Sink<'_, '_> {
    fn profile(&mut self, profile: &Profile) -> Result<(), VaultError> {
        let r = self.writer.profile(profile);
        self.keep(r)
    }
    fn record(&mut self, record: &Record) -> Result<(), VaultError> {
        let r = self.writer.record(record);
        self.keep(r)
    }
    fn attachment_start(
        &mut self,
        record: &RecordId,
        attachment: &Attachment,
    ) -> Result<(), VaultError> {
        let r = self.writer.attachment_start(record, attachment);
        self.keep(r)
    }
    fn attachment_data(&mut self, bytes: &[u8]) -> Result<(), VaultError> {
        let r = self.writer.attachment_data(bytes);
        self.keep(r)
    }
    fn attachment_end(&mut self) -> Result<(), VaultError> {
        let r = self.writer.attachment_end();
        self.keep(r)
    }
}

/// Writes a backup of `vault` into `out`. With the recovery key, the key must be this vault's;
/// a backup passphrase must be as long as a vault's.
pub fn write(
    vault: &Vault,
    out: &mut dyn Write,
    protection: Protection<'_>,
    options: &BackupOptions,
) -> Result<BackupSummary, BackupError> {
    match protection {
        Protection::RecoveryKey(rk) => {
            if !vault.is_recovery_key(rk)? {
                return Err(BackupError::NotThisVaultsRecoveryKey);
            }
        }
        Protection::Passphrase(p) => crate::vault::check_passphrase_strength(p)?,
    }
    let mut writer = ArchiveWriter::start(out, protection, &options.kdf, &options.kdf_policy)?;
    writer.info(crate::vault::schema::SCHEMA_VERSION)?;
    let mut sink = Sink {
        writer: &mut writer,
        error: None,
    };
    let exported = vault.export(options.profiles.as_deref(), &mut sink);
    if let Some(e) = sink.error {
        return Err(e);
    }
    exported?;
    let (counts, bytes) = writer.finish()?;
    Ok(BackupSummary {
        profiles: counts.profiles,
        records: counts.records,
        attachments: counts.attachments,
        bytes,
    })
}

fn sibling(path: &Path, tag: &str) -> Result<PathBuf, BackupError> {
    let name = path
        .file_name()
        .ok_or(BackupError::Io("the path has no file name".into()))?;
    let mut tmp = name.to_os_string();
    tmp.push(format!(".{tag}-{}", uuid::Uuid::new_v4().simple()));
    Ok(path.with_file_name(tmp))
}

fn sync_dir(path: &Path) -> Result<(), BackupError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all())?;
    }
    Ok(())
}

/// Writes a backup file: under a temporary name, synced, then renamed, so `path` holds either
/// a whole archive or nothing. An existing file is never overwritten.
pub fn write_file(
    vault: &Vault,
    path: &Path,
    protection: Protection<'_>,
    options: &BackupOptions,
) -> Result<BackupSummary, BackupError> {
    if path.exists() {
        return Err(BackupError::AlreadyExists);
    }
    let tmp = sibling(path, "writing")?;
    let result = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let summary = write(vault, &mut out, protection, options)?;
        let file = out
            .into_inner()
            .map_err(|e| BackupError::from(e.into_error()))?;
        file.sync_all()?;
        if path.exists() {
            return Err(BackupError::AlreadyExists);
        }
        std::fs::rename(&tmp, path)?;
        sync_dir(path)?;
        Ok(summary)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn import_archive(
    vault: &Vault,
    archive: &Path,
    protection: Protection<'_>,
    policy: &KdfPolicy,
) -> Result<ImportReport, BackupError> {
    let file = std::fs::File::open(archive)?;
    let mut input = BufReader::with_capacity(256 * 1024, file);
    let mut reader = ArchiveReader::open(&mut input, protection, policy)?;
    vault
        .import(&mut || reader.next_item())
        .map_err(|e| match e {
            // The import checks the archive's content too (attachment parts in order and of
            // their stated size, each record's profile present, each body valid): what it
            // refuses there is a damaged archive, not a damaged vault.
            BackupError::Vault(
                VaultError::AttachmentDamaged(_)
                | VaultError::Invalid(_)
                | VaultError::ProfileNotFound,
            ) => BackupError::Damaged("content"),
            other => other,
        })
}

/// Merges an archive into an open vault: the caregiver handover. All or nothing.
pub fn merge(
    vault: &Vault,
    archive: &Path,
    protection: Protection<'_>,
    policy: &KdfPolicy,
) -> Result<ImportReport, BackupError> {
    import_archive(vault, archive, protection, policy)
}

/// Restores an archive into a new vault at `target`, protected by `new_passphrase`: built under
/// a temporary name and moved into place only when complete. Returns the vault, its new
/// recovery key (to show once) and what was imported.
pub fn restore_new(
    archive: &Path,
    protection: Protection<'_>,
    target: &Path,
    new_passphrase: &Passphrase,
    vault_options: &VaultOptions,
    policy: &KdfPolicy,
) -> Result<(Vault, RecoveryKey, ImportReport), BackupError> {
    if target.exists() {
        return Err(BackupError::AlreadyExists);
    }
    // Check the archive opens before making anything.
    {
        let mut input = BufReader::new(std::fs::File::open(archive)?);
        ArchiveReader::open(&mut input, protection, policy)?;
    }
    let tmp = sibling(target, "restoring")?;
    let built = Vault::create(&tmp, new_passphrase, vault_options)
        .map_err(BackupError::from)
        .and_then(|(vault, recovery)| {
            let report = import_archive(&vault, archive, protection, policy)?;
            Ok((vault, recovery, report))
        });
    let (vault, recovery, report) = match built {
        Ok(done) => done,
        Err(e) => {
            crate::vault::schema::remove_sqlite_files(&tmp);
            return Err(e);
        }
    };
    vault.lock();
    if target.exists() {
        crate::vault::schema::remove_sqlite_files(&tmp);
        return Err(BackupError::AlreadyExists);
    }
    std::fs::rename(&tmp, target)?;
    // Once moved, a failure must not leave a vault whose recovery key was never shown.
    let opened = sync_dir(target).and_then(|()| {
        Ok(Vault::unlock_with_passphrase(
            target,
            new_passphrase,
            vault_options,
        )?)
    });
    match opened {
        Ok(vault) => Ok((vault, recovery, report)),
        Err(e) => {
            crate::vault::schema::remove_sqlite_files(target);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Allergy, AllergySeverity, NewProfile, NewRecord, RecordBody, Relationship};

    #[test]
    fn an_authentic_archive_with_inconsistent_content_is_damaged_not_a_vault_fault() {
        // Well encrypted, but a record whose profile the archive never gives: written by a
        // buggy or hostile program that holds the key. Refused as a damaged archive.
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let options = VaultOptions::insecure_for_tests();
        let passphrase = Passphrase::new(String::from("correct horse battery staple"));
        let (source, recovery) = Vault::create(&dir.path().join("a.carnet"), &passphrase, &options)
            .unwrap_or_else(|_| unreachable!());
        let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default();
        let profile = source
            .add_profile(NewProfile::new("Test", birth, Relationship::Owner))
            .unwrap_or_else(|_| unreachable!());
        let record = source
            .add_record(NewRecord::entered(
                profile.id,
                RecordBody::Allergy(Allergy {
                    substance: "Test".into(),
                    code: None,
                    reaction: None,
                    severity: Some(AllergySeverity::Mild),
                    noted_on: None,
                }),
            ))
            .unwrap_or_else(|_| unreachable!());
        let mut bytes = Vec::new();
        let mut writer = ArchiveWriter::start(
            &mut bytes,
            Protection::RecoveryKey(&recovery),
            &KdfParams::insecure_for_tests(),
            &KdfPolicy::insecure_for_tests(),
        )
        .unwrap_or_else(|_| unreachable!());
        writer
            .info(crate::vault::schema::SCHEMA_VERSION)
            .unwrap_or_else(|_| unreachable!());
        writer.record(&record).unwrap_or_else(|_| unreachable!());
        writer.finish().unwrap_or_else(|_| unreachable!());
        let archive = dir.path().join("odd.carnet-backup");
        std::fs::write(&archive, &bytes).unwrap_or_else(|_| unreachable!());

        let (target, _) = Vault::create(&dir.path().join("b.carnet"), &passphrase, &options)
            .unwrap_or_else(|_| unreachable!());
        let err = merge(
            &target,
            &archive,
            Protection::RecoveryKey(&recovery),
            &KdfPolicy::insecure_for_tests(),
        )
        .err();
        assert!(matches!(err, Some(BackupError::Damaged(_))), "{err:?}");
        assert!(
            target
                .records(None, None)
                .map(|r| r.is_empty())
                .unwrap_or(false)
        );
    }
}
