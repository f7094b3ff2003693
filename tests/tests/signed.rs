//! Signed write-back: a cardiologist signs a prescription, the patient's vault stores it as
//! verified; modified, expired-at-signing, wrong-key and unknown-anchor records are caught.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_core::trust::{
    self, ChainError, Patient, SignedImportError, SignedRecordError, SoftwareSigner, TrustStore,
    UnverifiedPolicy, sign_record,
};
use carnet_tests::pki::{self, at};
use carnet_tests::*;

type Pki = pki::Chain;

fn pki() -> Pki {
    Pki::new()
}

/// The cardiologist's own prescription: he signs what he prescribed.
fn dose_change() -> RecordBody {
    cardiologist_prescription("2,5 mg")
}

fn cardiologist_prescription(strength: &str) -> RecordBody {
    let RecordBody::Prescription(mut p) = prescription("2026-10-23", "Bisoprolol", strength) else {
        unreachable!()
    };
    p.prescriber = Prescriber {
        name: "Dr Karim Benali".into(),
        specialty: Some("cardiologie".into()),
        rpps: Rpps::parse("10101234564").ok(),
    };
    RecordBody::Prescription(p)
}

/// The patient of `adult()`, as the cardiologist's device knows her.
fn camille() -> Patient {
    Patient {
        name: "MARTIN Camille".into(),
        birth_date: date("1968-04-12"),
        ins: None,
    }
}

fn sign(body: &RecordBody, signer: &SoftwareSigner, at: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    sign_record(body, &camille(), signer, at).unwrap()
}

const SIGNED_AT: (i32, u8, u8) = (2026, 10, 23);

fn signed_at() -> chrono::DateTime<chrono::Utc> {
    at(SIGNED_AT.0, SIGNED_AT.1, SIGNED_AT.2)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    at(2026, 11, 18)
}

