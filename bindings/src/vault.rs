//! The vault object, its lifecycle and the platform key store.

use crate::CarnetError;
use crate::types::{AuditEntry, KindCount, Summary};
use carnet_core::crypto::{self, KeyStoreError, Passphrase, RecoveryKey};
use carnet_core::model::uniffi_types::IsoDate;
use carnet_core::model::{
    Attachment, AttachmentId, NewProfile, NewRecord, Profile, ProfileId, Record, RecordBody,
    RecordId, RecordKind,
};
use carnet_core::time::{Clock, SystemClock};
use carnet_core::{VaultOptions, vault};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use zeroize::Zeroizing;

/// The device's key store, implemented by the app: Android Keystore, the iOS Keychain or the
/// Secure Enclave. It wraps the vault key with a key that never leaves the device's secure
/// hardware, so the app can unlock with the fingerprint, face or screen lock instead of the
/// passphrase.
///
/// Implementations must not call back into the vault: they are called while the vault is
/// being opened (and while it holds its lock), and such a call would deadlock or fail. They
/// run on the thread that called Carnet, so call `unlock_with_key_store` and
/// `add_platform_key_slot` off the UI thread when the key store shows a biometric prompt that
/// needs the UI thread; meanwhile `lock()` on another thread waits for the call to finish.
/// Failures are thrown as `KeyStoreUnavailable`, `KeyStoreCancelled` or `KeyStoreFailed`;
/// their reason must not contain key material. Anything else thrown becomes `Internal`.
#[uniffi::export(with_foreign)]
pub trait PlatformKeyStore: Send + Sync {
    /// Wraps (encrypts) a 32-byte vault key. The result is stored in the vault's platform
    /// key slot.
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, CarnetError>;
    /// Returns the 32-byte key that `wrap_key` wrapped.
    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, CarnetError>;
}

/// Adapts the foreign key store to the core's trait. The core's key store error has no
/// "unexpected" case, so an unexpected foreign exception is remembered here and reported as
/// `Internal` (not as a key store refusal) by [`ForeignKeyStore::outcome`].
struct ForeignKeyStore {
    store: Arc<dyn PlatformKeyStore>,
    unexpected: AtomicBool,
}

impl ForeignKeyStore {
    fn new(store: Arc<dyn PlatformKeyStore>) -> Self {
        Self {
            store,
            unexpected: AtomicBool::new(false),
        }
    }

    fn map(&self, e: CarnetError) -> KeyStoreError {
        match e {
            CarnetError::KeyStoreUnavailable { .. } => KeyStoreError::Unavailable,
            CarnetError::KeyStoreCancelled { .. } => KeyStoreError::AuthenticationCancelled,
            CarnetError::KeyStoreFailed { reason } => KeyStoreError::Failed { reason },
            other => {
                if matches!(other, CarnetError::Internal { .. }) {
                    self.unexpected.store(true, Ordering::SeqCst);
                }
                KeyStoreError::Failed {
                    reason: other.to_string(),
                }
            }
        }
    }

    /// The result of a core call that used this key store, with an unexpected foreign
    /// exception reported as `Internal`.
    fn outcome<T>(&self, result: Result<T, carnet_core::VaultError>) -> Result<T, CarnetError> {
        match result {
            Err(carnet_core::VaultError::KeyStore(KeyStoreError::Failed { reason }))
                if self.unexpected.load(Ordering::SeqCst) =>
            {
                Err(CarnetError::Internal { reason })
            }
            other => Ok(other?),
        }
    }
}

impl crypto::PlatformKeyStore for ForeignKeyStore {
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        self.store.wrap_key(key.to_vec()).map_err(|e| self.map(e))
    }

    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        self.store
            .unwrap_key(wrapped.to_vec())
            .map_err(|e| self.map(e))
    }
}

/// A vault just created: the vault, unlocked, and its recovery key.
#[derive(uniffi::Record)]
#[allow(missing_debug_implementations)] // holds the recovery key: never printed
pub struct CreatedVault {
    pub vault: Arc<Vault>,
    /// The recovery key as 8 groups of 4 characters. Show it once for the patient to write
    /// down; never store it, log it or send it anywhere.
    pub recovery_key: String,
}

