//! Sharing by QR code, end to end through the public API: every mode round-trips, every
//! refusal is typed, frames survive loss and disorder, and the sizes are what the issue asks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_core::qr::text::{self, CodeKind};
use carnet_core::qr::{QrError, QrMatrix, frames};
use carnet_core::share::pack::{
    ConsultationPack, Day, PackChange, PackImmunisation, PackLab, PackLabPoint, PackMedication,
    PackPatient, PackStopped, Source,
};
use carnet_core::share::seal::{self, SealSecret};
use carnet_core::share::{
    self, DoctorSession, ReaderSession, Selection, ShareError, ShareMode, selection,
};
use carnet_core::vault::AuditAction;
use carnet_tests::*;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::Duration;

const NOW: u64 = 1_795_000_000; // 2026-11-18
const HOUR: u64 = 3600;

/// The instant `seconds` after the epoch (the tests count in seconds from [`NOW`]).
fn instant(seconds: u64) -> DateTime<Utc> {
    carnet_core::time::from_unix_unsigned(seconds).unwrap()
}

/// A doctor's session made at `now` for `lifetime` seconds.
fn session(now: u64, lifetime: u64) -> DoctorSession {
    DoctorSession::new(instant(now), Duration::from_secs(lifetime)).unwrap()
}

fn today() -> chrono::NaiveDate {
    date("2026-11-18")
}

fn demo_summary() -> PatientSummary {
    let (t, family) = demo_vault(today());
    t.vault().summary(&family.adult.id, today()).unwrap()
}

fn read(
    texts: &[String],
    sessions: Vec<DoctorSession>,
    now: DateTime<Utc>,
) -> Result<share::OpenedShare, ShareError> {
    let mut reader = ReaderSession::new(sessions, carnet_core::trust::TrustStore::new());
    for t in texts {
        reader.push_text(t, now)?;
    }
    reader.into_result()
}

fn sealed_bytes(prepared: &share::PreparedShare) -> Vec<u8> {
    let (kind, bytes) = text::decode(&prepared.codes[0]).unwrap();
    assert_eq!(kind, CodeKind::Share);
    bytes
}

#[test]
fn doctor_keyed_share_round_trips_and_only_that_device_reads_it() {
    let summary = demo_summary();
    let doctor = session(NOW, 15 * 60);
    let hello = share::Hello::parse(&doctor.hello().to_text(), instant(NOW)).unwrap();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        Some(&hello),
        instant(NOW + HOUR),
    )
    .unwrap();
    assert_eq!(
        prepared.mode,
        ShareMode::ToHello {
            fingerprint: hello.fingerprint()
        }
    );
    assert!(prepared.warning().is_none());

    let opened = read(
        &prepared.codes,
        vec![DoctorSession::from_secret(
            *doctor.secret_bytes(),
            doctor.hello().expires_at,
        )],
        instant(NOW + 60),
    )
    .unwrap();
    assert_eq!(
        opened.pack,
        selection::build(&summary, &Selection::default())
    );
    assert_eq!(opened.pack.patient.name, "Camille Martin");
    assert_eq!(
        opened.mode,
        ShareMode::ToHello {
            fingerprint: hello.fingerprint()
        }
    );

    // Another doctor's device, or a bystander's phone, cannot read it.
    assert_eq!(
        read(&prepared.codes, vec![session(NOW, 900)], instant(NOW + 60)).unwrap_err(),
        ShareError::WrongKey
    );
    assert_eq!(
        read(&prepared.codes, vec![], instant(NOW + 60)).unwrap_err(),
        ShareError::NeedsDoctorSession
    );
}

#[test]
fn open_share_round_trips_and_says_anyone_can_read_it() {
    let summary = demo_summary();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    assert_eq!(prepared.mode, ShareMode::Open);
    assert!(prepared.warning().unwrap().contains("Anyone who scans"));
    let opened = read(&prepared.codes, vec![], instant(NOW)).unwrap();
    assert_eq!(
        opened.pack,
        selection::build(&summary, &Selection::default())
    );
}

#[test]
fn expiry_is_enforced_by_the_reader_in_both_modes() {
    let summary = demo_summary();
    let doctor = session(NOW, 15 * 60);
    for recipient in [Some(doctor.hello().clone()), None] {
        let prepared = share::prepare(
            &summary,
            &Selection::default(),
            &share::SignedRecords::none(),
            recipient.as_ref(),
            instant(NOW + HOUR),
        )
        .unwrap();
        let session = || {
            vec![DoctorSession::from_secret(
                *doctor.secret_bytes(),
                doctor.hello().expires_at,
            )]
        };
        assert!(read(&prepared.codes, session(), instant(NOW + HOUR)).is_ok());
        let err = read(&prepared.codes, session(), instant(NOW + HOUR + 1)).unwrap_err();
        assert!(matches!(err, ShareError::Expired { .. }), "{err:?}");
    }
    // An expired hello is refused on the patient's side.
    assert_eq!(
        share::Hello::parse(&doctor.hello().to_text(), instant(NOW + 15 * 60 + 1)).unwrap_err(),
        ShareError::HelloExpired
    );
}

