//! "Verified" is what the doctor's device checks, not what the patient's phone says: a share
//! carries the proofs of the cardiologist's signed records, the reader verifies them against
//! its own trust store, and anything else reads as the patient's word. A hello that does not
//! verify is sealed to only by the patient's explicit choice, and a relay shows as two
//! different comparison codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_core::qr::text::{self, CodeKind};
use carnet_core::share::pack::Source;
use carnet_core::share::{
    self, DoctorSession, OpenedShare, ProofOutcome, ReaderSession, Selection, ShareError,
    ShareFlowError, ShareRequest, SignedRecords, seal, selection,
};
use carnet_core::trust::{self, Patient, TrustStore, UnverifiedPolicy, sign_record};
use carnet_core::vault::AuditAction;
use carnet_tests::pki::Chain;
use carnet_tests::*;
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

struct Consultation {
    t: TestVault,
    family: carnet_core::demo::DemoFamily,
    chain: Chain,
    now: DateTime<Utc>,
}

/// The demo family, with the cardiologist's prescription and letter imported signed into
/// Camille's vault, on the real clock (the vault dates records by it).
fn consultation() -> Consultation {
    let now = carnet_core::time::now();
    let today = now.date_naive();
    let (t, family) = demo_vault(today);
    let chain = Chain::around_today();
    for body in carnet_core::demo::cardiology_visit(today) {
        let signed = sign_record(
            &body,
            &Patient::of(&family.adult),
            &chain.signer(),
            now - TimeDelta::hours(1),
        )
        .unwrap();
        trust::import_signed(
            t.vault(),
            &family.adult.id,
            &signed,
            &chain.store(),
            now,
            UnverifiedPolicy::Reject,
        )
        .unwrap();
    }
    Consultation {
        t,
        family,
        chain,
        now,
    }
}

impl Consultation {
    fn share(&self, doctor: &DoctorSession, selection: &Selection) -> share::PreparedShare {
        share::share_profile(
            self.t.vault(),
            &ShareRequest {
                profile: self.family.adult.id,
                selection,
                hello: Some(doctor.hello()),
                trust: &self.chain.store(),
                unverified_hello_accepted: true,
                today: self.now.date_naive(),
                now: self.now,
                lifetime: Duration::from_secs(900),
            },
        )
        .unwrap()
    }

    fn read(&self, codes: &[String], doctor: DoctorSession, store: TrustStore) -> OpenedShare {
        let mut reader = ReaderSession::new(vec![doctor], store);
        for code in codes {
            if reader.push_text(code, self.now).unwrap().complete {
                break;
            }
        }
        reader.into_result().unwrap()
    }

    fn doctor(&self) -> DoctorSession {
        DoctorSession::new(self.now, Duration::from_secs(900)).unwrap()
    }
}

fn bisoprolol(share: &OpenedShare) -> Source {
    share
        .pack
        .medications
        .iter()
        .find(|m| m.name == "Bisoprolol")
        .unwrap()
        .source
}

fn letter(share: &OpenedShare) -> Source {
    share
        .pack
        .letters
        .iter()
        .find(|l| l.author == "Dr Karim Benali")
        .unwrap()
        .source
}

#[test]
fn the_doctors_device_verifies_the_cardiologists_records_itself() {
    let c = consultation();
    let selection = Selection {
        letter_text: true,
        ..Default::default()
    };
    let doctor = c.doctor();
    let prepared = c.share(&doctor, &selection);
    assert_eq!(prepared.proved_items, 2, "the dose change and the letter");

    // A GP whose device trusts the same authorities: verified here.
    let opened = c.read(&prepared.codes, doctor, c.chain.store());
    assert_eq!(bisoprolol(&opened), Source::PractitionerVerified);
    assert_eq!(letter(&opened), Source::PractitionerVerified);
    assert_eq!(opened.proofs.len(), 2);
    for check in &opened.proofs {
        assert_eq!(check.outcome, ProofOutcome::VerifiedHere, "{check:?}");
        assert!(
            check
                .signer
                .starts_with("Karim Benali, Médecin, RPPS 10101234564")
        );
    }
    // What Camille typed herself stays hers.
    assert!(
        opened
            .pack
            .medications
            .iter()
            .filter(|m| m.name != "Bisoprolol")
            .all(|m| m.source == Source::Patient)
    );

    // A GP whose device does not know the authority: signed, not verifiable here.
    let doctor = c.doctor();
    let prepared = c.share(&doctor, &selection);
    let stranger = c.read(&prepared.codes, doctor, TrustStore::new());
    assert_eq!(bisoprolol(&stranger), Source::PractitionerUnverified);
    assert_eq!(letter(&stranger), Source::PractitionerUnverified);
    assert!(
        stranger
            .proofs
            .iter()
            .all(|p| p.outcome == ProofOutcome::NotVerifiableHere)
    );

    // The printable page says so, in the doctor's language.
    // The printable page says so, in the doctor's language: on the two items, and in the
    // list of signatures with who signed and which authority vouched for them.
    let page = share::printable::render(&opened, c.now.date_naive(), "", Default::default());
    assert_eq!(page.matches("vérifié sur ce poste").count(), 4);
    assert!(page.contains(
        "vérifié sur ce poste</span> Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"
    ));
    let page = share::printable::render(&stranger, c.now.date_naive(), "", Default::default());
    assert_eq!(page.matches("non vérifiable sur ce poste").count(), 4);
    assert!(!page.contains("src-verified\""));
}

