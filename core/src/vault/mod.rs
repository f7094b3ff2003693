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
mod batch;
mod chain;
mod cipher;
mod error;
mod history;
mod lifecycle;
mod merge;
mod profiles;
mod query;
mod records;
mod rows;
pub mod schema;
mod transfer;

pub use audit::{AddedRecord, AuditAction, AuditEvent, RECORDS_PER_EVENT, Receipt};
pub use chain::RowDigest;
pub use error::VaultError;
pub use history::HistoryReport;
pub use merge::{
    Change, ChangeKind, ImportItem, ImportOptions, ImportReport, MergeChoices, ProvenanceCheck,
    TrustNoOne,
};
pub use transfer::ExportSink;

use crate::crypto::{KdfParams, KdfPolicy, Passphrase};
use cipher::RowCipher;
use rusqlite::Connection;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How a vault derives and accepts passphrase keys, and how large an attachment may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultOptions {
    /// Parameters for new passphrase slots.
    pub kdf: KdfParams,
    /// The minimum accepted when opening a passphrase slot.
    pub kdf_policy: KdfPolicy,
    /// The largest attachment stored, in bytes ([`VaultError::AttachmentTooLarge`] beyond):
    /// a scan or a PDF, not a stream without end.
    pub max_attachment_bytes: u64,
}

/// The default largest attachment: 512 MiB, ten times a long hospital report's scan.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 512 * 1024 * 1024;

impl Default for VaultOptions {
    fn default() -> Self {
        Self {
            kdf: KdfParams::default(),
            kdf_policy: KdfPolicy::default(),
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
        }
    }
}

impl VaultOptions {
    /// Cheap KDF parameters and a policy that accepts them. Test suites only.
    #[cfg(any(test, feature = "test-support"))]
    pub fn insecure_for_tests() -> Self {
        Self {
            kdf: KdfParams::insecure_for_tests(),
            kdf_policy: KdfPolicy::insecure_for_tests(),
            ..Self::default()
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
    /// The unlock event, written with the first change or when the vault is closed, and never
    /// if a read found the vault damaged: reading a damaged vault leaves its file as it was.
    pending: Mutex<Option<AuditAction>>,
    damaged: AtomicBool,
}

impl Drop for Vault {
    fn drop(&mut self) {
        // Best effort: a vault closed on a full disk loses only its unlock event.
        let _ = self.flush_pending();
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

/// The minimum every new passphrase meets: the vault's, and a backup's.
pub(crate) fn check_passphrase_strength(passphrase: &Passphrase) -> Result<(), VaultError> {
    if passphrase.counted_chars() < Passphrase::MIN_CHARS {
        return Err(VaultError::PassphraseTooShort {
            min: Passphrase::MIN_CHARS,
        });
    }
    Ok(())
}

impl Vault {
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

    /// Adds an event to the audit log (the share module logs what it shared).
    pub fn log(&self, action: AuditAction) -> Result<(), VaultError> {
        self.write(|tx, cipher| audit::append(tx, cipher, action))
    }

    /// The audit log, oldest first, this session's unlock included (it is written now, unless
    /// the vault was found damaged or cannot be written).
    pub fn audit_log(&self) -> Result<Vec<AuditEvent>, VaultError> {
        let _ = self.flush_pending();
        self.read(audit::read_all)
    }

    /// Checks the whole history ([`history`]): the audit chain and its head, and every
    /// profile, record, attachment and key slot against the digest its latest change
    /// recorded. [`VaultError::HistoryTampered`] says what was put back, deleted or added
    /// outside Carnet. Writes nothing.
    pub fn verify(&self) -> Result<HistoryReport, VaultError> {
        self.read(history::verify)
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held rolled back its transaction (rusqlite rolls back on
        // drop), so the connection is consistent and the poison can be cleared.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An open vault, its unlock event (if any) still to be written.
    fn opened(
        conn: Connection,
        cipher: RowCipher,
        path: PathBuf,
        options: VaultOptions,
        unlock_event: Option<AuditAction>,
    ) -> Self {
        Self {
            conn: Mutex::new(conn),
            cipher,
            path,
            options,
            pending: Mutex::new(unlock_event),
            damaged: AtomicBool::new(false),
        }
    }

    fn pending(&self) -> MutexGuard<'_, Option<AuditAction>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers that the vault is damaged when `e` says so: from then on nothing is written
    /// on this session's behalf (its unlock event is dropped).
    fn noted(&self, e: VaultError) -> VaultError {
        if matches!(
            e,
            VaultError::Integrity { .. }
                | VaultError::Corrupt(_)
                | VaultError::AttachmentDamaged(_)
                | VaultError::HistoryTampered(_)
        ) {
            self.damaged.store(true, Ordering::SeqCst);
        }
        e
    }

    /// Writes the unlock event if it is still pending and the vault was not found damaged.
    fn flush_pending(&self) -> Result<(), VaultError> {
        if self.pending().is_some() {
            self.write(|_, _| Ok(()))?;
        }
        Ok(())
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection, &RowCipher) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let conn = self.connection();
        f(&conn, &self.cipher).map_err(|e| self.noted(e))
    }

    /// Runs `f` in one transaction: all of it is committed, or none. The pending unlock event
    /// goes first, in the same transaction.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &RowCipher) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let mut conn = self.connection();
        let tx = conn.transaction()?;
        let unlock = if self.damaged.load(Ordering::SeqCst) {
            None
        } else {
            self.pending().take()
        };
        let done = unlock
            .clone()
            .map_or(Ok(()), |event| audit::append(&tx, &self.cipher, event))
            .and_then(|()| f(&tx, &self.cipher))
            .and_then(|value| Ok(tx.commit().map(|()| value)?));
        if done.is_err() && unlock.is_some() {
            *self.pending() = unlock;
        }
        done.map_err(|e| self.noted(e))
    }
}
