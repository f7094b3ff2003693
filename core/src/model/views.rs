//! Derived views: what a doctor reads first. Pure functions over a profile's records, so the
//! vault, the share and the printable page all compute them the same way.

use super::text::fold;
use super::{
    Allergy, Condition, ConditionStatus, Immunisation, LabValue, Letter, Medication,
    MedicationDuration, Profile, Provenance, Record, RecordBody, RecordId, ReferenceRange,
};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A prescription line with neither a duration nor an end date counts as current for this
/// many days after its date. French prescriptions are valid for at most twelve months, so a
/// long-term treatment not renewed within a year is no longer "current" on the evidence we
/// hold.
pub const OPEN_ENDED_PRESCRIPTION_DAYS: u64 = 365;

/// A medication the patient is taking today, from the latest prescription that names it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentMedication {
    pub medication: Medication,
    pub prescribed_on: NaiveDate,
    pub prescriber: String,
    /// Last day covered, renewals included.
    pub ends_on: NaiveDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// The last day a medication prescribed on `prescribed_on` is taken: its end date, or its
/// duration times the dispensings (first and renewals), or an open-ended prescription's
/// default.
pub fn medication_end(m: &Medication, prescribed_on: NaiveDate) -> NaiveDate {
    match m.duration {
        Some(MedicationDuration::Until(end)) => end,
        Some(MedicationDuration::Days(days)) => {
            let covered = u64::from(days) * (1 + u64::from(m.renewals));
            prescribed_on
                .checked_add_days(Days::new(covered.saturating_sub(1)))
                .unwrap_or(NaiveDate::MAX)
        }
        None => prescribed_on
            .checked_add_days(Days::new(OPEN_ENDED_PRESCRIPTION_DAYS))
            .unwrap_or(NaiveDate::MAX),
    }
}

/// What is active on `today`: for each medication the latest prescription wins (a dose
/// changed by the cardiologist replaces the GP's), and it counts if `today` falls between its
/// date and its end, unless that latest line stops it. Sorted by medication name.
pub fn current_medications(records: &[Record], today: NaiveDate) -> Vec<CurrentMedication> {
    let mut current: Vec<CurrentMedication> = super::history::lines_by_medication(records, today)
        .into_values()
        .filter_map(|lines| {
            let line = lines.last()?;
            let m = line.medication;
            let ends_on = medication_end(m, line.prescription.date);
            (m.stop.is_none() && ends_on >= today).then(|| CurrentMedication {
                medication: m.clone(),
                prescribed_on: line.prescription.date,
                prescriber: line.prescription.prescriber.name.clone(),
                ends_on,
                record_id: line.record.id,
                provenance: line.record.provenance.clone(),
            })
        })
        .collect();
    current.sort_by_key(|c| fold(&c.medication.name));
    current
}

/// One measurement of an analyte.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LabPoint {
    pub date: NaiveDate,
    pub value: LabValue,
    pub unit: Option<String>,
    pub reference_range: Option<ReferenceRange>,
    pub abnormal: bool,
    pub laboratory: String,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// The latest result of one analyte with the values before it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyteTrend {
    pub analyte: String,
    pub loinc: Option<String>,
    pub latest: LabPoint,
    /// Earlier results, newest first.
    pub previous: Vec<LabPoint>,
}

impl AnalyteTrend {
    /// The result just before the latest, for "was X on <date>".
    pub fn previous_point(&self) -> Option<&LabPoint> {
        self.previous.first()
    }
}

/// Latest result per analyte (by LOINC code when known, else by name) with its history.
/// Sorted by analyte name.
pub fn lab_trends(records: &[Record]) -> Vec<AnalyteTrend> {
    let mut series: BTreeMap<String, (String, Option<String>, Vec<LabPoint>)> = BTreeMap::new();
    for record in records {
        let RecordBody::LabReport(report) = &record.body else {
            continue;
        };
        for result in &report.results {
            let key = match &result.loinc {
                Some(code) => format!("loinc:{}", code.trim()),
                None => format!("name:{}", fold(&result.analyte)),
            };
            let entry = series
                .entry(key)
                .or_insert_with(|| (result.analyte.clone(), result.loinc.clone(), Vec::new()));
            entry.2.push(LabPoint {
                date: report.collection_date,
                value: result.value.clone(),
                unit: result.unit.clone(),
                reference_range: result.reference_range.clone(),
                abnormal: result.abnormal,
                laboratory: report.laboratory.clone(),
                record_id: record.id,
                provenance: record.provenance.clone(),
            });
        }
    }
    let mut trends: Vec<AnalyteTrend> = series
        .into_values()
        .filter_map(|(analyte, loinc, mut points)| {
            points.sort_by_key(|p| std::cmp::Reverse(p.date));
            let mut points = points.into_iter();
            let latest = points.next()?;
            Some(AnalyteTrend {
                analyte,
                loinc,
                latest,
                previous: points.collect(),
            })
        })
        .collect();
    trends.sort_by_key(|t| fold(&t.analyte));
    trends
}

/// How many of the latest letters a summary shows, and a share takes unless the patient says
/// otherwise.
pub const SUMMARY_LETTERS: usize = 3;