#[test]
fn every_flipped_byte_of_a_share_is_refused_never_accepted() {
    let summary = demo_summary();
    let doctor = session(NOW, 15 * 60);
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        Some(doctor.hello()),
        instant(NOW + HOUR),
    )
    .unwrap();
    let sealed = sealed_bytes(&prepared);
    let sessions = [DoctorSession::from_secret(
        *doctor.secret_bytes(),
        doctor.hello().expires_at,
    )];
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        let err = seal::open(
            &bad,
            &sessions,
            &carnet_core::trust::TrustStore::new(),
            instant(NOW),
        )
        .expect_err("a modified share must be refused");
        let expected = match i {
            0 => matches!(err, ShareError::UnsupportedVersion(_)),
            1 => matches!(err, ShareError::Malformed(_)),
            6..=8 => matches!(err, ShareError::Truncated | ShareError::Malformed(_)),
            41..=48 => err == ShareError::WrongKey,
            _ => err == ShareError::Tampered,
        };
        assert!(expected, "byte {i}: {err:?}");
    }
}

#[test]
fn truncated_shares_are_reported_as_truncated() {
    let summary = demo_summary();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    let sealed = sealed_bytes(&prepared);
    for len in [0, 1, 5, 20, 40, sealed.len() / 2, sealed.len() - 1] {
        assert_eq!(
            seal::open(
                &sealed[..len],
                &[],
                &carnet_core::trust::TrustStore::new(),
                instant(NOW)
            )
            .unwrap_err(),
            ShareError::Truncated,
            "cut at {len}"
        );
    }
    // Cut as text, the way a scanner that stopped early would hand it over.
    let text = &prepared.codes[0];
    for len in [5, text.len() / 3, text.len() - 1, text.len() - 2] {
        let err = read(&[text[..len].to_owned()], vec![], instant(NOW)).unwrap_err();
        assert!(
            matches!(
                err,
                ShareError::Truncated | ShareError::Code(QrError::Truncated)
            ),
            "cut at {len}: {err:?}"
        );
    }
}

#[test]
fn unknown_versions_are_typed() {
    let summary = demo_summary();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    let mut sealed = sealed_bytes(&prepared);
    sealed[0] = 2;
    assert_eq!(
        seal::open(
            &sealed,
            &[],
            &carnet_core::trust::TrustStore::new(),
            instant(NOW)
        )
        .unwrap_err(),
        ShareError::UnsupportedVersion(2)
    );
    let future = prepared.codes[0].replacen("CS1:", "CS2:", 1);
    assert_eq!(
        read(&[future], vec![], instant(NOW)).unwrap_err(),
        ShareError::Code(QrError::UnsupportedVersion(2))
    );
    assert_eq!(
        read(&["HC1:NCFOXN%TS3DH".into()], vec![], instant(NOW)).unwrap_err(),
        ShareError::Code(QrError::NotACarnetCode)
    );
}

#[test]
fn the_reader_survives_hostile_text() {
    let mut rng = StdRng::seed_from_u64(7);
    let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
        .chars()
        .collect();
    for _ in 0..2000 {
        let kind = ["CS1:", "CF1:", "CH1:"][rng.gen_range(0..3)];
        let len = rng.gen_range(0..400);
        let body: String = (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect();
        let mut reader = ReaderSession::new(
            vec![session(NOW, 60)],
            carnet_core::trust::TrustStore::new(),
        );
        assert!(
            reader
                .push_text(&format!("{kind}{body}"), instant(NOW))
                .is_err()
        );
    }
}

fn long_letter_summary() -> PatientSummary {
    let (t, family) = demo_vault(today());
    for i in 0..6 {
        t.vault()
            .add_record(NewRecord::entered(
                family.adult.id,
                RecordBody::Letter(Letter {
                    author: format!("Dr Spécialiste {i}"),
                    specialty: Some("néphrologie".into()),
                    date: today() - chrono::Days::new(10 + i),
                    subject: format!("Consultation numéro {i}"),
                    body: format!("Lettre {i}. ").repeat(50)
                        + &(0..200)
                            .map(|j| format!("{:x}", (j * 2_654_435_761u64 + i) % 65_521))
                            .collect::<String>(),
                }),
            ))
            .unwrap();
    }
    t.vault().summary(&family.adult.id, today()).unwrap()
}

#[test]
fn a_large_share_becomes_frames_that_survive_loss_disorder_and_duplicates() {
    let summary = long_letter_summary();
    let selection = Selection {
        letter_text: true,
        letters: Some(6),
        ..Default::default()
    };
    let doctor = session(NOW, 15 * 60);
    let prepared = share::prepare(
        &summary,
        &selection,
        &share::SignedRecords::none(),
        Some(doctor.hello()),
        instant(NOW + HOUR),
    )
    .unwrap();
    assert!(
        prepared.is_animated(),
        "{} bytes should need frames",
        prepared.sealed_len
    );
    for code in &prepared.codes {
        assert!(
            QrMatrix::encode(code, frames::FRAME_MAX_VERSION).is_ok(),
            "a frame exceeds version 15"
        );
    }
    let expected = selection::build(&summary, &selection);
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut kept: Vec<String> = prepared
            .codes
            .iter()
            .filter(|_| rng.gen_bool(0.7))
            .cloned()
            .collect();
        let dupes: Vec<String> = kept.iter().filter(|_| rng.gen_bool(0.3)).cloned().collect();
        kept.extend(dupes);
        kept.shuffle(&mut rng);
        let mut reader = ReaderSession::new(
            vec![DoctorSession::from_secret(
                *doctor.secret_bytes(),
                doctor.hello().expires_at,
            )],
            carnet_core::trust::TrustStore::new(),
        );
        let mut last = 0.0;
        for code in &kept {
            let progress = reader.push_text(code, instant(NOW)).unwrap();
            assert!((0.0..=1.0).contains(&progress.fraction));
            assert!(progress.fraction >= last, "progress went back");
            last = progress.fraction;
            if progress.complete {
                break;
            }
        }
        let opened = reader.into_result().unwrap_or_else(|e| {
            panic!(
                "seed {seed}: {e} with {} of {} frames",
                kept.len(),
                prepared.codes.len()
            )
        });
        assert_eq!(opened.pack, expected);
    }
}

