//! A medication's history across prescriptions: when it was started, each change of dose or
//! posology (from what to what, by whom), each renewal, and its stop.
//!
//! The doctor working without the practice's software needs this first: "the cardiologist
//! changed the dose last month" is what the last prescription alone does not say. The lines
//! are grouped by medication (its code when it has one, else its folded name), ordered by
//! prescription date then by when they were recorded; a line with `stop` stops it. The
//! current list ([`super::current_medications`]) is read from the same lines, so the history
//! and the list never disagree.

use super::RecordId;
use super::record::{Medication, Prescription, Provenance, Record, RecordBody};
use super::text::fold;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a change of dose or a stop is told without a "since" (the last visit): a year.
pub const RECENT_DAYS: u64 = 365;

/// The same medication across prescriptions: by its code when it has one, else by its name
/// without case, accents or extra spaces.
fn medication_key(m: &Medication) -> String {
    match &m.code {
        Some(code) => format!(
            "{}:{}",
            code.system.trim().to_ascii_uppercase(),
            code.code.trim()
        ),
        None => format!("name:{}", fold(&m.name)),
    }
}

/// One prescription line, with the prescription and record it is in.
pub(super) struct Line<'r> {
    pub record: &'r Record,
    pub prescription: &'r Prescription,
    pub medication: &'r Medication,
}

/// Every line dated on or before `today`, by medication, oldest first.
pub(super) fn lines_by_medication(
    records: &[Record],
    today: NaiveDate,
) -> BTreeMap<String, Vec<Line<'_>>> {
    let mut prescriptions: Vec<(&Record, &Prescription)> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Prescription(p) if p.date <= today => Some((r, p)),
            _ => None,
        })
        .collect();
    prescriptions.sort_by_key(|(r, p)| (p.date, r.created_at));
    let mut lines: BTreeMap<String, Vec<Line<'_>>> = BTreeMap::new();
    for (record, prescription) in prescriptions {
        for medication in &prescription.medications {
            lines
                .entry(medication_key(medication))
                .or_default()
                .push(Line {
                    record,
                    prescription,
                    medication,
                });
        }
    }
    lines
}

/// What a prescription line did to the medication.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum MedicationChange {
    /// Prescribed for the first time, or again after a stop.
    Started,
    /// Prescribed again with another strength or posology: both as written.
    Changed {
        from: String,
        to: String,
    },
    /// Prescribed again as it was.
    Renewed,
    Stopped {
        reason: Option<String>,
    },
}

/// One event of a medication's history.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationEvent {
    pub date: NaiveDate,
    pub change: MedicationChange,
    pub prescriber: String,
    pub specialty: Option<String>,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// A medication and what happened to it, oldest first.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationHistory {
    /// The name on its latest line.
    pub name: String,
    pub events: Vec<MedicationEvent>,
}

impl MedicationEvent {
    /// Who made the change, with their specialty: "Dr Karim Benali (cardiologie)".
    pub fn by(&self) -> String {
        match &self.specialty {
            Some(s) => format!("{} ({s})", self.prescriber),
            None => self.prescriber.clone(),
        }
    }
}

impl MedicationHistory {
    /// The latest event, if it happened on or after `since`.
    pub fn latest_since(&self, since: NaiveDate) -> Option<&MedicationEvent> {
        self.events.last().filter(|e| e.date >= since)
    }

    /// Whether the latest line stops it.
    pub fn is_stopped(&self) -> bool {
        matches!(
            self.events.last().map(|e| &e.change),
            Some(MedicationChange::Stopped { .. })
        )
    }
}

// Doses, names and prescribers: `{:?}` names the type only.
super::redacted_debug!(MedicationChange, MedicationEvent, MedicationHistory);

/// A line's dose as written: its strength and its posology.
fn dose(m: &Medication) -> String {
    match m
        .strength
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(strength) if m.instructions.trim().is_empty() => strength.to_owned(),
        Some(strength) => format!("{strength}, {}", m.instructions.trim()),
        None => m.instructions.trim().to_owned(),
    }
}

/// What changed between two lines, as written: the strength alone when only it changed, the
/// posology alone when only it did, else both.
fn difference(before: &Medication, after: &Medication) -> (String, String) {
    let same_posology = before.instructions.trim() == after.instructions.trim();
    let same_strength =
        before.strength.as_deref().map(str::trim) == after.strength.as_deref().map(str::trim);
    match (same_strength, same_posology) {
        (false, true) => (
            before.strength.clone().unwrap_or_default(),
            after.strength.clone().unwrap_or_default(),
        ),
        (true, false) => (before.instructions.clone(), after.instructions.clone()),
        _ => (dose(before), dose(after)),
    }
}

