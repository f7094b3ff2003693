//! The pack's wire formats keep every value: for random packs (any Unicode, empty strings,
//! the extremes of a day's range, every optional field present or not, every source, and the
//! codebook's own analytes, medicines, forms, posologies and ranges, exactly or nearly),
//! encoding then decoding gives the same pack, field for field, in version 2 as in version 1,
//! and encoding that again the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::share::pack::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

/// Any text: accents, other scripts, emoji, control characters, and the empty string.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,12}",
        any::<String>(),
        "(Lévothyroxine|HbA1c|2,5 mg|négatif|< 0,5|Ω‰µ|日本語|🙂)",
    ]
}

/// The codebook's texts, exactly or nearly: what version 2 writes by number, and what it must
/// not mistake for it.
fn clinical() -> BoxedStrategy<String> {
    let analytes = codebook::ANALYTES.len();
    let medicines = codebook::MEDICINES.len();
    let exact = prop_oneof![
        (0..analytes).prop_map(|i| codebook::ANALYTES[i].loinc.to_owned()),
        (0..analytes).prop_map(|i| codebook::ANALYTES[i].name.to_owned()),
        (0..analytes).prop_map(|i| codebook::ANALYTES[i].unit.to_owned()),
        (0..medicines).prop_map(|i| codebook::MEDICINES[i].code.to_owned()),
        (0..medicines).prop_map(|i| codebook::MEDICINES[i].name.to_owned()),
        (0..codebook::POSOLOGIES.len()).prop_map(|i| codebook::POSOLOGIES[i].to_owned()),
        ("\\PC{0,6}", 0..codebook::FORMS.len())
            .prop_map(|(dose, i)| format!("{dose}, {}", codebook::FORMS[i])),
        ("\\PC{0,5}", "\\PC{0,5}").prop_map(|(l, h)| format!("{l}–{h}")),
        "\\PC{0,5}".prop_map(|h| format!("< {h}")),
        "\\PC{0,5}".prop_map(|l| format!("> {l}")),
    ];
    (exact, 0..4u8)
        .prop_map(|(t, nearly)| match nearly {
            0 => format!("{t} "),
            1 => t.to_uppercase(),
            _ => t,
        })
        .boxed()
}

/// Text, often one the codebook holds.
fn term() -> BoxedStrategy<String> {
    prop_oneof![text(), clinical(), clinical()].boxed()
}

fn day() -> impl Strategy<Value = Day> {
    prop_oneof![
        Just(Day(i32::MIN)),
        Just(Day(i32::MAX)),
        Just(Day(0)),
        (-100_000i32..100_000).prop_map(Day),
        any::<i32>().prop_map(Day),
    ]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Patient),
        Just(Source::File),
        Just(Source::PractitionerVerified),
        Just(Source::PractitionerUnverified),
    ]
}

prop_compose! {
    fn patient()(name in text(), birth_date in day(), blood_group in of(text()), ins in of(text()),
                 emergency_contact in of(text())) -> PackPatient {
        PackPatient { name, birth_date, blood_group, ins, emergency_contact }
    }
}

prop_compose! {
    fn allergy()(substance in text(), reaction in of(text()), severity in of(any::<u8>()),
                 date in of(day()), source in source(), proof in of(any::<u16>())) -> PackAllergy {
        PackAllergy { substance, reaction, severity, date, source, proof }
    }
}

prop_compose! {
    fn condition()(name in text(), code in of(text()), since in of(day()), source in source(),
                   recorded in day(), proof in of(any::<u16>())) -> PackCondition {
        PackCondition { name, code, since, source, recorded, proof }
    }
}

prop_compose! {
    fn change()(date in day(), from in text(), to in text(), by in text()) -> PackChange {
        PackChange { date, from, to, by }
    }
}

prop_compose! {
    fn medication()(name in term(), strength in of(term()), instructions in term(),
                    prescribed_on in day(), ends_on in day(), prescriber in text(),
                    code in of(term()), source in source(), notes in of(text()),
                    proof in of(any::<u16>()), change in of(change())) -> PackMedication {
        PackMedication {
            name, strength, instructions, prescribed_on, ends_on, prescriber, code, source, notes,
            proof, change,
        }
    }
}

prop_compose! {
    fn stopped()(name in text(), date in day(), by in text(), reason in of(text()),
                 source in source()) -> PackStopped {
        PackStopped { name, date, by, reason, source }
    }
}

prop_compose! {
    fn point()(date in day(), value in text(), abnormal in any::<bool>()) -> PackLabPoint {
        PackLabPoint { date, value, abnormal }
    }
}

prop_compose! {
    fn lab()(analyte in term(), loinc in of(term()), unit in of(term()), latest in point(),
             previous in vec(point(), 0..3), reference_range in of(term()), source in source(),
             proof in of(any::<u16>())) -> PackLab {
        PackLab { analyte, loinc, unit, latest, previous, reference_range, source, proof }
    }
}

prop_compose! {
    fn letter()(author in text(), specialty in of(text()), date in day(), subject in text(),
                body in of(text()), source in source(), proof in of(any::<u16>())) -> PackLetter {
        PackLetter { author, specialty, date, subject, body, source, proof }
    }
}

