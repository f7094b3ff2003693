//! `Debug` for what records hold, naming the type and nothing in it: a `{:?}` in a log line,
//! a panic message or a failed test's output must never print a drug, a result, a diagnosis
//! or a name. A record shows its id and kind; a provenance its kind; everything else
//! `Type(<redacted>)`. To see a record, serialise it on purpose.

use super::record::*;
use super::views::{AnalyteTrend, CurrentMedication, LabPoint, PatientSummary};
use std::fmt;

macro_rules! redacted_debug {
    ($($t:ident),* $(,)?) => {
        $(
            impl std::fmt::Debug for $t {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(concat!(stringify!($t), "(<redacted>)"))
                }
            }
        )*
    };
}
pub(crate) use redacted_debug;

redacted_debug!(
    SourceDocument,
    CodedConcept,
    Prescriber,
    Medication,
    Prescription,
    LabValue,
    ReferenceRange,
    LabResult,
    LabReport,
    Letter,
    Document,
    Allergy,
    Condition,
    Immunisation,
    Attachment,
    CurrentMedication,
    LabPoint,
    AnalyteTrend,
    PatientSummary,
);

impl fmt::Debug for RecordBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordBody::{:?}(<redacted>)", self.kind())
    }
}

impl fmt::Debug for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provenance::PatientEntered => "Provenance::PatientEntered",
            Provenance::ImportedFromFile { .. } => "Provenance::ImportedFromFile(<redacted>)",
            Provenance::Practitioner { .. } => "Provenance::Practitioner(<redacted>)",
        })
    }
}

impl fmt::Debug for NewRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRecord")
            .field("kind", &self.body.kind())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("id", &self.id)
            .field("kind", &self.body.kind())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProfileId, RecordId};
    use chrono::NaiveDate;

    #[test]
    fn debug_never_prints_what_a_record_says() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 26).unwrap_or_default();
        let body = RecordBody::Prescription(Prescription {
            prescriber: Prescriber {
                name: "Dr Karim Benali".into(),
                specialty: Some("cardiologie".into()),
                rpps: None,
            },
            date: day,
            medications: vec![Medication {
                name: "Bisoprolol".into(),
                code: None,
                strength: Some("2,5 mg".into()),
                instructions: "1 comprimé le matin".into(),
                duration: None,
                renewals: 0,
                notes: Some("VIH".into()),
                stop: None,
            }],
            notes: None,
        });
        let record = Record {
            id: RecordId::random(),
            profile_id: ProfileId::random(),
            issued_on: day,
            created_at: day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc(),
            updated_at: day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc(),
            provenance: Provenance::ImportedFromFile {
                file_name: "compte-rendu-VIH.pdf".into(),
                document: None,
            },
            body: body.clone(),
            attachments: Vec::new(),
        };
        let shown = format!("{record:?} {body:?} {:?}", record.provenance);
        for secret in [
            "Bisoprolol",
            "2,5",
            "Benali",
            "cardiologie",
            "VIH",
            "comprimé",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("Prescription"), "{shown}");
    }
}
