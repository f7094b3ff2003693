//! What a share contains: the consultation pack, and how the patient chooses its items.
//!
//! The pack is built from the [`PatientSummary`]: identity, allergies, active conditions,
//! current medications with doses, the latest value of each analyte with the previous one and
//! both dates, and the headings of the latest specialist letters (their full text on request). Every item has an
//! [`ItemKey`]; the patient can exclude any single one and preview exactly what will go.
//!
//! # Encoding (pack version 1)
//!
//! CBOR maps with small integer keys (`minicbor`), so the format is compact and each field
//! can be added later under a new key without breaking older readers. Dates are days since
//! 1970-01-01. Lab values travel as the text the laboratory printed ("6.9", "négatif"), which
//! is shorter than a float and never shows a rounding artefact. Keys are listed on each field
//! below; a key is never reused for another meaning.

use crate::model::{AllergySeverity, LabValue, PatientSummary, Provenance, RecordId};
use chrono::{Days, NaiveDate};
use minicbor::{Decode, Encode};
use std::collections::BTreeSet;

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
    lower: |day| day.to_date().format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(Day::from_date(NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")?)),
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

/// Where an item came from, as the doctor must see it.
/// Absent from the encoding when [`Source::Patient`], the most common.
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
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
    #[cbor(n(6), skip_if = "Source::is_patient")]
    pub source: Source,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
}

/// The consultation pack, version 1.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, serde::Serialize)]
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
}

impl ConsultationPack {
    /// Number of clinical items (identity excluded).
    pub fn item_count(&self) -> usize {
        self.allergies.len()
            + self.conditions.len()
            + self.medications.len()
            + self.labs.len()
            + self.letters.len()
    }
}

/// Identifies one shareable item, stable across previews: `medication:<record>:<name>`,
/// `lab:<analyte>`, `allergy:<record>`, `condition:<record>`, `letter:<record>`, and the
/// identity fields `identity:ins`, `identity:emergency_contact`, `identity:blood_group`.
pub type ItemKey = String;

/// The sections of a pack, in the order a doctor reads them.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Identity,
    Allergies,
    Conditions,
    Medications,
    Labs,
    Letters,
}

/// One line of the preview: what it is and whether it will be shared.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareItem {
    pub key: ItemKey,
    pub section: Section,
    pub label: String,
    pub included: bool,
}

/// Items that stay out unless the patient adds them: a consultation needs the name and birth
/// date to identify the patient, not the national identifier or the emergency contact.
pub const OPT_IN_ITEMS: [&str; 2] = ["identity:ins", "identity:emergency_contact"];

/// What the patient chose to share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Items left out.
    pub excluded: BTreeSet<ItemKey>,
    /// Opt-in items ([`OPT_IN_ITEMS`]) put in.
    pub included: BTreeSet<ItemKey>,
    /// Mark items dated on or after this day as new.
    pub changes_since: Option<NaiveDate>,
    /// How many of the latest letters go in (default 3, with their full text).
    pub letters: Option<usize>,
    /// How many earlier values per analyte go in (default 1: the previous value and its
    /// date).
    pub lab_history: Option<usize>,
    /// Include the letters' full text. Off by default: a letter is often longer than the rest
    /// of the pack together, and its heading plus the medication it changed fit one code;
    /// with it the share is usually shown as several frames.
    pub letter_text: bool,
}

const DEFAULT_LAB_HISTORY: usize = 1;

impl Selection {
    /// Whether an item goes in: opt-in items only when included, others unless excluded.
    pub fn keeps(&self, key: &str) -> bool {
        if OPT_IN_ITEMS.contains(&key) {
            self.included.contains(key) && !self.excluded.contains(key)
        } else {
            !self.excluded.contains(key)
        }
    }
}

fn medication_key(record: &RecordId, name: &str) -> ItemKey {
    format!("medication:{}:{}", record.short(), crate::model::fold(name))
}

fn lab_key(analyte: &str, loinc: Option<&str>) -> ItemKey {
    match loinc {
        Some(code) => format!("lab:{code}"),
        None => format!("lab:{}", crate::model::fold(analyte)),
    }
}

