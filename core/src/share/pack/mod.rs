//! What a share contains: the consultation pack, its wire format.
//!
//! The pack holds identity, allergies, active conditions, current medications with doses (and
//! their latest change of dose), the medications stopped lately, the latest value of each
//! analyte with the previous one and both dates, the vaccinations, and the headings of the
//! latest specialist letters (their full text on request). How it is built from the patient's
//! summary, item by item as the patient chose, is [`super::selection`].
//!
//! # Encodings
//!
//! Two versions, told apart by their first byte, read forever; this version writes version 2.
//!
//! **Version 1** (the types below, as they derive): CBOR maps with small integer keys
//! (`minicbor`), so each field can be added later under a new key without breaking older
//! readers. Dates are days since 1970-01-01. Lab values travel as the text the laboratory
//! printed ("6.9", "négatif"), which is shorter than a float and never shows a rounding
//! artefact. Keys are listed on each field below; a key is never reused for another meaning.
//!
//! **Version 2** ([`v2`]): the same content as CBOR arrays, with a clinical [`codebook`] for
//! common analytes and medicines, and each date and prescriber written once. It decodes to the
//! same [`ConsultationPack`]: the version is how a pack travels, not what it says.
//!
//! # What an item's source proves (keys `source` and `proof`)
//!
//! The sender states each item's source; the reader believes only what it checks itself
//! ([`super::proofs`]). An item from a practitioner's signed record carries the index of a
//! [`PackProof`] (key 8 of the pack): the signed bytes of the record, its signature, its
//! certificate chain (key 9: certificates whole or, for authorities the sender's trust store
//! holds, by SHA-256) and the record's parts this item shows. On the doctor's device:
//! - **verified here** ([`Source::PractitionerVerified`]): the signature is intact, the parts
//!   shown are exactly as signed and say what the item says, the record was signed for this
//!   share's patient (name and birth date), the practitioner it names is its signer, and the
//!   signer's chain verified against the reader's own trust anchors at the signing time;
//! - **signed, not verifiable here** ([`Source::PractitionerUnverified`]): all of that except
//!   the last, because the reader's trust store lacks the authority (or the certificate fails
//!   its rules); who signed is the certificate's claim, unconfirmed;
//! - **entered by the patient** ([`Source::Patient`]) otherwise: any practitioner claim
//!   without a proof that holds (a share from a version without proofs, a format 1 signed
//!   record, a self-typed item marked verified) reads as the patient's word.
//!
//! A lab item's proof covers its latest value (the earlier ones come from other records); a
//! letter's covers its heading, and its text when the text is shown.

pub mod codebook;
pub mod v2;

use crate::model::Provenance;
use chrono::{Days, NaiveDate};
use minicbor::{Decode, Encode};

/// A calendar date as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
#[cbor(transparent)]
pub struct Day(#[n(0)] pub i32);

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.to_date())
    }
}

// Across the UniFFI boundary a `Day` is its ISO 8601 date string, like every other date.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Day, String, {
    lower: |day| crate::time::format_date(day.to_date()),
    try_lift: |s| Ok(Day::from_date(crate::time::parse_date(&s)?)),
});

impl Day {
    const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

    pub fn from_date(date: NaiveDate) -> Self {
        Self(i32::try_from(date.signed_duration_since(Self::EPOCH).num_days()).unwrap_or(0))
    }

    pub fn to_date(self) -> NaiveDate {
        let days = i64::from(self.0);
        if days >= 0 {
            Self::EPOCH
                .checked_add_days(Days::new(days.unsigned_abs()))
                .unwrap_or(NaiveDate::MAX)
        } else {
            Self::EPOCH
                .checked_sub_days(Days::new(days.unsigned_abs()))
                .unwrap_or(NaiveDate::MIN)
        }
    }
}

/// Where an item came from, as the doctor must see it: stated by the sender, then set by the
/// reader to what its own checks found (module header). Absent from the encoding when
/// [`Source::Patient`], the most common.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cbor(index_only)]
pub enum Source {
    #[default]
    #[n(0)]
    Patient,
    #[n(1)]
    File,
    #[n(2)]
    PractitionerVerified,
    #[n(3)]
    PractitionerUnverified,
}

impl Source {
    pub fn is_patient(&self) -> bool {
        *self == Self::Patient
    }

