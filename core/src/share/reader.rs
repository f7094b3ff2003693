//! The doctor's side: a reader session that takes scanned texts (one code or many frames) or
//! images, and returns the verified, decrypted consultation pack.

use super::frames::FrameCollector;
use super::hello::DoctorSession;
use super::seal::{self, OpenedShare};
use super::text::{self, CodeKind};
use super::{ShareError, render};

/// Where a reading stands.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadProgress {
    /// Between 0 and 1.
    pub fraction: f64,
    pub complete: bool,
}

/// One reading: feed it what the camera or the desk scanner returns until it is complete.
#[derive(Debug)]
pub struct ReaderSession {
    doctor: Vec<DoctorSession>,
    frames: FrameCollector,
    opened: Option<OpenedShare>,
}

impl ReaderSession {
    /// `doctor` holds the sessions whose hellos this device showed (a share answers one of
    /// them); with none, only open shares can be read.
    pub fn new(doctor: Vec<DoctorSession>) -> Self {
        Self {
            doctor,
            frames: FrameCollector::new(),
            opened: None,
        }
    }

    /// Takes one scanned text at time `now` (Unix seconds). A frame that is refused returns
    /// its error and leaves the session as it was, so scanning can go on.
    pub fn push_text(&mut self, scanned: &str, now: u64) -> Result<ReadProgress, ShareError> {
        if self.opened.is_some() {
            return Ok(ReadProgress {
                fraction: 1.0,
                complete: true,
            });
        }
        let (kind, bytes) = text::decode(scanned)?;
        let sealed = match kind {
            CodeKind::Share => bytes,
            CodeKind::Frame => {
                let fraction = self.frames.push(&bytes)?;
                match self.frames.result() {
                    Some(sealed) => sealed.to_vec(),
                    None => {
                        return Ok(ReadProgress {
                            fraction,
                            complete: false,
                        });
                    }
                }
            }
            CodeKind::Hello => {
                return Err(ShareError::Malformed(
                    "this is a doctor's hello, not a patient's share",
                ));
            }
            CodeKind::SignedRecord | CodeKind::Receipt => {
                return Err(ShareError::Malformed(
                    "this is a practitioner's signed record or receipt: import it into the patient's vault",
                ));
            }
        };
        let opened = seal::open(&sealed, &self.doctor, now);
        match opened {
            Ok(opened) => {
                self.opened = Some(opened);
                Ok(ReadProgress {
                    fraction: 1.0,
                    complete: true,
                })
            }
            Err(e) => {
                // Complete but unreadable: start the frames again rather than loop on it.
                self.frames = FrameCollector::new();
                Err(e)
            }
        }
    }

    /// Reads every QR code in an image and feeds it.
    pub fn push_image(&mut self, image: &[u8], now: u64) -> Result<ReadProgress, ShareError> {
        let mut last = Err(ShareError::NoCodeInImage);
        for text in render::read_image(image)? {
            last = self.push_text(&text, now);
            if matches!(last, Ok(ReadProgress { complete: true, .. })) {
                break;
            }
        }
        last
    }

    pub fn progress(&self) -> ReadProgress {
        match self.opened {
            Some(_) => ReadProgress {
                fraction: 1.0,
                complete: true,
            },
            None => ReadProgress {
                fraction: self.frames.progress(),
                complete: false,
            },
        }
    }

    /// The share, once complete.
    pub fn result(&self) -> Option<&OpenedShare> {
        self.opened.as_ref()
    }

    pub fn into_result(self) -> Result<OpenedShare, ShareError> {
        self.opened.ok_or(ShareError::Incomplete)
    }
}
