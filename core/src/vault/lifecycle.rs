//! A vault's life: created, unlocked by passphrase, recovery key or platform key store,
//! rekeyed, moved into place, locked, erased. The key slots are [`crate::crypto::key_slot`];
//! the file's schema is [`super::schema`].

use super::audit::{self, AuditAction};
use super::cipher::RowCipher;
use super::{Vault, VaultError, VaultOptions, check_passphrase_strength, schema};
use crate::crypto::key_slot::{self, KeySlotKind, SealedSlot};
use crate::crypto::{
    AssociatedData, CryptoError, Passphrase, PlatformKeyStore, RecoveryKey, SecretKey, envelope,
    random,
};
use crate::files;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

const KEY_CHECK_PLAINTEXT: &[u8] = b"carnet vault key check v1";

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
    /// Whether `key` is this vault's key (it opens the key check), else `wrong_key`.
    fn check_key(&self, key: &SecretKey, wrong_key: VaultError) -> Result<(), VaultError> {
        let check: Vec<u8> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'key_check'",
                [],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| VaultError::Corrupt("key check missing".into()))?;
        match envelope::open(key, &key_check_ad(&self.vault_id), &check) {
            Ok(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => Ok(()),
            _ => Err(wrong_key),
        }
    }

    fn finish(
        self,
        key: SecretKey,
        method: KeySlotKind,
        wrong_key: VaultError,
        options: VaultOptions,
    ) -> Result<Vault, VaultError> {
        self.check_key(&key, wrong_key)?;
        schema::check_structure(&self.conn)?;
        let mut conn = self.conn;
        // A vault copied from elsewhere (or written by schema 1) may not be in WAL mode yet.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        schema::migrate(&mut conn)?;
        let cipher = RowCipher::new(key, self.vault_id);
        // Events deleted from the end of the history: refused before anything is written.
        super::chain::check_head(&conn, &cipher)?;
        // The unlock is logged with the first change or on closing, unless a read finds the
        // vault damaged: a damaged vault is read without being written.
        let vault = Vault::opened(
            conn,
            cipher,
            self.path,
            options,
            Some(AuditAction::Unlocked {
                method: method.as_str().into(),
            }),
        );
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
        let vault_id: [u8; 16] = random::bytes();
        let recovery = RecoveryKey::random();

        let tmp = files::sibling(path, "creating")?;
        let built = Self::build_new(&tmp, &key, &vault_id, &recovery, passphrase, options);
        if let Err(e) = built.and_then(|()| Ok(files::publish(&tmp, path)?)) {
            schema::remove_sqlite_files(&tmp);
            return Err(e);
        }
        let locked = LockedVault::open(path)?;
        let vault = Vault::opened(
            locked.conn,
            RowCipher::new(key, vault_id),
            path.to_path_buf(),
            *options,
            None,
        );
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

    /// Moves a vault this process just built (a restore, made under a temporary name) to
    /// `target`, which must not exist, and opens it there with the key it already holds: no
    /// passphrase is derived again. The file is closed first, so SQLite folds its WAL in.
    pub fn move_to(self, target: &Path) -> Result<Vault, VaultError> {
        self.flush_pending()?;
        let (path, options) = (self.path.clone(), self.options);
        let (key, vault_id) = (self.cipher.key().clone(), *self.cipher.vault_id());
        // The file is closed; what is left of `self` holds an empty in-memory database.
        let conn = std::mem::replace(&mut *self.connection(), Connection::open_in_memory()?);
        drop(self);
        conn.close().map_err(|(_, e)| VaultError::from(e))?;
        files::publish(&path, target)?;
        let locked = LockedVault::open(target)?;
        if locked.vault_id != vault_id {
            return Err(VaultError::Integrity {
                what: "moved vault",
            });
        }
        locked.check_key(&key, VaultError::Integrity { what: "key check" })?;
        Ok(Vault::opened(
            locked.conn,
            RowCipher::new(key, vault_id),
            target.to_path_buf(),
            options,
            None,
        ))
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

    /// Erases the vault: its key slots and key check are overwritten and deleted (without them
    /// nothing in the file can be decrypted, even from a copy made earlier of the data pages
    /// only), the file is overwritten with zeros, synced and removed with its WAL and shared
    /// memory. On flash storage overwriting is not guaranteed to reach every copy of a block;
    /// destroying the key slots is what makes the data unreadable.
    pub fn erase(self) -> Result<(), VaultError> {
        let path = self.path.clone();
        // Nothing more is logged in a vault being destroyed.
        *self.pending() = None;
        {
            let mut conn = self.connection();
            let tx = conn.transaction()?;
            tx.execute_batch(
                "UPDATE key_slots SET params = randomblob(length(params)), wrapped_key = randomblob(length(wrapped_key));
                 UPDATE meta SET value = randomblob(length(value)) WHERE key = 'key_check';
                 DELETE FROM key_slots;
                 DELETE FROM meta WHERE key = 'key_check';",
            )?;
            tx.commit()?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        drop(self);
        // Opened through a symbolic link, the vault is the file it points to: that is what is
        // destroyed, then the link.
        let resolved = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        for file in schema::sqlite_files(&resolved) {
            if let Ok(meta) = std::fs::symlink_metadata(&file) {
                if meta.is_file() {
                    overwrite_with_zeros(&file, meta.len())?;
                }
                std::fs::remove_file(&file)?;
            }
        }
        files::sync_parent(&resolved)?;
        if resolved != path {
            for file in schema::sqlite_files(&path) {
                if std::fs::symlink_metadata(&file).is_ok() {
                    std::fs::remove_file(&file)?;
                }
            }
            files::sync_parent(&path)?;
        }
        Ok(())
    }
}

fn overwrite_with_zeros(path: &std::path::Path, len: u64) -> Result<(), VaultError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let zeros = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        file.write_all(zeros.get(..n).unwrap_or_default())?;
        left -= n as u64;
    }
    file.sync_all()?;
    Ok(())
}
