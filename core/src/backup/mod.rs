//! Never lose a patient's record: encrypted backup archives, restore into a new vault, and
//! merge into an existing one (a caregiver handing a family member's file to another).
//!
//! [`write_file`] streams the chosen profiles out of the vault into an archive
//! ([`archive`] documents the format) protected by the recovery key or a backup passphrase.
//! [`restore_new`] builds a new vault from an archive; [`merge`] merges one into an open vault
//! by the rule of `vault::merge` (the newest copy of a record wins, nothing is duplicated, a
//! verified record is never replaced, a weakening only with the patient's consent, a
//! practitioner's provenance only if its signature verifies here), after [`plan_merge`] showed
//! the patient what it would change. Both are all or nothing: an archive that is damaged
//! anywhere, even in its last byte, leaves no trace.

pub mod archive;
mod error;
mod sheet;

pub use archive::{ArchiveKey, Protection};
pub use error::BackupError;
pub use sheet::recovery_sheet;

use crate::crypto::{KdfParams, KdfPolicy, Passphrase, RecoveryKey};
use crate::files;
use crate::model::{Attachment, Profile, ProfileId, Record, RecordId};
use crate::vault::{ExportSink, ImportOptions, ImportReport, Vault, VaultError, VaultOptions};
use archive::{ArchiveReader, ArchiveWriter};
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

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

/// Writes a backup file: under a temporary name, synced, then moved into place
/// ([`crate::files::write_new`]), so `path` holds either a whole archive or nothing. An
/// existing file is never overwritten.
pub fn write_file(
    vault: &Vault,
    path: &Path,
    protection: Protection<'_>,
    options: &BackupOptions,
) -> Result<BackupSummary, BackupError> {
    files::write_new(path, |file| {
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let summary = write(vault, &mut out, protection, options)?;
        out.flush()?;
        Ok(summary)
    })
}

/// Imports an opened archive into `vault`, in one transaction (or, not `write`, plans it).
fn import_archive(
    vault: &Vault,
    reader: &mut ArchiveReader<'_>,
    options: &ImportOptions<'_>,
    write: bool,
) -> Result<ImportReport, BackupError> {
    let mut next = || reader.next_item();
    let outcome = if write {
        vault.import(&mut next, options)
    } else {
        vault.plan_import(&mut next, options)
    };
    outcome.map_err(|e| match e {
        // The import checks the archive's content too (attachment parts in order and of
        // their stated size, each record's profile present, each body valid): what it
        // refuses there is a damaged archive, not a damaged vault.
        BackupError::Vault(
            VaultError::AttachmentDamaged(_) | VaultError::Invalid(_) | VaultError::ProfileNotFound,
        ) => BackupError::Damaged("content"),
        other => other,
    })
}

fn read_file(archive: &Path) -> Result<BufReader<std::fs::File>, BackupError> {
    Ok(BufReader::with_capacity(
        256 * 1024,
        std::fs::File::open(archive)?,
    ))
}

/// What merging an archive into an open vault would change (its report's `changes`), writing
/// nothing: what the patient reads before choosing.
pub fn plan_merge(
    vault: &Vault,
    archive: &Path,
    protection: Protection<'_>,
    policy: &KdfPolicy,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, BackupError> {
    let mut input = read_file(archive)?;
    let mut reader = ArchiveReader::open(&mut input, protection, policy)?;
    import_archive(vault, &mut reader, options, false)
}

/// Merges an archive into an open vault: the caregiver handover. All or nothing.
pub fn merge(
    vault: &Vault,
    archive: &Path,
    protection: Protection<'_>,
    policy: &KdfPolicy,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, BackupError> {
    let mut input = read_file(archive)?;
    let mut reader = ArchiveReader::open(&mut input, protection, policy)?;
    import_archive(vault, &mut reader, options, true)
}

/// Restores an archive into a new vault at `target`, protected by `new_passphrase`: built under
/// a temporary name and moved into place only when complete. Returns the vault, its new
/// recovery key (to show once) and what was imported.
///
/// The archive is opened once and each key is derived once: the archive's key when its
/// header is read, the new passphrase's when the vault is made; the vault is then moved into
/// place with the key it already holds.
pub fn restore_new(
    archive: &Path,
    protection: Protection<'_>,
    target: &Path,
    new_passphrase: &Passphrase,
    vault_options: &VaultOptions,
    policy: &KdfPolicy,
    options: &ImportOptions<'_>,
) -> Result<(Vault, RecoveryKey, ImportReport), BackupError> {
    if target.symlink_metadata().is_ok() {
        return Err(BackupError::AlreadyExists);
    }
    // The archive opens (right key, known format) before anything is made.
    let mut input = read_file(archive)?;
    let mut reader = ArchiveReader::open(&mut input, protection, policy)?;
    let tmp = files::sibling(target, "restoring")?;
    let built = Vault::create(&tmp, new_passphrase, vault_options)
        .map_err(BackupError::from)
        .and_then(|(vault, recovery)| {
            let report = import_archive(&vault, &mut reader, options, true)?;
            Ok((vault, recovery, report))
        });
    let (vault, recovery, report) = match built {
        Ok(done) => done,
        Err(e) => {
            crate::vault::schema::remove_sqlite_files(&tmp);
            return Err(e);
        }
    };
    match vault.move_to(target) {
        Ok(vault) => Ok((vault, recovery, report)),
        Err(e) => {
            // The new vault is still under its temporary name, or already at the target; its
            // recovery key was never shown, so it may stay at neither.
            if tmp.exists() {
                crate::vault::schema::remove_sqlite_files(&tmp);
            } else {
                crate::vault::schema::remove_sqlite_files(target);
            }
            Err(e.into())
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
            &ImportOptions {
                now: crate::time::now(),
                check: &crate::vault::TrustNoOne,
                choices: &Default::default(),
            },
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
