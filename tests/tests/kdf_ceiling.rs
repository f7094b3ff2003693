//! A crafted vault or backup header asking Argon2 for 4 GiB is refused before anything is
//! allocated. Its own test binary, so the counting allocator sees only this test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::backup::{self, BackupError, BackupOptions, Protection};
use carnet_core::crypto::{KdfPolicy, Passphrase};
use carnet_core::vault::ImportOptions;
use carnet_core::{Vault, VaultError};
use carnet_tests::alloc::{Counting, peak_during};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const FOUR_GIB_IN_KIB: &str = "4194304";

#[test]
fn four_gigabyte_argon2_headers_are_refused_without_allocating() {
    const LIMIT: usize = 16 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let pass = Passphrase::new("production passphrase");

    // A vault whose passphrase slot asks for 4 GiB.
    let path = dir.path().join("crafted.carnet");
    let (vault, _) = Vault::create(&path, &pass, &Default::default()).unwrap();
    let archive = dir.path().join("family.carnet-backup");
    let backup_pass = Passphrase::new("backup passphrase, long enough");
    backup::write_file(
        &vault,
        &archive,
        Protection::Passphrase(&backup_pass),
        &BackupOptions::default(),
    )
    .unwrap();
    vault.lock();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let params: Vec<u8> = raw
        .query_row(
            "SELECT params FROM key_slots WHERE kind = 'passphrase'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let crafted = String::from_utf8(params)
        .unwrap()
        .replace("\"m_kib\":65536", &format!("\"m_kib\":{FOUR_GIB_IN_KIB}"));
    assert!(crafted.contains(FOUR_GIB_IN_KIB));
    raw.execute(
        "UPDATE key_slots SET params = ?1 WHERE kind = 'passphrase'",
        [crafted.as_bytes()],
    )
    .unwrap();
    drop(raw);
    let (err, peak) =
        peak_during(|| Vault::unlock_with_passphrase(&path, &pass, &Default::default()).err());
    assert!(
        matches!(
            err,
            Some(VaultError::ExcessiveKdf {
                m_kib: 4_194_304,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(
        peak < LIMIT,
        "unlock allocated {peak} bytes before refusing"
    );

    // A backup whose header asks for 4 GiB: the length field follows the longer header.
    let bytes = std::fs::read(&archive).unwrap();
    let header_len = usize::from(u16::from_be_bytes([bytes[9], bytes[10]]));
    let header = String::from_utf8(bytes[11..11 + header_len].to_vec()).unwrap();
    assert!(header.contains("\"m_kib\":65536"), "{header}");
    let header = header.replace("\"m_kib\":65536", &format!("\"m_kib\":{FOUR_GIB_IN_KIB}"));
    let mut crafted = bytes[..9].to_vec();
    crafted.extend_from_slice(&u16::try_from(header.len()).unwrap().to_be_bytes());
    crafted.extend_from_slice(header.as_bytes());
    crafted.extend_from_slice(&bytes[11 + header_len..]);
    let crafted_path = dir.path().join("crafted.carnet-backup");
    std::fs::write(&crafted_path, &crafted).unwrap();
    let target = dir.path().join("restored.carnet");
    let (err, peak) = peak_during(|| {
        backup::restore_new(
            &crafted_path,
            Protection::Passphrase(&backup_pass),
            &target,
            &Passphrase::new("a new passphrase, long enough"),
            &Default::default(),
            &KdfPolicy::production(),
            &ImportOptions::trusting_no_one(chrono::Utc::now()),
        )
        .err()
    });
    assert!(
        matches!(
            err,
            Some(BackupError::ExcessiveKdf {
                m_kib: 4_194_304,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(
        peak < LIMIT,
        "restore allocated {peak} bytes before refusing"
    );
    assert!(!target.exists(), "nothing is made from a refused archive");
}