#[test]
fn a_signed_prescription_is_stored_as_verified() {
    let p = pki();
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let record = trust::import_signed(
        t.vault(),
        &profile.id,
        &bytes,
        &p.store(),
        now(),
        UnverifiedPolicy::Reject,
    )
    .unwrap();
    assert_eq!(record.body, dose_change());
    match &record.provenance {
        Provenance::Practitioner {
            name,
            rpps,
            trust_anchor,
            verified,
            ..
        } => {
            assert!(*verified);
            assert_eq!(name, "Karim Benali");
            assert_eq!(rpps.as_ref().map(|r| r.as_str()), Some("10101234564"));
            assert_eq!(trust_anchor.as_deref(), Some("AC RACINE IGC-SANTE TEST"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        record.provenance.label(),
        "signed by practitioner, verified"
    );
    assert_eq!(
        record.attachments.len(),
        1,
        "the signature is kept for later checks"
    );
    // The summary carries the provenance to the doctor.
    let summary = t.vault().summary(&profile.id, date("2026-11-18")).unwrap();
    assert!(matches!(
        summary.current_medications[0].provenance,
        Provenance::Practitioner { verified: true, .. }
    ));
}

#[test]
fn any_change_after_signing_is_detected() {
    let p = pki();
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    let store = p.store();
    // The dose changed in transit.
    let at_dose = bytes.windows(3).position(|w| w == b"2,5").unwrap();
    let mut changed = bytes.clone();
    changed[at_dose] = b'5';
    assert_eq!(
        trust::verify_record(&changed, &store, now()).unwrap_err(),
        SignedRecordError::BadSignature
    );
    // Any byte of the signed part or of the signature.
    for i in 2..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        assert!(
            trust::verify_record(&bad, &store, now()).is_err(),
            "byte {i} accepted"
        );
    }
    assert!(trust::verify_record(&bytes, &store, now()).is_ok());
}

#[test]
fn a_certificate_expired_before_the_signing_time_is_refused() {
    let p = pki();
    let late = sign(&dose_change(), &p.signer(), at(2028, 6, 1));
    let err = trust::verify_record(&late, &p.store(), at(2028, 6, 2)).unwrap_err();
    assert_eq!(
        err,
        SignedRecordError::Chain(ChainError::Expired { position: 0 })
    );
    // Signed while valid, read after expiry: still good.
    let early = sign(&dose_change(), &p.signer(), signed_at());
    assert!(trust::verify_record(&early, &p.store(), at(2029, 1, 1)).is_ok());
    // Signed "in the future" is refused.
    assert_eq!(
        trust::verify_record(
            &early,
            &p.store(),
            signed_at() - chrono::TimeDelta::hours(1)
        )
        .unwrap_err(),
        SignedRecordError::SignedInTheFuture
    );
}

#[test]
fn a_signature_by_a_key_that_is_not_the_certificates_is_refused() {
    let p = pki();
    let other = pki::leaf(&p.inter);
    let impostor = SoftwareSigner::new(
        &other.key_der,
        vec![p.leaf.der.clone(), p.inter.der.clone()],
    )
    .unwrap();
    let bytes = sign(&dose_change(), &impostor, signed_at());
    assert_eq!(
        trust::verify_record(&bytes, &p.store(), now()).unwrap_err(),
        SignedRecordError::BadSignature
    );
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let err = trust::import_signed(
        t.vault(),
        &profile.id,
        &bytes,
        &p.store(),
        now(),
        UnverifiedPolicy::StoreUnverified,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SignedImportError::Signed(SignedRecordError::BadSignature)
        ),
        "never stored, even as unverified"
    );
    assert!(t.vault().records(None, None).unwrap().is_empty());
}

#[test]
fn an_unknown_anchor_follows_the_patients_policy_and_can_be_verified_later() {
    let p = pki();
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let empty = TrustStore::new();
    let err = trust::import_signed(
        t.vault(),
        &profile.id,
        &bytes,
        &empty,
        now(),
        UnverifiedPolicy::Reject,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SignedImportError::Unverified(SignedRecordError::Chain(
                ChainError::UnknownIssuer { .. }
            ))
        ),
        "{err:?}"
    );
    assert!(t.vault().records(None, None).unwrap().is_empty());

    let stored = trust::import_signed(
        t.vault(),
        &profile.id,
        &bytes,
        &empty,
        now(),
        UnverifiedPolicy::StoreUnverified,
    )
    .unwrap();
    assert!(matches!(
        stored.provenance,
        Provenance::Practitioner {
            verified: false,
            ..
        }
    ));
    assert_eq!(stored.provenance.label(), "from practitioner, NOT verified");

    // The patient adds the anchor; checking again makes it verified.
    let again = trust::reverify(t.vault(), &stored.id, &p.store(), now()).unwrap();
    assert!(matches!(
        again.provenance,
        Provenance::Practitioner { verified: true, .. }
    ));

    // Edited by the patient afterwards: no longer what was signed.
    t.vault()
        .update_record(&stored.id, cardiologist_prescription("5 mg"))
        .unwrap();
    let edited = trust::reverify(t.vault(), &stored.id, &p.store(), now()).unwrap();
    assert!(matches!(
        edited.provenance,
        Provenance::Practitioner {
            verified: false,
            ..
        }
    ));
}

#[test]
fn garbage_is_a_typed_error() {
    let store = pki().store();
    assert_eq!(
        trust::verify_record(b"", &store, now()).unwrap_err(),
        SignedRecordError::NotASignedRecord
    );
    assert_eq!(
        trust::verify_record(b"\xC5\x03", &store, now()).unwrap_err(),
        SignedRecordError::UnsupportedVersion(3)
    );
    assert!(matches!(
        trust::verify_record(b"\xC5\x01\xff\x00", &store, now()).unwrap_err(),
        SignedRecordError::Malformed(_)
    ));
    assert!(SoftwareSigner::new(b"not a key", vec![]).is_err());
}