/// Every medication prescribed on or before `today` with its events, by name.
pub fn medication_history(records: &[Record], today: NaiveDate) -> Vec<MedicationHistory> {
    let mut histories: Vec<MedicationHistory> = lines_by_medication(records, today)
        .into_values()
        .map(|lines| {
            let mut events = Vec::with_capacity(lines.len());
            let mut before: Option<&Medication> = None;
            for line in &lines {
                let m = line.medication;
                let change = match (&m.stop, before) {
                    (Some(stop), _) => MedicationChange::Stopped {
                        reason: stop.reason.clone(),
                    },
                    (None, None) => MedicationChange::Started,
                    (None, Some(b)) if b.stop.is_some() => MedicationChange::Started,
                    (None, Some(b)) if dose(b) != dose(m) => {
                        let (from, to) = difference(b, m);
                        MedicationChange::Changed { from, to }
                    }
                    (None, Some(_)) => MedicationChange::Renewed,
                };
                events.push(MedicationEvent {
                    date: line.prescription.date,
                    change,
                    prescriber: line.prescription.prescriber.name.clone(),
                    specialty: line.prescription.prescriber.specialty.clone(),
                    record_id: line.record.id,
                    provenance: line.record.provenance.clone(),
                });
                before = Some(m);
            }
            let name = lines
                .iter()
                .rev()
                .find(|l| l.medication.stop.is_none())
                .or(lines.last())
                .map(|l| l.medication.name.clone())
                .unwrap_or_default();
            MedicationHistory { name, events }
        })
        .collect();
    histories.sort_by_key(|h| fold(&h.name));
    histories
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MedicationStop, Prescriber, ProfileId};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn line(name: &str, strength: &str, stop: Option<&str>) -> Medication {
        Medication {
            name: name.into(),
            code: None,
            strength: Some(strength.into()),
            instructions: "1 le matin".into(),
            duration: None,
            renewals: 0,
            notes: None,
            stop: stop.map(|r| MedicationStop {
                reason: Some(r.into()),
            }),
        }
    }

    fn prescription(date: &str, by: &str, lines: Vec<Medication>) -> Record {
        let at = day(date).and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
        Record {
            id: RecordId::random(),
            profile_id: ProfileId::random(),
            issued_on: day(date),
            created_at: at,
            updated_at: at,
            provenance: Provenance::PatientEntered,
            body: RecordBody::Prescription(Prescription {
                prescriber: Prescriber {
                    name: by.into(),
                    specialty: Some("cardiologie".into()),
                    rpps: None,
                },
                date: day(date),
                medications: lines,
                notes: None,
            }),
            attachments: Vec::new(),
        }
    }

    fn changes(records: &[Record], today: &str) -> Vec<MedicationChange> {
        medication_history(records, day(today))
            .into_iter()
            .flat_map(|h| h.events.into_iter().map(|e| e.change))
            .collect()
    }

    #[test]
    fn each_line_is_a_start_a_change_a_renewal_or_a_stop() {
        let records = vec![
            prescription(
                "2026-01-10",
                "Dr Leroy",
                vec![line("Bisoprolol", "5 mg", None)],
            ),
            prescription(
                "2026-04-10",
                "Dr Leroy",
                vec![line("bisoprolol ", "5 mg", None)],
            ),
            prescription(
                "2026-10-26",
                "Dr Benali",
                vec![line("Bisoprolol", "2,5 mg", None)],
            ),
            prescription(
                "2026-11-02",
                "Dr Leroy",
                vec![line("Bisoprolol", "2,5 mg", Some("bradycardie"))],
            ),
            prescription(
                "2026-11-20",
                "Dr Leroy",
                vec![line("Bisoprolol", "1,25 mg", None)],
            ),
        ];
        assert_eq!(
            changes(&records, "2026-12-01"),
            vec![
                MedicationChange::Started,
                MedicationChange::Renewed,
                MedicationChange::Changed {
                    from: "5 mg".into(),
                    to: "2,5 mg".into()
                },
                MedicationChange::Stopped {
                    reason: Some("bradycardie".into())
                },
                MedicationChange::Started,
            ]
        );
        // Seen on the day of the stop: stopped, and not current that day.
        let on_stop = medication_history(&records, day("2026-11-02"));
        assert!(on_stop[0].is_stopped());
        assert!(super::super::current_medications(&records, day("2026-11-02")).is_empty());
        assert_eq!(
            super::super::current_medications(&records, day("2026-11-01")).len(),
            1
        );
        // The change, with who made it.
        let h = &medication_history(&records, day("2026-10-30"))[0];
        let e = h.latest_since(day("2026-10-26")).unwrap();
        assert_eq!(e.prescriber, "Dr Benali");
        assert_eq!(h.latest_since(day("2026-10-27")), None);
    }
}