    pub fn of(p: &Provenance) -> Self {
        match p {
            Provenance::PatientEntered => Self::Patient,
            Provenance::ImportedFromFile { .. } => Self::File,
            Provenance::Practitioner { verified: true, .. } => Self::PractitionerVerified,
            Provenance::Practitioner {
                verified: false, ..
            } => Self::PractitionerUnverified,
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackPatient {
    #[n(0)]
    pub name: String,
    #[n(1)]
    pub birth_date: Day,
    #[n(2)]
    pub blood_group: Option<String>,
    #[n(3)]
    pub ins: Option<String>,
    #[n(4)]
    pub emergency_contact: Option<String>,
}

/// An allergy's severity as the pack carries it.
pub fn severity_code(severity: crate::model::AllergySeverity) -> u8 {
    use crate::model::AllergySeverity;
    match severity {
        AllergySeverity::Mild => 1,
        AllergySeverity::Moderate => 2,
        AllergySeverity::Severe => 3,
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackAllergy {
    #[n(0)]
    pub substance: String,
    #[n(1)]
    pub reaction: Option<String>,
    /// 1 mild, 2 moderate, 3 severe.
    #[n(2)]
    pub severity: Option<u8>,
    #[n(3)]
    pub date: Option<Day>,
    #[cbor(n(4), skip_if = "Source::is_patient")]
    pub source: Source,
    /// The proof of the signed record it comes from: an index in [`ConsultationPack::proofs`].
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(5)]
    pub proof: Option<u16>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackCondition {
    #[n(0)]
    pub name: String,
    #[n(1)]
    pub code: Option<String>,
    #[n(2)]
    pub since: Option<Day>,
    #[cbor(n(3), skip_if = "Source::is_patient")]
    pub source: Source,
    /// The date of the record, for "new since".
    #[n(4)]
    pub recorded: Day,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(5)]
    pub proof: Option<u16>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackMedication {
    #[n(0)]
    pub name: String,
    #[n(1)]
    pub strength: Option<String>,
    #[n(2)]
    pub instructions: String,
    #[n(3)]
    pub prescribed_on: Day,
    #[n(4)]
    pub ends_on: Day,
    #[n(5)]
    pub prescriber: String,
    /// "ATC:C07AB07"
    #[n(6)]
    pub code: Option<String>,
    #[cbor(n(7), skip_if = "Source::is_patient")]
    pub source: Source,
    #[n(8)]
    pub notes: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(9)]
    pub proof: Option<u16>,
    /// How its latest line changed it, when that was lately (key 10, pack version 1 readers
    /// skip it).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(10)]
    pub change: Option<PackChange>,
}

/// A current medication's latest change of dose or posology: both as written, when, by whom.
/// The new dose is the medication line's own (proved with it when it comes from a signed
/// record); the earlier one comes from an older record, as a lab's earlier values do.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackChange {
    #[n(0)]
    pub date: Day,
    #[n(1)]
    pub from: String,
    #[n(2)]
    pub to: String,
    /// The prescriber, with their specialty: "Dr Karim Benali (cardiologie)".
    #[n(3)]
    pub by: String,
}

/// A medication stopped lately: what, when, by whom, why. Its source is the sender's claim:
/// no proof travels with a stop, so the reader shows it as the patient's word (or a file's).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackStopped {
    #[n(0)]
    pub name: String,
    #[n(1)]
    pub date: Day,
    #[n(2)]
    pub by: String,
    #[n(3)]
    pub reason: Option<String>,
    #[cbor(n(4), skip_if = "Source::is_patient")]
    pub source: Source,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackLabPoint {
    #[n(0)]
    pub date: Day,
    /// As printed by the laboratory: "6.9", "négatif".
    #[n(1)]
    pub value: String,
    #[n(2)]
    pub abnormal: bool,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackLab {
    #[n(0)]
    pub analyte: String,
    #[n(1)]
    pub loinc: Option<String>,
    #[n(2)]
    pub unit: Option<String>,
    #[n(3)]
    pub latest: PackLabPoint,
    /// Earlier values, newest first.
    #[n(4)]
    pub previous: Vec<PackLabPoint>,
    #[n(5)]
    pub reference_range: Option<String>,
    /// The source of the latest value.
    #[cbor(n(6), skip_if = "Source::is_patient")]
    pub source: Source,
    /// The proof of the latest value.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(7)]
    pub proof: Option<u16>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackLetter {
    #[n(0)]
    pub author: String,
    #[n(1)]
    pub specialty: Option<String>,
    #[n(2)]
    pub date: Day,
    #[n(3)]
    pub subject: String,
    /// The full text, when the patient chose to include it ([`Selection::letter_text`]);
    /// otherwise the doctor sees the heading and asks for the letter.
    #[n(4)]
    pub body: Option<String>,
    #[cbor(n(5), skip_if = "Source::is_patient")]
    pub source: Source,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(6)]
    pub proof: Option<u16>,
}

/// A vaccine given: the vaccination record's line as written.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct PackImmunisation {
    #[n(0)]
    pub vaccine: String,
    /// "ATC:J07CA09"
    #[n(1)]
    pub code: Option<String>,
    #[n(2)]
    pub date: Day,
    /// "dose 2", "rappel".
    #[n(3)]
    pub dose: Option<String>,
    #[n(4)]
    pub lot: Option<String>,
    #[cbor(n(5), skip_if = "Source::is_patient")]
    pub source: Source,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(6)]
    pub proof: Option<u16>,
}

/// Parts of a practitioner's signed record, with what proves them ([`crate::trust::proof`]).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
pub struct PackProof {
    /// The record's signed bytes (signed record format 2).
    #[cbor(n(0), with = "minicbor::bytes")]
    pub signed: Vec<u8>,
    /// ECDSA P-256, 64 bytes r || s.
    #[cbor(n(1), with = "minicbor::bytes")]
    pub signature: Vec<u8>,
    /// The chain as signed: indexes in [`ConsultationPack::certificates`], practitioner first.
    #[n(2)]
    pub chain: Vec<u16>,
    /// The parts shown.
    #[n(3)]
    pub parts: Vec<PackPart>,
}

impl std::fmt::Debug for PackProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackProof")
            .field("chain", &self.chain)
            .field(
                "parts",
                &self.parts.iter().map(|p| p.index).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// One part of a signed record, as signed, and its index in the record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
pub struct PackPart {
    #[n(0)]
    pub index: u8,
    #[cbor(n(1), with = "minicbor::bytes")]
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for PackPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackPart")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// A certificate of a proof's chain: whole (key 0, DER), or by its SHA-256 (key 1) when the
/// sender's trust store holds it: an authority the reader is expected to hold too.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
pub struct PackCertificate {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cbor(n(0), with = "minicbor::bytes")]
    pub der: Option<Vec<u8>>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cbor(n(1), with = "minicbor::bytes")]
    pub sha256: Option<Vec<u8>>,
}

/// The consultation pack, version 1.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
#[cbor(map)]
pub struct ConsultationPack {
    /// The day the summary was computed for ("current" is as of this day).
    #[n(0)]
    pub as_of: Day,
    #[n(1)]
    pub patient: PackPatient,
    #[n(2)]
    pub allergies: Vec<PackAllergy>,
    #[n(3)]
    pub conditions: Vec<PackCondition>,
    #[n(4)]
    pub medications: Vec<PackMedication>,
    #[n(5)]
    pub labs: Vec<PackLab>,
    #[n(6)]
    pub letters: Vec<PackLetter>,
    /// Items dated on or after this day are marked "new" for the doctor.
    #[n(7)]
    pub changes_since: Option<Day>,
    /// What proves the items that come from practitioners' signed records.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(skip)]
    #[cbor(n(8), skip_if = "Vec::is_empty")]
    pub proofs: Vec<PackProof>,
    /// The certificates the proofs' chains are made of, each once.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(skip)]
    #[cbor(n(9), skip_if = "Vec::is_empty")]
    pub certificates: Vec<PackCertificate>,
    /// Medications stopped lately (key 10; pack version 1 readers skip it).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cbor(n(10), skip_if = "Vec::is_empty")]
    pub stopped: Vec<PackStopped>,
    /// The sections ("allergies", "conditions", "medications", "labs", "letters") the patient
    /// left items out of (key 11): an empty one then reads "not shared", not "none recorded".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cbor(n(11), skip_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// The vaccinations (key 12), by vaccine then date. Always written by this version, empty
    /// when none are recorded or shared; absent (`None`) in a pack from a writer that carried
    /// none, whose reader then says nothing of vaccinations rather than "none recorded".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[n(12)]
    pub immunisations: Option<Vec<PackImmunisation>>,
}

/// What the doctor should read where a section shows nothing, or not everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionNote {
    /// Nothing to say: the section shows all there is.
    Complete,
    /// Empty, and nothing was left out: the patient's record holds none.
    NoneRecorded,
    /// Empty because the patient left it out.
    NotShared,
    /// Some items shown, others left out by the patient.
    PartlyShared,
}

impl ConsultationPack {
    /// What to say of a section (`"allergies"`…) that holds `items`.
    pub fn section_note(&self, section: &str, items: usize) -> SectionNote {
        let withheld = self.withheld.iter().any(|s| s == section);
        match (items, withheld) {
            (0, false) => SectionNote::NoneRecorded,
            (0, true) => SectionNote::NotShared,
            (_, true) => SectionNote::PartlyShared,
            (_, false) => SectionNote::Complete,
        }
    }

