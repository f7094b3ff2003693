use thiserror::Error;

/// Failures of the constructions. None carries key material or plaintext.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// Authentication failed: wrong key, or the data or its associated data was changed.
    #[error("authentication failed: wrong key or modified data")]
    Authentication,
    #[error("sealed data uses format version {0}, which this version of Carnet cannot read")]
    UnsupportedVersion(u8),
    #[error("sealed data is malformed: {0}")]
    Malformed(&'static str),
    #[error("key derivation parameters are below the minimum (m={m_kib} KiB, t={t}, p={p})")]
    WeakKdf { m_kib: u32, t: u32, p: u32 },
    #[error(
        "key derivation parameters are above what Carnet accepts (m={m_kib} KiB, t={t}, p={p})"
    )]
    ExcessiveKdf { m_kib: u32, t: u32, p: u32 },
    #[error("key derivation failed: {0}")]
    Kdf(&'static str),
    #[error("recovery key is mistyped: check each group of characters")]
    RecoveryKeyMistyped,
    /// A peer's public key that would make a key agreement predictable (a low-order point).
    #[error("the public key is not valid for a key agreement")]
    InvalidPublicKey,
    /// A public key of another algorithm or curve than the construction uses.
    #[error("the public key is not of a supported kind")]
    UnsupportedKey,
}
