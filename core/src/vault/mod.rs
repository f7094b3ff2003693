//! The encrypted store: one SQLite file holding all of a family's profiles and records.
//!
//! [`Vault`] is the one entry type. It is created with a passphrase (which also yields the
//! recovery key to show once), unlocked by passphrase, recovery key or platform key store,
//! and locked by dropping it or calling [`Vault::lock`], which zeroizes the key.
//!
//! One random 256-bit vault key seals every row ([`cipher`]); it is stored only wrapped in
//! key slots ([`crate::crypto::key_slot`]). The schema, what stays plaintext and why, and the
//! durability settings are documented in [`schema`].
//!
//! A vault that fails a check is never deleted or rewritten: the caller gets a typed
//! [`VaultError`] and the file stays as it was.

mod attachments;
pub mod audit;
mod cipher;
mod error;
mod records;
pub mod schema;
mod transfer;

pub use audit::{AuditAction, AuditEvent};
pub use error::VaultError;
pub use transfer::{ExportSink, ImportItem, ImportReport};

use crate::crypto::key_slot::{self, KeySlotKind, SealedSlot};
use crate::crypto::{
    AssociatedData, CryptoError, KdfParams, KdfPolicy, Passphrase, PlatformKeyStore, RecoveryKey,
    SecretKey, envelope,
};
use cipher::RowCipher;
use rand::RngCore;
use rand::rngs::OsRng;
use rusqlite::{Connection, OptionalExtension, params};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const KEY_CHECK_PLAINTEXT: &[u8] = b"carnet vault key check v1";

/// How a vault derives and accepts passphrase keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VaultOptions {
    /// Parameters for new passphrase slots.
    pub kdf: KdfParams,
    /// The minimum accepted when opening a passphrase slot.
    pub kdf_policy: KdfPolicy,
}

impl VaultOptions {
    /// Cheap KDF parameters and a policy that accepts them. Test suites only.
    #[cfg(any(test, feature = "test-support"))]
    pub fn insecure_for_tests() -> Self {
        Self {
            kdf: KdfParams::insecure_for_tests(),
            kdf_policy: KdfPolicy::insecure_for_tests(),
        }
    }
}

/// An unlocked vault. `Send + Sync`: calls from several threads are serialised on its
/// connection.
pub struct Vault {
    conn: Mutex<Connection>,
    cipher: RowCipher,
    path: PathBuf,
    options: VaultOptions,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

/// The minimum every new passphrase meets: the vault's, and a backup's.
pub(crate) fn check_passphrase_strength(passphrase: &Passphrase) -> Result<(), VaultError> {
    if passphrase.char_count() < Passphrase::MIN_CHARS {
        return Err(VaultError::PassphraseTooShort {
            min: Passphrase::MIN_CHARS,
        });
    }
    Ok(())
}

fn key_check_ad(vault_id: &[u8]) -> AssociatedData {
    AssociatedData::new("vault.key-check").with(vault_id)
}

fn insert_slot(conn: &Connection, slot: &SealedSlot) -> Result<(), VaultError> {
    conn.execute(
        "INSERT INTO key_slots (kind, params, wrapped_key) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind) DO UPDATE SET params = excluded.params, wrapped_key = excluded.wrapped_key",
        params![slot.kind.as_str(), slot.params, slot.wrapped_key],
    )?;
    Ok(())
}

fn read_slot(conn: &Connection, kind: KeySlotKind) -> Result<SealedSlot, VaultError> {
    conn.query_row(
        "SELECT params, wrapped_key FROM key_slots WHERE kind = ?1",
        [kind.as_str()],
        |row| {
            Ok(SealedSlot {
                kind,
                params: row.get(0)?,
                wrapped_key: row.get(1)?,
            })
        },
    )
    .optional()?
    .ok_or(VaultError::NoKeySlot(kind.as_str()))
}

/// A vault file opened but not yet unlocked: the format and version are checked.
struct LockedVault {
    conn: Connection,
    vault_id: [u8; 16],
    path: PathBuf,
}

impl LockedVault {
    fn open(path: &Path) -> Result<Self, VaultError> {
        let conn = schema::open_existing(path)?;
        schema::check_format(&conn)?;
        let id: Vec<u8> = conn
            .query_row("SELECT value FROM meta WHERE key = 'vault_id'", [], |row| {
                row.get(0)
            })
            .optional()?
            .ok_or_else(|| VaultError::Corrupt("vault id missing".into()))?;
        let vault_id: [u8; 16] = id
            .try_into()
            .map_err(|_| VaultError::Corrupt("vault id length".into()))?;
        Ok(Self {
            conn,
            vault_id,
            path: path.to_path_buf(),
        })
    }

