//! The vault's history cannot be quietly undone by someone who holds the file without the key:
//! an older ciphertext put back into its row, a deleted audit event, a deleted record are each
//! detected, by `verify` or already on unlock, with what they are; what Carnet itself does
//! (updates, deletions, imports, migrations) verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::backup::{self, Protection};
use carnet_core::crypto::KdfPolicy;
use carnet_core::model::*;
use carnet_core::vault::{ImportOptions, Vault, VaultError};
use carnet_tests::*;

fn allergy(severity: AllergySeverity) -> RecordBody {
    RecordBody::Allergy(Allergy {
        substance: "Arachide".into(),
        code: None,
        reaction: Some("anaphylaxie".into()),
        severity: Some(severity),
        noted_on: None,
    })
}

fn tampered(result: Result<impl std::fmt::Debug, VaultError>) -> String {
    match result {
        Err(VaultError::HistoryTampered(what)) => what,
        other => panic!("expected a tampered history, got {other:?}"),
    }
}

/// A family vault with a few records, one updated, one deleted, an attachment.
fn lived_in() -> (TestVault, Profile, Record) {
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let allergy_record = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            allergy(AllergySeverity::Mild),
        ))
        .unwrap();
    t.vault()
        .update_record(&allergy_record.id, allergy(AllergySeverity::Severe))
        .unwrap();
    let gone = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            prescription("2026-09-01", "Amoxicilline", "1 g"),
        ))
        .unwrap();
    t.vault().delete_record(&gone.id).unwrap();
    let kept = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            prescription("2026-10-01", "Metformine", "1000 mg"),
        ))
        .unwrap();
    t.vault()
        .attach(
            &kept.id,
            "ordonnance.pdf",
            "application/pdf",
            &mut &b"%PDF-1.4"[..],
        )
        .unwrap();
    let allergy_record = t.vault().record(&allergy_record.id).unwrap();
    (t, profile, allergy_record)
}

#[test]
fn what_carnet_itself_did_verifies() {
    let (mut t, profile, _) = lived_in();
    let report = t.vault().verify().unwrap();
    assert_eq!(report.events_before_the_chain, 0);
    assert_eq!(report.rows_before_the_chain, 0);
    // The profile, two records, one attachment, two key slots.
    assert_eq!(report.rows_checked, 6);
    // Created, the profile, three records added, one updated, one deleted, the attachment.
    assert_eq!(report.events_chained, 8);
    // And still after a lock, an unlock, a passphrase change and a profile deletion.
    t.unlock();
    t.vault()
        .change_passphrase(&carnet_core::crypto::Passphrase::new(
            "another long passphrase here",
        ))
        .unwrap();
    t.vault().delete_profile(&profile.id).unwrap();
    let report = t.vault().verify().unwrap();
    assert_eq!(report.rows_checked, 2, "only the key slots are left");
}

