//! The doctor's side: a reader session that takes scanned texts (one code or many frames) or
//! images, and returns the decrypted consultation pack with each item's source as this
//! device verified it.

use super::ShareError;
use super::hello::DoctorSession;
use super::seal::{self, OpenedShare};
use crate::qr::{self, Assembler, CodeKind, QrError, ReadProgress};
use crate::trust::TrustStore;
use chrono::{DateTime, Utc};

/// One reading: feed it what the camera or the desk scanner returns until it is complete.
#[derive(Debug)]
pub struct ReaderSession {
    doctor: Vec<DoctorSession>,
    trust: TrustStore,
    codes: Assembler,
    opened: Option<OpenedShare>,
}

impl ReaderSession {
    /// `doctor` holds the sessions whose hellos this device showed (a share answers one of
    /// them); with none, only open shares can be read. `trust` is this device's own trust
    /// store: an item reads as a practitioner's verified only when its proof verifies there.
    pub fn new(doctor: Vec<DoctorSession>, trust: TrustStore) -> Self {
        Self {
            doctor,
            trust,
            codes: Assembler::new(CodeKind::Share),
            opened: None,
        }
    }

    /// Takes one scanned text at time `now`. A frame that is refused returns its error and
    /// leaves the session as it was, so scanning can go on.
    pub fn push_text(
        &mut self,
        scanned: &str,
        now: DateTime<Utc>,
    ) -> Result<ReadProgress, ShareError> {
        if self.opened.is_some() {
            return Ok(ReadProgress::COMPLETE);
        }
        let progress = self.codes.push_text(scanned).map_err(|e| match e {
            QrError::UnexpectedKind {
                found: CodeKind::Hello,
                ..
            } => ShareError::Malformed("this is a doctor's hello, not a patient's share"),
            QrError::UnexpectedKind {
                found: CodeKind::SignedRecord | CodeKind::Receipt,
                ..
            } => ShareError::Malformed(
                "this is a practitioner's signed record or receipt: import it into the patient's vault",
            ),
            other => other.into(),
        })?;
        let Some(sealed) = self.codes.payload() else {
            return Ok(progress);
        };
        match seal::open(sealed, &self.doctor, &self.trust, now) {
            Ok(opened) => {
                self.opened = Some(opened);
                Ok(ReadProgress::COMPLETE)
            }
            Err(e) => {
                // Complete but unreadable: start the frames again rather than loop on it.
                self.codes.reset();
                Err(e)
            }
        }
    }

    /// Takes a text a keyboard-wedge scanner typed: as it came, else, when it shows the marks
    /// of a US-layout scanner on an AZERTY keyboard, as the scanner meant it
    /// ([`qr::wedge`]). The error is the one of the text as typed when the repair reads no
    /// better.
    pub fn push_typed(
        &mut self,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<ReadProgress, ShareError> {
        let typed = typed.trim_matches(['\r', '\n', '\t']);
        match self.push_text(typed, now) {
            Err(first @ ShareError::Code(_)) if qr::wedge::looks_azerty(typed) => self
                .push_text(&qr::wedge::repair_azerty(typed), now)
                .or(Err(first)),
            other => other,
        }
    }

    /// Reads every QR code in an image file and feeds it.
    pub fn push_image(
        &mut self,
        image: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ReadProgress, ShareError> {
        let texts = qr::scan::read_image(image)?;
        self.push_texts(texts, now)
    }

    /// Reads every QR code in a camera frame of `width × height` grey bytes and feeds it.
    pub fn push_frame(
        &mut self,
        width: u32,
        height: u32,
        luma: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<ReadProgress, ShareError> {
        let texts = qr::scan::read_luma(width, height, luma)?;
        self.push_texts(texts, now)
    }

    fn push_texts(
        &mut self,
        texts: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<ReadProgress, ShareError> {
        let mut last = Err(ShareError::Code(QrError::NoCodeInImage));
        for text in texts {
            last = self.push_text(&text, now);
            if matches!(last, Ok(ReadProgress { complete: true, .. })) {
                break;
            }
        }
        last
    }

    pub fn progress(&self) -> ReadProgress {
        match self.opened {
            Some(_) => ReadProgress::COMPLETE,
            None => self.codes.progress(),
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