#[test]
fn a_corrupted_frame_is_refused_without_ending_the_session() {
    let summary = long_letter_summary();
    let selection = Selection {
        letter_text: true,
        letters: Some(6),
        ..Default::default()
    };
    let prepared = share::prepare(
        &summary,
        &selection,
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    assert!(prepared.is_animated());
    let mut reader = ReaderSession::new(vec![], carnet_core::trust::TrustStore::new());
    let first = &prepared.codes[0];
    let (_, mut bytes) = text::decode(first).unwrap();
    bytes[30] ^= 0x10;
    let corrupted = text::encode(CodeKind::Frame, &bytes);
    assert!(matches!(
        reader.push_text(&corrupted, instant(NOW)),
        Err(ShareError::Code(QrError::FrameRejected(_)))
    ));
    // A frame of another share is refused too, and the session goes on.
    let other = share::prepare(
        &summary,
        &selection,
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    reader.push_text(&prepared.codes[1], instant(NOW)).unwrap();
    assert_eq!(
        reader.push_text(&other.codes[2], instant(NOW)).unwrap_err(),
        ShareError::Code(QrError::OtherTransfer)
    );
    for code in &prepared.codes {
        if reader.push_text(code, instant(NOW)).unwrap().complete {
            break;
        }
    }
    assert!(reader.result().is_some());
}

#[test]
fn png_written_here_reads_back_with_rqrr() {
    let summary = demo_summary();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        None,
        instant(NOW + HOUR),
    )
    .unwrap();
    let png = QrMatrix::encode(&prepared.codes[0], carnet_core::qr::MAX_SINGLE_VERSION)
        .unwrap()
        .to_png(6);
    let mut reader = ReaderSession::new(vec![], carnet_core::trust::TrustStore::new());
    assert!(reader.push_image(&png, instant(NOW)).unwrap().complete);
    assert_eq!(
        reader.into_result().unwrap().pack,
        selection::build(&summary, &Selection::default())
    );
    assert_eq!(
        ReaderSession::new(vec![], carnet_core::trust::TrustStore::new())
            .push_image(b"not an image", instant(NOW))
            .unwrap_err(),
        ShareError::Code(QrError::BadImage)
    );
}

#[test]
fn sizes_demo_pack_fits_version_20_and_heavy_pack_version_25() {
    let doctor = session(NOW, 15 * 60);
    let summary = demo_summary();
    let demo = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        Some(doctor.hello()),
        instant(NOW + HOUR),
    )
    .unwrap();

    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    t.vault().add_records(heavy_records(p.id, today())).unwrap();
    let heavy_summary = t.vault().summary(&p.id, today()).unwrap();
    assert_eq!(heavy_summary.current_medications.len(), 20);
    assert_eq!(heavy_summary.lab_trends.len(), 30);
    assert!(
        heavy_summary
            .lab_trends
            .iter()
            .all(|t| t.previous.len() == 1)
    );
    let heavy = share::prepare(
        &heavy_summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        Some(doctor.hello()),
        instant(NOW + HOUR),
    )
    .unwrap();

    println!(
        "QR size at ECC M: demo adult pack {} bytes sealed, version {:?}; heavy pack (20 medications, 30 labs with previous) {} bytes, version {:?}",
        demo.sealed_len, demo.version, heavy.sealed_len, heavy.version
    );
    assert!(
        demo.version.is_some_and(|v| v <= 20),
        "demo pack needs version {:?}",
        demo.version
    );
    assert!(
        heavy.version.is_some_and(|v| v <= 25),
        "heavy pack needs version {:?}",
        heavy.version
    );
}

