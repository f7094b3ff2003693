//! The patient's identity as printed on a French health document: the INS datamatrix.
//!
//! Every document a French professional prints carries, since the INS became compulsory, a
//! DataMatrix with the patient's INS and the identity traits it belongs to (ANS, « INS —
//! format datamatrix »). A patient scans it instead of typing fifteen digits: Carnet reads
//! it ([`InsIdentity::read_image`] or, from a scanner's text, [`InsIdentity::parse`]), shows the
//! fields for the patient to confirm, and stores the INS on the profile marked as read from a
//! document ([`InsIdentity::apply_to`]): the document's word, not a check against the national
//! teleservice (INSi), which only professionals may query.
//!
//! ## Format (version 01)
//!
//! A 26-character header, `IS` + version `01` + 22 reserved `0`, then fields, each a
//! two-character identifier and its value; a variable-length value ends with GS (0x1D), at its
//! maximum length, or at the end of the text. Fields may come in any order; none repeats.
//!
//! | id | field | length |
//! |----|-------|--------|
//! | S1 | INS matricule: NIR (or NIA) + its key `97 - (NIR mod 97)` | 15 |
//! | S2 | the INS's OID (`1.2.250.1.213.1.4.8` INS-NIR, `….9` INS-NIA, `….10` and `….11` their test ranges) | up to 20 |
//! | S3 | birth given names, space-separated | up to 100 |
//! | S4 | birth family name | up to 100 |
//! | S5 | sex, `M` or `F` | 1 |
//! | S6 | birth date, `DD-MM-YYYY` | 10 |
//! | S7 | birth place, INSEE (COG) code, `99…` abroad; optional | 5 |
//!
//! Names use the INS's alphabet: capital letters without accents, space, hyphen, apostrophe.
//! The code is not signed (unlike a 2D-Doc): what it proves is that a document said it.
//!
//! The parser is ours: no crate reads this format, and it is a few fixed rules.

use crate::model::{Ins, InsOrigin, ModelError, Profile};
use crate::qr::{self, QrError};
use chrono::NaiveDate;
use std::fmt;

/// The group separator that ends a variable-length field.
const GS: char = '\u{1d}';
/// The header: `IS`, the version, 22 reserved characters.
const HEADER_LEN: usize = 26;
/// Longer than any INS datamatrix can be (26 + 7 fields of at most 100 characters).
const MAX_TEXT: usize = 512;
/// The OIDs an INS is issued under: INS-NIR, INS-NIA, and their test ranges.
const OIDS: [&str; 4] = [
    "1.2.250.1.213.1.4.8",
    "1.2.250.1.213.1.4.9",
    "1.2.250.1.213.1.4.10",
    "1.2.250.1.213.1.4.11",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("this is not an INS datamatrix")]
    NotInsDatamatrix,
    #[error("this INS datamatrix uses version {0}, which Carnet cannot read")]
    UnsupportedVersion(String),
    #[error("the INS datamatrix is longer than any can be")]
    TooLong,
    #[error("the INS datamatrix has a field Carnet does not know ({0})")]
    UnknownField(String),
    #[error("the INS datamatrix gives field {0} twice")]
    RepeatedField(&'static str),
    #[error("the INS datamatrix lacks its {0}")]
    Missing(&'static str),
    #[error("the INS datamatrix's {field} {problem}")]
    Invalid {
        field: &'static str,
        problem: &'static str,
    },
    #[error(
        "the INS's key does not match its number: the code is damaged or was not printed right"
    )]
    InsKey,
    #[error(
        "the datamatrix gives another birth date than this profile's: it is someone else's, or the profile is wrong"
    )]
    OtherBirthDate,
    #[error(transparent)]
    Image(#[from] QrError),
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// What an INS datamatrix says. `Debug` is redacted: it is a person's identity.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct InsIdentity {
    pub ins: Ins,
    /// The OID the INS is issued under (its kind: NIR, NIA, test).
    pub oid: String,
    /// Birth given names, as printed (capitals, space-separated).
    pub given_names: String,
    pub birth_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// The INSEE code of the birth place (`99…` for a country abroad).
    pub birth_place: Option<String>,
}

impl fmt::Debug for InsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InsIdentity(<redacted>)")
    }
}

/// The fields by identifier: (id, name, maximum length, fixed length).
const FIELDS: [(&str, &str, usize, bool); 7] = [
    ("S1", "INS", 15, true),
    ("S2", "OID", 20, false),
    ("S3", "given names", 100, false),
    ("S4", "birth name", 100, false),
    ("S5", "sex", 1, true),
    ("S6", "birth date", 10, true),
    ("S7", "birth place", 5, true),
];

fn names_ok(value: &str) -> bool {
    !value.trim().is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == ' ' || c == '-' || c == '\'')
}