/// The share as a modified app would make it: the pack built by hand, sealed to the doctor.
fn modified_share(
    c: &Consultation,
    doctor: &DoctorSession,
    edit: impl FnOnce(&mut share::ConsultationPack, &mut PatientSummary),
) -> Vec<String> {
    let mut summary =
        c.t.vault()
            .summary(&c.family.adult.id, c.now.date_naive())
            .unwrap();
    let signed: Vec<(RecordId, Vec<u8>)> =
        c.t.vault()
            .records(Some(&c.family.adult.id), None)
            .unwrap()
            .into_iter()
            .filter_map(|r| {
                let a = r
                    .attachments
                    .iter()
                    .find(|a| a.file_name == SIGNATURE_ATTACHMENT)?;
                let mut bytes = Vec::new();
                c.t.vault().read_attachment(&a.id, &mut bytes).unwrap();
                Some((r.id, bytes))
            })
            .collect();
    let signed = SignedRecords::new(signed, &c.chain.store());
    let mut pack = selection::build_proved(&summary, &Selection::default(), &signed);
    edit(&mut pack, &mut summary);
    let sealed = seal::seal(&pack, Some(doctor.hello()), c.now + TimeDelta::minutes(15)).unwrap();
    carnet_core::qr::codes_for(CodeKind::Share, &sealed)
        .unwrap()
        .texts
}

#[test]
fn a_self_typed_item_marked_verified_reads_as_the_patients() {
    let c = consultation();
    let doctor = c.doctor();
    let codes = modified_share(&c, &doctor, |pack, _| {
        for m in &mut pack.medications {
            m.source = Source::PractitionerVerified;
        }
        for a in &mut pack.allergies {
            a.source = Source::PractitionerVerified;
        }
    });
    let opened = c.read(&codes, doctor, c.chain.store());
    assert_eq!(bisoprolol(&opened), Source::PractitionerVerified);
    let claimed: Vec<_> = opened
        .pack
        .medications
        .iter()
        .filter(|m| m.name != "Bisoprolol")
        .map(|m| m.source)
        .chain(opened.pack.allergies.iter().map(|a| a.source))
        .collect();
    assert!(!claimed.is_empty());
    assert!(claimed.iter().all(|s| *s == Source::Patient), "{claimed:?}");
}

#[test]
fn a_signed_line_whose_dose_was_changed_reads_as_the_patients() {
    let c = consultation();
    let doctor = c.doctor();
    let codes = modified_share(&c, &doctor, |pack, _| {
        let m = pack
            .medications
            .iter_mut()
            .find(|m| m.name == "Bisoprolol")
            .unwrap();
        assert!(m.proof.is_some());
        m.strength = Some("10 mg, comprimé".into());
    });
    let opened = c.read(&codes, doctor, c.chain.store());
    assert_eq!(bisoprolol(&opened), Source::Patient);
    // The letter's proof, untouched, still holds.
    assert_eq!(letter(&opened), Source::PractitionerVerified);
}