/// Every item the summary could share, each marked included unless excluded.
pub fn candidates(summary: &PatientSummary, selection: &Selection) -> Vec<ShareItem> {
    let mut items = Vec::new();
    let mut push = |key: ItemKey, section: Section, label: String| {
        let included = selection.keeps(&key);
        items.push(ShareItem {
            key,
            section,
            label,
            included,
        });
    };
    let p = &summary.profile;
    push(
        "identity:name".into(),
        Section::Identity,
        format!("{}, born {}", p.display_name, p.birth_date),
    );
    if let Some(b) = p.blood_group {
        push(
            "identity:blood_group".into(),
            Section::Identity,
            format!("blood group {b}"),
        );
    }
    if p.ins.is_some() {
        push(
            "identity:ins".into(),
            Section::Identity,
            "INS (national health identifier)".into(),
        );
    }
    if let Some(c) = &p.emergency_contact {
        push(
            "identity:emergency_contact".into(),
            Section::Identity,
            format!("emergency contact {}", c.name),
        );
    }
    for a in &summary.allergies {
        push(
            format!("allergy:{}", a.record_id.short()),
            Section::Allergies,
            a.item.substance.clone(),
        );
    }
    for c in &summary.conditions {
        push(
            format!("condition:{}", c.record_id.short()),
            Section::Conditions,
            c.item.name.clone(),
        );
    }
    for m in &summary.current_medications {
        let label = format!(
            "{} {}",
            m.medication.name,
            m.medication.strength.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned();
        push(
            medication_key(&m.record_id, &m.medication.name),
            Section::Medications,
            label,
        );
    }
    for t in &summary.lab_trends {
        push(
            lab_key(&t.analyte, t.loinc.as_deref()),
            Section::Labs,
            format!("{} ({})", t.analyte, t.latest.date),
        );
    }
    for (i, l) in summary.latest_letters.iter().enumerate() {
        let mut item_label = format!("{} {}: {}", l.date, l.item.author, l.item.subject);
        if i >= selection.letters.unwrap_or(crate::model::SUMMARY_LETTERS) {
            item_label.push_str(" (beyond the letter limit)");
        }
        push(
            format!("letter:{}", l.record_id.short()),
            Section::Letters,
            item_label,
        );
    }
    items
}

fn value_text(v: &LabValue) -> String {
    v.to_string()
}

/// Builds the pack from the summary, leaving out what the patient excluded.
pub fn build(summary: &PatientSummary, selection: &Selection) -> ConsultationPack {
    let keep = |key: &str| selection.keeps(key);
    let p = &summary.profile;
    let patient = PackPatient {
        name: p.display_name.clone(),
        birth_date: Day::from_date(p.birth_date),
        blood_group: p
            .blood_group
            .filter(|_| keep("identity:blood_group"))
            .map(|b| b.to_string()),
        ins: p
            .ins
            .as_ref()
            .filter(|_| keep("identity:ins"))
            .map(|i| i.to_string()),
        emergency_contact: p
            .emergency_contact
            .as_ref()
            .filter(|_| keep("identity:emergency_contact"))
            .map(|c| format!("{} {}", c.name, c.phone)),
    };
    let allergies = summary
        .allergies
        .iter()
        .filter(|a| keep(&format!("allergy:{}", a.record_id.short())))
        .map(|a| PackAllergy {
            substance: a.item.substance.clone(),
            reaction: a.item.reaction.clone(),
            severity: a.item.severity.map(|s| match s {
                AllergySeverity::Mild => 1,
                AllergySeverity::Moderate => 2,
                AllergySeverity::Severe => 3,
            }),
            date: a.item.noted_on.map(Day::from_date),
            source: Source::of(&a.provenance),
        })
        .collect();
    let conditions = summary
        .conditions
        .iter()
        .filter(|c| keep(&format!("condition:{}", c.record_id.short())))
        .map(|c| PackCondition {
            name: c.item.name.clone(),
            code: c
                .item
                .code
                .as_ref()
                .map(|k| format!("{}:{}", k.system, k.code)),
            since: c.item.onset.map(Day::from_date),
            source: Source::of(&c.provenance),
            recorded: Day::from_date(c.date),
        })
        .collect();
    let medications = summary
        .current_medications
        .iter()
        .filter(|m| keep(&medication_key(&m.record_id, &m.medication.name)))
        .map(|m| PackMedication {
            name: m.medication.name.clone(),
            strength: m.medication.strength.clone(),
            instructions: m.medication.instructions.clone(),
            prescribed_on: Day::from_date(m.prescribed_on),
            ends_on: Day::from_date(m.ends_on),
            prescriber: m.prescriber.clone(),
            code: m
                .medication
                .code
                .as_ref()
                .map(|k| format!("{}:{}", k.system, k.code)),
            source: Source::of(&m.provenance),
            notes: m.medication.notes.clone(),
        })
        .collect();
    let history = selection.lab_history.unwrap_or(DEFAULT_LAB_HISTORY);
    let labs = summary
        .lab_trends
        .iter()
        .filter(|t| keep(&lab_key(&t.analyte, t.loinc.as_deref())))
        .map(|t| PackLab {
            analyte: t.analyte.clone(),
            loinc: t.loinc.clone(),
            unit: t.latest.unit.clone(),
            latest: PackLabPoint {
                date: Day::from_date(t.latest.date),
                value: value_text(&t.latest.value),
                abnormal: t.latest.abnormal,
            },
            previous: t
                .previous
                .iter()
                .take(history)
                .map(|p| PackLabPoint {
                    date: Day::from_date(p.date),
                    value: value_text(&p.value),
                    abnormal: p.abnormal,
                })
                .collect(),
            reference_range: t
                .latest
                .reference_range
                .as_ref()
                .map(|r| r.to_string())
                .filter(|s| !s.is_empty()),
            source: Source::of(&t.latest.provenance),
        })
        .collect();
    let letters = summary
        .latest_letters
        .iter()
        .filter(|l| keep(&format!("letter:{}", l.record_id.short())))
        .take(selection.letters.unwrap_or(crate::model::SUMMARY_LETTERS))
        .map(|l| PackLetter {
            author: l.item.author.clone(),
            specialty: l.item.specialty.clone(),
            date: Day::from_date(l.date),
            subject: l.item.subject.clone(),
            body: selection.letter_text.then(|| l.item.body.clone()),
            source: Source::of(&l.provenance),
        })
        .collect();
    ConsultationPack {
        as_of: Day::from_date(summary.as_of),
        patient,
        allergies,
        conditions,
        medications,
        labs,
        letters,
        changes_since: selection.changes_since.map(Day::from_date),
    }
}

/// CBOR bytes of a pack.
pub fn encode(pack: &ConsultationPack) -> Vec<u8> {
    minicbor::to_vec(pack).unwrap_or_default()
}

/// Reads a pack from CBOR; hostile input gets an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<ConsultationPack, minicbor::decode::Error> {
    minicbor::decode(bytes)
}

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
