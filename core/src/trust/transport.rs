//! Signed records by QR code: one `CR1:` code when it fits, else fountain-code frames, the
//! same as large shares ([`crate::share::frames`]).

use crate::share::frames::{self, FrameCollector};
use crate::share::text::{self, CodeKind};
use crate::share::{MAX_SINGLE_VERSION, QrMatrix, ReadProgress, ShareError};

/// The QR texts that carry a signed record: one, or frames to show in turn.
pub fn qr_codes(signed: &[u8]) -> Result<Vec<String>, ShareError> {
    let single = text::encode(CodeKind::SignedRecord, signed);
    if QrMatrix::encode(&single, MAX_SINGLE_VERSION).is_ok() {
        return Ok(vec![single]);
    }
    frames::split(signed)
}

/// Collects scanned texts until a signed record is complete.
#[derive(Default)]
pub struct SignedRecordScanner {
    frames: FrameCollector,
    result: Option<Vec<u8>>,
}

impl std::fmt::Debug for SignedRecordScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The result is a health record: never printed.
        f.debug_struct("SignedRecordScanner")
            .field("complete", &self.result.is_some())
            .finish_non_exhaustive()
    }
}

impl SignedRecordScanner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push_text(&mut self, scanned: &str) -> Result<ReadProgress, ShareError> {
        if self.result.is_some() {
            return Ok(ReadProgress {
                fraction: 1.0,
                complete: true,
            });
        }
        match text::decode(scanned)? {
            (CodeKind::SignedRecord, bytes) => self.result = Some(bytes),
            (CodeKind::Frame, bytes) => {
                let fraction = self.frames.push(&bytes)?;
                match self.frames.result() {
                    Some(done) => self.result = Some(done.to_vec()),
                    None => {
                        return Ok(ReadProgress {
                            fraction,
                            complete: false,
                        });
                    }
                }
            }
            _ => return Err(ShareError::Malformed("not a signed record")),
        }
        Ok(ReadProgress {
            fraction: 1.0,
            complete: true,
        })
    }

    /// The signed record's bytes, once complete.
    pub fn result(&self) -> Option<&[u8]> {
        self.result.as_deref()
    }
}
