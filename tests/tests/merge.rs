//! An archive cannot bend the merge rule: whatever items it decodes to (a caregiver's
//! handover, a restore, a hostile file made with the right key), a practitioner's provenance
//! is earned here by a signature that verifies here, a record dated in the future is refused,
//! a verified record is never replaced, and a copy that weakens a record (an allergy made
//! milder, a medication gone) is applied only when the patient accepted it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::backup::{self, Protection};
use carnet_core::crypto::{KdfPolicy, Passphrase};
use carnet_core::model::*;
use carnet_core::trust::{self, Patient, SignatureCheck, UnverifiedPolicy, sign_record};
use carnet_core::vault::{
    ChangeKind, ImportItem, ImportOptions, ImportReport, MergeChoices, TrustNoOne, Vault,
    VaultError,
};
use carnet_tests::pki::Chain;
use carnet_tests::*;
use chrono::{DateTime, TimeDelta, Utc};

/// Imports `items` as an archive would deliver them, or plans it (`write: false`).
fn feed(
    vault: &Vault,
    items: Vec<ImportItem>,
    options: &ImportOptions<'_>,
    write: bool,
) -> Result<ImportReport, VaultError> {
    let mut items = items.into_iter();
    let mut next = || Ok::<_, VaultError>(items.next());
    if write {
        vault.import(&mut next, options)
    } else {
        vault.plan_import(&mut next, options)
    }
}

fn trusting_no_one() -> ImportOptions<'static> {
    ImportOptions::trusting_no_one(carnet_core::time::now())
}

fn changes(report: &ImportReport, kind: ChangeKind) -> Vec<RecordId> {
    report
        .changes
        .iter()
        .filter(|c| c.change == kind)
        .map(|c| c.record_id)
        .collect()
}

fn morphine() -> RecordBody {
    let RecordBody::Prescription(mut p) = prescription("2026-11-20", "Morphine", "30 mg") else {
        unreachable!()
    };
    p.prescriber = Prescriber {
        name: "Dr Karim Benali".into(),
        specialty: Some("cardiologie".into()),
        rpps: Rpps::parse("10101234564").ok(),
    };
    RecordBody::Prescription(p)
}

fn bisoprolol() -> RecordBody {
    let RecordBody::Prescription(mut p) = morphine() else {
        unreachable!()
    };
    p.medications[0].name = "Bisoprolol".into();
    p.medications[0].strength = Some("2,5 mg".into());
    RecordBody::Prescription(p)
}

fn allergy(severity: AllergySeverity) -> RecordBody {
    RecordBody::Allergy(Allergy {
        substance: "Pénicilline".into(),
        code: None,
        reaction: Some("œdème de Quincke".into()),
        severity: Some(severity),
        noted_on: None,
    })
}

fn camille() -> Patient {
    Patient {
        name: "MARTIN Camille".into(),
        birth_date: date("1968-04-12"),
        ins: None,
    }
}

fn forged_claim() -> Provenance {
    Provenance::Practitioner {
        name: "Karim Benali".into(),
        rpps: Rpps::parse("10101234564").ok(),
        trust_anchor: Some("AC RACINE IGC-SANTE".into()),
        checked_at: carnet_core::time::now(),
        verified: true,
        bound_to_patient: true,
    }
}

/// A record as a hostile archive would carry it: any id, dates and provenance.
fn crafted(profile: &ProfileId, body: RecordBody, provenance: Provenance) -> Record {
    let now = carnet_core::time::now();
    Record {
        id: RecordId::random(),
        profile_id: *profile,
        issued_on: date("2026-11-20"),
        created_at: now,
        updated_at: now,
        provenance,
        body,
        attachments: vec![],
    }
}

fn with_attachment(record: Record, name: &str, bytes: Vec<u8>) -> Vec<ImportItem> {
    let attachment = Attachment {
        id: AttachmentId::random(),
        file_name: name.into(),
        media_type: "application/octet-stream".into(),
        size: bytes.len() as u64,
    };
    let id = record.id;
    vec![
        ImportItem::Record(record),
        ImportItem::AttachmentStart {
            record: id,
            attachment,
        },
        ImportItem::AttachmentData(bytes),
        ImportItem::AttachmentEnd,
    ]
}

struct Setup {
    t: TestVault,
    profile: Profile,
}

fn setup() -> Setup {
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    Setup { t, profile }
}

impl Setup {
    fn vault(&self) -> &Vault {
        self.t.vault()
    }
    fn items(&self, rest: Vec<ImportItem>) -> Vec<ImportItem> {
        let mut items = vec![ImportItem::Profile(self.profile.clone())];
        items.extend(rest);
        items
    }
    fn record(&self, id: &RecordId) -> Record {
        self.vault().record(id).unwrap()
    }
}

