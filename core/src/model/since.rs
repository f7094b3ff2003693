//! What happened since the last visit: the one computation the terminal, the bindings and the
//! desk show when the doctor gives the day they last saw the patient. Medications first (every
//! start, change, renewal and stop on or after that day), then the results that moved out of
//! range, then the new letters.

use super::views::{AnalyteTrend, PatientSummary, Sourced};
use super::{Letter, MedicationHistory};
use chrono::NaiveDate;

/// What is new, changed or stopped on or after `since`, from a [`PatientSummary`].
#[derive(Clone, PartialEq)]
pub struct SinceLastVisit {
    pub since: NaiveDate,
    /// Each medication with an event on or after `since`, with those events only, oldest
    /// first.
    pub medications: Vec<MedicationHistory>,
    /// Analytes whose latest value, taken on or after `since`, is out of range when the one
    /// before it was not (or there was none).
    pub labs_out_of_range: Vec<AnalyteTrend>,
    /// Letters dated on or after `since`, newest first.
    pub letters: Vec<Sourced<Letter>>,
}

impl SinceLastVisit {
    /// Nothing new, changed or stopped.
    pub fn is_empty(&self) -> bool {
        self.medications.is_empty() && self.labs_out_of_range.is_empty() && self.letters.is_empty()
    }
}

impl PatientSummary {
    /// What happened on or after `since` (the last visit).
    pub fn since(&self, since: NaiveDate) -> SinceLastVisit {
        let medications = self
            .medication_history
            .iter()
            .filter_map(|h| {
                let events: Vec<_> = h
                    .events
                    .iter()
                    .filter(|e| e.date >= since)
                    .cloned()
                    .collect();
                (!events.is_empty()).then(|| MedicationHistory {
                    name: h.name.clone(),
                    events,
                })
            })
            .collect();
        let labs_out_of_range = self
            .lab_trends
            .iter()
            .filter(|t| {
                let was_normal = t.previous_point().is_none_or(|p| !p.abnormal);
                t.latest.date >= since && t.latest.abnormal && was_normal
            })
            .cloned()
            .collect();
        let letters = self
            .latest_letters
            .iter()
            .filter(|l| l.date >= since)
            .cloned()
            .collect();
        SinceLastVisit {
            since,
            medications,
            labs_out_of_range,
            letters,
        }
    }
}

// Names, doses and results: `{:?}` names the type only.
super::redacted_debug!(SinceLastVisit);
