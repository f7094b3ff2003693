//! One selection, one truth: for random summaries (a child's or an adult's) and random
//! choices (items left out or put in, letter limits, letter text, vaccinations on, off or by
//! default), what the doctor's reader decodes from the pack is exactly what the
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

struct Counts {
    letters: usize,
    allergies: usize,
    drugs: usize,
    conditions: usize,
    vaccines: usize,
    child: bool,
}

fn summary(n: &Counts) -> PatientSummary {
    let (letters, allergies, drugs, conditions) = (n.letters, n.allergies, n.drugs, n.conditions);
    let born = if n.child { "2019-05-02" } else { "1966-03-14" };
    let profile = Profile::from_new(
        ProfileId::random(),
        NewProfile::new("Camille", date(born), Relationship::Owner),
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
    for i in 0..n.vaccines {
        let day = today - chrono::Days::new(40 * i as u64 + 3);
        records.push(record(
            profile.id,
            day,
            RecordBody::Immunisation(Immunisation {
                vaccine: format!("Vaccin {}", i % 2),
                code: None,
                date: day,
                dose: (i % 3 != 0).then(|| format!("dose {i}")),
                lot: None,
                administered_by: None,
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
        vaccines in 0usize..5,
        child in any::<bool>(),
        left_out in proptest::collection::vec(any::<bool>(), 20),
        put_in in proptest::collection::vec(any::<bool>(), 20),
        letter_limit in proptest::option::of(0usize..5),
        letter_text in any::<bool>(),
        immunisations in proptest::option::of(any::<bool>()),
    ) {
        let summary = summary(&Counts { letters, allergies, drugs, conditions, vaccines, child });
        let all = selection::candidates(&summary, &Selection::default());
        let pick = |flags: &[bool]| -> BTreeSet<String> {
            all.iter()
                .zip(flags.iter().cycle())
                .filter(|(_, out)| **out)
                .map(|(i, _)| i.key.clone())
                .collect()
        };
        let choice = Selection {
            excluded: pick(&left_out),
            included: pick(&put_in),
            letters: letter_limit,
            letter_text,
            immunisations,
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
        let built = selection::build(&summary, &choice);
        let pack = share::pack::decode(&share::pack::encode(&built)).unwrap();
        // The version-1 writer, from the same summary, says exactly the same.
        prop_assert!(share::pack::decode(&share::pack::encode_v1(&built)).unwrap() == pack);
        prop_assert!(pack == built);
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
        let vaccines_read: Vec<String> = pack
            .immunisations()
            .iter()
            .map(|v| {
                let dose = v.dose.as_deref().map(|d| format!(" {d}")).unwrap_or_default();
                format!("{}{dose} ({})", v.vaccine, v.date.to_date())
            })
            .collect();
        prop_assert_eq!(vaccines_read, shown(Section::Immunisations));
        // By default a child's vaccinations go and an adult's stay out.
        if immunisations.is_none() && vaccines > 0 {
            let default_in = selection::candidates(&summary, &Selection::default())
                .into_iter()
                .any(|i| i.section == Section::Immunisations && i.included);
            prop_assert_eq!(default_in, child);
        }
        // A section the patient left something out of says so; the others do not.
        for section in [
            Section::Allergies,
            Section::Conditions,
            Section::Medications,
            Section::Immunisations,
            Section::Letters,
        ] {
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

#[test]
fn a_letter_left_out_makes_room_for_the_next_and_every_new_one_counts_since() {
    // Five letters, dated 1, 11, 21, 31 and 41 days before the day of the summary.
    let summary = summary(&Counts {
        letters: 5,
        allergies: 0,
        drugs: 0,
        conditions: 0,
        vaccines: 0,
        child: false,
    });
    let authors = |selection: &Selection| -> Vec<String> {
        selection::build(&summary, selection)
            .letters
            .iter()
            .map(|l| l.author.clone())
            .collect()
    };
    // By default the three newest.
    assert_eq!(authors(&Selection::default()), ["Dr 0", "Dr 1", "Dr 2"]);
    // The newest left out (a letter the patient keeps private): the fourth takes its place.
    let newest = format!("letter:{}", summary.latest_letters[0].record_id.short());
    let without_newest = Selection {
        excluded: BTreeSet::from([newest]),
        ..Selection::default()
    };
    assert_eq!(authors(&without_newest), ["Dr 1", "Dr 2", "Dr 3"]);
    // A higher limit takes them all.
    let all = Selection {
        letters: Some(5),
        ..Selection::default()
    };
    assert_eq!(authors(&all), ["Dr 0", "Dr 1", "Dr 2", "Dr 3", "Dr 4"]);
    // Since 35 days ago: four new letters, not the three a summary shows.
    let since = summary.since(date("2026-11-20") - chrono::Days::new(35));
    assert_eq!(since.letters.len(), 4);
}
