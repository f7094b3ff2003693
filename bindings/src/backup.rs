//! Backups at the boundary: write an encrypted archive, restore it into a new vault, merge it
//! into this one (a caregiver's handover), the printable recovery sheet, and erasing a vault.

use crate::CarnetError;
use crate::vault::Vault;
use carnet_core::backup::{self, ArchiveKey, BackupOptions, BackupSummary};
use carnet_core::crypto::{KdfPolicy, Passphrase, RecoveryKey};
use carnet_core::model::ProfileId;
use carnet_core::{VaultError, VaultOptions, vault};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// What protects a backup: the vault's recovery key (written on paper at creation), or a
/// passphrase chosen for this backup (at least 8 characters; Argon2id with the vault's
/// minimum parameters).
#[derive(Clone, uniffi::Enum)]
pub enum BackupKey {
    RecoveryKey { recovery_key: String },
    Passphrase { passphrase: String },
}

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RecoveryKey { .. } => "BackupKey::RecoveryKey(<redacted>)",
            Self::Passphrase { .. } => "BackupKey::Passphrase(<redacted>)",
        })
    }
}

/// The key in the core's zeroizing types, for the length of one call.
fn archive_key(key: BackupKey) -> Result<ArchiveKey, CarnetError> {
    Ok(match key {
        BackupKey::RecoveryKey { recovery_key } => {
            let text = Zeroizing::new(recovery_key);
            ArchiveKey::RecoveryKey(RecoveryKey::parse(&text).map_err(VaultError::from)?)
        }
        BackupKey::Passphrase { passphrase } => ArchiveKey::Passphrase(Passphrase::new(passphrase)),
    })
}

/// What a merge or a restore did: profiles and records added, updated, or skipped because
/// the vault already held them as new or newer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    pub profiles_added: u64,
    /// Profiles the vault already had (their records were merged).
    pub profiles_present: u64,
    pub records_added: u64,
    pub records_updated: u64,
    /// Records skipped because the vault's copy is as new or newer.
    pub records_skipped: u64,
    pub attachments_added: u64,
    pub attachments_skipped: u64,
}

impl From<vault::ImportReport> for ImportReport {
    fn from(r: vault::ImportReport) -> Self {
        Self {
            profiles_added: r.profiles_added as u64,
            profiles_present: r.profiles_present as u64,
            records_added: r.records_added as u64,
            records_updated: r.records_updated as u64,
            records_skipped: r.records_skipped as u64,
            attachments_added: r.attachments_added as u64,
            attachments_skipped: r.attachments_skipped as u64,
        }
    }
}

/// A vault restored from a backup: the vault, unlocked, its new recovery key (show it once),
/// and what was imported.
#[derive(uniffi::Record)]
#[allow(missing_debug_implementations)] // holds the recovery key: never printed
pub struct RestoredVault {
    pub vault: Arc<Vault>,
    /// The new vault's recovery key as 8 groups of 4 characters: the backup's key does not
    /// open it. Show it once for the patient to write down.
    pub recovery_key: String,
    pub report: ImportReport,
}

/// Restores the backup at `archive` into a new vault at `target`, protected by
/// `new_passphrase`. The vault is built under a temporary name and moved into place only when
/// every byte of the archive has verified: a damaged archive (`BackupDamaged`), a wrong key
/// (`WrongBackupKey`) or a newer format (`NewerVersion`) leaves nothing behind. An existing
/// file at `target` is never touched (`AlreadyExists`).
#[uniffi::export]
pub fn restore_backup(
    archive: String,
    key: BackupKey,
    target: String,
    new_passphrase: String,
) -> Result<RestoredVault, CarnetError> {
    let key = archive_key(key)?;
    let new_passphrase = Passphrase::new(new_passphrase);
    let (restored, recovery, report) = backup::restore_new(
        Path::new(&archive),
        key.protection(),
        Path::new(&target),
        &new_passphrase,
        &VaultOptions::default(),
        &KdfPolicy::default(),
    )?;
    Ok(RestoredVault {
        vault: Arc::new(Vault::wrap(restored)),
        recovery_key: recovery.display_text().to_string(),
        report: report.into(),
    })
}

#[uniffi::export]
impl Vault {
    /// Writes an encrypted backup of the whole vault, or of `profiles` only, to a new file at
    /// `path` (never over an existing one: `AlreadyExists`). Attachments are included; memory
    /// stays bounded whatever the size. The file appears only when complete.
    #[uniffi::method(default(profiles = None))]
    pub fn backup(
        &self,
        path: String,
        key: BackupKey,
        profiles: Option<Vec<ProfileId>>,
    ) -> Result<BackupSummary, CarnetError> {
        let key = archive_key(key)?;
        let options = BackupOptions {
            profiles,
            ..Default::default()
        };
        Ok(backup::write_file(
            &*self.open()?,
            Path::new(&path),
            key.protection(),
            &options,
        )?)
    }

    /// Merges a backup into this vault: another caregiver's handover of a family member's
    /// file. The same record keeps its newest version, nothing is duplicated and nothing newer
    /// is overwritten. All or nothing.
    pub fn merge_backup(
        &self,
        archive: String,
        key: BackupKey,
    ) -> Result<ImportReport, CarnetError> {
        let key = archive_key(key)?;
        Ok(backup::merge(
            &*self.open()?,
            Path::new(&archive),
            key.protection(),
            &KdfPolicy::default(),
        )?
        .into())
    }

    /// The printable recovery sheet (self-contained HTML): the recovery key as text and as a QR
    /// code, today's date, `vault_location` (where the patient keeps the vault and its
    /// backups, in their words) and how to restore. No health data. `recovery_key` must be
    /// this vault's (`WrongRecoveryKey`).
    pub fn recovery_sheet(
        &self,
        recovery_key: String,
        vault_location: String,
    ) -> Result<String, CarnetError> {
        let text = Zeroizing::new(recovery_key);
        let key = RecoveryKey::parse(&text).map_err(VaultError::from)?;
        if !self.open()?.is_recovery_key(&key)? {
            return Err(VaultError::WrongRecoveryKey.into());
        }
        Ok(backup::recovery_sheet(
            &key,
            &vault_location,
            carnet_core::time::Clock::today(&carnet_core::time::SystemClock),
        ))
    }

    /// Destroys the vault: its key slots are overwritten, then the file is removed. Without a
    /// backup nothing can be recovered. The object is locked afterwards.
    pub fn erase(&self) -> Result<(), CarnetError> {
        match self.take() {
            Some(vault) => Ok(vault.erase()?),
            None => Err(CarnetError::locked()),
        }
    }
}