/// An item of the summary with where it came from, so a doctor can weigh it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub item: T,
    pub date: NaiveDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// Under this age on the summary's day a patient is a child: their vaccinations are shared by
/// default (an adult's only when they choose).
pub const CHILD_UNTIL_YEARS: u32 = 18;

/// What a doctor reads first: allergies, active conditions, current medications, latest lab
/// values with their trend, the vaccinations and the latest specialist letters.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub profile: Profile,
    pub as_of: NaiveDate,
    pub allergies: Vec<Sourced<Allergy>>,
    pub conditions: Vec<Sourced<Condition>>,
    pub current_medications: Vec<CurrentMedication>,
    /// Every medication prescribed to date with its starts, changes, renewals and stops.
    pub medication_history: Vec<super::MedicationHistory>,
    pub lab_trends: Vec<AnalyteTrend>,
    /// Every vaccine given to date, by vaccine then date (the order of a vaccination record).
    pub immunisations: Vec<Sourced<Immunisation>>,
    /// Every letter, newest first. A view shows the first [`SUMMARY_LETTERS`]; a share takes
    /// as many as the selection says, so one left out makes room for the next, and "since the
    /// last visit" sees every new one.
    pub latest_letters: Vec<Sourced<Letter>>,
}

impl PatientSummary {
    /// The history of a current medication (the one whose latest line it is).
    pub fn history_of(&self, current: &CurrentMedication) -> Option<&super::MedicationHistory> {
        self.medication_history.iter().find(|h| {
            fold(&h.name) == fold(&current.medication.name)
                && h.events
                    .last()
                    .is_some_and(|e| e.record_id == current.record_id)
        })
    }

    /// Whether the patient is under [`CHILD_UNTIL_YEARS`] on the summary's day.
    pub fn is_child(&self) -> bool {
        self.as_of
            .years_since(self.profile.birth_date)
            .is_some_and(|age| age < CHILD_UNTIL_YEARS)
    }

