//! A vault written by an earlier schema opens, migrates, and keeps its data.
//!
//! `fixtures/vault-schema-v1.carnet` is frozen: it was written once (see `fixtures/README.md`)
//! and must open with every later version of Carnet.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::Vault;
use carnet_core::crypto::Passphrase;
use carnet_core::model::{LabValue, RecordBody};
use carnet_core::vault::schema::SCHEMA_VERSION;
use carnet_tests::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub const FIXTURE_PASSPHRASE: &str = "fixture passphrase, schema v1";

#[test]
fn schema_v1_fixture_migrates_and_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.carnet");
    std::fs::copy(fixture("vault-schema-v1.carnet"), &path).unwrap();
    let raw_version: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(raw_version, 1, "the fixture must stay at schema 1");

    // Production KDF parameters: the fixture opens with the default policy.
    let vault = Vault::unlock_with_passphrase(
        &path,
        &Passphrase::new(FIXTURE_PASSPHRASE),
        &Default::default(),
    )
    .unwrap();
    let profiles = vault.profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].display_name, "Fixture Patient");
    let records = vault.records(None, None).unwrap();
    assert_eq!(records.len(), 2);
    let lab = records
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::LabReport(l) => Some(l),
            _ => None,
        })
        .unwrap();
    assert_eq!(lab.results[0].value, LabValue::Numeric(6.4));
    // Migrated: the audit log exists and recorded this unlock.
    assert_eq!(vault.audit_log().unwrap().len(), 1);
    // Its history starts now: what the fixture held before is accepted, reported as older
    // than the chain; what changes from now on is vouched for.
    let report = vault.verify().unwrap();
    assert_eq!(report.events_chained, 1);
    assert_eq!(
        report.rows_before_the_chain, 5,
        "1 profile, 2 records, 2 key slots"
    );
    let updated = vault
        .update_record(&records[0].id, records[0].body.clone())
        .unwrap();
    let report = vault.verify().unwrap();
    assert_eq!((report.rows_checked, report.rows_before_the_chain), (1, 4));
    assert_eq!(vault.record(&updated.id).unwrap().body, records[0].body);
    drop(vault);
    let migrated: u32 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(migrated, SCHEMA_VERSION);
}

#[test]
fn a_wrong_passphrase_does_not_migrate_the_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.carnet");
    std::fs::copy(fixture("vault-schema-v1.carnet"), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(
        Vault::unlock_with_passphrase(
            &path,
            &Passphrase::new("not the fixture one"),
            &Default::default()
        )
        .is_err()
    );
    assert_unchanged(&path, &before);
}

/// Writes the fixture. Run once, by hand, when the fixture was made:
/// `cargo test -p carnet-tests --test migration -- --ignored write_schema_v1_fixture`.
/// A schema-1 vault is a schema-2 vault without the audit log and the two indexes that
/// migration 1 -> 2 adds, so the fixture is made by removing exactly those.
#[test]
#[ignore = "writes the frozen fixture; never run in CI"]
fn write_schema_v1_fixture() {
    use carnet_core::model::{NewProfile, NewRecord, Relationship};
    let target = fixture("vault-schema-v1.carnet");
    let _ = std::fs::remove_file(&target);
    let (vault, _) = Vault::create(
        &target,
        &Passphrase::new(FIXTURE_PASSPHRASE),
        &Default::default(),
    )
    .unwrap();
    let p = vault
        .add_profile(NewProfile::new(
            "Fixture Patient",
            date("1970-01-01"),
            Relationship::Owner,
        ))
        .unwrap();
    vault
        .add_record(NewRecord::entered(
            p.id,
            prescription("2024-02-01", "Metformine", "500 mg"),
        ))
        .unwrap();
    vault
        .add_record(NewRecord::entered(
            p.id,
            lab("2024-02-02", "HbA1c", 6.4, "%"),
        ))
        .unwrap();
    drop(vault);
    let raw = rusqlite::Connection::open(&target).unwrap();
    raw.execute_batch(
        "DROP TABLE audit_events; DROP INDEX records_by_profile; DROP INDEX attachments_by_record;
         DELETE FROM sqlite_sequence; PRAGMA user_version = 1; VACUUM;",
    )
    .unwrap();
    raw.pragma_update(None, "journal_mode", "DELETE").unwrap();
}