#[test]
fn the_patient_can_exclude_items_and_preview_exactly_what_goes() {
    let summary = demo_summary();
    let items = selection::candidates(&summary, &Selection::default());
    let potassium = items
        .iter()
        .find(|i| i.label.starts_with("Potassium"))
        .unwrap()
        .key
        .clone();
    let ramipril = items
        .iter()
        .find(|i| i.label.starts_with("Ramipril"))
        .unwrap()
        .key
        .clone();
    // INS and emergency contact are out unless asked for.
    assert!(items.iter().any(|i| i.key == "identity:ins" && !i.included));
    let selection = Selection {
        excluded: [potassium.clone(), ramipril.clone()].into_iter().collect(),
        included: ["identity:ins".to_owned()].into_iter().collect(),
        ..Default::default()
    };
    let preview = selection::candidates(&summary, &selection);
    assert!(
        !preview
            .iter()
            .find(|i| i.key == potassium)
            .unwrap()
            .included
    );
    let built = selection::build(&summary, &selection);
    assert!(built.labs.iter().all(|l| l.analyte != "Potassium"));
    assert!(built.medications.iter().all(|m| m.name != "Ramipril"));
    assert_eq!(built.patient.ins.as_deref(), Some("266037511512340"));
    assert_eq!(
        built.medications.len() + 1,
        summary.current_medications.len()
    );
    let included: usize = preview
        .iter()
        .filter(|i| i.included && i.section != share::Section::Identity)
        .count();
    assert_eq!(included, built.item_count());
}

#[test]
fn each_share_is_logged_with_its_items_and_recipient() {
    let (t, family) = demo_vault(today());
    let doctor = session(NOW, 15 * 60);
    let prepared = share::share_profile(
        t.vault(),
        &share::ShareRequest {
            profile: family.adult.id,
            selection: &Selection::default(),
            hello: Some(doctor.hello()),
            trust: &carnet_core::trust::TrustStore::new(),
            unverified_hello_accepted: true,
            today: today(),
            now: instant(NOW),
            lifetime: Duration::from_secs(1800),
        },
    )
    .unwrap();
    let last = t.vault().audit_log().unwrap().pop().unwrap();
    match last.action {
        AuditAction::Shared {
            profile_id,
            items,
            recipient,
            expires_at,
            ..
        } => {
            assert_eq!(profile_id, family.adult.id);
            assert_eq!(recipient, Some(doctor.hello().fingerprint()));
            assert_eq!(expires_at, instant(NOW + 1800));
            assert_eq!(items.len(), prepared.items.len());
            assert!(items.iter().any(|k| k.starts_with("medication:")));
        }
        other => panic!("last event is {other:?}"),
    }
    // An expired hello is refused before anything is logged.
    let events = t.vault().audit_log().unwrap().len();
    let err = share::share_profile(
        t.vault(),
        &share::ShareRequest {
            profile: family.adult.id,
            selection: &Selection::default(),
            hello: Some(doctor.hello()),
            trust: &carnet_core::trust::TrustStore::new(),
            unverified_hello_accepted: true,
            today: today(),
            now: instant(NOW + 901),
            lifetime: Duration::from_secs(60),
        },
    );
    assert!(matches!(
        err,
        Err(share::ShareFlowError::Share(ShareError::HelloExpired))
    ));
    assert_eq!(t.vault().audit_log().unwrap().len(), events);
}

#[test]
fn emergency_card_is_plain_text_small_and_checked() {
    let (t, family) = demo_vault(today());
    let text = share::emergency_card(t.vault(), &family.child.id, today()).unwrap();
    assert!(text.contains("ALLERGIES: Arachide !SEVERE!"), "{text}");
    assert!(text.contains("Groupe sanguin / Blood group: O+"));
    assert!(text.contains("CONTACT: Camille Martin"));
    // Doses exactly as recorded: a French decimal comma is not the end of the strength.
    assert!(text.contains("0,15 mg"), "{text}");
    let adult_card = share::emergency_card(t.vault(), &family.adult.id, today()).unwrap();
    assert!(adult_card.contains("Bisoprolol 2,5 mg"), "{adult_card}");
    assert!(!adult_card.contains("Bisoprolol 2;") && !adult_card.contains("Bisoprolol 2\n"));
    let matrix = QrMatrix::encode_text(&text, share::emergency::CARD_MAX_VERSION).unwrap();
    let parent_card = share::emergency_card(t.vault(), &family.parent.id, today()).unwrap();
    assert!(QrMatrix::encode_text(&parent_card, share::emergency::CARD_MAX_VERSION).is_ok());
    println!(
        "emergency card QR version {} for the child, {:?} for the parent",
        matrix.version,
        carnet_core::qr::render::version_for(&parent_card)
    );

    // Read back from the image as any camera would, then checked by Carnet.
    let scanned = carnet_core::qr::scan::read_image(&matrix.to_png(6))
        .unwrap()
        .remove(0);
    assert_eq!(scanned, text);
    let verified = share::emergency::verify(&scanned, today() + chrono::Days::new(40)).unwrap();
    assert_eq!(verified.made_on, today());
    assert_eq!(verified.age_days, 40);
    let edited = text.replace("Arachide", "Arachido");
    assert_eq!(
        share::emergency::verify(&edited, today()).unwrap_err(),
        ShareError::EmergencyCardDamaged
    );
}

