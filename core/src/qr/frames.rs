//! Frames: a payload too big for one QR code (a large share, a long signed letter) is cut into
//! a fountain code (RaptorQ, RFC 6330, from the `raptorq` crate) and shown as an animated
//! sequence. The reader completes from any set of frames slightly larger than the source, in
//! any order, with duplicates.
//!
//! # Frame format (version 1, QR prefix `CF1:`)
//!
//! ```text
//! [0]        frame version = 1
//! [1..5]     transfer id: the first 4 bytes of SHA-256 of the payload
//! [5..8]     length of the payload, u24 big-endian
//! [8..10]    symbol size, u16 big-endian
//! [10..14]   RaptorQ payload id (source block 0, encoding symbol id)
//! [14..n-4]  the symbol (exactly symbol-size bytes)
//! [n-4..n]   check: the first 4 bytes of SHA-256 of bytes 0..n-4
//! ```
//!
//! The check catches a frame misread by a scanner, which is then refused without ending the
//! session; the payload's own integrity check (a share's AEAD tag, a record's signature) still
//! protects the whole. Every field is validated before it reaches the RaptorQ decoder, whose
//! own checks are assertions.

use super::QrError;
use super::text::{self, CodeKind};
use crate::crypto::digest;
use raptorq::{Decoder, Encoder, EncodingPacket, ObjectTransmissionInformation, PayloadId};
use std::collections::HashSet;

/// The largest payload frames carry (a sealed share of a 64 KiB pack, with room).
pub const MAX_PAYLOAD_BYTES: usize = 96 * 1024;

const FRAME_V1: u8 = 1;
const HEADER_LEN: usize = 14;
const CHECK_LEN: usize = 4;
/// Symbol bytes per frame: with the header and check a frame is 394 bytes, 595 characters of
/// QR text, which fits a version 15 QR code at error correction M (about 600 alphanumeric
/// characters).
pub const SYMBOL_SIZE: u16 = 376;
/// The largest QR version a frame uses.
pub const FRAME_MAX_VERSION: i16 = 15;

fn transfer_id(payload: &[u8]) -> [u8; 4] {
    let d = digest::sha256(payload);
    [d[0], d[1], d[2], d[3]]
}

fn check(bytes: &[u8]) -> [u8; 4] {
    let d = digest::sha256_in(b"carnet.frame.v1", bytes);
    [d[0], d[1], d[2], d[3]]
}

/// How many frames to show for a payload: all source symbols plus enough repair symbols that a
/// reader missing a third of them still completes.
pub fn frame_count(payload_len: usize) -> usize {
    let k = payload_len.div_ceil(usize::from(SYMBOL_SIZE));
    k + (k * 3).div_ceil(4) + 4
}

/// Cuts a payload into frame texts.
pub fn split(payload: &[u8]) -> Result<Vec<String>, QrError> {
    if payload.is_empty() || payload.len() > MAX_PAYLOAD_BYTES {
        return Err(QrError::TooLarge);
    }
    let len = u32::try_from(payload.len()).map_err(|_| QrError::TooLarge)?;
    let config = ObjectTransmissionInformation::new(u64::from(len), SYMBOL_SIZE, 1, 1, 1);
    let encoder = Encoder::new(payload, config);
    let k = payload.len().div_ceil(usize::from(SYMBOL_SIZE));
    let repair = u32::try_from(frame_count(payload.len()) - k).map_err(|_| QrError::TooLarge)?;
    let id = transfer_id(payload);
    let len_bytes = len.to_be_bytes();
    Ok(encoder
        .get_encoded_packets(repair)
        .into_iter()
        .map(|packet| {
            let mut frame = Vec::with_capacity(HEADER_LEN + usize::from(SYMBOL_SIZE) + CHECK_LEN);
            frame.push(FRAME_V1);
            frame.extend_from_slice(&id);
            frame.extend_from_slice(&len_bytes[1..]);
            frame.extend_from_slice(&SYMBOL_SIZE.to_be_bytes());
            frame.extend_from_slice(&packet.serialize());
            let c = check(&frame);
            frame.extend_from_slice(&c);
            text::encode(CodeKind::Frame, &frame)
        })
        .collect())
}

/// Collects frames until the payload is complete.
pub struct FrameCollector {
    transfer: Option<([u8; 4], u32, u16)>,
    decoder: Option<Decoder>,
    seen: HashSet<u32>,
    result: Option<Vec<u8>>,
}

impl std::fmt::Debug for FrameCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameCollector")
            .field("frames", &self.seen.len())
            .field("complete", &self.result.is_some())
            .finish()
    }
}

impl Default for FrameCollector {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameCollector {
    pub fn new() -> Self {
        Self {
            transfer: None,
            decoder: None,
            seen: HashSet::new(),
            result: None,
        }
    }

    fn source_symbols(&self) -> usize {
        self.transfer
            .map(|(_, len, size)| (len as usize).div_ceil(usize::from(size.max(1))))
            .unwrap_or(0)
    }