    /// The vaccinations shown, none for a pack that carried none.
    pub fn immunisations(&self) -> &[PackImmunisation] {
        self.immunisations.as_deref().unwrap_or_default()
    }

    /// Number of clinical items (identity excluded).
    pub fn item_count(&self) -> usize {
        self.immunisations().len()
            + self.allergies.len()
            + self.conditions.len()
            + self.medications.len()
            + self.labs.len()
            + self.letters.len()
    }
}

/// CBOR bytes of a pack, as this version writes it: version 2.
pub fn encode(pack: &ConsultationPack) -> Vec<u8> {
    v2::encode(pack)
}

/// CBOR bytes of a pack in version 1, as Carnet wrote it before version 2: kept so that the
/// frozen vectors are still written byte for byte and the two versions are held to the same
/// content.
pub fn encode_v1(pack: &ConsultationPack) -> Vec<u8> {
    minicbor::to_vec(pack).unwrap_or_default()
}

/// Why a pack could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    /// A pack version newer than this reader's.
    #[error("pack version {0} is newer than this reader")]
    UnsupportedVersion(u8),
    /// A version-2 pack written with a clinical codebook newer than this reader's.
    #[error("clinical codebook version {0} is newer than this reader")]
    NewerCodebook(u8),
    #[error("the pack is malformed: {0}")]
    Malformed(&'static str),
}

/// Reads a pack of either version from CBOR; hostile input gets an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<ConsultationPack, PackError> {
    const MALFORMED: PackError = PackError::Malformed("pack content");
    match bytes.first() {
        // A map: version 1.
        Some(0xa0..=0xbf) => minicbor::decode(bytes).map_err(|_| MALFORMED),
        // An array, whose first element is the version.
        Some(0x80..=0x9f) => {
            let mut d = minicbor::Decoder::new(bytes);
            let version = d.array().and_then(|_| d.u8()).map_err(|_| MALFORMED)?;
            match version {
                v2::VERSION => v2::decode(bytes).map_err(|e| match e {
                    v2::Invalid::NewerCodebook(codebook) => PackError::NewerCodebook(codebook),
                    v2::Invalid::Malformed(what) => PackError::Malformed(what),
                }),
                v if v > v2::VERSION => Err(PackError::UnsupportedVersion(v)),
                _ => Err(MALFORMED),
            }
        }
        _ => Err(MALFORMED),
    }
}

// What a pack carries is health data: `{:?}` names the type only.
crate::model::redacted_debug!(
    PackPatient,
    PackAllergy,
    PackCondition,
    PackMedication,
    PackLabPoint,
    PackLab,
    PackLetter,
    PackChange,
    PackStopped,
    PackImmunisation,
    ConsultationPack,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_round_trip() {
        for d in ["1941-09-23", "1970-01-01", "2026-11-28", "1900-01-01"] {
            let date: NaiveDate = d.parse().unwrap();
            assert_eq!(Day::from_date(date).to_date(), date);
        }
    }

    #[test]
    fn decoding_garbage_is_an_error() {
        for bytes in [
            &b""[..],
            b"\xff",
            b"\xa1\x00",
            b"\xbf\x00\x00\xff",
            &[0x9b; 20],
        ] {
            assert!(decode(bytes).is_err());
        }
    }
}