#[test]
fn another_patients_signed_record_in_this_share_reads_as_the_patients() {
    let c = consultation();
    let doctor = c.doctor();
    // Camille shows her share under her father's name: the cardiologist signed for her.
    let codes = modified_share(&c, &doctor, |pack, _| {
        pack.patient.name = c.family.parent.display_name.clone();
        pack.patient.birth_date = share::pack::Day::from_date(c.family.parent.birth_date);
    });
    let opened = c.read(&codes, doctor, c.chain.store());
    assert_eq!(bisoprolol(&opened), Source::Patient);
    assert!(
        opened
            .proofs
            .iter()
            .all(|p| p.outcome == ProofOutcome::DoesNotHold
                && p.reason.as_deref() == Some("signed for another patient than this share's"))
    );
}

#[test]
fn a_proof_with_a_flipped_byte_proves_nothing() {
    let c = consultation();
    for field in 0..3 {
        let doctor = c.doctor();
        let codes = modified_share(&c, &doctor, |pack, _| {
            let proof = &mut pack.proofs[0];
            let bytes = match field {
                0 => &mut proof.signed,
                1 => &mut proof.signature,
                _ => &mut proof.parts[0].bytes,
            };
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
        });
        let opened = c.read(&codes, doctor, c.chain.store());
        assert_eq!(opened.proofs[0].outcome, ProofOutcome::DoesNotHold);
    }
}

