//! QR codes as Carnet uses them, whatever they carry: the code text and its prefixes
//! ([`text`]), fountain-code frames for payloads too large for one code ([`frames`]), drawing
//! images ([`render`]) and reading them back within bounds a hostile image cannot push
//! ([`scan`]; a DataMatrix, the code of the INS on French health documents, with
//! [`datamatrix`]), text typed by a keyboard-wedge scanner on the wrong layout put back
//! ([`wedge`]), and the two operations every exchange needs: turning a
//! payload into the codes to show ([`codes_for`]) and collecting scanned texts back into a
//! payload ([`Assembler`]).
//!
//! This module knows the kinds of code by their prefix only; what a share, a hello or a signed
//! record holds is the business of the modules that define them.

pub mod datamatrix;
mod error;
pub mod frames;
pub mod render;
pub mod scan;
pub mod text;
pub mod wedge;

pub use error::QrError;
pub use frames::FrameCollector;
pub use render::QrMatrix;
pub use text::CodeKind;

/// A payload that fits one code up to this QR version is shown as one code; a larger one as
/// frames (each at most [`frames::FRAME_MAX_VERSION`]). Version 25 is what a phone held to a
/// webcam and a desk scanner still read in one go.
pub const MAX_SINGLE_VERSION: i16 = 25;

/// The codes that carry a payload: one, or frames to show in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Codes {
    /// One text for a single code, several for an animated sequence.
    pub texts: Vec<String>,
    /// The QR version of the single code; `None` when animated.
    pub version: Option<i16>,
}

/// One `kind` code for `payload` when it fits [`MAX_SINGLE_VERSION`], else frames.
pub fn codes_for(kind: CodeKind, payload: &[u8]) -> Result<Codes, QrError> {
    let single = text::encode(kind, payload);
    match QrMatrix::encode(&single, MAX_SINGLE_VERSION) {
        Ok(matrix) => Ok(Codes {
            texts: vec![single],
            version: Some(matrix.version),
        }),
        Err(_) => Ok(Codes {
            texts: frames::split(payload)?,
            version: None,
        }),
    }
}

/// Where a reading stands.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadProgress {
    /// Between 0 and 1.
    pub fraction: f64,
    pub complete: bool,
}

impl ReadProgress {
    pub const COMPLETE: ReadProgress = ReadProgress {
        fraction: 1.0,
        complete: true,
    };
}

/// Collects scanned texts into one payload of the expected kind: a single code, or frames in
/// any order. A text that is refused leaves what was collected, so scanning can go on.
#[derive(Debug)]
pub struct Assembler {
    kind: CodeKind,
    frames: FrameCollector,
    payload: Option<Vec<u8>>,
}

impl Assembler {
    pub fn new(kind: CodeKind) -> Self {
        Self {
            kind,
            frames: FrameCollector::new(),
            payload: None,
        }
    }

    /// Takes one scanned text. A code of another kind is [`QrError::UnexpectedKind`].
    pub fn push_text(&mut self, scanned: &str) -> Result<ReadProgress, QrError> {
        if self.payload.is_some() {
            return Ok(ReadProgress::COMPLETE);
        }
        let (kind, bytes) = text::decode(scanned)?;
        match kind {
            k if k == self.kind => self.payload = Some(bytes),
            CodeKind::Frame => {
                let fraction = self.frames.push(&bytes)?;
                match self.frames.result() {
                    Some(done) => self.payload = Some(done.to_vec()),
                    None => {
                        return Ok(ReadProgress {
                            fraction,
                            complete: false,
                        });
                    }
                }
            }
            found => {
                return Err(QrError::UnexpectedKind {
                    expected: self.kind,
                    found,
                });
            }
        }
        Ok(ReadProgress::COMPLETE)
    }

    pub fn progress(&self) -> ReadProgress {
        match self.payload {
            Some(_) => ReadProgress::COMPLETE,
            None => ReadProgress {
                fraction: self.frames.progress(),
                complete: false,
            },
        }
    }

    /// The payload, once complete.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// Forgets everything collected: a complete payload that its reader refused is not read
    /// again from the same frames.
    pub fn reset(&mut self) {
        *self = Self::new(self.kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_goes_out_as_codes_and_comes_back_whole() {
        for size in [40usize, 4_000] {
            let payload: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let codes =
                codes_for(CodeKind::SignedRecord, &payload).unwrap_or_else(|_| unreachable!());
            assert_eq!(codes.version.is_some(), size == 40);
            let mut assembler = Assembler::new(CodeKind::SignedRecord);
            for text in codes.texts.iter().rev() {
                if assembler
                    .push_text(text)
                    .map(|p| p.complete)
                    .unwrap_or(false)
                {
                    break;
                }
            }
            assert_eq!(assembler.payload(), Some(&payload[..]));
        }
        let mut wrong = Assembler::new(CodeKind::Share);
        let hello = text::encode(CodeKind::Hello, b"x");
        assert_eq!(
            wrong.push_text(&hello),
            Err(QrError::UnexpectedKind {
                expected: CodeKind::Share,
                found: CodeKind::Hello
            })
        );
        assert!(!wrong.progress().complete);
    }
}
