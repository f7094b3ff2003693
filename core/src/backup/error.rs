use crate::crypto::CryptoError;
use crate::vault::VaultError;
use thiserror::Error;

/// Why a backup could not be written or read. Nothing in it comes from the archive's content.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error("this file is not a Carnet backup")]
    NotABackup,
    #[error("this backup was written by a newer version of Carnet (format {0}); update the app")]
    NewerVersion(u8),
    #[error("wrong recovery key or backup passphrase for this backup (or its header was modified)")]
    WrongKey,
    #[error("the recovery key given is not this vault's recovery key")]
    NotThisVaultsRecoveryKey,
    #[error("the backup is truncated: it ends before its last part")]
    Truncated,
    #[error("the backup is damaged or was modified ({0}); nothing was imported")]
    Damaged(&'static str),
    #[error(
        "the backup's key derivation parameters are below the minimum (m={m_kib} KiB, t={t}, p={p})"
    )]
    WeakKdf { m_kib: u32, t: u32, p: u32 },
    #[error(
        "the backup's key derivation parameters are above what Carnet accepts (m={m_kib} KiB, t={t}, p={p}): a damaged or crafted header"
    )]
    ExcessiveKdf { m_kib: u32, t: u32, p: u32 },
    #[error("a file already exists at this location; it was left untouched")]
    AlreadyExists,
    #[error("the disk is full; nothing was written")]
    DiskFull,
    #[error("input/output error: {0}")]
    Io(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<std::io::Error> for BackupError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull => Self::DiskFull,
            std::io::ErrorKind::UnexpectedEof => Self::Truncated,
            std::io::ErrorKind::AlreadyExists => Self::AlreadyExists,
            kind => Self::Io(kind.to_string()),
        }
    }
}

impl From<CryptoError> for BackupError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::WeakKdf { m_kib, t, p } => Self::WeakKdf { m_kib, t, p },
            CryptoError::ExcessiveKdf { m_kib, t, p } => Self::ExcessiveKdf { m_kib, t, p },
            CryptoError::Authentication => Self::WrongKey,
            CryptoError::UnsupportedVersion(_)
            | CryptoError::Malformed(_)
            | CryptoError::Kdf(_)
            | CryptoError::RecoveryKeyMistyped
            | CryptoError::InvalidPublicKey
            | CryptoError::UnsupportedKey => Self::Damaged("key material"),
        }
    }
}
