//! The QR text form of Carnet codes: a short prefix naming the kind and format version, then
//! the bytes in base45 (RFC 9285).
//!
//! Every character is in the QR alphanumeric set (0-9, A-Z, space, `$%*+-./:`), so the code is
//! encoded in alphanumeric mode and survives phone scanners that hand apps a string and USB
//! keyboard-wedge scanners that type it; lower case typed back by a wedge scanner with caps
//! lock is accepted.
//!
//! The prefixes are the registry of Carnet's codes; each format is documented where it is
//! defined, and this module knows nothing of what they carry:
//!
//! | prefix | content                                                        |
//! |--------|----------------------------------------------------------------|
//! | `CH1:` | a doctor's hello, version 1 (`share::hello`)                   |
//! | `CS1:` | a sealed share, version 1 (`share::seal`)                      |
//! | `CF1:` | one frame of a payload too large for one code ([`super::frames`]) |
//! | `CR1:` | a practitioner's signed record, version 1 (`trust::signing`)   |
//! | `CK1:` | a practitioner's access receipt, version 1 (`share::receipt`)  |
//!
//! A later version of a known kind (`CS2:`) is [`QrError::UnsupportedVersion`], not garbage.

use super::QrError;
use std::fmt;

/// The longest text accepted: a version 40 QR code holds at most 4,296 alphanumeric
/// characters.
pub const MAX_TEXT_LEN: usize = 4296;

/// The kinds of Carnet code, by prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Hello,
    Share,
    Frame,
    SignedRecord,
    Receipt,
}

impl CodeKind {
    const ALL: [CodeKind; 5] = [
        Self::Hello,
        Self::Share,
        Self::Frame,
        Self::SignedRecord,
        Self::Receipt,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Self::Hello => "CH1:",
            Self::Share => "CS1:",
            Self::Frame => "CF1:",
            Self::SignedRecord => "CR1:",
            Self::Receipt => "CK1:",
        }
    }
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Hello => "a doctor's hello",
            Self::Share => "a patient's share",
            Self::Frame => "a frame",
            Self::SignedRecord => "a practitioner's signed record",
            Self::Receipt => "an access receipt",
        })
    }
}

pub fn encode(kind: CodeKind, bytes: &[u8]) -> String {
    let mut text = String::from(kind.prefix());
    text.push_str(&base45::encode(bytes));
    text
}

/// Reads a scanned text: its kind and bytes. Trailing line ends from wedge scanners and
/// lower case are tolerated; anything else is refused with a typed error.
pub fn decode(text: &str) -> Result<(CodeKind, Vec<u8>), QrError> {
    let trimmed = text.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t' || c == '\0');
    if trimmed.len() > MAX_TEXT_LEN {
        return Err(QrError::TooLarge);
    }
    let upper = trimmed.to_ascii_uppercase();
    let (kind, body) = CodeKind::ALL
        .into_iter()
        .find_map(|k| upper.strip_prefix(k.prefix()).map(|b| (k, b)))
        .ok_or_else(|| {
            // "CS2:" is a later version of a known code, not garbage.
            let b = upper.as_bytes();
            match (b.first(), b.get(1), b.get(2), b.get(3)) {
                (
                    Some(b'C'),
                    Some(b'H' | b'S' | b'F' | b'R' | b'K'),
                    Some(v @ b'2'..=b'9'),
                    Some(b':'),
                ) => QrError::UnsupportedVersion(v - b'0'),
                _ => QrError::NotACarnetCode,
            }
        })?;
    let bytes = base45::decode(body).map_err(|_| {
        // Base45 groups are 2 or 3 characters: a text one character into a group was cut.
        if body.len() % 3 == 1 {
            QrError::Truncated
        } else {
            QrError::Malformed("not base45")
        }
    })?;
    Ok((kind, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerance() {
        let text = encode(CodeKind::Share, b"\x01\x02carnet");
        assert!(
            text.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c))
        );
        assert_eq!(
            decode(&text).unwrap(),
            (CodeKind::Share, b"\x01\x02carnet".to_vec())
        );
        assert_eq!(
            decode(&format!("{}\r\n", text.to_lowercase())).unwrap().1,
            b"\x01\x02carnet"
        );
    }

    #[test]
    fn refusals_are_typed() {
        assert_eq!(decode("HC1:6BFOXN"), Err(QrError::NotACarnetCode));
        assert_eq!(decode("CS2:AAAA"), Err(QrError::UnsupportedVersion(2)));
        assert_eq!(decode("CS1:!!!"), Err(QrError::Malformed("not base45")));
        assert_eq!(decode("CS1:AAAA"), Err(QrError::Truncated));
        assert_eq!(decode(&"CS1:".repeat(2000)), Err(QrError::TooLarge));
        assert_eq!(decode(""), Err(QrError::NotACarnetCode));
    }
}