    /// Between 0 and 1: distinct frames received over the frames needed; 1 once complete.
    pub fn progress(&self) -> f64 {
        if self.result.is_some() {
            return 1.0;
        }
        let k = self.source_symbols();
        if k == 0 {
            return 0.0;
        }
        (self.seen.len() as f64 / k as f64).min(0.99)
    }

    pub fn result(&self) -> Option<&[u8]> {
        self.result.as_deref()
    }

    /// Takes one frame's bytes (already base45-decoded). A bad frame is an error for that
    /// frame only; the collector keeps what it had.
    pub fn push(&mut self, frame: &[u8]) -> Result<f64, QrError> {
        if self.result.is_some() {
            return Ok(1.0);
        }
        if frame.len() < HEADER_LEN + CHECK_LEN + 1 {
            return Err(QrError::FrameRejected("too short"));
        }
        let (body, c) = frame.split_at(frame.len() - CHECK_LEN);
        // Fuzzing builds (cargo-fuzz sets `--cfg fuzzing`) skip the check so the fuzzer reaches
        // the decoder behind it.
        let checked = check(body) == c || cfg!(fuzzing);
        if !checked {
            return Err(QrError::FrameRejected(
                "check mismatch (misread or damaged)",
            ));
        }
        if body[0] != FRAME_V1 {
            return Err(QrError::UnsupportedVersion(body[0]));
        }
        let id = [body[1], body[2], body[3], body[4]];
        let len = u32::from(body[5]) << 16 | u32::from(body[6]) << 8 | u32::from(body[7]);
        let symbol_size = u16::from_be_bytes([body[8], body[9]]);
        let payload = &body[HEADER_LEN - 4..];
        if len == 0 || len as usize > MAX_PAYLOAD_BYTES {
            return Err(QrError::FrameRejected("announced size out of range"));
        }
        if !(16..=1024).contains(&symbol_size) || payload.len() != 4 + usize::from(symbol_size) {
            return Err(QrError::FrameRejected("symbol size out of range"));
        }
        match self.transfer {
            None => {
                let config =
                    ObjectTransmissionInformation::new(u64::from(len), symbol_size, 1, 1, 1);
                self.decoder = Some(Decoder::new(config));
                self.transfer = Some((id, len, symbol_size));
            }
            Some(t) if t != (id, len, symbol_size) => return Err(QrError::OtherTransfer),
            Some(_) => {}
        }
        let packet = EncodingPacket::deserialize(payload);
        let payload_id: &PayloadId = packet.payload_id();
        if payload_id.source_block_number() != 0 {
            return Err(QrError::FrameRejected("unknown source block"));
        }
        if self.seen.len() > 4 * self.source_symbols() + 64 {
            // Far more distinct frames than any share needs: someone is feeding noise.
            *self = Self::new();
            return Err(QrError::FrameRejected(
                "too many frames without completing; start again",
            ));
        }
        if !self.seen.insert(payload_id.encoding_symbol_id()) {
            return Ok(self.progress());
        }
        let decoder = self
            .decoder
            .as_mut()
            .ok_or(QrError::FrameRejected("no transfer started"))?;
        // The decoder checks its own invariants with assertions; every field was validated
        // above, and a panic that still escapes is turned into a refused frame.
        let decoded =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(packet)));
        let Ok(decoded) = decoded else {
            *self = Self::new();
            return Err(QrError::FrameRejected(
                "frame could not be decoded; start again",
            ));
        };
        if let Some(data) = decoded {
            if transfer_id(&data) != id {
                // The frames were consistent but did not rebuild the payload they announced.
                *self = Self::new();
                return Err(QrError::FrameRejected(
                    "frames did not rebuild the payload; start again",
                ));
            }
            self.result = Some(data);
        }
        Ok(self.progress())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_fit_version_15_at_ecc_m() {
        let sealed = vec![0xA5u8; 10_000];
        let frames = split(&sealed).unwrap();
        for f in &frames {
            let code =
                qrcode::QrCode::with_error_correction_level(f.as_bytes(), qrcode::EcLevel::M)
                    .unwrap();
            match code.version() {
                qrcode::Version::Normal(v) => {
                    assert!(v <= FRAME_MAX_VERSION, "frame needs version {v}")
                }
                qrcode::Version::Micro(_) => panic!("micro"),
            }
        }
    }

    #[test]
    fn completes_in_any_order_with_duplicates() {
        let sealed: Vec<u8> = (0..5_000u32).map(|i| (i * 7) as u8).collect();
        let mut frames = split(&sealed).unwrap();
        frames.reverse();
        let mut c = FrameCollector::new();
        for f in frames.iter().chain(frames.iter()) {
            let (_, bytes) = text::decode(f).unwrap();
            c.push(&bytes).unwrap();
            if c.result().is_some() {
                break;
            }
        }
        assert_eq!(c.result(), Some(&sealed[..]));
        assert_eq!(c.progress(), 1.0);
    }
}
