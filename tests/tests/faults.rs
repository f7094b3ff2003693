//! Storage faults during writes: a full disk or a read-only file system gives a typed error
//! and leaves the vault as it was; a backup that cannot be written leaves no file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::VaultError;
use carnet_core::backup::{self, BackupError, BackupOptions, Protection};
use carnet_core::model::*;
use carnet_tests::*;

fn snapshot(t: &TestVault) -> (usize, usize, i64) {
    let records = t.vault().records(None, None).unwrap().len();
    let events = t.vault().audit_log().unwrap().len();
    let chunks: i64 = t
        .raw()
        .query_row("SELECT COUNT(*) FROM attachment_chunks", [], |r| r.get(0))
        .unwrap();
    (records, events, chunks)
}

#[test]
fn a_full_disk_during_inserts_and_attachments_changes_nothing() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    let before = snapshot(&t);
    t.vault().simulate_full_disk_for_tests(8).unwrap();

    let err = t
        .vault()
        .add_records(generated_records(p.id, 2_000))
        .unwrap_err();
    assert!(matches!(err, VaultError::DiskFull), "{err:?}");
    assert_eq!(err.to_string(), "the disk is full; nothing was changed");
    let err = t
        .vault()
        .attach(
            &r.id,
            "scan.pdf",
            "application/pdf",
            &mut Scan::new(5 * 1024 * 1024),
        )
        .unwrap_err();
    assert!(matches!(err, VaultError::DiskFull), "{err:?}");
    assert_eq!(snapshot(&t), before);
    // Small writes still fit, and the vault keeps working.
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-02", "Amlodipine", "5 mg"),
        ))
        .unwrap();
}

#[test]
fn a_read_only_file_system_gives_a_typed_error() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    let before = snapshot(&t);
    t.vault().simulate_read_only_for_tests().unwrap();
    for result in [
        t.vault()
            .add_record(NewRecord::entered(
                p.id,
                prescription("2026-01-02", "X", "1 mg"),
            ))
            .map(|_| ()),
        t.vault()
            .update_record(&r.id, prescription("2026-01-01", "Ramipril", "10 mg"))
            .map(|_| ()),
        t.vault().delete_record(&r.id),
        t.vault()
            .change_passphrase(&carnet_core::crypto::Passphrase::new("another passphrase")),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, VaultError::ReadOnly), "{err:?}");
    }
    assert_eq!(t.vault().records(None, None).unwrap().len(), before.0);
    assert_eq!(t.vault().record(&r.id).unwrap(), r);
}

/// A writer that fails like a full disk after `room` bytes.
struct FullDisk {
    room: usize,
}

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_full_disk_during_a_backup_is_typed() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    t.vault().add_records(generated_records(p.id, 500)).unwrap();
    let options = BackupOptions {
        profiles: None,
        kdf: carnet_core::crypto::KdfParams::insecure_for_tests(),
        kdf_policy: carnet_core::crypto::KdfPolicy::insecure_for_tests(),
    };
    for room in [0, 100, 70_000, 200_000] {
        let err = backup::write(
            t.vault(),
            &mut FullDisk { room },
            Protection::RecoveryKey(&t.recovery),
            &options,
        )
        .unwrap_err();
        assert!(matches!(err, BackupError::DiskFull), "room {room}: {err:?}");
    }
    // The vault is untouched by a failed backup.
    assert_eq!(t.vault().records(None, None).unwrap().len(), 500);
}