/// Creates a vault at `path`, protected by `passphrase` (at least 8 characters). An existing
/// file is never touched (`AlreadyExists`). The file is built under a temporary name and
/// moved into place when complete.
#[uniffi::export]
pub fn create_vault(path: String, passphrase: String) -> Result<CreatedVault, CarnetError> {
    let passphrase = Passphrase::new(passphrase);
    let (vault, recovery) =
        carnet_core::Vault::create(Path::new(&path), &passphrase, &VaultOptions::default())?;
    let recovery_key = recovery.display_text().to_string();
    Ok(CreatedVault {
        vault: Arc::new(Vault::wrap(vault)),
        recovery_key,
    })
}

/// An unlocked vault: a family's profiles and records, encrypted in one SQLite file.
///
/// Thread-safe: every method may be called from any thread; calls are serialised on the
/// vault's connection. `lock()` (or `close()` / `use {}` in Kotlin, dropping the last
/// reference in Swift and Python) closes the file and zeroizes the key; after `lock()` every
/// call fails with `VaultLocked`.
#[derive(Debug, uniffi::Object)]
pub struct Vault {
    inner: RwLock<Option<carnet_core::Vault>>,
}

impl Vault {
    pub(crate) fn wrap(vault: carnet_core::Vault) -> Self {
        Self {
            inner: RwLock::new(Some(vault)),
        }
    }

    /// The unlocked vault, or `VaultLocked`.
    pub(crate) fn open(&self) -> Result<VaultRef<'_>, CarnetError> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(CarnetError::locked());
        }
        Ok(VaultRef(guard))
    }

    /// Takes the vault out, so it is locked for every holder; waits for calls in progress.
    pub(crate) fn take(&self) -> Option<carnet_core::Vault> {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A read guard on an unlocked vault.
pub(crate) struct VaultRef<'a>(RwLockReadGuard<'a, Option<carnet_core::Vault>>);

impl std::ops::Deref for VaultRef<'_> {
    type Target = carnet_core::Vault;
    fn deref(&self) -> &carnet_core::Vault {
        match self.0.as_ref() {
            Some(v) => v,
            // `open` checked it under the same guard.
            None => unreachable!("vault checked unlocked"),
        }
    }
}

/// The date given, or today by the device's clock.
pub(crate) fn today_or(date: Option<IsoDate>) -> IsoDate {
    date.unwrap_or_else(|| SystemClock.today())
}

#[uniffi::export]
impl Vault {
    /// Unlocks the vault at `path` with its passphrase. A wrong passphrase is
    /// `WrongPassphrase` and leaves the file byte-identical.
    #[uniffi::constructor]
    pub fn unlock_with_passphrase(
        path: String,
        passphrase: String,
    ) -> Result<Arc<Self>, CarnetError> {
        let passphrase = Passphrase::new(passphrase);
        let vault = carnet_core::Vault::unlock_with_passphrase(
            Path::new(&path),
            &passphrase,
            &VaultOptions::default(),
        )?;
        Ok(Arc::new(Self::wrap(vault)))
    }

    /// Unlocks with the recovery key written down at creation (spaces, dashes and case are
    /// ignored; a typing mistake is `RecoveryKeyMistyped`).
    #[uniffi::constructor]
    pub fn unlock_with_recovery_key(
        path: String,
        recovery_key: String,
    ) -> Result<Arc<Self>, CarnetError> {
        let recovery_key = Zeroizing::new(recovery_key);
        let recovery = RecoveryKey::parse(&recovery_key)
            .map_err(|e| CarnetError::from(carnet_core::VaultError::from(e)))?;
        let vault = carnet_core::Vault::unlock_with_recovery_key(
            Path::new(&path),
            &recovery,
            &VaultOptions::default(),
        )?;
        Ok(Arc::new(Self::wrap(vault)))
    }

    /// Unlocks through the platform key store slot (added with `add_platform_key_slot`).
    #[uniffi::constructor]
    pub fn unlock_with_key_store(
        path: String,
        store: Arc<dyn PlatformKeyStore>,
    ) -> Result<Arc<Self>, CarnetError> {
        let adapter = ForeignKeyStore::new(store);
        let vault = adapter.outcome(carnet_core::Vault::unlock_with_key_store(
            Path::new(&path),
            &adapter,
            &VaultOptions::default(),
        ))?;
        Ok(Arc::new(Self::wrap(vault)))
    }

