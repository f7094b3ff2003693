//! One patient's visit at the desk: a fresh hello (its session secret in this process's memory
//! only), the reading of the patient's code from whatever the page sends, and, once the share
//! is open, what the doctor can do with it. "Next patient" starts a new visit; the old one's
//! secret and share are dropped with it.

use carnet_core::qr::{QrError, ReadProgress};
use carnet_core::share::{DoctorSession, Hello, OpenedShare, ReaderSession, ShareError};
use carnet_core::trust::{Signer, TrustStore};
use chrono::{DateTime, Utc};

/// How long a hello shown at the desk stays valid: a consultation's length.
pub const HELLO_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// What the page is told after each thing it sent.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome {
    /// Frames of a larger share are coming in.
    Reading { fraction: f64 },
    /// The share is open and checked.
    Complete { fraction: f64 },
    /// This text or image was refused; scanning goes on. `reason` is what the page says.
    Refused { reason: &'static str, fraction: f64 },
}

/// What the page says of a refusal, by the error's kind: each one its own message. Every
/// error is named (no catch-all), so a new one must be given its message here.
fn reason(e: &ShareError) -> &'static str {
    match e {
        ShareError::Expired { .. } => "expired",
        ShareError::WrongKey | ShareError::NeedsDoctorSession => "other_device",
        ShareError::HelloExpired => "hello_expired",
        ShareError::Code(q) => match q {
            QrError::NoCodeInImage => "looking",
            QrError::OtherTransfer => "other_share",
            QrError::BadImage | QrError::ImageTooComplex => "bad_image",
            QrError::UnsupportedVersion(_) => "newer",
            QrError::NotACarnetCode
            | QrError::UnexpectedKind { .. }
            | QrError::NoDataMatrixInImage => "not_a_share",
            QrError::Malformed(_)
            | QrError::Truncated
            | QrError::TooLarge
            | QrError::FrameRejected(_)
            | QrError::DoesNotFit { .. } => "damaged",
        },
        ShareError::UnsupportedVersion(_) | ShareError::NewerCodebook(_) => "newer",
        ShareError::Malformed(_) => "not_a_share",
        ShareError::EmergencyCardDamaged | ShareError::UnverifiedHello => "not_a_share",
        ShareError::Truncated
        | ShareError::TooLarge
        | ShareError::Tampered
        | ShareError::Compression(_)
        | ShareError::HelloSignatureMismatch
        | ShareError::Incomplete => "damaged",
    }
}

pub struct Visit {
    hello: Hello,
    reader: ReaderSession,
    read_at: Option<DateTime<Utc>>,
}

impl Visit {
    /// A new visit with a fresh hello, signed by `signer` when the desk has a practitioner's
    /// key; shares sealed to it or to one of the `earlier` sessions open, and their proofs
    /// are checked against `trust`.
    pub fn new(
        signer: Option<&dyn Signer>,
        trust: TrustStore,
        earlier: Vec<DoctorSession>,
        now: DateTime<Utc>,
    ) -> Result<Self, crate::DeskError> {
        let mut session = DoctorSession::new(now, HELLO_LIFETIME)?;
        if let Some(signer) = signer {
            session.sign_hello(signer)?;
        }
        let hello = session.hello().clone();
        let mut sessions = vec![session];
        sessions.extend(earlier);
        Ok(Self {
            hello,
            reader: ReaderSession::new(sessions, trust),
            read_at: None,
        })
    }

    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The share, once read.
    pub fn opened(&self) -> Option<&OpenedShare> {
        self.reader.result()
    }

    /// When the share was opened.
    pub fn read_at(&self) -> Option<DateTime<Utc>> {
        self.read_at
    }

    fn outcome(&mut self, result: Result<ReadProgress, ShareError>, now: DateTime<Utc>) -> Outcome {
        let fraction = self.reader.progress().fraction;
        match result {
            Ok(p) if p.complete => {
                self.read_at.get_or_insert(now);
                Outcome::Complete { fraction: 1.0 }
            }
            Ok(_) => Outcome::Reading { fraction },
            Err(e) => Outcome::Refused {
                reason: reason(&e),
                fraction,
            },
        }
    }

    /// Text a keyboard-wedge scanner typed (repaired if it typed on the wrong layout).
    pub fn typed(&mut self, text: &str, now: DateTime<Utc>) -> Outcome {
        let result = self.reader.push_typed(text, now);
        self.outcome(result, now)
    }

    /// A camera frame, `width × height` grey bytes.
    pub fn frame(&mut self, width: u32, height: u32, luma: Vec<u8>, now: DateTime<Utc>) -> Outcome {
        let result = self.reader.push_frame(width, height, luma, now);
        self.outcome(result, now)
    }

    /// An image file (a photo of the code), chosen or dropped.
    pub fn image(&mut self, bytes: &[u8], now: DateTime<Utc>) -> Outcome {
        let result = self.reader.push_image(bytes, now);
        self.outcome(result, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carnet_core::qr::text::CodeKind;
    use carnet_core::share::compress::CompressionError;

    /// Every kind of refusal, once.
    fn every_refusal() -> Vec<ShareError> {
        let codes = [
            QrError::NotACarnetCode,
            QrError::UnsupportedVersion(9),
            QrError::UnexpectedKind {
                expected: CodeKind::Share,
                found: CodeKind::Hello,
            },
            QrError::Malformed("x"),
            QrError::Truncated,
            QrError::TooLarge,
            QrError::FrameRejected("x"),
            QrError::OtherTransfer,
            QrError::NoCodeInImage,
            QrError::NoDataMatrixInImage,
            QrError::BadImage,
            QrError::ImageTooComplex,
            QrError::DoesNotFit { max_version: 25 },
        ];
        let mut all: Vec<ShareError> = codes.into_iter().map(ShareError::Code).collect();
        all.extend([
            ShareError::UnsupportedVersion(9),
            ShareError::NewerCodebook(9),
            ShareError::Malformed("x"),
            ShareError::Truncated,
            ShareError::TooLarge,
            ShareError::Expired {
                expired_at: "2026-01-01 00:00".into(),
            },
            ShareError::HelloExpired,
            ShareError::HelloSignatureMismatch,
            ShareError::WrongKey,
            ShareError::Tampered,
            ShareError::NeedsDoctorSession,
            ShareError::Compression(CompressionError::Corrupt),
            ShareError::Incomplete,
            ShareError::EmergencyCardDamaged,
            ShareError::UnverifiedHello,
        ]);
        all
    }

    #[test]
    fn a_share_from_a_newer_carnet_asks_for_an_update_not_a_share() {
        for newer in [
            ShareError::Code(QrError::UnsupportedVersion(9)),
            ShareError::UnsupportedVersion(9),
            ShareError::NewerCodebook(9),
        ] {
            assert_eq!(reason(&newer), "newer", "{newer}");
        }
        assert_eq!(reason(&ShareError::Malformed("x")), "not_a_share");
    }

    #[test]
    fn every_refusal_has_its_words_in_french_and_in_english() {
        let script = include_str!("page/desk.js");
        let (french, english) = script
            .split_once("\n    en: {")
            .unwrap_or_else(|| panic!("desk.js has no English block"));
        for e in every_refusal() {
            let key = format!("\n      {}: ", reason(&e));
            assert!(french.contains(&key), "no French text for {key:?} ({e})");
            assert!(english.contains(&key), "no English text for {key:?} ({e})");
        }
    }
}