#[test]
fn a_handover_cannot_plant_a_verified_prescription() {
    let s = setup();
    let chain = Chain::around_today();
    let store = chain.store();
    let now = carnet_core::time::now();
    let check = SignatureCheck { store: &store, now };
    let choices = MergeChoices::default();
    let options = ImportOptions {
        now,
        check: &check,
        choices: &choices,
    };

    // 1. A morphine prescription claiming the cardiologist's verified signature, with none.
    let bare = crafted(&s.profile.id, morphine(), forged_claim());
    // 2. The same claim with a signature attachment that is not a signature at all.
    let junk = crafted(&s.profile.id, morphine(), forged_claim());
    // 3. A genuine signature of another record (his bisoprolol), pasted under the morphine.
    let genuine = sign_record(&bisoprolol(), &camille(), &chain.signer(), now).unwrap();
    let pasted = crafted(&s.profile.id, morphine(), forged_claim());
    let ids = [bare.id, junk.id, pasted.id];
    let mut items = vec![ImportItem::Record(bare)];
    items.extend(with_attachment(
        junk,
        SIGNATURE_ATTACHMENT,
        b"signed by Dr Benali".to_vec(),
    ));
    items.extend(with_attachment(pasted, SIGNATURE_ATTACHMENT, genuine));

    let report = feed(s.vault(), s.items(items), &options, true).unwrap();
    assert_eq!(report.records_added, 3);
    assert_eq!(report.signatures_verified, 0);
    assert_eq!(changes(&report, ChangeKind::ClaimNotEarned), ids.to_vec());
    for id in &ids {
        assert_eq!(
            s.record(id).provenance,
            Provenance::PatientEntered,
            "a claim the archive made stayed"
        );
    }
    // What the doctor is shown: the morphine is the patient's word, not the cardiologist's.
    let summary = s.vault().summary(&s.profile.id, now.date_naive()).unwrap();
    assert!(
        summary
            .current_medications
            .iter()
            .all(|m| m.provenance == Provenance::PatientEntered)
    );
}

#[test]
fn a_signed_record_is_verified_again_wherever_it_is_restored() {
    let chain = Chain::around_today();
    let now = carnet_core::time::now();
    let s = setup();
    let signed = sign_record(
        &bisoprolol(),
        &camille(),
        &chain.signer(),
        now - TimeDelta::hours(1),
    )
    .unwrap();
    let record = trust::import_signed(
        s.vault(),
        &s.profile.id,
        &signed,
        &chain.store(),
        now,
        UnverifiedPolicy::Reject,
    )
    .unwrap();
    let archive = s.t.dir.path().join("phone.carnet-backup");
    let pass = Passphrase::new("a backup passphrase for the test");
    backup::write_file(
        s.vault(),
        &archive,
        Protection::Passphrase(&pass),
        &Default::default(),
    )
    .unwrap();

    let restore = |name: &str, store: &trust::TrustStore| {
        let check = SignatureCheck { store, now };
        let choices = MergeChoices::default();
        backup::restore_new(
            &archive,
            Protection::Passphrase(&pass),
            &s.t.dir.path().join(name),
            &passphrase(),
            &options(),
            &KdfPolicy::insecure_for_tests(),
            &ImportOptions {
                now,
                check: &check,
                choices: &choices,
            },
        )
        .unwrap()
    };
    // A new phone with the same authorities: verified, because it verifies there.
    let (trusting, _, report) = restore("trusting.carnet", &chain.store());
    assert_eq!(report.signatures_verified, 1);
    assert!(matches!(
        trusting.record(&record.id).unwrap().provenance,
        Provenance::Practitioner {
            verified: true,
            bound_to_patient: true,
            ..
        }
    ));
    // A phone whose trust store is empty: the signature is intact but vouched for by no one.
    let (bare, _, report) = restore("bare.carnet", &trust::TrustStore::new());
    assert_eq!(report.signatures_verified, 0);
    assert_eq!(
        changes(&report, ChangeKind::ClaimNotEarned),
        vec![record.id]
    );
    assert!(matches!(
        bare.record(&record.id).unwrap().provenance,
        Provenance::Practitioner {
            verified: false,
            ..
        }
    ));
    // The signature came along, so it can be checked again once the store is set up.
    let again = trust::reverify(&bare, &record.id, &chain.store(), now).unwrap();
    assert!(matches!(
        again.provenance,
        Provenance::Practitioner { verified: true, .. }
    ));
}

#[test]
fn a_future_dated_milder_copy_of_a_severe_allergy_changes_nothing() {
    let s = setup();
    let local = s
        .vault()
        .add_record(NewRecord::entered(
            s.profile.id,
            allergy(AllergySeverity::Severe),
        ))
        .unwrap();
    let later: DateTime<Utc> = carnet_core::time::now() + TimeDelta::days(365);
    let forged = Record {
        updated_at: later,
        body: allergy(AllergySeverity::Mild),
        ..local.clone()
    };
    let before = s.vault().records(None, None).unwrap();
    let report = feed(
        s.vault(),
        s.items(vec![ImportItem::Record(forged)]),
        &trusting_no_one(),
        true,
    )
    .unwrap();
    assert_eq!(report.records_refused, 1);
    assert_eq!(report.records_updated, 0);
    assert_eq!(
        changes(&report, ChangeKind::DatedInTheFuture),
        vec![local.id]
    );
    assert_eq!(s.vault().records(None, None).unwrap(), before);
}