    /// Verifies the unwrapped key against the key check, migrates the schema if it is older,
    /// and logs the unlock. Nothing is written before the key is known to be right.
    fn finish(
        self,
        key: SecretKey,
        method: KeySlotKind,
        wrong_key: VaultError,
        options: VaultOptions,
    ) -> Result<Vault, VaultError> {
        let check: Vec<u8> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'key_check'",
                [],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| VaultError::Corrupt("key check missing".into()))?;
        match envelope::open(&key, &key_check_ad(&self.vault_id), &check) {
            Ok(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => {}
            _ => return Err(wrong_key),
        }
        schema::check_structure(&self.conn)?;
        let mut conn = self.conn;
        // A vault copied from elsewhere (or written by schema 1) may not be in WAL mode yet.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        schema::migrate(&mut conn)?;
        let vault = Vault {
            conn: Mutex::new(conn),
            cipher: RowCipher::new(key, self.vault_id),
            path: self.path,
            options,
        };
        vault.write(|tx, cipher| {
            audit::append(
                tx,
                cipher,
                AuditAction::Unlocked {
                    method: method.as_str().into(),
                },
            )
        })?;
        Ok(vault)
    }
}

impl Vault {
    /// Creates a vault at `path`, protected by `passphrase`. Returns the vault, unlocked, and
    /// its recovery key, which the app must show once and never store.
    ///
    /// The file is built under a temporary name beside `path` and moved into place only when
    /// complete, so a crash never leaves a half-made vault at `path`. An existing file is
    /// never touched.
    pub fn create(
        path: &Path,
        passphrase: &Passphrase,
        options: &VaultOptions,
    ) -> Result<(Vault, RecoveryKey), VaultError> {
        check_passphrase_strength(passphrase)?;
        if path.exists() {
            return Err(VaultError::AlreadyExists);
        }
        let key = SecretKey::random();
        let mut vault_id = [0u8; 16];
        OsRng.fill_bytes(&mut vault_id);
        let recovery = RecoveryKey::random();

        let file_name = path
            .file_name()
            .ok_or(VaultError::Io("the vault path has no file name".into()))?;
        let mut tmp_name = file_name.to_os_string();
        tmp_name.push(format!(".creating-{}", uuid::Uuid::new_v4().simple()));
        let tmp = path.with_file_name(tmp_name);
        let built = Self::build_new(&tmp, &key, &vault_id, &recovery, passphrase, options);
        let moved = built.and_then(|()| {
            if path.exists() {
                return Err(VaultError::AlreadyExists);
            }
            std::fs::rename(&tmp, path)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // Make the rename itself durable.
                std::fs::File::open(dir).and_then(|d| d.sync_all())?;
            }
            Ok(())
        });
        if let Err(e) = moved {
            schema::remove_sqlite_files(&tmp);
            return Err(e);
        }
        let locked = LockedVault::open(path)?;
        let vault = Vault {
            conn: Mutex::new(locked.conn),
            cipher: RowCipher::new(key, vault_id),
            path: path.to_path_buf(),
            options: *options,
        };
        Ok((vault, recovery))
    }