#[test]
fn an_unverified_hello_needs_the_patients_choice_before_anything_is_sealed() {
    let c = consultation();
    let anonymous = c.doctor();
    let events = c.t.vault().audit_log().unwrap().len();
    let request = ShareRequest {
        profile: c.family.adult.id,
        selection: &Selection::default(),
        hello: Some(anonymous.hello()),
        trust: &c.chain.store(),
        unverified_hello_accepted: false,
        today: c.now.date_naive(),
        now: c.now,
        lifetime: Duration::from_secs(900),
    };
    let err = share::share_profile(c.t.vault(), &request).unwrap_err();
    assert!(matches!(
        err,
        ShareFlowError::Share(ShareError::UnverifiedHello)
    ));
    assert_eq!(
        c.t.vault().audit_log().unwrap().len(),
        events,
        "nothing shared"
    );

    // A hello signed by a practitioner the store verifies needs no such choice.
    let mut gp = c.doctor();
    gp.sign_hello(&c.chain.signer()).unwrap();
    let prepared = share::share_profile(
        c.t.vault(),
        &ShareRequest {
            hello: Some(gp.hello()),
            ..request
        },
    )
    .unwrap();
    assert!(matches!(
        prepared.recipient,
        Some(share::Recipient::Verified(_))
    ));
    // The audit log keeps the key that signed the hello, for the receipt to match.
    match c.t.vault().audit_log().unwrap().pop().unwrap().action {
        AuditAction::Shared { hello_signer, .. } => {
            assert_eq!(hello_signer, gp.hello().signing_key_fingerprint());
            assert!(hello_signer.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_relayed_share_shows_two_different_comparison_codes() {
    let c = consultation();
    let doctor = c.doctor();
    // Direct: both screens show the same code.
    let prepared = c.share(&doctor, &Selection::default());
    let code = prepared.comparison_code.clone().unwrap();
    assert_eq!(code.len(), 9, "8 digits in two groups: {code}");
    let opened = c.read(&prepared.codes, doctor, c.chain.store());
    assert_eq!(opened.comparison_code.as_deref(), Some(code.as_str()));

    // Relayed: the patient scanned the attacker's hello; the attacker reads the share and
    // seals it again to the doctor's.
    let attacker = c.doctor();
    let doctor = c.doctor();
    let to_attacker = c.share(&attacker, &Selection::default());
    let read_by_attacker = c.read(&to_attacker.codes, attacker, TrustStore::new());
    let resealed = seal::seal(
        &read_by_attacker.pack,
        Some(doctor.hello()),
        c.now + TimeDelta::minutes(15),
    )
    .unwrap();
    let opened = c.read(
        &[text::encode(CodeKind::Share, &resealed)],
        doctor,
        c.chain.store(),
    );
    assert_ne!(opened.comparison_code, to_attacker.comparison_code);
    assert!(opened.comparison_code.is_some());
}

/// What the proofs cost in QR size, measured on the demo adult: printed for the issue's
/// closing note; the assertions are the behaviour, not the size.
#[test]
fn what_the_proofs_cost_in_qr_size() {
    let c = consultation();
    let summary =
        c.t.vault()
            .summary(&c.family.adult.id, c.now.date_naive())
            .unwrap();
    let doctor = c.doctor();
    let expires = c.now + TimeDelta::minutes(15);
    let without = share::prepare(
        &summary,
        &Selection::default(),
        &SignedRecords::none(),
        Some(doctor.hello()),
        expires,
    )
    .unwrap();
    let with = c.share(&doctor, &Selection::default());
    // The patient's trust store holds the intermediate: it travels as a digest.
    let mut root_only = TrustStore::new();
    root_only.add(c.chain.root.pem.as_bytes()).unwrap();
    let whole_chain = share::share_profile(
        c.t.vault(),
        &ShareRequest {
            profile: c.family.adult.id,
            selection: &Selection::default(),
            hello: Some(doctor.hello()),
            trust: &root_only,
            unverified_hello_accepted: true,
            today: c.now.date_naive(),
            now: c.now,
            lifetime: Duration::from_secs(900),
        },
    )
    .unwrap();
    let describe = |p: &share::PreparedShare| match p.version {
        Some(v) => format!("{} bytes sealed, one code of version {v}", p.sealed_len),
        None => format!("{} bytes sealed, {} frames", p.sealed_len, p.codes.len()),
    };
    println!(
        "demo adult, default selection: without proofs {}; with the 2 proofs (intermediate by digest) {}; with the whole chain {}; the practitioner's certificate is {} bytes, the intermediate {}",
        describe(&without),
        describe(&with),
        describe(&whole_chain),
        c.chain.leaf.der.len(),
        c.chain.inter.der.len()
    );
    assert!(with.sealed_len > without.sealed_len);
    assert!(whole_chain.sealed_len > with.sealed_len);
    // The intermediate by reference: a reader who holds it verifies; one who holds only the
    // root cannot rebuild the chain and says so.
    let opened = c.read(&with.codes, doctor, c.chain.store());
    assert_eq!(bisoprolol(&opened), Source::PractitionerVerified);
    let doctor = c.doctor();
    let with = c.share(&doctor, &Selection::default());
    let opened = c.read(&with.codes, doctor, root_only.clone());
    assert_eq!(bisoprolol(&opened), Source::PractitionerUnverified);
}

#[test]
fn the_gp_saves_what_they_read_as_a_valid_ips_with_what_their_device_verified() {
    let c = consultation();
    let selection = Selection {
        letter_text: true,
        ..Default::default()
    };
    let doctor = c.doctor();
    let prepared = c.share(&doctor, &selection);
    let opened = c.read(&prepared.codes, doctor, c.chain.store());
    let doc = carnet_core::fhir::export_share(&opened, c.now);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("received.json");
    std::fs::write(&path, &doc).unwrap();
    let (valid, said) = validate_ips(std::slice::from_ref(&path));
    assert!(
        valid,
        "the validator refused the received share's export:\n{said}"
    );

    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let resources: Vec<&serde_json::Value> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let url_of = |pred: &dyn Fn(&serde_json::Value) -> bool| -> String {
        doc["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| pred(&e["resource"]))
            .map(|e| e["fullUrl"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let bisoprolol = url_of(&|r| r["medicationCodeableConcept"]["text"] == "Bisoprolol");
    let verified = resources
        .iter()
        .find(|r| r["activity"]["coding"][0]["code"] == "practitioner-verified")
        .expect("a Provenance for what the GP's device verified");
    let targets: Vec<&str> = verified["target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reference"].as_str().unwrap())
        .collect();
    assert!(targets.contains(&bisoprolol.as_str()));
    assert_eq!(
        targets.len(),
        2,
        "the dose change and the letter, nothing else"
    );
    // The signer is a Practitioner with the RPPS of the verified certificate.
    let who = verified["agent"][0]["who"]["reference"].as_str().unwrap();
    let signer =
        url_of(&|r| r["resourceType"] == "Practitioner" && r["name"][0]["text"] == "Karim Benali");
    assert_eq!(who, signer);
    assert!(
        resources.iter().any(|r| r["resourceType"] == "Practitioner"
            && r["identifier"][0]["value"] == "810101234564")
    );

    // A GP whose device cannot verify the signature exports it as NOT verified.
    let doctor = c.doctor();
    let prepared = c.share(&doctor, &selection);
    let stranger = c.read(&prepared.codes, doctor, TrustStore::new());
    let doc = carnet_core::fhir::export_share(&stranger, c.now);
    assert!(!doc.contains("practitioner-verified"));
    assert!(doc.contains("practitioner-unverified"));
}
