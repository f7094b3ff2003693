//! A record body cut into parts, so that a version 2 signature covers each part by its digest
//! and a share can show some parts of a signed record, with its proof, without the others (a
//! letter's heading without its text, the medication lines a summary shows).
//!
//! # Parts (signed record version 2; frozen)
//!
//! Each part is a JSON value, signed as its exact bytes:
//!
//! | kind           | part 0                                              | parts 1..             |
//! |----------------|-----------------------------------------------------|-----------------------|
//! | `prescription` | `{"prescriber", "date", "notes"?}`                  | each `Medication`     |
//! | `lab_report`   | `{"laboratory", "collection_date"}`                 | each `LabResult`      |
//! | `letter`       | `{"author", "specialty"?, "date", "subject"}`       | part 1: the body text |
//! | any other kind | the whole `RecordBody` (tagged by `"kind"`)         | none                  |
//!
//! A part's digest is `SHA-256("carnet.signed-record.v2.part" || length (u64 BE) || bytes)`.
//! A reader hashes the bytes it was given, never a re-encoding, so no canonical form is needed;
//! it then reads them with the model's types.

use super::SignedRecordError;
use crate::crypto::digest::Hasher;
use crate::model::{
    LabReport, LabResult, Letter, Medication, Prescriber, Prescription, RecordBody, RecordKind,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const PART_DOMAIN: &str = "carnet.signed-record.v2.part";
/// The most parts a body may have (a prescription of 63 lines, a report of 63 results).
pub const MAX_PARTS: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionHeader {
    pub prescriber: Prescriber,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabHeader {
    pub laboratory: String,
    pub collection_date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterHeading {
    pub author: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    pub date: NaiveDate,
    pub subject: String,
}

/// One part, read.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    PrescriptionHeader(PrescriptionHeader),
    Medication(Medication),
    LabHeader(LabHeader),
    LabResult(LabResult),
    LetterHeading(LetterHeading),
    LetterBody(String),
    Whole(RecordBody),
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, SignedRecordError> {
    serde_json::to_vec(value).map_err(|_| SignedRecordError::Malformed("record encoding"))
}

fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, SignedRecordError> {
    serde_json::from_slice(bytes).map_err(|_| SignedRecordError::Malformed("record part"))
}

/// A part's digest.
pub fn digest(part: &[u8]) -> [u8; 32] {
    let mut h = Hasher::new(PART_DOMAIN);
    h.update_with_length(part);
    h.finalize()
}

/// The parts of `body`, in order, as the bytes to sign.
pub fn split(body: &RecordBody) -> Result<Vec<Vec<u8>>, SignedRecordError> {
    let parts = match body {
        RecordBody::Prescription(p) => {
            let mut parts = vec![json(&PrescriptionHeader {
                prescriber: p.prescriber.clone(),
                date: p.date,
                notes: p.notes.clone(),
            })?];
            for m in &p.medications {
                parts.push(json(m)?);
            }
            parts
        }
        RecordBody::LabReport(l) => {
            let mut parts = vec![json(&LabHeader {
                laboratory: l.laboratory.clone(),
                collection_date: l.collection_date,
            })?];
            for r in &l.results {
                parts.push(json(r)?);
            }
            parts
        }
        RecordBody::Letter(l) => vec![
            json(&LetterHeading {
                author: l.author.clone(),
                specialty: l.specialty.clone(),
                date: l.date,
                subject: l.subject.clone(),
            })?,
            json(&l.body)?,
        ],
        other => vec![json(other)?],
    };
    if parts.len() > MAX_PARTS {
        return Err(SignedRecordError::Malformed("too many lines to sign"));
    }
    Ok(parts)
}

/// Reads part `index` of a body of `kind`.
pub fn read(kind: RecordKind, index: usize, bytes: &[u8]) -> Result<Part, SignedRecordError> {
    Ok(match (kind, index) {
        (RecordKind::Prescription, 0) => Part::PrescriptionHeader(from_json(bytes)?),
        (RecordKind::Prescription, _) => Part::Medication(from_json(bytes)?),
        (RecordKind::LabReport, 0) => Part::LabHeader(from_json(bytes)?),
        (RecordKind::LabReport, _) => Part::LabResult(from_json(bytes)?),
        (RecordKind::Letter, 0) => Part::LetterHeading(from_json(bytes)?),
        (RecordKind::Letter, 1) => Part::LetterBody(from_json(bytes)?),
        (RecordKind::Letter, _) => return Err(SignedRecordError::Malformed("record part")),
        (_, 0) => {
            let body: RecordBody = from_json(bytes)?;
            if body.kind() != kind {
                return Err(SignedRecordError::Malformed("record part"));
            }
            Part::Whole(body)
        }
        _ => return Err(SignedRecordError::Malformed("record part")),
    })
}

/// The body of `kind` made of `parts`.
pub fn join(kind: RecordKind, parts: &[Vec<u8>]) -> Result<RecordBody, SignedRecordError> {
    let mut read_parts = parts.iter().enumerate().map(|(i, p)| read(kind, i, p));
    let first = read_parts
        .next()
        .ok_or(SignedRecordError::Malformed("no record part"))??;
    let rest = read_parts.collect::<Result<Vec<_>, _>>()?;
    let malformed = || SignedRecordError::Malformed("record parts");
    Ok(match first {
        Part::PrescriptionHeader(h) => RecordBody::Prescription(Prescription {
            prescriber: h.prescriber,
            date: h.date,
            notes: h.notes,
            medications: rest
                .into_iter()
                .map(|p| match p {
                    Part::Medication(m) => Ok(m),
                    _ => Err(malformed()),
                })
                .collect::<Result<_, _>>()?,
        }),
        Part::LabHeader(h) => RecordBody::LabReport(LabReport {
            laboratory: h.laboratory,
            collection_date: h.collection_date,
            results: rest
                .into_iter()
                .map(|p| match p {
                    Part::LabResult(r) => Ok(r),
                    _ => Err(malformed()),
                })
                .collect::<Result<_, _>>()?,
        }),
        Part::LetterHeading(h) => match rest.as_slice() {
            [Part::LetterBody(body)] => RecordBody::Letter(Letter {
                author: h.author,
                specialty: h.specialty,
                date: h.date,
                subject: h.subject,
                body: body.clone(),
            }),
            _ => return Err(malformed()),
        },
        Part::Whole(body) if rest.is_empty() => body,
        _ => return Err(malformed()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_split_and_joined_is_the_same_body() {
        let letter = RecordBody::Letter(Letter {
            author: "Dr Karim Benali".into(),
            specialty: Some("cardiologie".into()),
            date: NaiveDate::from_ymd_opt(2026, 10, 26).unwrap_or_default(),
            subject: "Bradycardie".into(),
            body: "Je réduis le bisoprolol à 2,5 mg.".into(),
        });
        let parts = split(&letter).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(join(RecordKind::Letter, &parts).ok(), Some(letter));
        assert!(join(RecordKind::Letter, &parts[..1]).is_err());
        assert!(join(RecordKind::Prescription, &parts).is_err());
        assert_ne!(digest(&parts[0]), digest(&parts[1]));
    }
}