#[test]
fn printable_page_is_self_contained_escaped_and_bilingual() {
    let mut summary = demo_summary();
    summary.allergies[0].item.substance = "<script>alert(1)</script> Latex".into();
    let opened = share::OpenedShare {
        pack: selection::build(&summary, &Selection::default()),
        mode: ShareMode::Open,
        expires_at: instant(NOW),
        proofs: vec![],
        comparison_code: None,
    };
    let fr = share::printable::render(
        &opened,
        today(),
        "18/11/2026 10:00",
        share::printable::Lang::Fr,
    );
    assert!(!fr.contains("<script"), "content must be escaped");
    assert!(fr.contains("&lt;script&gt;alert(1)&lt;/script&gt; Latex"));
    // No external asset or script: the only URL is the SVG namespace.
    for forbidden in ["https://", "src=", "<link", "@import", "url("] {
        assert!(!fr.contains(forbidden), "{forbidden}");
    }
    assert_eq!(
        fr.matches("http://").count(),
        fr.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    let allergies = fr.find("Allergies").unwrap();
    assert!(allergies < fr.find("Traitement en cours").unwrap());
    assert!(fr.contains("<svg class=\"trend\""));
    let en = share::printable::render(
        &opened,
        today(),
        "18/11/2026 10:00",
        share::printable::Lang::En,
    );
    assert!(en.contains("Current medications") && en.contains("Latest lab results"));
    // Each language's typography: "Synthèse de consultation : …", "Consultation summary: …".
    assert!(fr.contains("Synthèse de consultation : "), "French colon");
    assert!(!fr.contains("Synthèse de consultation: "));
    assert!(en.contains("Consultation summary: "));
}

#[test]
fn a_lab_from_fourteen_months_ago_looks_old() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            lab("2025-09-15", "TSH", 2.1, "mUI/L"),
        ))
        .unwrap();
    let summary = t.vault().summary(&p.id, today()).unwrap();
    let opened = share::OpenedShare {
        pack: selection::build(&summary, &Selection::default()),
        mode: ShareMode::Open,
        expires_at: instant(NOW),
        proofs: vec![],
        comparison_code: None,
    };
    let page = share::printable::render(&opened, today(), "", share::printable::Lang::En);
    assert!(page.contains("<tr class=\"old\">"), "old lab not marked");
    assert!(page.contains("14 mo"), "age missing");
}

fn vector_pack() -> ConsultationPack {
    ConsultationPack {
        as_of: Day::from_date(date("2026-11-18")),
        patient: PackPatient {
            name: "Camille Martin".into(),
            birth_date: Day::from_date(date("1966-03-14")),
            blood_group: Some("A+".into()),
            ins: None,
            emergency_contact: None,
        },
        allergies: vec![],
        conditions: vec![],
        medications: vec![PackMedication {
            name: "Bisoprolol".into(),
            strength: Some("2,5 mg".into()),
            instructions: "1 comprimé le matin".into(),
            prescribed_on: Day::from_date(date("2026-10-23")),
            ends_on: Day::from_date(date("2027-10-17")),
            prescriber: "Dr Karim Benali".into(),
            code: Some("ATC:C07AB07".into()),
            source: Source::PractitionerVerified,
            notes: None,
            proof: None,
            change: None,
        }],
        labs: vec![PackLab {
            analyte: "HbA1c".into(),
            loinc: Some("4548-4".into()),
            unit: Some("%".into()),
            latest: PackLabPoint {
                date: Day::from_date(date("2026-11-07")),
                value: "6.9".into(),
                abnormal: true,
            },
            previous: vec![PackLabPoint {
                date: Day::from_date(date("2026-05-22")),
                value: "7.4".into(),
                abnormal: true,
            }],
            reference_range: Some("4–6".into()),
            source: Source::Patient,
            proof: None,
        }],
        letters: vec![],
        changes_since: None,
        proofs: vec![],
        certificates: vec![],
        stopped: vec![],
        withheld: vec![],
        immunisations: None,
    }
}

/// The same pack with what pack version 1 gained under new keys: a dose change on the
/// bisoprolol (medication key 10) and a stopped medication (pack key 10).
fn history_pack() -> ConsultationPack {
    let mut pack = vector_pack();
    pack.medications[0].change = Some(PackChange {
        date: Day::from_date(date("2026-10-23")),
        from: "5 mg".into(),
        to: "2,5 mg".into(),
        by: "Dr Karim Benali (cardiologie)".into(),
    });
    pack.stopped = vec![PackStopped {
        name: "Oméprazole".into(),
        date: Day::from_date(date("2026-11-06")),
        by: "Dr Anne Leroy (médecine générale)".into(),
        reason: Some("8 semaines de traitement terminées".into()),
        source: Source::Patient,
    }];
    pack
}