    /// How far back a dose change or a stop is still worth telling without a "since":
    /// [`super::RECENT_DAYS`] before the summary's day.
    pub fn recent(&self) -> NaiveDate {
        self.as_of
            .checked_sub_days(Days::new(super::RECENT_DAYS))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Medications stopped on or after `since` (their latest line stops them).
    pub fn stopped_since(&self, since: NaiveDate) -> Vec<&super::MedicationHistory> {
        self.medication_history
            .iter()
            .filter(|h| h.is_stopped() && h.latest_since(since).is_some())
            .collect()
    }

    pub fn build(profile: Profile, records: &[Record], today: NaiveDate) -> Self {
        let sourced = |r: &Record| (r.issued_on, r.id, r.provenance.clone());
        let mut allergies = Vec::new();
        let mut conditions = Vec::new();
        let mut letters = Vec::new();
        let mut immunisations = Vec::new();
        for r in records {
            let (date, record_id, provenance) = sourced(r);
            match &r.body {
                RecordBody::Allergy(a) => allergies.push(Sourced {
                    item: a.clone(),
                    date,
                    record_id,
                    provenance,
                }),
                RecordBody::Condition(c) if c.status == ConditionStatus::Active => {
                    conditions.push(Sourced {
                        item: c.clone(),
                        date,
                        record_id,
                        provenance,
                    })
                }
                RecordBody::Letter(l) => letters.push(Sourced {
                    item: l.clone(),
                    date,
                    record_id,
                    provenance,
                }),
                RecordBody::Immunisation(i) => immunisations.push(Sourced {
                    item: i.clone(),
                    date: i.date,
                    record_id,
                    provenance,
                }),
                _ => {}
            }
        }
        allergies.sort_by_key(|a| fold(&a.item.substance));
        conditions.sort_by_key(|c| fold(&c.item.name));
        letters.sort_by_key(|l| std::cmp::Reverse(l.date));
        immunisations.sort_by_cached_key(|i| (fold(&i.item.vaccine), i.date, i.record_id));
        let records_to_date: Vec<Record> = records
            .iter()
            .filter(|r| r.issued_on <= today)
            .cloned()
            .collect();
        Self {
            profile,
            as_of: today,
            allergies,
            conditions,
            current_medications: current_medications(&records_to_date, today),
            medication_history: super::history::medication_history(&records_to_date, today),
            lab_trends: lab_trends(&records_to_date),
            immunisations,
            latest_letters: letters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LabReport, LabResult, Prescriber, Prescription, ProfileId, SearchTerms};
    use chrono::{TimeZone, Utc};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or(NaiveDate::MIN)
    }

    fn record(body: RecordBody) -> Record {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        Record {
            id: RecordId::random(),
            profile_id: ProfileId::random(),
            issued_on: body.natural_date().unwrap_or(NaiveDate::MIN),
            created_at: at,
            updated_at: at,
            provenance: Provenance::PatientEntered,
            body,
            attachments: vec![],
        }
    }

    fn med(
        name: &str,
        strength: &str,
        duration: Option<MedicationDuration>,
        renewals: u8,
    ) -> Medication {
        Medication {
            name: name.into(),
            code: None,
            strength: Some(strength.into()),
            instructions: "1 par jour".into(),
            duration,
            renewals,
            notes: None,
            stop: None,
        }
    }

    fn prescription(date: &str, by: &str, meds: Vec<Medication>) -> Record {
        record(RecordBody::Prescription(Prescription {
            prescriber: Prescriber {
                name: by.into(),
                specialty: None,
                rpps: None,
            },
            date: day(date),
            medications: meds,
            notes: None,
        }))
    }

    #[test]
    fn latest_prescription_wins_for_the_same_medication() {
        let records = vec![
            prescription(
                "2026-09-01",
                "Dr GP",
                vec![med(
                    "Bisoprolol",
                    "5 mg",
                    Some(MedicationDuration::Days(90)),
                    3,
                )],
            ),
            prescription(
                "2026-10-15",
                "Dr Cardio",
                vec![med(
                    "bisoprolol ",
                    "2.5 mg",
                    Some(MedicationDuration::Days(90)),
                    0,
                )],
            ),
        ];
        let current = current_medications(&records, day("2026-11-01"));
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].medication.strength.as_deref(), Some("2.5 mg"));
        assert_eq!(current[0].prescriber, "Dr Cardio");
    }

    #[test]
    fn durations_and_renewals_decide_what_is_current() {
        let records = vec![prescription(
            "2026-01-01",
            "Dr GP",
            vec![
                med("Amoxicilline", "1 g", Some(MedicationDuration::Days(7)), 0),
                med(
                    "Metformine",
                    "1000 mg",
                    Some(MedicationDuration::Days(30)),
                    2,
                ),
                med("Atorvastatine", "20 mg", None, 0),
                med(
                    "Ramipril",
                    "5 mg",
                    Some(MedicationDuration::Until(day("2026-02-28"))),
                    0,
                ),
            ],
        )];
        let names = |today: &str| -> Vec<String> {
            current_medications(&records, day(today))
                .into_iter()
                .map(|c| c.medication.name)
                .collect()
        };
        assert_eq!(
            names("2026-01-07"),
            ["Amoxicilline", "Atorvastatine", "Metformine", "Ramipril"]
        );
        assert_eq!(
            names("2026-01-08"),
            ["Atorvastatine", "Metformine", "Ramipril"]
        );
        // 30 days x 3 (two renewals) covers up to 2026-03-31.
        assert_eq!(names("2026-03-31"), ["Atorvastatine", "Metformine"]);
        assert_eq!(names("2026-04-01"), ["Atorvastatine"]);
        assert_eq!(names("2027-01-02"), Vec::<String>::new());
        // Nothing is current before it was prescribed.
        assert_eq!(names("2025-12-31"), Vec::<String>::new());
    }

    #[test]
    fn lab_trend_keeps_latest_and_previous_values_newest_first() {
        let lab = |date: &str, hba1c: f64| {
            record(RecordBody::LabReport(LabReport {
                laboratory: "Labo".into(),
                collection_date: day(date),
                results: vec![LabResult {
                    analyte: "HbA1c".into(),
                    loinc: Some("4548-4".into()),
                    value: LabValue::Numeric(hba1c),
                    unit: Some("%".into()),
                    reference_range: None,
                    abnormal: hba1c > 6.0,
                }],
            }))
        };
        let records = vec![
            lab("2026-03-01", 7.4),
            lab("2025-11-01", 8.1),
            lab("2026-09-01", 6.9),
        ];
        let trends = lab_trends(&records);
        assert_eq!(trends.len(), 1);
        assert_eq!(trends[0].latest.value, LabValue::Numeric(6.9));
        let previous: Vec<_> = trends[0].previous.iter().map(|p| p.date).collect();
        assert_eq!(previous, [day("2026-03-01"), day("2025-11-01")]);
    }

    #[test]
    fn a_stored_record_matches_exactly_as_its_body_does() {
        let record = prescription(
            "2026-03-02",
            "Dr Lefèvre",
            vec![med("Metformine", "1000 mg", None, 0)],
        );
        // Any stored form with the body under "body": here the record itself, whose other
        // fields (ids, dates, provenance) must not be searched.
        let stored = serde_json::to_vec(&record).unwrap_or_default();
        for (i, query) in [
            "metformine",
            "LEFEVRE 1000",
            "metformine 500",
            "patient_entered",
            "2026-01-01",
            "",
        ]
        .into_iter()
        .enumerate()
        {
            let terms = SearchTerms::new(query);
            assert_eq!(
                terms.matches_stored(&stored).ok(),
                Some(terms.matches(&record.body)),
                "query {i}" // by position: the words are health data
            );
        }
        assert!(SearchTerms::new("lefevre metformine").matches(&record.body));
        assert!(!SearchTerms::new("patient_entered").matches(&record.body));
        assert!(SearchTerms::new("x").matches_stored(b"not json").is_err());
        assert_eq!(
            format!("{:?}", SearchTerms::new("metformine 1000")),
            "SearchTerms(2 words)"
        );
    }
}
