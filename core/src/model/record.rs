//! Records: what the patient keeps. Each record belongs to one profile, has a stable random id,
//! the date it was issued (the prescription's or the letter's date, the lab's collection date),
//! its provenance, and a body of one of the kinds below.
//!
//! The JSON form of [`RecordBody`] (tagged by `"kind"`) is what `carnet add --file` reads;
//! `examples/` holds one file per kind.

use super::{AttachmentId, ModelError, ProfileId, RecordId, Rpps};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of a record. Stored in plaintext (see the vault schema) so a list can be
/// filtered without decrypting every row.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Prescription,
    LabReport,
    Letter,
    Document,
    Allergy,
    Condition,
    Immunisation,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        Self::Prescription,
        Self::LabReport,
        Self::Letter,
        Self::Document,
        Self::Allergy,
        Self::Condition,
        Self::Immunisation,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Prescription => "prescription",
            Self::LabReport => "lab_report",
            Self::Letter => "letter",
            Self::Document => "document",
            Self::Allergy => "allergy",
            Self::Condition => "condition",
            Self::Immunisation => "immunisation",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "lab" | "lab-report" => return Ok(Self::LabReport),
            "immunization" | "vaccine" => return Ok(Self::Immunisation),
            _ => {}
        }
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(ModelError::Unknown {
                what: "record kind",
            })
    }
}

/// Where a record came from. A doctor weighs a typed-in dose differently from a signed one.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Provenance {
    /// Typed in by the patient or a caregiver.
    PatientEntered,
    /// Imported from a file (FHIR bundle, CDA document, another app's export): not
    /// signature-verified. `document` says which document it was, when the file said.
    ImportedFromFile {
        file_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<SourceDocument>,
    },
    /// Received signed from a practitioner. Only the trust module writes it (a vault turns it
    /// into [`Provenance::PatientEntered`] when anyone else claims it): `verified` is true only
    /// when the signature and the certificate chain checked out at `checked_at`, and
    /// `bound_to_patient` only when the record named this profile's patient (signed-record
    /// format 2).
    Practitioner {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rpps: Option<Rpps>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trust_anchor: Option<String>,
        checked_at: DateTime<Utc>,
        verified: bool,
        #[serde(default)]
        bound_to_patient: bool,
    },
}

impl Provenance {
    pub fn label(&self) -> &'static str {
        match self {
            Self::PatientEntered => "entered by patient",
            Self::ImportedFromFile { .. } => "imported from file",
            Self::Practitioner {
                verified: true,
                bound_to_patient: true,
                ..
            } => "signed by practitioner, verified",
            Self::Practitioner {
                verified: true,
                bound_to_patient: false,
                ..
            } => "signed by practitioner, verified (old format: not bound to a patient)",
            Self::Practitioner {
                verified: false, ..
            } => "from practitioner, NOT verified",
        }
    }

    /// What a caller may declare: a practitioner's provenance is earned by a signature the
    /// trust module checks, never declared, so it becomes "entered by patient".
    pub fn declared(self) -> Self {
        match self {
            Self::Practitioner { .. } => Self::PatientEntered,
            other => other,
        }
    }
}

/// The document a record was imported from, as that document describes itself: for the
/// patient and the doctor to see where a line came from, and to find the original again.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDocument {
    /// What kind of document: "FHIR R4 Bundle (document)", "CDA R2 CR-BIO 2024.01".
    pub format: String,
    /// Its identifier (a FHIR Bundle.identifier, a CDA ClinicalDocument/id).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its date, as written.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Who wrote it, and for whom it speaks.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// A code in a terminology: ATC or CIP13 for drugs, LOINC for labs, CIM-10 or SNOMED CT for
/// conditions.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodedConcept {
    pub system: String,
    pub code: String,
}

impl CodedConcept {
    pub fn new(system: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            code: code.into(),
        }
    }
}

/// Who signed a prescription.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescriber {
    pub name: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpps: Option<Rpps>,
}

