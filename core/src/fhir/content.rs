//! What an IPS export says, gathered from either side of a consultation: the patient's vault
//! (every record of a profile, with its codes, units and ranges) or a share a doctor received
//! (what the patient chose to show, with each item's source as the doctor's device checked
//! it). The document writer ([`super::ips`]) reads only this, so both exports are one.

use crate::model::{
    Allergy, CodedConcept, Condition, ConditionStatus, Immunisation, LabValue, MedicationDuration,
    Profile, ProfileId, Provenance, RecordBody, ReferenceRange, SIGNATURE_ATTACHMENT,
    medication_end,
};
use crate::share::OpenedShare;
use crate::share::pack::Source as PackSource;
use crate::vault::{Vault, VaultError};
use chrono::{DateTime, NaiveDate, Utc};

/// Where an item came from, as the exporting device knows it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    Patient,
    Imported {
        file: String,
        document: Option<String>,
    },
    Practitioner {
        name: String,
        rpps: Option<String>,
        verified: bool,
        checked_at: Option<DateTime<Utc>>,
    },
}

impl Origin {
    fn of(p: &Provenance) -> Self {
        match p {
            Provenance::PatientEntered => Self::Patient,
            Provenance::ImportedFromFile {
                file_name,
                document,
            } => Self::Imported {
                file: file_name.clone(),
                document: document.as_ref().and_then(|d| d.id.clone()),
            },
            Provenance::Practitioner {
                name,
                rpps,
                verified,
                checked_at,
                bound_to_patient,
                ..
            } => Self::Practitioner {
                name: name.clone(),
                rpps: rpps.as_ref().map(|r| r.as_str().to_owned()),
                verified: *verified && *bound_to_patient,
                checked_at: Some(*checked_at),
            },
        }
    }

    /// How a reader of the narrative sees it.
    pub fn label(&self) -> String {
        match self {
            Self::Patient => "entered by the patient".into(),
            Self::Imported { .. } => "imported from a file, not signature-verified".into(),
            Self::Practitioner {
                name,
                verified: true,
                ..
            } => format!("signed by {name}, signature verified"),
            Self::Practitioner { name, .. } => format!("from {name}, signature NOT verified"),
        }
    }
}

/// One item with its stable name (for identifiers) and its origin.
#[derive(Clone)]
pub struct Item<T> {
    /// Stable across exports of the same data: the record id and the line.
    pub key: String,
    pub origin: Origin,
    pub value: T,
}

#[derive(Clone)]
pub struct MedicationLine {
    pub name: String,
    pub code: Option<CodedConcept>,
    pub strength: Option<String>,
    pub instructions: String,
    pub prescribed_on: NaiveDate,
    pub duration: Option<MedicationDuration>,
    pub ends_on: NaiveDate,
    pub renewals: u8,
    pub notes: Option<String>,
    pub prescriber: Option<String>,
    pub prescriber_rpps: Option<String>,
    /// The prescription it is a line of.
    pub prescription: String,
}

#[derive(Clone)]
pub struct LabLine {
    pub analyte: String,
    pub loinc: Option<String>,
    pub value: LabValue,
    pub unit: Option<String>,
    pub reference_range: Option<ReferenceRange>,
    pub abnormal: bool,
    pub date: NaiveDate,
}

#[derive(Clone)]
pub struct LabGroup {
    pub laboratory: Option<String>,
    pub date: NaiveDate,
    pub results: Vec<LabLine>,
    /// The laboratory's report itself (a PDF), when the vault holds it.
    pub report: Option<FileCopy>,
}

#[derive(Clone)]
pub struct LetterItem {
    pub author: String,
    pub specialty: Option<String>,
    pub date: NaiveDate,
    pub subject: String,
    pub body: Option<String>,
}

#[derive(Clone)]
pub struct DocumentItem {
    pub title: String,
    pub date: NaiveDate,
    pub media_type: String,
    pub file: Option<FileCopy>,
}

#[derive(Clone)]
pub struct FileCopy {
    pub title: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

pub struct PatientItem {
    pub name: String,
    pub birth_date: NaiveDate,
    pub ins: Option<String>,
}

/// Everything an export says.
pub struct Content {
    pub patient: PatientItem,
    pub as_of: NaiveDate,
    pub medications: Vec<Item<MedicationLine>>,
    pub allergies: Vec<Item<Allergy>>,
    pub conditions: Vec<Item<Condition>>,
    pub immunisations: Vec<Item<Immunisation>>,
    pub labs: Vec<Item<LabGroup>>,
    pub letters: Vec<Item<LetterItem>>,
    pub documents: Vec<Item<DocumentItem>>,
    /// What a section with no entries says: "nothing recorded" or "not shared".
    pub empty_means: EmptyMeans,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyMeans {
    /// The vault holds nothing of the kind for this profile.
    NothingRecorded,
    /// The share holds nothing of the kind: none, or the patient did not share it.
    NotShared,
}

// Health data: `Debug` says only what the value is.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
redacted_debug!(
    Origin,
    MedicationLine,
    LabLine,
    LabGroup,
    LetterItem,
    DocumentItem,
    FileCopy,
    PatientItem,
    Content
);

impl<T> std::fmt::Debug for Item<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Item(<redacted>)")
    }
}

