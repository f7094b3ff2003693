//! The QR text form of Carnet codes: a short prefix naming the kind and format version, then
//! the bytes in base45 (RFC 9285).
//!
//! Every character is in the QR alphanumeric set (0-9, A-Z, space, `$%*+-./:`), so the code is
//! encoded in alphanumeric mode and survives phone scanners that hand apps a string and USB
//! keyboard-wedge scanners that type it; lower case typed back by a wedge scanner with caps
//! lock is accepted.
//!
//! | prefix | content                                   |
//! |--------|-------------------------------------------|
//! | `CH1:` | a doctor's hello, version 1 ([`super::hello`]) |
//! | `CS1:` | a sealed share, version 1 ([`super::seal`])    |
//! | `CF1:` | one frame of a multi-frame share or signed record ([`super::frames`]) |
//! | `CR1:` | a practitioner's signed record, version 1 ([`crate::trust::signing`]) |
//! | `CK1:` | a practitioner's access receipt, version 1 ([`crate::trust::receipt`]) |

use super::ShareError;

/// The longest text accepted: a version 40 QR code holds at most 4,296 alphanumeric
/// characters.
pub const MAX_TEXT_LEN: usize = 4296;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Hello,
    Share,
    Frame,
    SignedRecord,
    Receipt,
}

impl CodeKind {
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

pub fn encode(kind: CodeKind, bytes: &[u8]) -> String {
    let mut text = String::from(kind.prefix());
    text.push_str(&base45::encode(bytes));
    text
}

/// Reads a scanned text: its kind and bytes. Trailing line ends from wedge scanners and
/// lower case are tolerated; anything else is refused with a typed error.
pub fn decode(text: &str) -> Result<(CodeKind, Vec<u8>), ShareError> {
    let trimmed = text.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t' || c == '\0');
    if trimmed.len() > MAX_TEXT_LEN {
        return Err(ShareError::TooLarge);
    }
    let upper = trimmed.to_ascii_uppercase();
    let (kind, body) = [
        CodeKind::Hello,
        CodeKind::Share,
        CodeKind::Frame,
        CodeKind::SignedRecord,
        CodeKind::Receipt,
    ]
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
            ) => ShareError::UnsupportedVersion(v - b'0'),
            _ => ShareError::NotACarnetCode,
        }
    })?;
    let bytes = base45::decode(body).map_err(|_| {
        // Base45 groups are 2 or 3 characters: a text one character into a group was cut.
        if body.len() % 3 == 1 {
            ShareError::Truncated
        } else {
            ShareError::Malformed("not base45")
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
        assert_eq!(decode("HC1:6BFOXN"), Err(ShareError::NotACarnetCode));
        assert_eq!(decode("CS2:AAAA"), Err(ShareError::UnsupportedVersion(2)));
        assert_eq!(decode("CS1:!!!"), Err(ShareError::Malformed("not base45")));
        assert_eq!(decode("CS1:AAAA"), Err(ShareError::Truncated));
        assert_eq!(decode(&"CS1:".repeat(2000)), Err(ShareError::TooLarge));
        assert_eq!(decode(""), Err(ShareError::NotACarnetCode));
    }
}