/// How long a medication is to be taken, as the prescription says it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicationDuration {
    Days(u32),
    Until(NaiveDate),
}

/// One line of a prescription.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medication {
    pub name: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodedConcept>,
    /// Strength and form as printed: "1000 mg, comprimé".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<String>,
    /// Instructions exactly as written: "1 comprimé matin et soir".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub instructions: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<MedicationDuration>,
    /// How many times the prescription may be renewed ("à renouveler 2 fois").
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub renewals: u8,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// This line stops the medication instead of prescribing it: from the prescription's date,
    /// by its prescriber, it is no longer taken (and leaves the current list that day).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<MedicationStop>,
}

/// Why a medication was stopped, as the one who stopped it said.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationStop {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    pub prescriber: Prescriber,
    pub date: NaiveDate,
    pub medications: Vec<Medication>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A measured value: a number with its unit, or text ("négatif", "traces").
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
// Deserialize: by hand in `super::decoding`, without serde's buffer for untagged enums.
#[derive(Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LabValue {
    Numeric(f64),
    Text(String),
}

impl fmt::Display for LabValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Numeric(v) => write!(f, "{v}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// The laboratory's reference range: numeric bounds, or a text such as "< 0.5".
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReferenceRange {
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl fmt::Display for ReferenceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.low, self.high, &self.text) {
            (_, _, Some(t)) => f.write_str(t),
            (Some(l), Some(h), None) => write!(f, "{l}–{h}"),
            (Some(l), None, None) => write!(f, "> {l}"),
            (None, Some(h), None) => write!(f, "< {h}"),
            (None, None, None) => Ok(()),
        }
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LabResult {
    pub analyte: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loinc: Option<String>,
    pub value: LabValue,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_range: Option<ReferenceRange>,
    /// As flagged by the laboratory (or computed from the range when entered by hand).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub abnormal: bool,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LabReport {
    pub laboratory: String,
    pub collection_date: NaiveDate,
    pub results: Vec<LabResult>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub author: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    pub date: NaiveDate,
    pub subject: String,
    pub body: String,
}

/// A scanned or photographed paper document; its content is the attachment.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    pub date: NaiveDate,
    pub media_type: String,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverity {
    Mild,
    Moderate,
    Severe,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub substance: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodedConcept>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<AllergySeverity>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noted_on: Option<NaiveDate>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionStatus {
    #[default]
    Active,
    Resolved,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub name: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodedConcept>,
    #[serde(default)]
    pub status: ConditionStatus,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<NaiveDate>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Immunisation {
    pub vaccine: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodedConcept>,
    pub date: NaiveDate,
    /// "dose 2", "rappel".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administered_by: Option<String>,
}

/// The clinical content of a record, tagged by `"kind"` in JSON.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
// Deserialize: by hand in `super::decoding`, reading the kind first without serde's buffer.
#[derive(Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    Prescription(Prescription),
    LabReport(LabReport),
    Letter(Letter),
    Document(Document),
    Allergy(Allergy),
    Condition(Condition),
    Immunisation(Immunisation),
}

fn require(field: &'static str, value: &str) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        Err(ModelError::Empty { field })
    } else {
        Ok(())
    }
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Prescription(_) => RecordKind::Prescription,
            Self::LabReport(_) => RecordKind::LabReport,
            Self::Letter(_) => RecordKind::Letter,
            Self::Document(_) => RecordKind::Document,
            Self::Allergy(_) => RecordKind::Allergy,
            Self::Condition(_) => RecordKind::Condition,
            Self::Immunisation(_) => RecordKind::Immunisation,
        }
    }

    /// The date the content itself carries, when it has one.
    pub fn natural_date(&self) -> Option<NaiveDate> {
        match self {
            Self::Prescription(p) => Some(p.date),
            Self::LabReport(l) => Some(l.collection_date),
            Self::Letter(l) => Some(l.date),
            Self::Document(d) => Some(d.date),
            Self::Allergy(a) => a.noted_on,
            Self::Condition(c) => c.onset,
            Self::Immunisation(i) => Some(i.date),
        }
    }

    /// Checks what a careful form would check before saving.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            Self::Prescription(p) => {
                require("prescriber name", &p.prescriber.name)?;
                if p.medications.is_empty() {
                    return Err(ModelError::Empty {
                        field: "medications",
                    });
                }
                for m in &p.medications {
                    require("medication name", &m.name)?;
                    if matches!(m.duration, Some(MedicationDuration::Days(0))) {
                        return Err(ModelError::Invalid {
                            field: "duration",
                            rule: "must be at least one day",
                        });
                    }
                    if let Some(MedicationDuration::Until(end)) = m.duration {
                        if end < p.date {
                            return Err(ModelError::Invalid {
                                field: "end date",
                                rule: "is before the prescription date",
                            });
                        }
                    }
                }
            }
            Self::LabReport(l) => {
                require("laboratory", &l.laboratory)?;
                if l.results.is_empty() {
                    return Err(ModelError::Empty { field: "results" });
                }
                for r in &l.results {
                    require("analyte", &r.analyte)?;
                    if let LabValue::Numeric(v) = r.value {
                        if !v.is_finite() {
                            return Err(ModelError::Invalid {
                                field: "lab value",
                                rule: "must be a finite number",
                            });
                        }
                    }
                }
            }
            Self::Letter(l) => {
                require("author", &l.author)?;
                require("subject", &l.subject)?;
            }
            Self::Document(d) => {
                require("title", &d.title)?;
                require("media type", &d.media_type)?;
            }
            Self::Allergy(a) => require("substance", &a.substance)?,
            Self::Condition(c) => require("condition name", &c.name)?,
            Self::Immunisation(i) => require("vaccine", &i.vaccine)?,
        }
        Ok(())
    }

    /// A one-line description for lists. Contains health data: for the patient's own screen,
    /// never for logs.
    pub fn title(&self) -> String {
        match self {
            Self::Prescription(p) => {
                let names: Vec<&str> = p.medications.iter().map(|m| m.name.as_str()).collect();
                format!(
                    "Prescription by {}: {}",
                    p.prescriber.name,
                    names.join(", ")
                )
            }
            Self::LabReport(l) => {
                format!("Lab report, {} ({} results)", l.laboratory, l.results.len())
            }
            Self::Letter(l) => format!("Letter from {}: {}", l.author, l.subject),
            Self::Document(d) => format!("Document: {}", d.title),
            Self::Allergy(a) => format!("Allergy: {}", a.substance),
            Self::Condition(c) => format!("Condition: {}", c.name),
            Self::Immunisation(i) => format!("Immunisation: {}", i.vaccine),
        }
    }

    /// Every piece of text in the record, for full-text search.
    pub fn search_text(&self) -> String {
        // The JSON form holds every field; searching it is simpler than listing fields twice
        // and cannot forget one added later.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The attachment that holds a signed record's signed bytes, so its signature can be checked
/// again wherever the record goes (a later check, a backup, a handover).
pub const SIGNATURE_ATTACHMENT: &str = "signature.carnet-signed";

/// An encrypted file attached to a record (a scan, a PDF, a photo).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
}

/// What a caller supplies to add a record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRecord {
    pub profile_id: ProfileId,
    /// Defaults to the date the body carries, then to today.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<NaiveDate>,
    pub provenance: Provenance,
    pub body: RecordBody,
}

impl NewRecord {
    /// A record typed in by the patient.
    pub fn entered(profile_id: ProfileId, body: RecordBody) -> Self {
        Self {
            profile_id,
            issued_on: None,
            provenance: Provenance::PatientEntered,
            body,
        }
    }
}

/// A stored record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub profile_id: ProfileId,
    pub issued_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub provenance: Provenance,
    pub body: RecordBody,
    /// Filled by the vault from its attachment table.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        self.body.kind()
    }
}
