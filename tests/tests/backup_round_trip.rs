//! The full round trip the backup issue asks for: the demo family, 10,000 generated records
//! and a 50 MB attachment, backed up and restored into a new vault, compared record by record
//! and byte for byte, with the heap measured. Its own binary, for the counting allocator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::backup::{self, BackupOptions, Protection};
use carnet_core::crypto::{KdfPolicy, Passphrase};
use carnet_core::model::*;
use carnet_core::vault::ImportOptions;
use carnet_tests::alloc::{Counting, peak_during};
use carnet_tests::*;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn demo_family_ten_thousand_records_and_a_50_mb_scan_round_trip() {
    const SCAN: usize = 50 * 1024 * 1024;
    const LIMIT: usize = 8 * 1024 * 1024;
    let t = TestVault::new();
    let family = carnet_core::demo::populate(t.vault(), date("2026-11-18")).unwrap();
    t.vault()
        .add_records(generated_records(family.adult.id, 10_000))
        .unwrap();
    let body = RecordBody::Document(Document {
        title: "IRM".into(),
        date: date("2026-07-07"),
        media_type: "application/pdf".into(),
    });
    let doc = t
        .vault()
        .add_record(NewRecord::entered(family.adult.id, body))
        .unwrap();
    let scan = t
        .vault()
        .attach(&doc.id, "irm.pdf", "application/pdf", &mut Scan::new(SCAN))
        .unwrap();

    let archive = t.dir.path().join("family.carnet-backup");
    let options = BackupOptions {
        profiles: None,
        kdf: carnet_core::crypto::KdfParams::insecure_for_tests(),
        kdf_policy: KdfPolicy::insecure_for_tests(),
    };
    let (summary, backup_peak) = peak_during(|| {
        backup::write_file(
            t.vault(),
            &archive,
            Protection::RecoveryKey(&t.recovery),
            &options,
        )
        .unwrap()
    });
    assert_eq!(summary.profiles, 3);
    assert_eq!(summary.attachments, 1);
    assert!(summary.records > 10_000);

    let target = t.dir.path().join("restored.carnet");
    let ((restored, _, report), restore_peak) = peak_during(|| {
        backup::restore_new(
            &archive,
            Protection::RecoveryKey(&t.recovery),
            &target,
            &Passphrase::new("the new phone's passphrase"),
            &carnet_tests::options(),
            &KdfPolicy::insecure_for_tests(),
            &ImportOptions::trusting_no_one(chrono::Utc::now()),
        )
        .unwrap()
    });
    assert_eq!(report.records_added as u64, summary.records);

    // Record by record.
    for profile in [&family.adult, &family.child, &family.parent] {
        let mut before = t.vault().records(Some(&profile.id), None).unwrap();
        let mut after = restored.records(Some(&profile.id), None).unwrap();
        before.sort_by_key(|r| r.id);
        after.sort_by_key(|r| r.id);
        assert_eq!(before.len(), after.len());
        assert!(
            before == after,
            "records of a profile differ after the round trip"
        );
        assert_eq!(restored.profile(&profile.id).unwrap(), *profile);
    }
    // Every restored row is vouched for by the import's events, batch by batch.
    let history = restored.verify().unwrap();
    assert_eq!(history.rows_before_the_chain, 0);
    assert!(history.rows_checked > summary.records);
    // The scan, byte for byte.
    let mut out = Hashing::default();
    restored.read_attachment(&scan.id, &mut out).unwrap();
    assert!(
        out.finish() == Scan::digest(SCAN),
        "the scan differs after the round trip"
    );

    println!(
        "backup of {} records and a 50 MiB scan: archive {} MiB; heap peak {} KiB writing, {} KiB restoring",
        summary.records,
        summary.bytes / (1024 * 1024),
        backup_peak / 1024,
        restore_peak / 1024
    );
    assert!(
        backup_peak < LIMIT,
        "backup used {backup_peak} bytes of heap"
    );
    assert!(
        restore_peak < LIMIT,
        "restore used {restore_peak} bytes of heap"
    );
}
