use super::compress::CompressionError;
use crate::qr::QrError;
use thiserror::Error;

/// Why a share, a hello or an emergency card was refused. Never carries health data or key
/// material: messages are about the code, not its content.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The code itself: not a Carnet code, a frame refused, an unreadable image…
    #[error(transparent)]
    Code(#[from] QrError),
    #[error(
        "this share uses format version {0}, which this version of Carnet cannot read; update the app"
    )]
    UnsupportedVersion(u8),
    #[error(
        "this share uses clinical codebook version {0}, which this version of Carnet cannot read; update the app"
    )]
    NewerCodebook(u8),
    #[error("the share is malformed: {0}")]
    Malformed(&'static str),
    #[error("the share is truncated")]
    Truncated,
    #[error("the share is larger than any share can be")]
    TooLarge,
    #[error("this share expired at {expired_at} (UTC); ask the patient to show a new one")]
    Expired { expired_at: String },
    #[error("the doctor's code expired; show a new one")]
    HelloExpired,
    #[error("the doctor's code carries a signature that does not match its certificate; refused")]
    HelloSignatureMismatch,
    #[error("this share was sealed for another device's code, not this one")]
    WrongKey,
    #[error("the share was modified or damaged (integrity check failed)")]
    Tampered,
    #[error(
        "this code was sealed for a doctor's device; open it with the session that showed the hello"
    )]
    NeedsDoctorSession,
    #[error("compressed content: {0}")]
    Compression(#[from] CompressionError),
    #[error("not enough frames yet")]
    Incomplete,
    #[error("the emergency card text is damaged or was changed (check line mismatch)")]
    EmergencyCardDamaged,
    #[error(
        "the doctor's code is not verified (no certificate, or one this device cannot vouch for): nothing was sealed; check with the doctor, then choose to share anyway"
    )]
    UnverifiedHello,
}