#[test]
fn an_older_ciphertext_put_back_is_detected() {
    // The allergy was recorded mild, then made severe; the attacker puts the mild row back.
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            allergy(AllergySeverity::Mild),
        ))
        .unwrap();
    let raw = t.raw();
    let mild: Vec<u8> = raw
        .query_row(
            "SELECT body FROM records WHERE id = ?1",
            [record.id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap();
    t.vault()
        .update_record(&record.id, allergy(AllergySeverity::Severe))
        .unwrap();
    raw.execute(
        "UPDATE records SET body = ?1 WHERE id = ?2",
        rusqlite::params![mild, record.id.as_bytes()],
    )
    .unwrap();
    // The old row still decrypts: sealing alone cannot tell.
    assert_eq!(
        t.vault().record(&record.id).unwrap().body,
        allergy(AllergySeverity::Mild)
    );
    let what = tampered(t.vault().verify());
    assert!(what.contains("older copy was put back"), "{what}");
}

#[test]
fn a_deleted_record_is_detected() {
    let (t, _, allergy_record) = lived_in();
    t.raw()
        .execute(
            "DELETE FROM records WHERE id = ?1",
            [allergy_record.id.as_bytes()],
        )
        .unwrap();
    let what = tampered(t.vault().verify());
    assert!(what.contains("deleted outside Carnet"), "{what}");
}

#[test]
fn a_deleted_record_put_back_is_detected() {
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            prescription("2026-09-01", "Amoxicilline", "1 g"),
        ))
        .unwrap();
    let raw = t.raw();
    let (kind, body): (String, Vec<u8>) = raw
        .query_row(
            "SELECT kind, body FROM records WHERE id = ?1",
            [record.id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    t.vault().delete_record(&record.id).unwrap();
    raw.execute(
        "INSERT INTO records (id, profile_id, kind, body) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![record.id.as_bytes(), profile.id.as_bytes(), kind, body],
    )
    .unwrap();
    let what = tampered(t.vault().verify());
    assert!(what.contains("deleted is back"), "{what}");
}

#[test]
fn a_deleted_audit_event_is_detected() {
    let (mut t, _, _) = lived_in();
    // In the middle: the chain breaks.
    t.raw()
        .execute("DELETE FROM audit_events WHERE seq = 4", [])
        .unwrap();
    let what = tampered(t.vault().verify());
    assert!(what.contains("event 5 does not follow"), "{what}");

    // At the end: the head no longer matches, and unlocking refuses, writing nothing.
    let (mut t2, _, _) = lived_in();
    t2.lock();
    let raw = t2.raw();
    raw.execute(
        "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
        [],
    )
    .unwrap();
    drop(raw);
    let before = std::fs::read(&t2.path).unwrap();
    let err = Vault::unlock_with_passphrase(&t2.path, &passphrase(), &options()).err();
    assert!(
        matches!(err, Some(VaultError::HistoryTampered(_))),
        "{err:?}"
    );
    assert_unchanged(&t2.path, &before);
    t.lock();
}

#[test]
fn a_row_no_change_wrote_is_detected() {
    // A record copied in from another vault of the same key? Impossible without the key; but
    // a profile row duplicated under a new id, say, is a row no event wrote.
    let (t, profile, _) = lived_in();
    let raw = t.raw();
    let body: Vec<u8> = raw
        .query_row(
            "SELECT body FROM profiles WHERE id = ?1",
            [profile.id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap();
    raw.execute(
        "INSERT INTO profiles (id, body) VALUES (?1, ?2)",
        rusqlite::params![ProfileId::random().as_bytes(), body],
    )
    .unwrap();
    let what = tampered(t.vault().verify());
    assert!(what.contains("written by no recorded change"), "{what}");
}

#[test]
fn a_restored_vault_and_a_merged_one_verify() {
    let (t, _, _) = lived_in();
    let archive = t.dir.path().join("b.carnet-backup");
    backup::write_file(
        t.vault(),
        &archive,
        Protection::RecoveryKey(&t.recovery),
        &Default::default(),
    )
    .unwrap();
    let (restored, _, _) = backup::restore_new(
        &archive,
        Protection::RecoveryKey(&t.recovery),
        &t.dir.path().join("restored.carnet"),
        &passphrase(),
        &options(),
        &KdfPolicy::insecure_for_tests(),
        &ImportOptions::trusting_no_one(chrono::Utc::now()),
    )
    .unwrap();
    let report = restored.verify().unwrap();
    assert_eq!(report.rows_before_the_chain, 0);
    assert_eq!(report.rows_checked, 6);
    // The imported profile deleted afterwards: its records go with it, and it still verifies.
    let profile = restored.profiles().unwrap()[0].clone();
    restored.delete_profile(&profile.id).unwrap();
    assert_eq!(restored.verify().unwrap().rows_checked, 2);
}

#[test]
fn a_batch_is_logged_in_a_few_events_that_name_every_record_and_vouch_for_each_row() {
    use carnet_core::vault::{AuditAction, RECORDS_PER_EVENT};
    let t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let before = t.vault().audit_log().unwrap().len();
    let rows_before = t.vault().verify().unwrap().rows_checked as usize;
    let count = RECORDS_PER_EVENT * 2 + 7;
    let news = (0..count)
        .map(|i| {
            let body = if i % 2 == 0 {
                allergy(AllergySeverity::Mild)
            } else {
                prescription("2026-09-01", "Amoxicilline", "1 g")
            };
            NewRecord::entered(profile.id, body)
        })
        .collect();
    let ids = t.vault().add_records(news).unwrap();
    let events = t.vault().audit_log().unwrap();
    let batch: Vec<_> = events[before..]
        .iter()
        .map(|e| match &e.action {
            AuditAction::RecordsAdded { records } => records.clone(),
            other => panic!("not a batch event: {other:?}"),
        })
        .collect();
    // Three events, not 2,007: each names its records, in order, with their profile and kind.
    assert_eq!(batch.len(), 3);
    let named: Vec<_> = batch.iter().flatten().collect();
    assert_eq!(named.iter().map(|r| r.record_id).collect::<Vec<_>>(), ids);
    assert!(named.iter().all(|r| r.profile_id == profile.id));
    assert_eq!(named[1].kind, RecordKind::Prescription);
    assert_eq!(named[2].kind, RecordKind::Allergy);
    // Every row of the batch checked against the digest its event recorded.
    assert_eq!(
        t.vault().verify().unwrap().rows_checked as usize,
        rows_before + count
    );

    // A single record still has its own event, and each row of the batch is vouched for.
    t.vault()
        .add_records(vec![NewRecord::entered(
            profile.id,
            allergy(AllergySeverity::Severe),
        )])
        .unwrap();
    assert!(matches!(
        t.vault().audit_log().unwrap().last().unwrap().action,
        AuditAction::RecordAdded { .. }
    ));
    t.raw()
        .execute("DELETE FROM records WHERE id = ?1", [ids[1500].as_bytes()])
        .unwrap();
    let what = tampered(t.vault().verify());
    assert!(what.contains("deleted outside Carnet"), "{what}");
}