    fn build_new(
        tmp: &Path,
        key: &SecretKey,
        vault_id: &[u8; 16],
        recovery: &RecoveryKey,
        passphrase: &Passphrase,
        options: &VaultOptions,
    ) -> Result<(), VaultError> {
        let passphrase_slot = key_slot::seal_passphrase(
            vault_id,
            key,
            passphrase,
            &options.kdf,
            &options.kdf_policy,
        )?;
        let recovery_slot = key_slot::seal_recovery(vault_id, key, recovery)?;
        let key_check = envelope::seal(key, &key_check_ad(vault_id), KEY_CHECK_PLAINTEXT)?;
        let mut conn = schema::create_new(tmp)?;
        schema::migrate(&mut conn)?;
        let cipher = RowCipher::new(key.clone(), *vault_id);
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            [schema::FORMAT_MARKER],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('vault_id', ?1)",
            [&vault_id[..]],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
            [&key_check],
        )?;
        insert_slot(&tx, &passphrase_slot)?;
        insert_slot(&tx, &recovery_slot)?;
        audit::append(&tx, &cipher, AuditAction::VaultCreated)?;
        tx.commit()?;
        conn.close().map_err(|(_, e)| VaultError::from(e))?;
        Ok(())
    }

    /// Unlocks with the passphrase. A wrong passphrase is [`VaultError::WrongPassphrase`] and
    /// leaves the file byte-identical; stored KDF parameters below the policy's minimum are
    /// [`VaultError::WeakKdf`], refused before any derivation.
    pub fn unlock_with_passphrase(
        path: &Path,
        passphrase: &Passphrase,
        options: &VaultOptions,
    ) -> Result<Vault, VaultError> {
        let locked = LockedVault::open(path)?;
        let slot = read_slot(&locked.conn, KeySlotKind::Passphrase)?;
        let key =
            key_slot::open_passphrase(&locked.vault_id, &slot, passphrase, &options.kdf_policy)
                .map_err(|e| match e {
                    CryptoError::Authentication => VaultError::WrongPassphrase,
                    other => other.into(),
                })?;
        locked.finish(
            key,
            KeySlotKind::Passphrase,
            VaultError::Integrity { what: "key check" },
            *options,
        )
    }

    /// Unlocks with the recovery key written down at creation.
    pub fn unlock_with_recovery_key(
        path: &Path,
        recovery: &RecoveryKey,
        options: &VaultOptions,
    ) -> Result<Vault, VaultError> {
        let locked = LockedVault::open(path)?;
        let slot = read_slot(&locked.conn, KeySlotKind::Recovery)?;
        let key =
            key_slot::open_recovery(&locked.vault_id, &slot, recovery).map_err(|e| match e {
                CryptoError::Authentication => VaultError::WrongRecoveryKey,
                other => other.into(),
            })?;
        locked.finish(
            key,
            KeySlotKind::Recovery,
            VaultError::Integrity { what: "key check" },
            *options,
        )
    }

    /// Unlocks through the platform key store slot (added with [`Vault::add_platform_key_slot`]).
    pub fn unlock_with_key_store(
        path: &Path,
        store: &dyn PlatformKeyStore,
        options: &VaultOptions,
    ) -> Result<Vault, VaultError> {
        let locked = LockedVault::open(path)?;
        let slot = read_slot(&locked.conn, KeySlotKind::Platform)?;
        let key = key_slot::open_platform(&slot, store)?.ok_or(VaultError::WrongPlatformKey)?;
        locked.finish(
            key,
            KeySlotKind::Platform,
            VaultError::WrongPlatformKey,
            *options,
        )
    }

    /// Locks the vault: closes the file and zeroizes the key.
    pub fn lock(self) {
        drop(self);
    }

    /// Where the vault file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the passphrase. Only the passphrase slot is rewrapped, in one transaction;
    /// the data is not re-encrypted.
    pub fn change_passphrase(&self, new_passphrase: &Passphrase) -> Result<(), VaultError> {
        check_passphrase_strength(new_passphrase)?;
        let slot = key_slot::seal_passphrase(
            self.cipher.vault_id(),
            self.cipher.key(),
            new_passphrase,
            &self.options.kdf,
            &self.options.kdf_policy,
        )?;
        self.write(|tx, cipher| {
            insert_slot(tx, &slot)?;
            audit::append(tx, cipher, AuditAction::PassphraseChanged)
        })
    }

    /// Adds (or replaces) the platform key store slot, so the app can unlock with the device's
    /// biometric or screen lock.
    pub fn add_platform_key_slot(&self, store: &dyn PlatformKeyStore) -> Result<(), VaultError> {
        let slot = key_slot::seal_platform(self.cipher.key(), store)?;
        self.write(|tx, cipher| {
            insert_slot(tx, &slot)?;
            audit::append(
                tx,
                cipher,
                AuditAction::KeySlotAdded {
                    kind: KeySlotKind::Platform.as_str().into(),
                },
            )
        })
    }

    /// Whether `recovery` is this vault's recovery key (it opens the recovery slot to this
    /// vault's key). Used before protecting a backup with it.
    pub fn is_recovery_key(&self, recovery: &RecoveryKey) -> Result<bool, VaultError> {
        let slot = self.read(|conn, _| read_slot(conn, KeySlotKind::Recovery))?;
        Ok(
            match key_slot::open_recovery(self.cipher.vault_id(), &slot, recovery) {
                Ok(key) => key.as_bytes() == self.cipher.key().as_bytes(),
                Err(_) => false,
            },
        )
    }

    /// Test hook: makes the vault's storage full once the file reaches `max_pages` pages (of
    /// 4 KiB), as a full disk would. SQLite then fails writes with "database or disk is full".
    #[cfg(any(test, feature = "test-support"))]
    pub fn simulate_full_disk_for_tests(&self, extra_pages: u32) -> Result<(), VaultError> {
        let conn = self.connection();
        let pages: u32 = conn.pragma_query_value(None, "page_count", |row| row.get(0))?;
        conn.pragma_update(None, "max_page_count", pages + extra_pages)?;
        Ok(())
    }

    /// Test hook: refuses every write from now on, as a read-only file system would.
    #[cfg(any(test, feature = "test-support"))]
    pub fn simulate_read_only_for_tests(&self) -> Result<(), VaultError> {
        self.connection().pragma_update(None, "query_only", true)?;
        Ok(())
    }

    /// Which unlock methods this vault has.
    pub fn key_slot_kinds(&self) -> Result<Vec<String>, VaultError> {
        self.read(|conn, _| {
            let mut stmt = conn.prepare("SELECT kind FROM key_slots ORDER BY kind")?;
            let kinds = stmt
                .query_map([], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(kinds)
        })
    }

    /// Adds an event to the audit log (the share module logs what it shared).
    pub fn log(&self, action: AuditAction) -> Result<(), VaultError> {
        self.write(|tx, cipher| audit::append(tx, cipher, action))
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEvent>, VaultError> {
        self.read(audit::read_all)
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held rolled back its transaction (rusqlite rolls back on
        // drop), so the connection is consistent and the poison can be cleared.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection, &RowCipher) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let conn = self.connection();
        f(&conn, &self.cipher)
    }

    /// Runs `f` in one transaction: all of it is committed, or none.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &RowCipher) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let mut conn = self.connection();
        let tx = conn.transaction()?;
        let value = f(&tx, &self.cipher)?;
        tx.commit()?;
        Ok(value)
    }
}
