//! French national identifiers, validated on entry so a mistyped digit is caught while the
//! patient still holds the paper.
//!
//! - [`Ins`]: the INS (Identifiant National de Santé), the 13-character NIR plus its 2-digit
//!   control key `97 - (NIR mod 97)`; Corsican department codes 2A and 2B count as 19 and 18.
//! - [`Rpps`]: a practitioner's 11-digit RPPS number, whose last digit is a Luhn check digit.

use super::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A validated INS. `Debug` is redacted: it is a personal identifier.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ins(String);

impl Ins {
    /// Parses an INS, ignoring spaces (it is usually printed in groups).
    pub fn parse(input: &str) -> Result<Self, ModelError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.to_ascii_uppercase();
        if compact.len() != 15 || !compact.is_ascii() {
            return Err(ModelError::InsFormat);
        }
        let (number, key) = compact.split_at(13);
        let (head, rest) = number.split_at(5);
        let (department, tail) = rest.split_at(2);
        let department_value = match department {
            "2A" => "19",
            "2B" => "18",
            d => d,
        };
        let digits = format!("{head}{department_value}{tail}");
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::InsFormat);
        }
        if !matches!(
            head.as_bytes().first(),
            Some(b'1' | b'2' | b'3' | b'4' | b'7' | b'8')
        ) {
            return Err(ModelError::InsFormat);
        }
        let n: u64 = digits.parse().map_err(|_| ModelError::InsFormat)?;
        let key: u64 = key.parse().map_err(|_| ModelError::InsFormat)?;
        if 97 - (n % 97) != key {
            return Err(ModelError::InsKey);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Ins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ins(<redacted>)")
    }
}

impl fmt::Display for Ins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Ins {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Ins {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Ins> for String {
    fn from(ins: Ins) -> String {
        ins.0
    }
}

/// A validated RPPS number (11 digits, Luhn check digit). Public professional data.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rpps(String);

impl Rpps {
    pub fn parse(input: &str) -> Result<Self, ModelError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() != 11 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::RppsFormat);
        }
        if !luhn_valid(&compact) {
            return Err(ModelError::RppsCheckDigit);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Luhn check over a string of ASCII digits (already checked by the caller).
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

impl fmt::Display for Rpps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Rpps {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Rpps {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Rpps> for String {
    fn from(rpps: Rpps) -> String {
        rpps.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ins_accepts_valid_numbers_with_spaces() {
        assert_eq!(
            Ins::parse("2 55 08 14 168 025 38").map(|i| i.0),
            Ok("255081416802538".into())
        );
        assert!(Ins::parse("184127645108946").is_ok());
    }

    #[test]
    fn ins_corsica_departments_use_19_and_18() {
        // 1 84 05 2A 123 456, key computed with 2A -> 19.
        assert!(Ins::parse("18405 2A 123456 82").is_ok());
        assert_eq!(Ins::parse("184052B12345682"), Err(ModelError::InsKey));
    }

    #[test]
    fn ins_refuses_bad_key_and_bad_shape() {
        assert_eq!(Ins::parse("255081416802539"), Err(ModelError::InsKey));
        assert_eq!(Ins::parse("25508141680253"), Err(ModelError::InsFormat));
        assert_eq!(Ins::parse("2550814168025X8"), Err(ModelError::InsFormat));
        assert_eq!(Ins::parse("955081416802538"), Err(ModelError::InsFormat));
        assert_eq!(Ins::parse("é55081416802538"), Err(ModelError::InsFormat));
    }

    #[test]
    fn ins_debug_is_redacted() {
        let ins = Ins::parse("255081416802538").map_err(|e| e.to_string());
        assert_eq!(format!("{ins:?}"), "Ok(Ins(<redacted>))");
    }

    #[test]
    fn rpps_luhn() {
        assert!(Rpps::parse("10003456786").is_ok());
        assert!(Rpps::parse("10101234564").is_ok());
        assert_eq!(Rpps::parse("10003456787"), Err(ModelError::RppsCheckDigit));
        assert_eq!(Rpps::parse("1000345678"), Err(ModelError::RppsFormat));
        assert_eq!(Rpps::parse("1000345678a"), Err(ModelError::RppsFormat));
    }
}