/// The largest attached file copied into an export (a scan, a lab's PDF).
pub const MAX_EXPORTED_FILE: u64 = 8 * 1024 * 1024;

fn file_of(vault: &Vault, record: &crate::model::Record) -> Result<Option<FileCopy>, VaultError> {
    let Some(att) = record
        .attachments
        .iter()
        .find(|a| a.file_name != SIGNATURE_ATTACHMENT && a.size <= MAX_EXPORTED_FILE)
    else {
        return Ok(None);
    };
    let mut data = Vec::with_capacity(usize::try_from(att.size).unwrap_or(0));
    vault.read_attachment(&att.id, &mut data)?;
    Ok(Some(FileCopy {
        title: att.file_name.clone(),
        media_type: att.media_type.clone(),
        data,
    }))
}

/// Every record of `profile`, as of `today`.
pub fn from_vault(
    vault: &Vault,
    profile: &ProfileId,
    today: NaiveDate,
) -> Result<Content, VaultError> {
    let person: Profile = vault.profile(profile)?;
    let mut records = vault.records(Some(profile), None)?;
    // Oldest first, so a document reads in the order things happened.
    records.reverse();
    let mut content = Content {
        patient: PatientItem {
            name: person.display_name.clone(),
            birth_date: person.birth_date,
            ins: person.ins.as_ref().map(|i| i.as_str().to_owned()),
        },
        as_of: today,
        medications: Vec::new(),
        allergies: Vec::new(),
        conditions: Vec::new(),
        immunisations: Vec::new(),
        labs: Vec::new(),
        letters: Vec::new(),
        documents: Vec::new(),
        empty_means: EmptyMeans::NothingRecorded,
    };
    for record in &records {
        let origin = Origin::of(&record.provenance);
        let key = record.id.to_string();
        fn item<T>(key: &str, origin: &Origin, value: T) -> Item<T> {
            Item {
                key: key.to_owned(),
                origin: origin.clone(),
                value,
            }
        }
        match &record.body {
            RecordBody::Prescription(p) => {
                for (n, m) in p.medications.iter().enumerate() {
                    content.medications.push(Item {
                        key: format!("{key}/{n}"),
                        origin: origin.clone(),
                        value: MedicationLine {
                            name: m.name.clone(),
                            code: m.code.clone(),
                            strength: m.strength.clone(),
                            instructions: m.instructions.clone(),
                            prescribed_on: p.date,
                            duration: m.duration,
                            ends_on: medication_end(m, p.date),
                            renewals: m.renewals,
                            notes: m.notes.clone(),
                            prescriber: Some(p.prescriber.name.clone()),
                            prescriber_rpps: p
                                .prescriber
                                .rpps
                                .as_ref()
                                .map(|r| r.as_str().to_owned()),
                            prescription: key.clone(),
                        },
                    });
                }
            }
            RecordBody::LabReport(l) => content.labs.push(item(
                &key,
                &origin,
                LabGroup {
                    laboratory: Some(l.laboratory.clone()),
                    date: l.collection_date,
                    results: l
                        .results
                        .iter()
                        .map(|r| LabLine {
                            analyte: r.analyte.clone(),
                            loinc: r.loinc.clone(),
                            value: r.value.clone(),
                            unit: r.unit.clone(),
                            reference_range: r.reference_range.clone(),
                            abnormal: r.abnormal,
                            date: l.collection_date,
                        })
                        .collect(),
                    report: file_of(vault, record)?,
                },
            )),
            RecordBody::Letter(l) => content.letters.push(item(
                &key,
                &origin,
                LetterItem {
                    author: l.author.clone(),
                    specialty: l.specialty.clone(),
                    date: l.date,
                    subject: l.subject.clone(),
                    body: Some(l.body.clone()),
                },
            )),
            RecordBody::Document(d) => content.documents.push(item(
                &key,
                &origin,
                DocumentItem {
                    title: d.title.clone(),
                    date: d.date,
                    media_type: d.media_type.clone(),
                    file: file_of(vault, record)?,
                },
            )),
            RecordBody::Allergy(a) => content.allergies.push(item(&key, &origin, a.clone())),
            RecordBody::Condition(c) => content.conditions.push(item(&key, &origin, c.clone())),
            RecordBody::Immunisation(i) => {
                content.immunisations.push(item(&key, &origin, i.clone()))
            }
        }
    }
    Ok(content)
}

/// A pack's code ("ATC:C07AB07") as a coded concept.
fn pack_code(code: &Option<String>) -> Option<CodedConcept> {
    let (system, code) = code.as_deref()?.rsplit_once(':')?;
    Some(CodedConcept::new(system, code))
}