fn history_vector_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pack-v1-with-history.cbor")
}

/// A reader written before key 10 existed: pack version 1's keys, nothing more.
#[derive(minicbor::Decode)]
#[cbor(map)]
struct PackBeforeHistory {
    #[n(0)]
    as_of: Day,
    #[n(4)]
    medications: Vec<MedicationBeforeHistory>,
    #[n(5)]
    labs: Vec<LabBeforeHistory>,
}

#[derive(minicbor::Decode)]
#[cbor(map)]
struct LabBeforeHistory {
    #[n(0)]
    analyte: String,
}

#[derive(minicbor::Decode)]
#[cbor(map)]
struct MedicationBeforeHistory {
    #[n(0)]
    name: String,
    #[n(1)]
    strength: Option<String>,
    #[n(9)]
    proof: Option<u16>,
}

#[test]
fn a_pack_with_a_dose_change_and_a_stop_still_reads_as_version_1() {
    let frozen = std::fs::read(history_vector_path()).unwrap();
    assert_eq!(
        carnet_core::share::pack::decode(&frozen).unwrap(),
        history_pack()
    );
    assert_eq!(
        carnet_core::share::pack::encode_v1(&history_pack()),
        frozen,
        "the writer changed"
    );
    // An older reader skips the keys it does not know and reads the rest.
    let old: PackBeforeHistory = minicbor::decode(&frozen).unwrap();
    assert_eq!(old.as_of, Day::from_date(date("2026-11-18")));
    assert_eq!(old.medications[0].name, "Bisoprolol");
    assert_eq!(old.medications[0].strength.as_deref(), Some("2,5 mg"));
    assert_eq!(old.medications[0].proof, None);
    assert_eq!(old.labs[0].analyte, "HbA1c");
    // And the pack without them is byte for byte what version 1 wrote.
    assert!(carnet_core::share::pack::encode_v1(&vector_pack()).len() < frozen.len());
}

#[test]
fn a_stop_the_sender_calls_verified_reads_as_the_patients_word() {
    let mut pack = history_pack();
    pack.stopped[0].source = Source::PractitionerVerified;
    let doctor = DoctorSession::from_secret(VECTOR_DOCTOR_SECRET, instant(VECTOR_HELLO_EXPIRY));
    let sealed = seal::seal(&pack, Some(doctor.hello()), instant(VECTOR_SHARE_EXPIRY)).unwrap();
    let opened = read(
        &[text::encode(CodeKind::Share, &sealed)],
        vec![doctor],
        instant(VECTOR_SHARE_EXPIRY - 1),
    )
    .unwrap();
    assert_eq!(opened.pack.stopped[0].source, Source::Patient);
    assert_eq!(opened.pack.stopped[0].name, "Oméprazole");
    assert_eq!(
        opened.pack.medications[0]
            .change
            .as_ref()
            .map(|c| c.from.as_str()),
        Some("5 mg")
    );
}

/// The history pack with the vaccinations (pack key 12) and a section left out (key 11), as a
/// child's share carries them.
fn immunisation_pack() -> ConsultationPack {
    let mut pack = history_pack();
    pack.immunisations = Some(vec![
        PackImmunisation {
            vaccine: "ROR (rougeole, oreillons, rubéole)".into(),
            code: Some("ATC:J07BD52".into()),
            date: Day::from_date(date("2020-05-06")),
            dose: Some("dose 1".into()),
            lot: Some("R0R1193".into()),
            source: Source::Patient,
            proof: None,
        },
        PackImmunisation {
            vaccine: "Méningocoque C".into(),
            code: None,
            date: Day::from_date(date("2019-10-02")),
            dose: None,
            lot: None,
            source: Source::File,
            proof: None,
        },
    ]);
    pack.withheld = vec!["conditions".into()];
    pack
}

fn immunisation_vector_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pack-v1-with-immunisations.cbor")
}

#[test]
fn a_pack_with_vaccinations_still_reads_as_version_1() {
    let frozen = std::fs::read(immunisation_vector_path()).unwrap();
    let pack = carnet_core::share::pack::decode(&frozen).unwrap();
    assert_eq!(pack, immunisation_pack());
    assert_eq!(pack.immunisations().len(), 2);
    assert_eq!(pack.item_count(), 4);
    assert_eq!(
        carnet_core::share::pack::encode_v1(&immunisation_pack()),
        frozen,
        "the writer changed"
    );
    let old: PackBeforeHistory = minicbor::decode(&frozen).unwrap();
    assert_eq!(old.medications[0].name, "Bisoprolol");
    // A pack written before key 12 says nothing of vaccinations, which is not "none".
    let before =
        carnet_core::share::pack::decode(&std::fs::read(history_vector_path()).unwrap()).unwrap();
    assert_eq!(before.immunisations, None);
    assert!(before.immunisations().is_empty());
}

