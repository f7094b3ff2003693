//! The health data Carnet keeps: profiles (the patient and the family members in their care),
//! records (prescriptions, lab reports, letters, documents, allergies, conditions,
//! immunisations) and the derived views a doctor reads first (current medications, lab trends).
//!
//! Plain data with serde. Validation of national identifiers (INS, RPPS) lives in
//! [`identifiers`]; everything here is free of storage and cryptography.

pub mod compare;
mod decoding;
mod error;
mod history;
pub mod identifiers;
mod ids;
mod profile;
mod record;
mod redacted;
mod since;
mod text;
pub(crate) use redacted::redacted_debug;
#[cfg(feature = "uniffi")]
pub mod uniffi_types;
mod views;

pub use compare::weakening;
pub use error::ModelError;
pub use history::{
    MedicationChange, MedicationEvent, MedicationHistory, RECENT_DAYS, medication_history,
};
pub use identifiers::{Ins, Rpps};
pub use ids::{AttachmentId, ProfileId, RecordId};
pub use profile::{BloodGroup, EmergencyContact, InsOrigin, NewProfile, Profile, Relationship};
pub use record::{
    Allergy, AllergySeverity, Attachment, CodedConcept, Condition, ConditionStatus, Document,
    Immunisation, LabReport, LabResult, LabValue, Letter, Medication, MedicationDuration,
    MedicationStop, NewRecord, Prescriber, Prescription, Provenance, Record, RecordBody,
    RecordKind, ReferenceRange, SIGNATURE_ATTACHMENT, SourceDocument,
};
pub use since::SinceLastVisit;
pub use text::{SearchTerms, fold};
pub use views::{
    AnalyteTrend, CHILD_UNTIL_YEARS, CurrentMedication, LabPoint, OPEN_ENDED_PRESCRIPTION_DAYS,
    PatientSummary, SUMMARY_LETTERS, Sourced, current_medications, lab_trends, medication_end,
};