#[test]
fn a_signed_hello_tells_the_patient_who_they_share_with() {
    use carnet_core::share::{self, DoctorSession, Hello, Recipient, Selection, ShareError};
    use carnet_core::vault::AuditAction;
    let p = pki();
    let now = now();
    let mut session = DoctorSession::new(now, std::time::Duration::from_secs(900)).unwrap();
    session.sign_hello(&p.signer()).unwrap();
    let hello = Hello::parse(&session.hello().to_text(), now).unwrap();
    let recipient = hello.recipient(&p.store(), now);
    assert_eq!(
        recipient.describe(),
        "Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"
    );
    assert!(matches!(recipient, Recipient::Verified(_)));

    // Without the anchor, or without a certificate: a clear warning.
    let unknown = hello.recipient(&TrustStore::new(), now);
    assert!(
        matches!(&unknown, Recipient::Unverified { reason } if reason.contains("no trusted authority")),
        "{unknown:?}"
    );
    let anonymous = Hello::parse(
        &DoctorSession::new(now, std::time::Duration::from_secs(900))
            .unwrap()
            .hello()
            .to_text(),
        now,
    )
    .unwrap();
    assert!(
        anonymous
            .recipient(&p.store(), now)
            .describe()
            .starts_with("UNVERIFIED recipient")
    );

    // Another practitioner's certificate pasted onto this hello: refused.
    let other = pki::leaf(&p.inter);
    let mut forged = hello.clone();
    forged.chain[0] = other.der.clone();
    assert_eq!(
        Hello::parse(&forged.to_text(), now).unwrap_err(),
        ShareError::HelloSignatureMismatch
    );
    let mut unsigned = hello.clone();
    unsigned.signature = None;
    assert_eq!(
        Hello::parse(&unsigned.to_text(), now).unwrap_err(),
        ShareError::HelloSignatureMismatch
    );

    // The share still opens with the session, and the audit log keeps who it was for.
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    t.vault()
        .add_record(NewRecord::entered(profile.id, dose_change()))
        .unwrap();
    let prepared = share::share_profile(
        t.vault(),
        &share::ShareRequest {
            profile: profile.id,
            selection: &Selection::default(),
            hello: Some(&hello),
            trust: &p.store(),
            unverified_hello_accepted: false,
            today: date("2026-11-18"),
            now,
            lifetime: std::time::Duration::from_secs(600),
        },
    )
    .unwrap();
    let mut reader =
        share::ReaderSession::new(vec![session], carnet_core::trust::TrustStore::new());
    assert!(reader.push_text(&prepared.codes[0], now).unwrap().complete);
    match t.vault().audit_log().unwrap().pop().unwrap().action {
        AuditAction::Shared { practitioner, .. } => {
            assert_eq!(
                practitioner.as_deref(),
                Some(
                    "Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"
                )
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_access_receipt_tells_the_patient_who_read_what_and_when() {
    use carnet_core::qr::text::{self, CodeKind};
    use carnet_core::share::{self, DoctorSession, Selection, receipt};
    use chrono::TimeDelta;
    // On the real clock: the vault dates its audit log by it, and a receipt must fall within
    // the life of the share the log records.
    let p = Pki::around_today();
    let read_at = carnet_core::time::now();
    let now = read_at;
    let (t, family) = demo_vault(date("2026-11-18"));
    // The GP's device signs its hello: the receipt must come from the same key.
    let mut session = DoctorSession::new(now, std::time::Duration::from_secs(900)).unwrap();
    session.sign_hello(&p.signer()).unwrap();
    let prepared = share::share_profile(
        t.vault(),
        &share::ShareRequest {
            profile: family.adult.id,
            selection: &Selection::default(),
            hello: Some(session.hello()),
            trust: &p.store(),
            unverified_hello_accepted: false,
            today: date("2026-11-18"),
            now,
            lifetime: std::time::Duration::from_secs(600),
        },
    )
    .unwrap();
    let fingerprint = session.hello().fingerprint();
    let mut reader =
        share::ReaderSession::new(vec![session], carnet_core::trust::TrustStore::new());
    reader.push_text(&prepared.codes[0], now).unwrap();
    let opened = reader.into_result().unwrap();

    // The doctor's device signs a receipt and shows it.
    let bytes =
        receipt::sign_receipt(&opened, &p.signer(), read_at + TimeDelta::seconds(60)).unwrap();
    let code = text::encode(CodeKind::Receipt, &bytes);
    assert!(carnet_core::qr::QrMatrix::encode(&code, carnet_core::qr::MAX_SINGLE_VERSION).is_ok());

    // The patient keeps it, verified, and lists it.
    let kept = receipt::keep_receipt(t.vault(), &code, &p.store()).unwrap();
    assert!(kept.verified);
    assert_eq!(kept.hello, fingerprint);
    assert!(
        kept.items.iter().any(|i| i == "5 medications"),
        "{:?}",
        kept.items
    );
    assert_eq!(
        kept.practitioner,
        "Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"
    );
    assert_eq!(receipt::receipts(t.vault()).unwrap(), vec![kept]);

    // A receipt altered after signing is refused; one from an unknown authority is kept as
    // not verified.
    let at_item = bytes
        .windows(13)
        .position(|w| w == b"5 medications")
        .unwrap();
    let mut altered = bytes.clone();
    altered[at_item] = b'X';
    assert!(
        receipt::keep_receipt(
            t.vault(),
            &text::encode(CodeKind::Receipt, &altered),
            &p.store()
        )
        .is_err()
    );
    let unknown = receipt::keep_receipt(t.vault(), &code, &TrustStore::new()).unwrap();
    assert!(!unknown.verified && unknown.practitioner.starts_with("NOT verified: "));

    // A receipt must name a share this vault made, dated while it was valid: not another
    // share, and not backdated (to a time when an expired certificate was still valid).
    let keep = |share: &share::OpenedShare, at: chrono::DateTime<chrono::Utc>| {
        let bytes = receipt::sign_receipt(share, &p.signer(), at).unwrap();
        receipt::keep_receipt(
            t.vault(),
            &text::encode(CodeKind::Receipt, &bytes),
            &p.store(),
        )
    };
    let mut other = opened.clone();
    other.expires_at += TimeDelta::seconds(1);
    assert!(matches!(
        keep(&other, read_at),
        Err(receipt::ReceiptError::NotThisVaultsShare)
    ));
    assert!(matches!(
        keep(&opened, read_at - TimeDelta::days(1)),
        Err(receipt::ReceiptError::OutsideTheShareLife)
    ));
    assert!(matches!(
        keep(&opened, read_at + TimeDelta::days(1)),
        Err(receipt::ReceiptError::OutsideTheShareLife)
    ));
    // Another certificate holder, even one the store verifies, cannot log "read" for it.
    let colleague = pki::leaf(&p.inter);
    let colleague = SoftwareSigner::new(
        &colleague.key_der,
        vec![colleague.der.clone(), p.inter.der.clone()],
    )
    .unwrap();
    let forged = receipt::sign_receipt(&opened, &colleague, read_at).unwrap();
    assert!(matches!(
        receipt::keep_receipt(
            t.vault(),
            &text::encode(CodeKind::Receipt, &forged),
            &p.store()
        ),
        Err(receipt::ReceiptError::OtherSigner)
    ));
    // The same receipt scanned again is kept once.
    receipt::keep_receipt(t.vault(), &code, &p.store()).unwrap();
    assert_eq!(receipt::receipts(t.vault()).unwrap().len(), 2);

    // A share to a hello nobody signed binds no key: its receipt is kept, NOT verified.
    let anonymous = DoctorSession::new(now, std::time::Duration::from_secs(900)).unwrap();
    let prepared = share::share_profile(
        t.vault(),
        &share::ShareRequest {
            profile: family.adult.id,
            selection: &Selection::default(),
            hello: Some(anonymous.hello()),
            trust: &p.store(),
            unverified_hello_accepted: true,
            today: date("2026-11-18"),
            now,
            lifetime: std::time::Duration::from_secs(600),
        },
    )
    .unwrap();
    let mut reader =
        share::ReaderSession::new(vec![anonymous], carnet_core::trust::TrustStore::new());
    reader.push_text(&prepared.codes[0], now).unwrap();
    let unbound = keep(&reader.into_result().unwrap(), read_at).unwrap();
    assert!(!unbound.verified);
    assert!(
        unbound
            .practitioner
            .starts_with("NOT bound to the doctor's code")
    );
}

fn import(
    t: &TestVault,
    profile: &ProfileId,
    bytes: &[u8],
    p: &Pki,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Record, SignedImportError> {
    trust::import_signed(
        t.vault(),
        profile,
        bytes,
        &p.store(),
        at,
        UnverifiedPolicy::Reject,
    )
}

#[test]
fn another_patients_signed_record_is_refused() {
    let p = pki();
    let t = TestVault::new();
    let camille_profile = t.vault().add_profile(adult()).unwrap();
    let lea = t
        .vault()
        .add_profile(NewProfile::new(
            "Léa Martin",
            date("2019-05-02"),
            Relationship::Child,
        ))
        .unwrap();
    // Camille's genuine prescription, imported by whoever holds it into someone else's file.
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    assert!(matches!(
        import(&t, &lea.id, &bytes, &p, now()),
        Err(SignedImportError::OtherPatient)
    ));
    assert!(t.vault().records(None, None).unwrap().is_empty());
    // The same name and birth date, but a record bound to another INS.
    let mut with_ins = adult();
    with_ins.display_name = "Camille Martin".into();
    with_ins.ins = Some(Ins::parse("184127645108946").unwrap());
    let other = TestVault::new();
    let homonym = other.vault().add_profile(with_ins).unwrap();
    let for_someone_else = sign_record(
        &dose_change(),
        &Patient {
            ins: Some(Ins::parse("255081416802538").unwrap()),
            ..camille()
        },
        &p.signer(),
        signed_at(),
    )
    .unwrap();
    assert!(matches!(
        import(&other, &homonym.id, &for_someone_else, &p, now()),
        Err(SignedImportError::OtherPatient)
    ));
    // Into her own profile it goes, whatever the order and case of the name's words.
    let stored = import(&t, &camille_profile.id, &bytes, &p, now()).unwrap();
    assert!(matches!(
        stored.provenance,
        Provenance::Practitioner {
            verified: true,
            bound_to_patient: true,
            ..
        }
    ));
}

#[test]
fn a_signed_record_imported_twice_adds_nothing() {
    let p = pki();
    let t = TestVault::new();
    let camille = t.vault().add_profile(adult()).unwrap();
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    let first = import(&t, &camille.id, &bytes, &p, now()).unwrap();
    assert!(matches!(
        import(&t, &camille.id, &bytes, &p, now()),
        Err(SignedImportError::AlreadyImported)
    ));
    let mut twin = adult();
    twin.relationship = Relationship::Other;
    let twin = t.vault().add_profile(twin).unwrap();
    assert!(matches!(
        import(&t, &twin.id, &bytes, &p, now()),
        Err(SignedImportError::AlreadyImported)
    ));
    let records = t.vault().records(None, None).unwrap();
    assert_eq!(records.len(), 1);
    // The record keeps the id its signer gave it, in every vault.
    assert_eq!(records[0].id, first.id);
}

#[test]
fn a_body_naming_another_practitioner_than_the_signer_is_refused() {
    let p = pki();
    let t = TestVault::new();
    let camille = t.vault().add_profile(adult()).unwrap();
    // examples/prescription.json: prescribed by Dr Anne Leroy, signed with the
    // cardiologist's certificate.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/prescription.json"),
    )
    .unwrap();
    let leroy: RecordBody = serde_json::from_str(&text).unwrap();
    let bytes = sign(&leroy, &p.signer(), signed_at());
    assert!(matches!(
        import(&t, &camille.id, &bytes, &p, now()),
        Err(SignedImportError::OtherPractitioner)
    ));
    // A letter signed by the cardiologist but "from" someone else.
    let letter = RecordBody::Letter(Letter {
        author: "Pr Jean Dupont".into(),
        specialty: None,
        date: date("2026-10-23"),
        subject: "Avis".into(),
        body: "…".into(),
    });
    assert!(matches!(
        import(
            &t,
            &camille.id,
            &sign(&letter, &p.signer(), signed_at()),
            &p,
            now()
        ),
        Err(SignedImportError::OtherPractitioner)
    ));
    // His own letter, named "Dr Benali Karim": the same practitioner.
    let own = RecordBody::Letter(Letter {
        author: "Dr BENALI Karim".into(),
        ..match letter {
            RecordBody::Letter(l) => l,
            _ => unreachable!(),
        }
    });
    assert!(
        import(
            &t,
            &camille.id,
            &sign(&own, &p.signer(), signed_at()),
            &p,
            now()
        )
        .is_ok()
    );
    assert_eq!(t.vault().records(None, None).unwrap().len(), 1);
}

#[test]
fn a_record_signed_longer_ago_than_the_maximum_age_is_refused() {
    let p = pki();
    let t = TestVault::new();
    let camille = t.vault().add_profile(adult()).unwrap();
    // Signed when the certificate was valid, imported two months later: the key could have
    // been lost meanwhile and the date chosen to fall inside its old validity.
    let bytes = sign(&dose_change(), &p.signer(), signed_at());
    let late = signed_at() + trust::import::MAX_SIGNED_AGE + chrono::TimeDelta::days(1);
    assert!(matches!(
        import(&t, &camille.id, &bytes, &p, late),
        Err(SignedImportError::TooOld { days: 30 })
    ));
    assert!(t.vault().records(None, None).unwrap().is_empty());
}

#[test]
fn a_practitioners_provenance_is_earned_not_declared() {
    let t = TestVault::new();
    let camille = t.vault().add_profile(adult()).unwrap();
    let claimed = Provenance::Practitioner {
        name: "Karim Benali".into(),
        rpps: Rpps::parse("10101234564").ok(),
        trust_anchor: Some("AC RACINE IGC-SANTE".into()),
        checked_at: now(),
        verified: true,
        bound_to_patient: true,
    };
    let new = NewRecord {
        profile_id: camille.id,
        issued_on: None,
        provenance: claimed.clone(),
        body: dose_change(),
    };
    assert_eq!(
        t.vault().add_record(new.clone()).unwrap().provenance,
        Provenance::PatientEntered
    );
    let id = t.vault().add_records(vec![new.clone()]).unwrap()[0];
    assert_eq!(
        t.vault().record(&id).unwrap().provenance,
        Provenance::PatientEntered
    );
    let with_file = t
        .vault()
        .add_record_with_file(new, "scan.pdf", "application/pdf", &mut &b"%PDF"[..])
        .unwrap();
    assert_eq!(with_file.provenance, Provenance::PatientEntered);
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn fixture_store() -> TrustStore {
    let mut s = TrustStore::new();
    s.add(&std::fs::read(fixture("signed-record-authorities.pem")).unwrap())
        .unwrap();
    s
}

/// The frozen signed records: format 1 (no patient) and format 2, signed on 2026-11-18 by the
/// fixture PKI's Dr Karim Benali for Camille Martin, born 1968-04-12.
#[test]
fn frozen_signed_records_of_every_format_still_read_with_what_they_prove() {
    let store = fixture_store();
    let read_at = at(2026, 11, 19);
    let t = TestVault::new();
    let camille = t.vault().add_profile(adult()).unwrap();

    let v1 = std::fs::read(fixture("signed-record-v1.bin")).unwrap();
    let verified = trust::verify_record(&v1, &store, read_at).unwrap();
    assert_eq!(verified.body, dose_change());
    assert_eq!(verified.facts.version, 1);
    assert!(verified.facts.patient.is_none() && verified.facts.record_id.is_none());
    let stored = trust::import_signed(
        t.vault(),
        &camille.id,
        &v1,
        &store,
        read_at,
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        stored.provenance.label(),
        "signed by practitioner, verified (old format: not bound to a patient)"
    );

    let v2 = std::fs::read(fixture("signed-record-v2.bin")).unwrap();
    let verified = trust::verify_record(&v2, &store, read_at).unwrap();
    assert_eq!(verified.body, dose_change());
    assert_eq!(verified.facts.version, 2);
    let stored = trust::import_signed(
        t.vault(),
        &camille.id,
        &v2,
        &store,
        read_at,
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        stored.provenance.label(),
        "signed by practitioner, verified"
    );
    assert_eq!(Some(stored.id), verified.facts.record_id);
}

#[test]
#[ignore = "writes the frozen signed-record vectors; run once by hand"]
fn write_signed_record_vectors() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let leaf = pki::leaf_with(params, &inter);
    let signer =
        SoftwareSigner::new(&leaf.key_der, vec![leaf.der.clone(), inter.der.clone()]).unwrap();
    let signed = at(2026, 11, 18);
    std::fs::write(
        fixture("signed-record-authorities.pem"),
        root.pem.clone() + &inter.pem,
    )
    .unwrap();
    std::fs::write(
        fixture("signed-record-v1.bin"),
        trust::signing::sign_record_v1(&dose_change(), &signer, signed).unwrap(),
    )
    .unwrap();
    std::fs::write(
        fixture("signed-record-v2.bin"),
        sign(&dose_change(), &signer, signed),
    )
    .unwrap();
}