/// What a received share says, each item's origin as the doctor's device checked it.
pub fn from_share(opened: &OpenedShare) -> Content {
    let pack = &opened.pack;
    let origin = |source: PackSource, proof: Option<u16>| -> Origin {
        let check = proof.and_then(|i| opened.proofs.get(usize::from(i)));
        match source {
            PackSource::Patient => Origin::Patient,
            PackSource::File => Origin::Imported {
                file: "a file the patient imported".into(),
                document: None,
            },
            PackSource::PractitionerVerified => Origin::Practitioner {
                name: check
                    .and_then(|c| c.signer_name.clone())
                    .unwrap_or_else(|| "a practitioner".into()),
                rpps: check.and_then(|c| c.signer_rpps.clone()),
                verified: true,
                checked_at: None,
            },
            // The name a certificate claims, never presented as checked.
            PackSource::PractitionerUnverified => Origin::Practitioner {
                name: check
                    .map(|c| c.signer.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "a practitioner".into()),
                rpps: None,
                verified: false,
                checked_at: None,
            },
        }
    };
    let as_of = pack.as_of.to_date();
    let mut content = Content {
        patient: PatientItem {
            name: pack.patient.name.clone(),
            birth_date: pack.patient.birth_date.to_date(),
            ins: pack.patient.ins.clone(),
        },
        as_of,
        medications: Vec::new(),
        allergies: Vec::new(),
        conditions: Vec::new(),
        immunisations: Vec::new(),
        labs: Vec::new(),
        letters: Vec::new(),
        documents: Vec::new(),
        empty_means: EmptyMeans::NotShared,
    };
    for (n, m) in pack.medications.iter().enumerate() {
        let prescribed_on = m.prescribed_on.to_date();
        let ends_on = m.ends_on.to_date();
        content.medications.push(Item {
            key: format!("medication/{n}"),
            origin: origin(m.source, m.proof),
            value: MedicationLine {
                name: m.name.clone(),
                code: pack_code(&m.code),
                strength: m.strength.clone(),
                instructions: m.instructions.clone(),
                prescribed_on,
                duration: (ends_on >= prescribed_on).then_some(MedicationDuration::Until(ends_on)),
                ends_on,
                renewals: 0,
                notes: m.notes.clone(),
                prescriber: Some(m.prescriber.clone()).filter(|p| !p.trim().is_empty()),
                prescriber_rpps: None,
                prescription: format!("medication/{n}"),
            },
        });
    }
    for (n, a) in pack.allergies.iter().enumerate() {
        content.allergies.push(Item {
            key: format!("allergy/{n}"),
            origin: origin(a.source, a.proof),
            value: Allergy {
                substance: a.substance.clone(),
                code: None,
                reaction: a.reaction.clone(),
                severity: a.severity.and_then(severity_of_code),
                noted_on: a.date.map(|d| d.to_date()),
            },
        });
    }
    for (n, c) in pack.conditions.iter().enumerate() {
        content.conditions.push(Item {
            key: format!("condition/{n}"),
            origin: origin(c.source, c.proof),
            value: Condition {
                name: c.name.clone(),
                code: pack_code(&c.code),
                status: ConditionStatus::Active,
                onset: c.since.map(|d| d.to_date()),
                notes: None,
            },
        });
    }
    for (n, l) in pack.labs.iter().enumerate() {
        let points = std::iter::once(&l.latest).chain(l.previous.iter());
        for (p, point) in points.enumerate() {
            let date = point.date.to_date();
            content.labs.push(Item {
                key: format!("lab/{n}/{p}"),
                origin: origin(l.source, l.proof),
                value: LabGroup {
                    laboratory: None,
                    date,
                    results: vec![LabLine {
                        analyte: l.analyte.clone(),
                        loinc: l.loinc.clone(),
                        value: pack_value(&point.value),
                        unit: l.unit.clone(),
                        reference_range: l.reference_range.clone().map(|text| ReferenceRange {
                            low: None,
                            high: None,
                            text: Some(text),
                        }),
                        abnormal: point.abnormal,
                        date,
                    }],
                    report: None,
                },
            });
        }
    }
    for (n, l) in pack.letters.iter().enumerate() {
        content.letters.push(Item {
            key: format!("letter/{n}"),
            origin: origin(l.source, l.proof),
            value: LetterItem {
                author: l.author.clone(),
                specialty: l.specialty.clone(),
                date: l.date.to_date(),
                subject: l.subject.clone(),
                body: l.body.clone(),
            },
        });
    }
    content
}

/// An allergy's severity from the pack's code ([`crate::share::pack::severity_code`]).
fn severity_of_code(code: u8) -> Option<crate::model::AllergySeverity> {
    use crate::model::AllergySeverity;
    match code {
        1 => Some(AllergySeverity::Mild),
        2 => Some(AllergySeverity::Moderate),
        3 => Some(AllergySeverity::Severe),
        _ => None,
    }
}

/// A value as the pack carries it (text): a number when it is one exactly as written.
fn pack_value(text: &str) -> LabValue {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && format!("{v}") == text => LabValue::Numeric(v),
        _ => LabValue::Text(text.to_owned()),
    }
}
