//! Views never alter a value: for random strengths (French decimal commas, forms after a comma,
//! units in any script), the emergency card, the consultation pack and the printable page each
//! show a medication's strength exactly as recorded, or leave it out. (The terminal's reading is
//! checked the same way through the `carnet` program, in `cli/tests/cli.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::markup::escape;
use carnet_core::model::*;
use carnet_core::share::{self, OpenedShare, ShareMode, emergency, printable};
use carnet_tests::*;
use proptest::prelude::*;

/// A strength as prescriptions write them, or any printable text without the card's list
/// separator; never with space around it (the record is stored as typed).
fn strength() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}(,[0-9]{1,3})? (mg|µg|g|UI|ml|mg/ml|%)(, (comprimé|gélule|solution buvable|2,5 ml))?",
        "[^;\\p{C}\\s][^;\\p{C}]{0,24}[^;\\p{C}\\s]",
    ]
}

fn summary(strengths: &[String]) -> PatientSummary {
    let profile = Profile::from_new(
        ProfileId::random(),
        NewProfile::new("Camille Martin", date("1966-03-14"), Relationship::Owner),
    );
    let records: Vec<Record> = strengths
        .iter()
        .enumerate()
        .map(|(i, s)| {
            record_at(
                profile.id,
                date("2026-11-01"),
                date("2026-11-01").and_hms_opt(9, 0, 0).unwrap().and_utc(),
                prescription("2026-11-01", &name(i), s),
            )
        })
        .collect();
    PatientSummary::build(profile, &records, date("2026-11-20"))
}

/// Names no other is a prefix of.
fn name(i: usize) -> String {
    format!("Médicament {}", char::from(b'A' + i as u8))
}

/// On the card a strength is shown whole, or its dose alone (cut only before ", " and a word,
/// never at a decimal comma), or not at all.
fn card_shows_verbatim(shown: &str, strength: &str) -> bool {
    shown.is_empty()
        || shown == strength
        || strength.strip_prefix(shown).is_some_and(|rest| {
            rest.strip_prefix(", ")
                .and_then(|r| r.chars().next())
                .is_some_and(char::is_alphabetic)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_view_shows_a_strength_verbatim_or_not_at_all(
        strengths in proptest::collection::vec(strength(), 1..9),
    ) {
        let summary = summary(&strengths);

        // The emergency card.
        let card = emergency::card_text(&summary).unwrap();
        let line = card
            .lines()
            .find_map(|l| l.strip_prefix("TRAITEMENT / MEDICATIONS: "))
            .unwrap();
        for item in line.split("; ") {
            if item.starts_with('+') {
                continue; // "+3": the list was capped
            }
            let i = (0..strengths.len()).find(|&i| item.starts_with(&name(i)));
            prop_assert!(i.is_some(), "a card item names no medication");
            let i = i.unwrap();
            let shown = item[name(i).len()..].trim_start();
            prop_assert!(card_shows_verbatim(shown, &strengths[i]), "card altered strength {}", i);
        }

        // The consultation pack, as the doctor's device decodes it.
        let pack = share::pack::decode(&share::pack::encode(&share::selection::build(
            &summary,
            &share::Selection::default(),
        )))
        .unwrap();
        prop_assert_eq!(pack.medications.len(), strengths.len());
        for m in &pack.medications {
            let i = (0..strengths.len()).find(|&i| m.name == name(i)).unwrap();
            prop_assert_eq!(m.strength.as_deref(), Some(strengths[i].as_str()));
        }

        // The printable page: each medication's cell holds the strength, escaped, whole.
        let page = printable::render(
            &OpenedShare {
                pack,
                mode: ShareMode::Open,
                expires_at: chrono::Utc::now(),
                proofs: vec![],
                comparison_code: None,
            },
            date("2026-11-20"),
            "",
            printable::Lang::Fr,
        );
        for (i, s) in strengths.iter().enumerate() {
            let cell = format!("<strong>{}</strong> {}", escape(&name(i)), escape(s));
            prop_assert!(page.contains(&cell), "page altered strength {}", i);
        }
    }
}

#[test]
fn the_demo_cards_keep_their_decimal_commas() {
    for (strength, expected) in [
        ("2,5 mg", "Médicament A 2,5 mg"),
        ("0,15 mg", "Médicament A 0,15 mg"),
    ] {
        let card = emergency::card_text(&summary(&[strength.to_owned()])).unwrap();
        assert!(
            card.contains(expected),
            "card lost the decimal of {strength}"
        );
    }
}
