use thiserror::Error;

/// Why a code, a frame or an image was refused. About the code, never its content.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum QrError {
    #[error("this is not a Carnet code")]
    NotACarnetCode,
    #[error(
        "this Carnet code uses format version {0}, which this version cannot read; update the app"
    )]
    UnsupportedVersion(u8),
    #[error("this code is {found}, not {expected}")]
    UnexpectedKind {
        expected: super::CodeKind,
        found: super::CodeKind,
    },
    #[error("the code is malformed: {0}")]
    Malformed(&'static str),
    #[error("the code is truncated")]
    Truncated,
    #[error("the code is larger than any Carnet code can be")]
    TooLarge,
    #[error("frame refused: {0}")]
    FrameRejected(&'static str),
    #[error("this frame belongs to another code")]
    OtherTransfer,
    #[error("no QR code found in the image")]
    NoCodeInImage,
    #[error("no DataMatrix code found in the image")]
    NoDataMatrixInImage,
    #[error("the image could not be read")]
    BadImage,
    #[error(
        "the image shows more code-like patterns than any photo of a code: refused before searching it"
    )]
    ImageTooComplex,
    #[error("the content does not fit in a QR code of version {max_version} or lower")]
    DoesNotFit { max_version: i16 },
}
