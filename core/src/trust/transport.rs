//! Signed records by QR code: one `CR1:` code when it fits, else fountain-code frames
//! ([`crate::qr`]).

use crate::qr::{self, Assembler, CodeKind, QrError, ReadProgress};

/// The QR texts that carry a signed record: one, or frames to show in turn.
pub fn qr_codes(signed: &[u8]) -> Result<Vec<String>, QrError> {
    Ok(qr::codes_for(CodeKind::SignedRecord, signed)?.texts)
}

/// Collects scanned texts until a signed record is complete.
pub struct SignedRecordScanner(Assembler);

impl Default for SignedRecordScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SignedRecordScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The result is a health record: never printed.
        f.debug_struct("SignedRecordScanner")
            .field("complete", &self.0.payload().is_some())
            .finish_non_exhaustive()
    }
}

impl SignedRecordScanner {
    pub fn new() -> Self {
        Self(Assembler::new(CodeKind::SignedRecord))
    }

    pub fn push_text(&mut self, scanned: &str) -> Result<ReadProgress, QrError> {
        self.0.push_text(scanned).map_err(|e| match e {
            QrError::UnexpectedKind { .. } => QrError::Malformed("not a signed record"),
            other => other,
        })
    }

    /// The signed record's bytes, once complete.
    pub fn result(&self) -> Option<&[u8]> {
        self.0.payload()
    }
}
