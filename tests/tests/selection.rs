//! One selection, one truth: for random summaries and random choices (items left out, letter
//! limits, letter text), what the doctor's reader decodes from the pack is exactly what the
//! preview marked as included, and the items the share reports (which the audit log records)
//! are the same.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_core::share::pack::SectionNote;
use carnet_core::share::selection::{self, Section, Selection};
use carnet_core::share::{self, SignedRecords};
use carnet_tests::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn record(profile: ProfileId, day: chrono::NaiveDate, body: RecordBody) -> Record {
    record_at(
        profile,
        day,
        day.and_hms_opt(9, 0, 0).unwrap().and_utc(),
        body,
    )
}

fn summary(letters: usize, allergies: usize, drugs: usize, conditions: usize) -> PatientSummary {
    let profile = Profile::from_new(
        ProfileId::random(),
        NewProfile::new("Camille", date("1966-03-14"), Relationship::Owner),
    );
    let today = date("2026-11-20");
    let mut records = Vec::new();
    for i in 0..letters {
        let day = today - chrono::Days::new(10 * i as u64 + 1);
        records.push(record(
            profile.id,
            day,
            RecordBody::Letter(Letter {
                author: format!("Dr {i}"),
                specialty: None,
                date: day,
                subject: format!("lettre {i}"),
                body: format!("texte {i}"),
            }),
        ));
    }
    for i in 0..allergies {
        records.push(record(
            profile.id,
            today,
            RecordBody::Allergy(Allergy {
                substance: format!("substance {i}"),
                code: None,
                reaction: None,
                severity: None,
                noted_on: None,
            }),
        ));
    }
    for i in 0..drugs {
        records.push(record(
            profile.id,
            today,
            prescription("2026-11-01", &format!("Médicament {i}"), "5 mg"),
        ));
    }
    for i in 0..conditions {
        records.push(record(
            profile.id,
            today,
            RecordBody::Condition(Condition {
                name: format!("affection {i}"),
                code: None,
                status: ConditionStatus::Active,
                onset: None,
                notes: None,
            }),
        ));
    }
    PatientSummary::build(profile, &records, today)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_reader_decodes_exactly_what_the_preview_marked_included(
        letters in 0usize..6,
        allergies in 0usize..3,
        drugs in 0usize..4,
        conditions in 0usize..3,
        left_out in proptest::collection::vec(any::<bool>(), 20),
        letter_limit in proptest::option::of(0usize..5),
        letter_text in any::<bool>(),
    ) {
        let summary = summary(letters, allergies, drugs, conditions);
        let all = selection::candidates(&summary, &Selection::default());
        let excluded: BTreeSet<String> = all
            .iter()
            .zip(left_out.iter().cycle())
            .filter(|(_, out)| **out)
            .map(|(i, _)| i.key.clone())
            .collect();
        let choice = Selection {
            excluded,
            letters: letter_limit,
            letter_text,
            ..Selection::default()
        };
        let preview = selection::candidates(&summary, &choice);
        let shown = |section: Section| -> Vec<String> {
            preview
                .iter()
                .filter(|i| i.section == section && i.included)
                .map(|i| i.label.clone())
                .collect()
        };
        let pack = share::pack::decode(&share::pack::encode(&selection::build(&summary, &choice))).unwrap();
        let letters_read: Vec<String> = pack
            .letters
            .iter()
            .map(|l| format!("{} {}: {}", l.date.to_date(), l.author, l.subject))
            .collect();
        prop_assert_eq!(letters_read, shown(Section::Letters));
        prop_assert!(pack.letters.iter().all(|l| l.body.is_some() == letter_text));
        let allergies_read: Vec<String> = pack.allergies.iter().map(|a| a.substance.clone()).collect();
        prop_assert_eq!(allergies_read, shown(Section::Allergies));
        let conditions_read: Vec<String> = pack.conditions.iter().map(|c| c.name.clone()).collect();
        prop_assert_eq!(conditions_read, shown(Section::Conditions));
        let drugs_read: Vec<String> = pack
            .medications
            .iter()
            .map(|m| format!("{} {}", m.name, m.strength.as_deref().unwrap_or("")).trim().to_owned())
            .collect();
        prop_assert_eq!(drugs_read, shown(Section::Medications));
        // A section the patient left something out of says so; the others do not.
        for section in [Section::Allergies, Section::Conditions, Section::Medications, Section::Letters] {
            let left_out = preview.iter().any(|i| i.section == section && !i.included);
            prop_assert_eq!(pack.withheld.iter().any(|w| w == section.name()), left_out);
            let shown_here = preview.iter().filter(|i| i.section == section && i.included).count();
            let note = pack.section_note(section.name(), shown_here);
            let expected = match (shown_here, left_out) {
                (0, false) => SectionNote::NoneRecorded,
                (0, true) => SectionNote::NotShared,
                (_, true) => SectionNote::PartlyShared,
                (_, false) => SectionNote::Complete,
            };
            prop_assert_eq!(note, expected);
        }
        // What the share reports it sent (the audit log's entry) is the preview's "in".
        let prepared = share::prepare(
            &summary,
            &choice,
            &SignedRecords::none(),
            None,
            chrono::Utc::now() + chrono::Duration::minutes(10),
        )
        .unwrap();
        let reported: Vec<String> = prepared.items.iter().map(|i| i.key.clone()).collect();
        let marked: Vec<String> = preview.iter().filter(|i| i.included).map(|i| i.key.clone()).collect();
        prop_assert_eq!(reported, marked);
    }
}