    /// Locks the vault: closes the file and zeroizes the key. Waits for calls in progress on
    /// other threads. Calling it twice is harmless.
    pub fn lock(&self) {
        if let Some(vault) = self.take() {
            vault.lock();
        }
    }

    /// Whether `lock()` was called.
    pub fn is_locked(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    /// Where the vault file is.
    pub fn path(&self) -> Result<String, CarnetError> {
        Ok(self.open()?.path().to_string_lossy().into_owned())
    }

    /// Replaces the passphrase (at least 8 characters). Only its key slot is rewrapped.
    pub fn change_passphrase(&self, new_passphrase: String) -> Result<(), CarnetError> {
        Ok(self
            .open()?
            .change_passphrase(&Passphrase::new(new_passphrase))?)
    }

    /// Adds (or replaces) the platform key store slot, so the app can unlock with
    /// `unlock_with_key_store`.
    pub fn add_platform_key_slot(
        &self,
        store: Arc<dyn PlatformKeyStore>,
    ) -> Result<(), CarnetError> {
        let adapter = ForeignKeyStore::new(store);
        adapter.outcome(self.open()?.add_platform_key_slot(&adapter))
    }

    /// The unlock methods this vault has: `passphrase`, `platform`, `recovery`.
    pub fn key_slot_kinds(&self) -> Result<Vec<String>, CarnetError> {
        Ok(self.open()?.key_slot_kinds()?)
    }

    /// Whether `recovery_key` is this vault's recovery key (before relying on it).
    pub fn is_recovery_key(&self, recovery_key: String) -> Result<bool, CarnetError> {
        let recovery_key = Zeroizing::new(recovery_key);
        let Ok(recovery) = RecoveryKey::parse(&recovery_key) else {
            return Ok(false);
        };
        Ok(self.open()?.is_recovery_key(&recovery)?)
    }

    // ---- profiles ------------------------------------------------------------------

    /// Adds a person whose records the vault keeps.
    pub fn add_profile(&self, profile: NewProfile) -> Result<Profile, CarnetError> {
        Ok(self.open()?.add_profile(profile)?)
    }

    /// Replaces a profile's details.
    pub fn update_profile(&self, profile: Profile) -> Result<(), CarnetError> {
        Ok(self.open()?.update_profile(&profile)?)
    }

    /// One profile by id.
    pub fn profile(&self, id: ProfileId) -> Result<Profile, CarnetError> {
        Ok(self.open()?.profile(&id)?)
    }

    /// All profiles, the owner first, then by name.
    pub fn profiles(&self) -> Result<Vec<Profile>, CarnetError> {
        Ok(self.open()?.profiles()?)
    }

    /// A profile by id, the start of its id, or its name (case and accents ignored).
    pub fn find_profile(&self, query: String) -> Result<Profile, CarnetError> {
        Ok(self.open()?.find_profile(&query)?)
    }

    /// Deletes a profile with all its records and attachments, in one transaction.
    pub fn delete_profile(&self, id: ProfileId) -> Result<(), CarnetError> {
        Ok(self.open()?.delete_profile(&id)?)
    }

    // ---- records -------------------------------------------------------------------

    /// Adds a record. Its issued date defaults to the date its content carries, then today.
    pub fn add_record(&self, record: NewRecord) -> Result<Record, CarnetError> {
        Ok(self.open()?.add_record(record)?)
    }

    /// Adds many records in one transaction: all of them or none.
    pub fn add_records(&self, records: Vec<NewRecord>) -> Result<Vec<RecordId>, CarnetError> {
        Ok(self.open()?.add_records(records)?)
    }

    /// One record by id, with its attachments.
    pub fn record(&self, id: RecordId) -> Result<Record, CarnetError> {
        Ok(self.open()?.record(&id)?)
    }

    /// A record by id or the start of it (at least 4 characters, as shown in lists).
    pub fn find_record(&self, query: String) -> Result<Record, CarnetError> {
        Ok(self.open()?.find_record(&query)?)
    }

    /// Replaces a record's content; its id, profile and creation time stay. A practitioner's
    /// record that is edited becomes "entered by patient".
    pub fn update_record(&self, id: RecordId, body: RecordBody) -> Result<Record, CarnetError> {
        Ok(self.open()?.update_record(&id, body)?)
    }

    /// Deletes a record and its attachments.
    pub fn delete_record(&self, id: RecordId) -> Result<(), CarnetError> {
        Ok(self.open()?.delete_record(&id)?)
    }

    /// Records of one profile (or all), optionally of one kind; newest first.
    #[uniffi::method(default(profile = None, kind = None))]
    pub fn records(
        &self,
        profile: Option<ProfileId>,
        kind: Option<RecordKind>,
    ) -> Result<Vec<Record>, CarnetError> {
        Ok(self.open()?.records(profile.as_ref(), kind)?)
    }

    /// Full-text search: every word must appear; case and accents are ignored. Newest first.
    #[uniffi::method(default(profile = None))]
    pub fn search(
        &self,
        query: String,
        profile: Option<ProfileId>,
    ) -> Result<Vec<Record>, CarnetError> {
        Ok(self.open()?.search(&query, profile.as_ref())?)
    }

    /// How many records each kind has, for one profile or all; kinds with none are left out.
    #[uniffi::method(default(profile = None))]
    pub fn count_records(&self, profile: Option<ProfileId>) -> Result<Vec<KindCount>, CarnetError> {
        let counts = self.open()?.count_records(profile.as_ref())?;
        let mut out: Vec<KindCount> = counts
            .into_iter()
            .map(|(kind, count)| KindCount {
                kind,
                count: count as u64,
            })
            .collect();
        out.sort_by_key(|c| c.kind);
        Ok(out)
    }

    // ---- attachments ---------------------------------------------------------------

    /// Encrypts the file at `path` into the vault, attached to `record`, reading it 64 KiB at
    /// a time (a 50 MB scan needs a few hundred KiB of memory). All of it is stored or none.
    /// `file_name` defaults to the path's last component.
    #[uniffi::method(default(file_name = None))]
    pub fn attach_file(
        &self,
        record: RecordId,
        path: String,
        media_type: String,
        file_name: Option<String>,
    ) -> Result<Attachment, CarnetError> {
        let path = PathBuf::from(path);
        let name = match file_name {
            Some(n) => n,
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let mut file = std::fs::File::open(&path)?;
        Ok(self
            .open()?
            .attach(&record, &name, &media_type, &mut file)?)
    }

    /// Decrypts an attachment to the file at `path`, verifying every chunk; returns its size.
    /// It is written under a temporary name and renamed when complete, so `path` never holds
    /// a partial or unverified file. An existing file at `path` is replaced.
    pub fn export_attachment(&self, id: AttachmentId, path: String) -> Result<u64, CarnetError> {
        let vault = self.open()?;
        carnet_core::files::write_file(
            Path::new(&path),
            carnet_core::files::Existing::Replace,
            |file| {
                use std::io::Write;
                let mut out = std::io::BufWriter::new(file);
                let size = vault.read_attachment(&id, &mut out)?;
                out.flush()?;
                Ok(size)
            },
        )
    }

    // ---- views and audit ------------------------------------------------------------

    /// What a doctor reads first, as of `today` (default: the device's date): allergies,
    /// active conditions, current medications and their history, lab trends, vaccinations,
    /// latest letters; with `since` (the last visit), what is new, changed or stopped since.
    #[uniffi::method(default(today = None, since = None))]
    pub fn summary(
        &self,
        profile: ProfileId,
        today: Option<IsoDate>,
        since: Option<IsoDate>,
    ) -> Result<Summary, CarnetError> {
        let summary = self.open()?.summary(&profile, today_or(today))?;
        Ok(Summary::of(summary, since))
    }

    /// Checks the vault's whole history: the audit chain, and every profile, record,
    /// attachment and key slot against the change that last wrote it. `IntegrityFailure`
    /// says what was put back, deleted or added outside Carnet. Writes nothing.
    pub fn verify_history(&self) -> Result<carnet_core::vault::HistoryReport, CarnetError> {
        Ok(self.open()?.verify()?)
    }

    /// The vault's audit log, oldest first: unlocks, changes, shares.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, CarnetError> {
        Ok(self
            .open()?
            .audit_log()?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }
}

impl From<vault::AuditEvent> for AuditEntry {
    fn from(e: vault::AuditEvent) -> Self {
        AuditEntry {
            at: e.at,
            action: e.action.into(),
        }
    }
}