#[test]
fn a_milder_copy_is_applied_only_once_the_patient_accepts_it() {
    let s = setup();
    let local = s
        .vault()
        .add_record(NewRecord::entered(
            s.profile.id,
            allergy(AllergySeverity::Severe),
        ))
        .unwrap();
    let milder = Record {
        updated_at: local.updated_at + TimeDelta::seconds(1),
        body: allergy(AllergySeverity::Mild),
        ..local.clone()
    };
    let items = || s.items(vec![ImportItem::Record(milder.clone())]);

    // Planned: shown, nothing written.
    let plan = feed(s.vault(), items(), &trusting_no_one(), false).unwrap();
    assert_eq!(changes(&plan, ChangeKind::WeakeningLeftOut), vec![local.id]);
    let shown = &plan.changes[0].detail;
    assert!(
        shown.contains("severe becomes mild"),
        "the patient is told what changes"
    );
    assert!(
        !format!("{plan:?}").contains("Pénicilline"),
        "Debug carries no health data"
    );
    assert_eq!(s.record(&local.id), local);

    // Merged without a choice: left out.
    let report = feed(s.vault(), items(), &trusting_no_one(), true).unwrap();
    assert_eq!(report.records_skipped, 1);
    assert_eq!(s.record(&local.id).body, allergy(AllergySeverity::Severe));

    // Accepted by id: applied, and reported as a weakening.
    let choices = MergeChoices {
        accept_weakening: [local.id].into(),
    };
    let options = ImportOptions {
        now: carnet_core::time::now(),
        check: &TrustNoOne,
        choices: &choices,
    };
    let report = feed(s.vault(), items(), &options, true).unwrap();
    assert_eq!(changes(&report, ChangeKind::Weakened), vec![local.id]);
    assert_eq!(s.record(&local.id).body, allergy(AllergySeverity::Mild));
}

#[test]
fn a_medication_removed_from_a_prescription_is_a_weakening() {
    let s = setup();
    let RecordBody::Prescription(mut two) = prescription("2026-11-02", "Ramipril", "5 mg") else {
        unreachable!()
    };
    let RecordBody::Prescription(extra) = bisoprolol() else {
        unreachable!()
    };
    two.medications.push(extra.medications[0].clone());
    let local = s
        .vault()
        .add_record(NewRecord::entered(
            s.profile.id,
            RecordBody::Prescription(two.clone()),
        ))
        .unwrap();
    two.medications.truncate(1);
    let fewer = Record {
        updated_at: local.updated_at + TimeDelta::seconds(1),
        body: RecordBody::Prescription(two),
        ..local.clone()
    };
    let report = feed(
        s.vault(),
        s.items(vec![ImportItem::Record(fewer)]),
        &trusting_no_one(),
        true,
    )
    .unwrap();
    assert_eq!(
        changes(&report, ChangeKind::WeakeningLeftOut),
        vec![local.id]
    );
    assert!(report.changes[0].detail.contains("Bisoprolol"));
    assert_eq!(s.record(&local.id), local);
}

#[test]
fn a_verified_record_is_never_replaced() {
    let chain = Chain::around_today();
    let now = carnet_core::time::now();
    let s = setup();
    let signed = sign_record(
        &bisoprolol(),
        &camille(),
        &chain.signer(),
        now - TimeDelta::hours(1),
    )
    .unwrap();
    let local = trust::import_signed(
        s.vault(),
        &s.profile.id,
        &signed,
        &chain.store(),
        now,
        UnverifiedPolicy::Reject,
    )
    .unwrap();
    let newer = |body: RecordBody| Record {
        updated_at: local.updated_at + TimeDelta::seconds(1),
        provenance: Provenance::PatientEntered,
        body,
        attachments: vec![],
        ..local.clone()
    };
    // Another dose under the same id, and the same content: neither is taken.
    let mut other = bisoprolol();
    if let RecordBody::Prescription(p) = &mut other {
        p.medications[0].strength = Some("10 mg".into());
    }
    let report = feed(
        s.vault(),
        s.items(vec![
            ImportItem::Record(newer(other)),
            ImportItem::Record(newer(bisoprolol())),
        ]),
        &trusting_no_one(),
        true,
    )
    .unwrap();
    assert_eq!(report.records_skipped, 2);
    assert_eq!(changes(&report, ChangeKind::KeptVerified), vec![local.id]);
    assert_eq!(s.record(&local.id), local);
}
