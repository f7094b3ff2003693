//! Signed write-back: a cardiologist signs a prescription, the patient's vault stores it as
//! verified; modified, expired-at-signing, wrong-key and unknown-anchor records are caught.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::*;
use carnet_core::trust::{
    self, ChainError, SignedImportError, SignedRecordError, SoftwareSigner, TrustStore,
    UnverifiedPolicy, sign_record,
};
use carnet_tests::pki::{self, at};
use carnet_tests::*;

struct Pki {
    root: pki::Authority,
    inter: pki::Authority,
    leaf: pki::Leaf,
}

fn pki() -> Pki {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    Pki { root, inter, leaf }
}

impl Pki {
    fn signer(&self) -> SoftwareSigner {
        SoftwareSigner::new(
            &self.leaf.key_der,
            vec![self.leaf.der.clone(), self.inter.der.clone()],
        )
        .unwrap()
    }
    /// The root, and the intermediate the patient's app ships with (a hello carries only the
    /// practitioner's own certificate).
    fn store(&self) -> TrustStore {
        let mut s = TrustStore::new();
        s.add((self.root.pem.clone() + &self.inter.pem).as_bytes())
            .unwrap();
        s
    }
}

fn dose_change() -> RecordBody {
    prescription("2026-10-23", "Bisoprolol", "2,5 mg")
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
    let bytes = sign_record(&dose_change(), &p.signer(), signed_at()).unwrap();
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
    let bytes = sign_record(&dose_change(), &p.signer(), signed_at()).unwrap();
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
    let late = sign_record(&dose_change(), &p.signer(), at(2028, 6, 1)).unwrap();
    let err = trust::verify_record(&late, &p.store(), at(2028, 6, 2)).unwrap_err();
    assert_eq!(
        err,
        SignedRecordError::Chain(ChainError::Expired { position: 0 })
    );
    // Signed while valid, read after expiry: still good.
    let early = sign_record(&dose_change(), &p.signer(), signed_at()).unwrap();
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
    let bytes = sign_record(&dose_change(), &impostor, signed_at()).unwrap();
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
    let bytes = sign_record(&dose_change(), &p.signer(), signed_at()).unwrap();
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
        .update_record(&stored.id, prescription("2026-10-23", "Bisoprolol", "5 mg"))
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
        trust::verify_record(b"\xC5\x02", &store, now()).unwrap_err(),
        SignedRecordError::UnsupportedVersion(2)
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
        &profile.id,
        &Selection::default(),
        Some(&hello),
        Some(&recipient),
        date("2026-11-18"),
        now,
        std::time::Duration::from_secs(600),
    )
    .unwrap();
    let mut reader = share::ReaderSession::new(vec![session]);
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
    let (root, inter, leaf) = pki::around_today();
    let p = Pki { root, inter, leaf };
    let read_at = carnet_core::time::now();
    let now = read_at;
    let (t, family) = demo_vault(date("2026-11-18"));
    let session = DoctorSession::new(now, std::time::Duration::from_secs(900)).unwrap();
    let prepared = share::share_profile(
        t.vault(),
        &family.adult.id,
        &Selection::default(),
        Some(session.hello()),
        None,
        date("2026-11-18"),
        now,
        std::time::Duration::from_secs(600),
    )
    .unwrap();
    let fingerprint = session.hello().fingerprint();
    let mut reader = share::ReaderSession::new(vec![session]);
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
    assert_eq!(receipt::receipts(t.vault()).unwrap().len(), 2);
}
