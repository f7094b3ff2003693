//! QR versions at error correction M, with the `qrcode` crate's own segmentation: it picks
//! numeric, alphanumeric or byte mode per segment, so `shc:/` followed by digits becomes a
//! byte segment and a numeric one, and Carnet's and the DCC's base45 text one alphanumeric
//! segment.

use qrcode::{EcLevel, QrCode, Version};

/// The largest QR version there is.
pub const MAX_VERSION: i16 = 40;

/// The smallest QR version that holds `text` at ECC M, or `None` past version 40.
pub fn version_at_m(text: &str) -> Option<i16> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    match code.version() {
        Version::Normal(v) => Some(v),
        Version::Micro(_) => None,
    }
}

/// Data bits of a version 40 code at ECC M.
pub const V40_M_DATA_BITS: usize = 18_672;

/// The data bits `text` takes at version 40, in the segments [`version_at_m`] ends up with:
/// one alphanumeric segment, `shc:/` in byte mode then a numeric segment, or bytes.
pub fn data_bits_at_v40(text: &str) -> usize {
    const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let numeric = |d: usize| 4 + 14 + 10 * (d / 3) + [0, 4, 7][d % 3];
    let n = text.len();
    if text.bytes().all(|b| ALPHANUMERIC.contains(&b)) {
        4 + 13 + 11 * (n / 2) + 6 * (n % 2)
    } else if let Some(digits) = text
        .strip_prefix("shc:/")
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
    {
        4 + 16 + 8 * 5 + numeric(digits.len())
    } else {
        4 + 16 + 8 * n
    }
}

/// How many version 40 codes' worth of data `text` is (above 1: it fits no single code).
pub fn v40_capacity_used(text: &str) -> f64 {
    data_bits_at_v40(text) as f64 / V40_M_DATA_BITS as f64
}

/// The QR mode the text ends up in, for the table.
pub fn mode_of(text: &str) -> &'static str {
    const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let bytes = text.as_bytes();
    if bytes.iter().all(u8::is_ascii_digit) {
        "numeric"
    } else if bytes.iter().all(|b| ALPHANUMERIC.contains(b)) {
        "alphanumeric"
    } else if let Some(rest) = text.strip_prefix("shc:/") {
        if rest.bytes().all(|b| b.is_ascii_digit() || b == b'/') {
            "byte + numeric"
        } else {
            "mixed"
        }
    } else {
        "byte"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_grow_with_text() {
        assert_eq!(version_at_m("HELLO"), Some(1));
        let long = "A".repeat(3000);
        assert!(version_at_m(&long).unwrap() > 30);
        assert_eq!(version_at_m(&"A".repeat(5000)), None);
    }

    #[test]
    fn capacity_matches_the_qr_tables() {
        // Version 40 at ECC M holds at most 3,391 alphanumeric characters.
        assert!(v40_capacity_used(&"A".repeat(3391)) <= 1.0);
        assert!(v40_capacity_used(&"A".repeat(3392)) > 1.0);
        assert_eq!(version_at_m(&"A".repeat(3391)), Some(40));
    }

    #[test]
    fn modes() {
        assert_eq!(mode_of("CS1:ABC$%"), "alphanumeric");
        assert_eq!(mode_of("shc:/5676"), "byte + numeric");
        assert_eq!(mode_of("0123"), "numeric");
    }
}
