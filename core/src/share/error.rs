use super::compress::CompressionError;
use thiserror::Error;

/// Why a share, a hello or a frame was refused. Never carries health data or key material:
/// messages are about the code, not its content.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShareError {
    #[error("this is not a Carnet code")]
    NotACarnetCode,
    #[error(
        "this Carnet code uses format version {0}, which this version cannot read; update the app"
    )]
    UnsupportedVersion(u8),
    #[error("the code is malformed: {0}")]
    Malformed(&'static str),
    #[error("the code is truncated")]
    Truncated,
    #[error("the code is larger than any share can be")]
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
    #[error("frame refused: {0}")]
    FrameRejected(&'static str),
    #[error("this frame belongs to another share")]
    OtherTransfer,
    #[error("not enough frames yet")]
    Incomplete,
    #[error("no QR code found in the image")]
    NoCodeInImage,
    #[error("the image could not be read")]
    BadImage,
    #[error("the content does not fit in a QR code of version {max_version} or lower")]
    DoesNotFit { max_version: i16 },
    #[error("the emergency card text is damaged or was changed (check line mismatch)")]
    EmergencyCardDamaged,
}