prop_compose! {
    fn immunisation()(vaccine in text(), code in of(text()), date in day(), dose in of(text()),
                      lot in of(text()), source in source(), proof in of(any::<u16>()))
                      -> PackImmunisation {
        PackImmunisation { vaccine, code, date, dose, lot, source, proof }
    }
}

prop_compose! {
    fn proof()(signed in vec(any::<u8>(), 0..40), signature in vec(any::<u8>(), 0..64),
               chain in vec(any::<u16>(), 0..3),
               parts in vec((any::<u8>(), vec(any::<u8>(), 0..20)), 0..3)) -> PackProof {
        PackProof {
            signed,
            signature,
            chain,
            parts: parts.into_iter().map(|(index, bytes)| PackPart { index, bytes }).collect(),
        }
    }
}

prop_compose! {
    fn certificate()(der in of(vec(any::<u8>(), 0..40)), sha256 in of(vec(any::<u8>(), 32)))
                    -> PackCertificate {
        PackCertificate { der, sha256 }
    }
}

prop_compose! {
    fn pack()(as_of in day(), patient in patient(), allergies in vec(allergy(), 0..3),
              conditions in vec(condition(), 0..3), medications in vec(medication(), 0..4),
              labs in vec(lab(), 0..3), letters in vec(letter(), 0..3),
              changes_since in of(day()), proofs in vec(proof(), 0..2),
              certificates in vec(certificate(), 0..2), stopped in vec(stopped(), 0..2),
              withheld in vec(text(), 0..3),
              immunisations in of(vec(immunisation(), 0..3))) -> ConsultationPack {
        ConsultationPack {
            as_of, patient, allergies, conditions, medications, labs, letters, changes_since,
            proofs, certificates, stopped, withheld, immunisations,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn encode_then_decode_changes_nothing(pack in pack()) {
        for (version, write) in [(1, encode_v1 as fn(&ConsultationPack) -> Vec<u8>), (2, encode)] {
            let bytes = write(&pack);
            prop_assert!(same(&decode(&bytes).unwrap(), &pack), "version {version}");
            prop_assert!(write(&decode(&bytes).unwrap()) == bytes, "re-encoding changed the bytes");
        }
    }
}

/// `read` is `pack`, compared field by field first, so that a failure names what changed
/// without printing it.
fn same(read: &ConsultationPack, pack: &ConsultationPack) -> bool {
    let fields = [
        ("as_of", read.as_of == pack.as_of),
        ("patient", read.patient == pack.patient),
        ("allergies", read.allergies == pack.allergies),
        ("conditions", read.conditions == pack.conditions),
        ("medications", read.medications == pack.medications),
        ("labs", read.labs == pack.labs),
        ("letters", read.letters == pack.letters),
        ("changes_since", read.changes_since == pack.changes_since),
        ("proofs", read.proofs == pack.proofs),
        ("certificates", read.certificates == pack.certificates),
        ("stopped", read.stopped == pack.stopped),
        ("withheld", read.withheld == pack.withheld),
        ("immunisations", read.immunisations == pack.immunisations),
    ];
    for (name, equal) in fields {
        if !equal {
            eprintln!("the pack's {name} changed");
        }
    }
    read == pack
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn version_1_encoding_is_what_it_was(pack in pack()) {
        let bytes = encode_v1(&pack);
        let read = decode(&bytes).unwrap();
        // Field by field first, so a failure names what changed without printing it.
        prop_assert!(read.as_of == pack.as_of, "as_of");
        prop_assert!(read.patient == pack.patient, "patient");
        prop_assert!(read.allergies == pack.allergies, "allergies");
        prop_assert!(read.conditions == pack.conditions, "conditions");
        prop_assert!(read.medications == pack.medications, "medications");
        prop_assert!(read.labs == pack.labs, "labs");
        prop_assert!(read.letters == pack.letters, "letters");
        prop_assert!(read.changes_since == pack.changes_since, "changes_since");
        prop_assert!(read.proofs == pack.proofs, "proofs");
        prop_assert!(read.certificates == pack.certificates, "certificates");
        prop_assert!(read.stopped == pack.stopped, "stopped");
        prop_assert!(read.withheld == pack.withheld, "withheld");
        prop_assert!(read.immunisations == pack.immunisations, "immunisations");
        prop_assert!(read == pack);
        prop_assert!(encode_v1(&read) == bytes, "re-encoding changed the bytes");
    }
}

#[test]
fn the_extreme_days_travel_and_read_as_the_calendar_limits() {
    for d in [Day(i32::MIN), Day(i32::MAX)] {
        let bytes = minicbor::to_vec(d).unwrap();
        assert_eq!(minicbor::decode::<Day>(&bytes).unwrap(), d);
    }
    // Beyond what a calendar date can hold, a day reads as the earliest or latest date
    // rather than wrapping round.
    assert_eq!(Day(i32::MIN).to_date(), chrono::NaiveDate::MIN);
    assert_eq!(Day(i32::MAX).to_date(), chrono::NaiveDate::MAX);
}