fn pack_v2_vector_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pack-v2.cbor")
}

/// Version 2's frozen vector: the pack with a change, a stop, vaccinations and a section left
/// out, through the codebook. Every later version must read it to this pack.
#[test]
fn pack_version_2_test_vector_still_reads() {
    let frozen = std::fs::read(pack_v2_vector_path()).unwrap();
    assert_eq!(frozen.first(), Some(&0x91), "an array of 17: version 2");
    assert_eq!(
        carnet_core::share::pack::decode(&frozen).unwrap(),
        immunisation_pack()
    );
    // This writer still writes it; a deliberate change of the writer updates only this half.
    assert_eq!(
        carnet_core::share::pack::encode(&immunisation_pack()),
        frozen,
        "the writer changed"
    );
    // Smaller than version 1 for the same pack.
    let v1 = std::fs::read(immunisation_vector_path()).unwrap();
    assert!(frozen.len() < v1.len(), "{} vs {}", frozen.len(), v1.len());
}

#[test]
#[ignore = "writes the frozen pack vector; run once by hand"]
fn write_pack_v2_vector() {
    std::fs::write(
        pack_v2_vector_path(),
        carnet_core::share::pack::encode(&immunisation_pack()),
    )
    .unwrap();
}

#[test]
#[ignore = "writes the frozen pack vector; run once by hand"]
fn write_pack_v1_with_immunisations_vector() {
    std::fs::write(
        immunisation_vector_path(),
        carnet_core::share::pack::encode_v1(&immunisation_pack()),
    )
    .unwrap();
}

#[test]
#[ignore = "writes the frozen pack vector; run once by hand"]
fn write_pack_v1_with_history_vector() {
    std::fs::write(
        history_vector_path(),
        carnet_core::share::pack::encode_v1(&history_pack()),
    )
    .unwrap();
}

const VECTOR_DOCTOR_SECRET: [u8; 32] = [0x11; 32];
const VECTOR_EPHEMERAL: [u8; 32] = [0x22; 32];
const VECTOR_HELLO_EXPIRY: u64 = 1_795_000_900;
const VECTOR_SHARE_EXPIRY: u64 = 1_795_001_800;

fn vector_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/share-v1-to-hello.txt")
}

/// The frozen vector: whatever the writer becomes, this text must open to this pack.
#[test]
fn share_v1_test_vector_still_reads() {
    let text = std::fs::read_to_string(vector_path()).unwrap();
    let doctor = DoctorSession::from_secret(VECTOR_DOCTOR_SECRET, instant(VECTOR_HELLO_EXPIRY));
    let opened = read(
        &[text.trim().to_owned()],
        vec![doctor],
        instant(VECTOR_SHARE_EXPIRY - 1),
    )
    .unwrap();
    // Written before shares carried proofs, its sender's "verified" on the bisoprolol has
    // nothing behind it: the doctor's device reads it as the patient's word.
    let mut as_read = vector_pack();
    as_read.medications[0].source = Source::Patient;
    assert_eq!(opened.pack, as_read);
    assert!(opened.proofs.is_empty());
    assert_eq!(opened.expires_at, instant(VECTOR_SHARE_EXPIRY));
}

fn vector_v2_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/share-v1-pack-v2-to-hello.txt")
}

/// The same share as written since pack version 2 (the vector above holds a version-1 pack):
/// it opens to the same pack, and the current writer produces it byte for byte. If the writer
/// is deliberately changed (a new dictionary, a new version), add a vector; never edit one.
#[test]
fn share_with_pack_v2_test_vector_still_reads_and_is_still_written() {
    let text = std::fs::read_to_string(vector_v2_path()).unwrap();
    let old = std::fs::read_to_string(vector_path()).unwrap();
    assert!(text.len() < old.len(), "{} vs {}", text.len(), old.len());
    let doctor = DoctorSession::from_secret(VECTOR_DOCTOR_SECRET, instant(VECTOR_HELLO_EXPIRY));
    let opened = read(
        &[text.trim().to_owned()],
        vec![doctor],
        instant(VECTOR_SHARE_EXPIRY - 1),
    )
    .unwrap();
    let mut as_read = vector_pack();
    as_read.medications[0].source = Source::Patient;
    assert_eq!(opened.pack, as_read);
    assert_eq!(sealed_vector(), text.trim());
}

fn sealed_vector() -> String {
    let doctor = DoctorSession::from_secret(VECTOR_DOCTOR_SECRET, instant(VECTOR_HELLO_EXPIRY));
    let sealed = seal::seal_with(
        &vector_pack(),
        Some(doctor.hello()),
        instant(VECTOR_SHARE_EXPIRY),
        SealSecret::Ephemeral(VECTOR_EPHEMERAL),
    )
    .unwrap();
    text::encode(CodeKind::Share, &sealed)
}

