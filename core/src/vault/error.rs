use crate::crypto::{CryptoError, KeyStoreError};
use crate::model::ModelError;
use thiserror::Error;

/// Everything that can go wrong with a vault. Messages name what failed and never include a
/// key, a passphrase or health data, so they can be shown to a person and logged.
#[derive(Debug, Error)]
pub enum VaultError {
    #[error("no vault at this location")]
    NotFound,
    #[error("a file already exists at this location; it was left untouched")]
    AlreadyExists,
    #[error("this file is not a Carnet vault")]
    NotAVault,
    #[error(
        "the vault file is damaged ({0}); it was left untouched: restore from a backup or export what is readable"
    )]
    Corrupt(String),
    #[error(
        "this vault was written by a newer version of Carnet (schema {found}, this version reads up to {supported}); update the app"
    )]
    NewerVersion { found: u32, supported: u32 },
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    #[error("recovery key is mistyped: check each group of characters")]
    RecoveryKeyMistyped,
    #[error("the platform key store did not return this vault's key")]
    WrongPlatformKey,
    #[error("platform key store: {0}")]
    KeyStore(#[from] KeyStoreError),
    #[error("this vault has no {0} key slot")]
    NoKeySlot(&'static str),
    #[error(
        "the vault's key derivation parameters are below the minimum (m={m_kib} KiB, t={t}, p={p}); refusing to use them"
    )]
    WeakKdf { m_kib: u32, t: u32, p: u32 },
    #[error(
        "the vault's key derivation parameters are above what Carnet accepts (m={m_kib} KiB, t={t}, p={p}): a damaged or crafted header; refusing to use them"
    )]
    ExcessiveKdf { m_kib: u32, t: u32, p: u32 },
    #[error(
        "passphrase too short: at least {min} characters (spaces at the ends, repeated spaces and invisible characters do not count)"
    )]
    PassphraseTooShort { min: usize },
    #[error("integrity check failed for a {what}: the data was modified or moved")]
    Integrity { what: &'static str },
    #[error(
        "the vault's history shows it was changed outside Carnet: {0}; nothing was written: restore from a backup"
    )]
    HistoryTampered(String),
    #[error("attachment is damaged: {0}")]
    AttachmentDamaged(&'static str),
    #[error("the file is larger than an attachment may be ({max} bytes); nothing was stored")]
    AttachmentTooLarge { max: u64 },
    #[error("no such profile")]
    ProfileNotFound,
    #[error("no such record")]
    RecordNotFound,
    #[error("this record is already in the vault")]
    DuplicateRecord,
    #[error("no such attachment")]
    AttachmentNotFound,
    #[error("invalid data: {0}")]
    Invalid(#[from] ModelError),
    #[error("the disk is full; nothing was changed")]
    DiskFull,
    #[error("the vault is on a read-only file system; nothing was changed")]
    ReadOnly,
    #[error("database error: {0}")]
    Database(String),
    #[error("input/output error: {0}")]
    Io(String),
    #[error("cryptography error: {0}")]
    Crypto(CryptoError),
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::NotADatabase => VaultError::NotAVault,
                ErrorCode::DatabaseCorrupt => VaultError::Corrupt("database structure".into()),
                ErrorCode::DiskFull => VaultError::DiskFull,
                ErrorCode::ReadOnly => VaultError::ReadOnly,
                // rusqlite's messages hold SQL and error text, never bound values.
                _ => VaultError::Database(e.to_string()),
            },
            _ => VaultError::Database(e.to_string()),
        }
    }
}

impl From<std::io::Error> for VaultError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull => VaultError::DiskFull,
            std::io::ErrorKind::ReadOnlyFilesystem => VaultError::ReadOnly,
            _ => VaultError::Io(e.kind().to_string()),
        }
    }
}

impl From<CryptoError> for VaultError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::WeakKdf { m_kib, t, p } => VaultError::WeakKdf { m_kib, t, p },
            CryptoError::ExcessiveKdf { m_kib, t, p } => VaultError::ExcessiveKdf { m_kib, t, p },
            CryptoError::RecoveryKeyMistyped => VaultError::RecoveryKeyMistyped,
            CryptoError::Authentication
            | CryptoError::UnsupportedVersion(_)
            | CryptoError::Malformed(_)
            | CryptoError::Kdf(_)
            | CryptoError::InvalidPublicKey
            | CryptoError::UnsupportedKey => VaultError::Crypto(e),
        }
    }
}
