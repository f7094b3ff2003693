//! Backups at the boundary: write an encrypted archive, restore it into a new vault, merge it
//! into this one (a caregiver's handover), the printable recovery sheet, and erasing a vault.

use crate::CarnetError;
use crate::trust::{TrustStore, store_or_empty};
use crate::vault::Vault;
use carnet_core::backup::{self, ArchiveKey, BackupOptions, BackupSummary};
use carnet_core::crypto::{KdfPolicy, Passphrase, RecoveryKey};
use carnet_core::model::{ProfileId, RecordId};
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust;
use carnet_core::vault::{Change, ImportOptions, MergeChoices};
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

/// What a merge or a restore did (or, planned, would do): profiles and records added,
/// updated, skipped (the vault's copy is as new or newer, or verified, or the replacement
/// would weaken it and was not accepted) or refused (dated in the future), and the changes the
/// patient should see before choosing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    pub profiles_added: u64,
    /// Profiles the vault already had (their records were merged).
    pub profiles_present: u64,
    pub records_added: u64,
    pub records_updated: u64,
    pub records_skipped: u64,
    /// Records the archive dates in the future: refused.
    pub records_refused: u64,
    pub attachments_added: u64,
    pub attachments_skipped: u64,
    /// Practitioners' signatures that verified against the trust store given.
    pub signatures_verified: u64,
    /// Additions, replacements, and above all what would be (or was) weakened, kept or
    /// refused. `detail` is health data: for the patient's screen only.
    pub changes: Vec<Change>,
}

impl From<vault::ImportReport> for ImportReport {
    fn from(r: vault::ImportReport) -> Self {
        Self {
            profiles_added: r.profiles_added as u64,
            profiles_present: r.profiles_present as u64,
            records_added: r.records_added as u64,
            records_updated: r.records_updated as u64,
            records_skipped: r.records_skipped as u64,
            records_refused: r.records_refused as u64,
            attachments_added: r.attachments_added as u64,
            attachments_skipped: r.attachments_skipped as u64,
            signatures_verified: r.signatures_verified as u64,
            changes: r.changes,
        }
    }
}

/// How a merge or a restore runs: practitioners' provenance earned against `check`'s store
/// (none given: empty, so every practitioner's record arrives as the patient's, to check
/// again later), and the patient's `choices`.
fn import_options<'a>(
    check: &'a trust::SignatureCheck<'a>,
    choices: &'a MergeChoices,
) -> ImportOptions<'a> {
    ImportOptions {
        now: check.now,
        check,
        choices,
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
///
/// Records signed by a practitioner keep that provenance only if their signature verifies
/// against `trust` (none: they arrive as entered by the patient; `reverify_record` can check
/// them again once the trust store is set up).
#[uniffi::export(default(trust = None))]
pub fn restore_backup(
    archive: String,
    key: BackupKey,
    target: String,
    new_passphrase: String,
    trust: Option<Arc<TrustStore>>,
) -> Result<RestoredVault, CarnetError> {
    let key = archive_key(key)?;
    let new_passphrase = Passphrase::new(new_passphrase);
    let store = store_or_empty(trust.as_ref());
    let check = trust::SignatureCheck {
        store: &store,
        now: SystemClock.now(),
    };
    let choices = MergeChoices::default();
    let (restored, recovery, report) = backup::restore_new(
        Path::new(&archive),
        key.protection(),
        Path::new(&target),
        &new_passphrase,
        &VaultOptions::default(),
        &KdfPolicy::default(),
        &import_options(&check, &choices),
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

    /// What merging a backup into this vault would change, writing nothing: show its
    /// `changes` to the patient (above all the `Weakened`/`WeakeningLeftOut` ones: an allergy
    /// made milder, a condition no longer active, a medication gone) before `merge_backup`.
    #[uniffi::method(default(trust = None))]
    pub fn plan_merge_backup(
        &self,
        archive: String,
        key: BackupKey,
        trust: Option<Arc<TrustStore>>,
    ) -> Result<ImportReport, CarnetError> {
        let key = archive_key(key)?;
        let store = store_or_empty(trust.as_ref());
        let check = trust::SignatureCheck {
            store: &store,
            now: SystemClock.now(),
        };
        let choices = MergeChoices::default();
        Ok(backup::plan_merge(
            &*self.open()?,
            Path::new(&archive),
            key.protection(),
            &KdfPolicy::default(),
            &import_options(&check, &choices),
        )?
        .into())
    }

    /// Merges a backup into this vault: another caregiver's handover of a family member's
    /// file. The same record keeps its newest version, nothing is duplicated, nothing newer is
    /// overwritten, a verified record is never replaced, a record dated in the future is
    /// refused, and a replacement that weakens a record is applied only if its id is in
    /// `accept_weakening` (the patient saw it in `plan_merge_backup` and said yes). A
    /// practitioner's record keeps that provenance only if its signature verifies against
    /// `trust`. All or nothing.
    #[uniffi::method(default(trust = None, accept_weakening = []))]
    pub fn merge_backup(
        &self,
        archive: String,
        key: BackupKey,
        trust: Option<Arc<TrustStore>>,
        accept_weakening: Vec<RecordId>,
    ) -> Result<ImportReport, CarnetError> {
        let key = archive_key(key)?;
        let store = store_or_empty(trust.as_ref());
        let check = trust::SignatureCheck {
            store: &store,
            now: SystemClock.now(),
        };
        let choices = MergeChoices {
            accept_weakening: accept_weakening.into_iter().collect(),
        };
        Ok(backup::merge(
            &*self.open()?,
            Path::new(&archive),
            key.protection(),
            &KdfPolicy::default(),
            &import_options(&check, &choices),
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