#[test]
#[ignore = "writes the frozen test vector; run once by hand"]
fn write_share_with_pack_v2_test_vector() {
    std::fs::write(vector_v2_path(), sealed_vector() + "\n").unwrap();
}

#[test]
fn the_childs_share_carries_her_vaccinations_and_an_adults_leaves_them_out() {
    let (t, family) = demo_vault(today());
    let child = t.vault().summary(&family.child.id, today()).unwrap();
    let open = |pack: ConsultationPack| share::OpenedShare {
        pack,
        mode: ShareMode::Open,
        expires_at: instant(NOW),
        proofs: vec![],
        comparison_code: None,
    };
    let pack = share::pack::decode(&share::pack::encode(&selection::build(
        &child,
        &Selection::default(),
    )))
    .unwrap();
    let vaccines: Vec<(&str, Option<&str>)> = pack
        .immunisations()
        .iter()
        .map(|v| (v.vaccine.as_str(), v.dose.as_deref()))
        .collect();
    assert_eq!(vaccines.len(), 7);
    assert_eq!(vaccines[0], ("Hexavalent DTCaP-Hib-HepB", Some("dose 1")));
    assert!(vaccines.contains(&("ROR (rougeole, oreillons, rubéole)", Some("dose 2"))));
    let page = share::printable::render(&open(pack), today(), "", share::printable::Lang::Fr);
    assert!(page.contains("<h2>Vaccinations</h2>") && page.contains("R0R1207"));

    // Left out by the parent: the doctor reads "not shared", not "none".
    let out = Selection {
        immunisations: Some(false),
        ..Selection::default()
    };
    let pack = selection::build(&child, &out);
    assert_eq!(pack.immunisations, Some(vec![]));
    let page = share::printable::render(&open(pack), today(), "", share::printable::Lang::En);
    assert!(page.contains("<h2>Vaccinations</h2><p class=\"withheld\">not shared by the patient"));

    // An adult's stay out unless she puts them in; with none recorded, the page says so.
    let adult = t.vault().summary(&family.adult.id, today()).unwrap();
    assert!(!adult.is_child() && child.is_child());
    let page = share::printable::render(
        &open(selection::build(&adult, &Selection::default())),
        today(),
        "",
        share::printable::Lang::En,
    );
    assert!(page.contains("<h2>Vaccinations</h2><p>none recorded"));
}

#[test]
fn a_share_typed_by_a_scanner_on_the_wrong_layout_or_seen_by_a_camera_still_reads() {
    let (t, family) = demo_vault(today());
    let summary = t.vault().summary(&family.child.id, today()).unwrap();
    let doctor = session(NOW, 15 * 60);
    let hello = share::Hello::parse(&doctor.hello().to_text(), instant(NOW)).unwrap();
    let prepared = share::prepare(
        &summary,
        &Selection::default(),
        &share::SignedRecords::none(),
        Some(&hello),
        instant(NOW + HOUR),
    )
    .unwrap();
    assert_eq!(prepared.codes.len(), 1);
    let code = &prepared.codes[0];
    let reader = || {
        ReaderSession::new(
            vec![DoctorSession::from_secret(
                *doctor.secret_bytes(),
                doctor.hello().expires_at,
            )],
            carnet_core::trust::TrustStore::new(),
        )
    };
    // A US-layout scanner on AZERTY: digits from the row of accents, A and Q swapped...
    let us = "1234567890AQZWM$%*-./:";
    let azerty = "&é\"'(-è_çàQAWZ?458):!M";
    let typed: String = code
        .chars()
        .map(|c| us.find(c).map_or(c, |i| azerty.chars().nth(i).unwrap()))
        .collect();
    assert!(typed.starts_with("CS&M"));
    for text in [code.clone(), typed.clone(), format!("{typed}\r\n")] {
        let mut r = reader();
        assert!(r.push_typed(&text, instant(NOW + 60)).unwrap().complete);
        assert_eq!(r.result().unwrap().pack.patient.name, "Léa Martin");
    }
    // Garbage stays refused as what it is, before and after the repair.
    assert_eq!(
        reader()
            .push_typed("&é\"'(", instant(NOW + 60))
            .unwrap_err(),
        ShareError::Code(QrError::NotACarnetCode)
    );
    // A camera frame: the code drawn as grey bytes.
    let matrix = QrMatrix::encode(code, 40).unwrap();
    let png = image::load_from_memory(&matrix.to_png(6))
        .unwrap()
        .into_luma8();
    let (w, h) = png.dimensions();
    let mut r = reader();
    assert!(
        r.push_frame(w, h, png.into_raw(), instant(NOW + 60))
            .unwrap()
            .complete
    );
    assert_eq!(
        reader()
            .push_frame(64, 64, vec![255; 64 * 64], instant(NOW + 60))
            .unwrap_err(),
        ShareError::Code(QrError::NoCodeInImage)
    );
    assert_eq!(
        reader()
            .push_frame(64, 64, vec![255; 10], instant(NOW + 60))
            .unwrap_err(),
        ShareError::Code(QrError::BadImage)
    );
}