impl InsIdentity {
    /// Reads the datamatrix's text, as a scanner or the image reader gives it. A keyboard
    /// scanner that types the separator as `<GS>` is understood too.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        if text.len() > MAX_TEXT {
            return Err(IdentityError::TooLong);
        }
        let text = text.replace("<GS>", "\u{1d}");
        let text = text.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ');
        let chars: Vec<char> = text.chars().collect();
        if chars.len() < HEADER_LEN || chars[0] != 'I' || chars[1] != 'S' {
            return Err(IdentityError::NotInsDatamatrix);
        }
        let version: String = chars[2..4].iter().collect();
        if version != "01" {
            let safe: String = version
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            return Err(IdentityError::UnsupportedVersion(safe));
        }
        let mut values: [Option<String>; 7] = Default::default();
        let mut at = HEADER_LEN;
        while at < chars.len() {
            if chars[at] == GS {
                at += 1;
                continue;
            }
            let id: String = chars[at..(at + 2).min(chars.len())].iter().collect();
            let Some(n) = FIELDS.iter().position(|(f, ..)| *f == id) else {
                let safe: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
                return Err(IdentityError::UnknownField(safe));
            };
            let (_, name, max, fixed) = FIELDS[n];
            if values[n].is_some() {
                return Err(IdentityError::RepeatedField(name));
            }
            at += 2;
            let value: String = if fixed {
                if at + max > chars.len() {
                    return Err(IdentityError::Invalid {
                        field: name,
                        problem: "is cut short",
                    });
                }
                chars[at..at + max].iter().collect()
            } else {
                chars[at..]
                    .iter()
                    .take(max)
                    .take_while(|c| **c != GS)
                    .collect()
            };
            at += value.chars().count();
            if value.contains(GS) {
                return Err(IdentityError::Invalid {
                    field: name,
                    problem: "is cut short",
                });
            }
            values[n] = Some(value);
        }
        let [s1, s2, s3, s4, s5, s6, s7] = values;
        let ins = Ins::parse(&s1.ok_or(IdentityError::Missing("INS"))?).map_err(|e| match e {
            ModelError::InsKey => IdentityError::InsKey,
            _ => IdentityError::Invalid {
                field: "INS",
                problem: "is not 15 characters of an INS",
            },
        })?;
        let oid = s2.ok_or(IdentityError::Missing("OID"))?;
        if !OIDS.contains(&oid.as_str()) {
            return Err(IdentityError::Invalid {
                field: "OID",
                problem: "is not one an INS is issued under",
            });
        }
        let given_names = s3.ok_or(IdentityError::Missing("given names"))?;
        if !names_ok(&given_names) {
            return Err(IdentityError::Invalid {
                field: "given names",
                problem: "holds characters an INS name cannot",
            });
        }
        let birth_name = s4.ok_or(IdentityError::Missing("birth name"))?;
        if !names_ok(&birth_name) {
            return Err(IdentityError::Invalid {
                field: "birth name",
                problem: "holds characters an INS name cannot",
            });
        }
        let sex = match s5.ok_or(IdentityError::Missing("sex"))?.as_str() {
            "F" => Sex::Female,
            "M" => Sex::Male,
            _ => {
                return Err(IdentityError::Invalid {
                    field: "sex",
                    problem: "is neither M nor F",
                });
            }
        };
        let s6 = s6.ok_or(IdentityError::Missing("birth date"))?;
        let birth_date =
            NaiveDate::parse_from_str(&s6, "%d-%m-%Y").map_err(|_| IdentityError::Invalid {
                field: "birth date",
                problem: "is not a date written DD-MM-YYYY",
            })?;
        // The NIR starts with the sex (1 or 3 a man, 2 or 4 a woman; 7 and 8 are temporary
        // numbers) and the birth year and month: a code that disagrees with itself is damaged.
        let nir = ins.as_str();
        let sex_digit = nir.as_bytes()[0];
        let sex_agrees = match sex {
            Sex::Male => matches!(sex_digit, b'1' | b'3' | b'7'),
            Sex::Female => matches!(sex_digit, b'2' | b'4' | b'8'),
        };
        if !sex_agrees {
            return Err(IdentityError::Invalid {
                field: "sex",
                problem: "disagrees with the INS's first digit",
            });
        }
        if let Some(birth_place) = &s7 {
            if !birth_place
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'A' || c == 'B')
            {
                return Err(IdentityError::Invalid {
                    field: "birth place",
                    problem: "is not an INSEE code",
                });
            }
        }
        Ok(InsIdentity {
            ins,
            oid,
            given_names,
            birth_name,
            sex,
            birth_date,
            birth_place: s7,
        })
    }

    /// Reads the INS datamatrix in an image (a photo or a scan of the document).
    pub fn read_image(bytes: &[u8]) -> Result<Self, IdentityError> {
        Self::parse(&qr::datamatrix::read_image(bytes)?)
    }

    /// The datamatrix's text for this identity (what a document prints; the tests draw it).
    pub fn to_text(&self) -> String {
        let variable = |id: &str, value: &str, max: usize| {
            let end = if value.chars().count() < max {
                GS.to_string()
            } else {
                String::new()
            };
            format!("{id}{value}{end}")
        };
        let mut text = format!("IS01{}", "0".repeat(HEADER_LEN - 4));
        text.push_str(&format!("S1{}", self.ins.as_str()));
        text.push_str(&variable("S2", &self.oid, 20));
        text.push_str(&variable("S3", &self.given_names, 100));
        text.push_str(&variable("S4", &self.birth_name, 100));
        text.push_str(match self.sex {
            Sex::Female => "S5F",
            Sex::Male => "S5M",
        });
        text.push_str(&format!("S6{}", self.birth_date.format("%d-%m-%Y")));
        if let Some(place) = &self.birth_place {
            text.push_str(&format!("S7{place}"));
        }
        text
    }

    /// Stores this INS on `profile`, marked as read from a document, once the patient has
    /// confirmed it is theirs. A datamatrix with another birth date than the profile's is
    /// refused: it is someone else's document, or the profile's date is wrong.
    pub fn apply_to(&self, profile: &mut Profile) -> Result<(), IdentityError> {
        if profile.birth_date != self.birth_date {
            return Err(IdentityError::OtherBirthDate);
        }
        profile.ins = Some(self.ins.clone());
        profile.ins_origin = Some(InsOrigin::ReadFromDocument);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ANS's layout, with a test identity (the NIR of the ANS's examples).
    const EXAMPLE: &str = "IS010000000000000000000000S1277010115400329S21.2.250.1.213.1.4.8\u{1d}S3SARAH-LOU ANNA\u{1d}S4GARCIA-HAMMADI\u{1d}S5FS621-01-1977S701154";

    #[test]
    fn every_field_is_read_and_written_back() {
        let id = InsIdentity::parse(EXAMPLE).unwrap();
        assert_eq!(id.ins.as_str(), "277010115400329");
        assert_eq!(id.given_names, "SARAH-LOU ANNA");
        assert_eq!(id.birth_name, "GARCIA-HAMMADI");
        assert_eq!(id.sex, Sex::Female);
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1977, 1, 21).unwrap());
        assert_eq!(id.birth_place.as_deref(), Some("01154"));
        assert_eq!(id.to_text(), EXAMPLE);
        // A keyboard scanner's "<GS>" and a trailing newline.
        let typed = format!("{}\r\n", EXAMPLE.replace('\u{1d}', "<GS>"));
        assert_eq!(InsIdentity::parse(&typed).unwrap(), id);
        // A 20-character OID needs no separator; the fields may come in any order.
        let test_oid = "IS010000000000000000000000S4GARCIA\u{1d}S21.2.250.1.213.1.4.10S3ANNA\u{1d}S5FS1277010115400329S621-01-1977";
        let other = InsIdentity::parse(test_oid).unwrap();
        assert_eq!(other.oid, "1.2.250.1.213.1.4.10");
        assert_eq!(other.birth_place, None);
        assert_eq!(format!("{other:?}"), "InsIdentity(<redacted>)");
    }

    #[test]
    fn a_damaged_or_foreign_code_is_refused_with_its_reason() {
        let wrong_key = EXAMPLE.replace("277010115400329", "277010115400328");
        assert_eq!(InsIdentity::parse(&wrong_key), Err(IdentityError::InsKey));
        type Expected = fn(&IdentityError) -> bool;
        let cases: [(&str, Expected); 9] = [
            ("DC04FR000001", |e| *e == IdentityError::NotInsDatamatrix),
            ("", |e| *e == IdentityError::NotInsDatamatrix),
            ("IS02", |e| *e == IdentityError::NotInsDatamatrix),
            (
                "IS020000000000000000000000S1277010115400329",
                |e| matches!(e, IdentityError::UnsupportedVersion(v) if v == "02"),
            ),
            ("IS010000000000000000000000S127701", |e| {
                matches!(e, IdentityError::Invalid { field: "INS", .. })
            }),
            ("IS010000000000000000000000S9X", |e| {
                matches!(e, IdentityError::UnknownField(_))
            }),
            ("IS010000000000000000000000S5FS5F", |e| {
                *e == IdentityError::RepeatedField("sex")
            }),
            ("IS010000000000000000000000S1277010115400329S5F", |e| {
                *e == IdentityError::Missing("OID")
            }),
            ("IS010000000000000000000000é", |e| {
                matches!(e, IdentityError::UnknownField(_))
            }),
        ];
        for (text, expected) in cases {
            let err = InsIdentity::parse(text).unwrap_err();
            assert!(expected(&err), "{text:?}: {err}");
        }
        let accented = EXAMPLE.replace("SARAH-LOU", "SARAH-LOÜ");
        assert!(matches!(
            InsIdentity::parse(&accented),
            Err(IdentityError::Invalid {
                field: "given names",
                ..
            })
        ));
        let male = EXAMPLE.replace("S5F", "S5M");
        assert!(matches!(
            InsIdentity::parse(&male),
            Err(IdentityError::Invalid { field: "sex", .. })
        ));
        let date = EXAMPLE.replace("21-01-1977", "1977-01-21");
        assert!(matches!(
            InsIdentity::parse(&date),
            Err(IdentityError::Invalid {
                field: "birth date",
                ..
            })
        ));
        assert_eq!(
            InsIdentity::parse(&"IS01".repeat(200)),
            Err(IdentityError::TooLong)
        );
    }
}
