//! A medication's history and the current list agree, for random prescription histories:
//! on any day a medication is current exactly when, reading its lines in order up to that
//! day, the last one prescribes it (not a stop) and covers the day; and the history names one
//! event per line, a stop as a stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_tests::*;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

/// (day offset, stops it?, strength index, duration in days)
type LineSpec = (u16, bool, u8, u16);

fn records(specs: &[LineSpec]) -> Vec<Record> {
    let start = date("2025-01-01");
    let profile = ProfileId::random();
    specs
        .iter()
        .enumerate()
        .map(|(n, &(offset, stop, strength, days))| {
            let day = start + Days::new(u64::from(offset));
            // Recorded in the order given: two lines of one day keep it.
            let at =
                (day.and_hms_opt(8, 0, 0).unwrap() + chrono::Duration::seconds(n as i64)).and_utc();
            record_at(
                profile,
                day,
                at,
                RecordBody::Prescription(Prescription {
                    prescriber: Prescriber {
                        name: "Dr Anne Leroy".into(),
                        specialty: None,
                        rpps: None,
                    },
                    date: day,
                    medications: vec![Medication {
                        name: "Bisoprolol".into(),
                        code: None,
                        strength: Some(
                            ["1,25 mg", "2,5 mg", "5 mg"][usize::from(strength % 3)].into(),
                        ),
                        instructions: "1 le matin".into(),
                        duration: Some(MedicationDuration::Days(u32::from(days.max(1)))),
                        renewals: 0,
                        notes: None,
                        stop: stop.then_some(MedicationStop { reason: None }),
                    }],
                    notes: None,
                }),
            )
        })
        .collect()
}

/// The oracle: walk the lines in order up to `day`; a stop ends the cover, a line sets it.
fn covered(specs: &[LineSpec], day: NaiveDate) -> bool {
    let start = date("2025-01-01");
    let mut order: Vec<(usize, &LineSpec)> = specs.iter().enumerate().collect();
    order.sort_by_key(|(n, s)| (s.0, *n));
    let mut until: Option<NaiveDate> = None;
    for (_, &(offset, stop, _, days)) in order {
        let from = start + Days::new(u64::from(offset));
        if from > day {
            break;
        }
        until = (!stop).then(|| from + Days::new(u64::from(days.max(1)) - 1));
    }
    until.is_some_and(|u| u >= day)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn current_exactly_when_the_last_line_so_far_prescribes_and_covers_the_day(
        specs in proptest::collection::vec((0u16..400, proptest::bool::weighted(0.3), 0u8..3, 1u16..120), 1..8),
        probe in 0u16..520,
    ) {
        let records = records(&specs);
        let day = date("2025-01-01") + Days::new(u64::from(probe));
        let current = current_medications(&records, day);
        prop_assert_eq!(!current.is_empty(), covered(&specs, day), "on {}", day);
        let history = medication_history(&records, day);
        let lines_so_far = specs
            .iter()
            .filter(|s| date("2025-01-01") + Days::new(u64::from(s.0)) <= day)
            .count();
        let events: usize = history.iter().map(|h| h.events.len()).sum();
        prop_assert_eq!(events, lines_so_far);
        if let Some(h) = history.first() {
            let stops = h.events.iter().filter(|e| matches!(e.change, MedicationChange::Stopped { .. })).count();
            let stop_lines = specs
                .iter()
                .filter(|s| s.1 && date("2025-01-01") + Days::new(u64::from(s.0)) <= day)
                .count();
            prop_assert_eq!(stops, stop_lines);
        }
    }
}
