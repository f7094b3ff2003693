//! Someone holding the vault file changes it: every change is detected, none is accepted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::Vault;
use carnet_core::VaultError;
use carnet_core::crypto::Passphrase;
use carnet_core::model::NewRecord;
use carnet_tests::*;

#[test]
fn every_flipped_byte_of_a_record_is_an_integrity_error() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-10-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    let raw = t.raw();
    let original: Vec<u8> = raw
        .query_row(
            "SELECT body FROM records WHERE id = ?1",
            [record.id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(original.len() > 100);
    for i in 0..original.len() {
        let mut flipped = original.clone();
        flipped[i] ^= 0x01;
        raw.execute(
            "UPDATE records SET body = ?2 WHERE id = ?1",
            rusqlite::params![record.id.as_bytes(), flipped],
        )
        .unwrap();
        let err = t.vault().record(&record.id).unwrap_err();
        assert!(
            matches!(
                err,
                VaultError::Integrity { what: "record" } | VaultError::NewerVersion { .. }
            ),
            "byte {i}: {err:?}"
        );
    }
    raw.execute(
        "UPDATE records SET body = ?2 WHERE id = ?1",
        rusqlite::params![record.id.as_bytes(), original],
    )
    .unwrap();
    assert_eq!(t.vault().record(&record.id).unwrap(), record);
}

#[test]
fn swapped_ciphertexts_between_rows_are_detected() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let a = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-10-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    let b = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-10-02", "Amlodipine", "5 mg"),
        ))
        .unwrap();
    let raw = t.raw();
    let body = |id: &carnet_core::model::RecordId| -> Vec<u8> {
        raw.query_row(
            "SELECT body FROM records WHERE id = ?1",
            [id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (body_a, body_b) = (body(&a.id), body(&b.id));
    raw.execute(
        "UPDATE records SET body = ?2 WHERE id = ?1",
        rusqlite::params![a.id.as_bytes(), body_b],
    )
    .unwrap();
    raw.execute(
        "UPDATE records SET body = ?2 WHERE id = ?1",
        rusqlite::params![b.id.as_bytes(), body_a],
    )
    .unwrap();
    assert!(matches!(
        t.vault().record(&a.id),
        Err(VaultError::Integrity { what: "record" })
    ));
    assert!(matches!(
        t.vault().record(&b.id),
        Err(VaultError::Integrity { what: "record" })
    ));
    assert!(matches!(
        t.vault().records(None, None),
        Err(VaultError::Integrity { .. })
    ));
}

#[test]
fn a_record_moved_to_another_profile_or_kind_is_detected() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let child = t
        .vault()
        .add_profile(carnet_core::model::NewProfile::new(
            "Léa Martin",
            date("2019-05-02"),
            carnet_core::model::Relationship::Child,
        ))
        .unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-10-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    let raw = t.raw();
    raw.execute("UPDATE records SET profile_id = ?1", [child.id.as_bytes()])
        .unwrap();
    assert!(matches!(
        t.vault().record(&r.id),
        Err(VaultError::Integrity { .. })
    ));
    raw.execute(
        "UPDATE records SET profile_id = ?1, kind = 'letter'",
        [p.id.as_bytes()],
    )
    .unwrap();
    assert!(matches!(
        t.vault().record(&r.id),
        Err(VaultError::Integrity { .. })
    ));
}

#[test]
fn swapped_profiles_are_detected() {
    let t = TestVault::new();
    t.vault().add_profile(adult()).unwrap();
    t.vault()
        .add_profile(carnet_core::model::NewProfile::new(
            "Léa Martin",
            date("2019-05-02"),
            carnet_core::model::Relationship::Child,
        ))
        .unwrap();
    t.raw()
        .execute_batch(
            "CREATE TEMP TABLE swap AS SELECT id, body FROM profiles;
             UPDATE profiles SET body = (SELECT body FROM swap WHERE swap.id != profiles.id);",
        )
        .unwrap();
    assert!(matches!(
        t.vault().profiles(),
        Err(VaultError::Integrity { what: "profile" })
    ));
}

#[test]
fn a_newer_schema_version_is_refused_without_touching_the_file() {
    let mut t = TestVault::new();
    t.lock();
    t.raw().pragma_update(None, "user_version", 99).unwrap();
    let before = std::fs::read(&t.path).unwrap();
    let err = Vault::unlock_with_passphrase(&t.path, &passphrase(), &options()).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::NewerVersion {
                found: 99,
                supported: carnet_core::vault::schema::SCHEMA_VERSION
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer version"));
    assert_unchanged(&t.path, &before);
}

#[test]
fn a_downgraded_kdf_header_is_refused() {
    // A vault with production parameters, opened with the production policy.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod.carnet");
    let pass = Passphrase::new("production passphrase");
    let (vault, _) = Vault::create(&path, &pass, &Default::default()).unwrap();
    vault.lock();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let params: Vec<u8> = raw
        .query_row(
            "SELECT params FROM key_slots WHERE kind = 'passphrase'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let text = String::from_utf8(params).unwrap();
    assert!(
        text.contains("\"m_kib\":65536") && text.contains("\"t\":3"),
        "{text}"
    );
    let downgraded = text
        .replace("\"m_kib\":65536", "\"m_kib\":64")
        .replace("\"t\":3", "\"t\":1");
    raw.execute(
        "UPDATE key_slots SET params = ?1 WHERE kind = 'passphrase'",
        [downgraded.as_bytes()],
    )
    .unwrap();
    drop(raw);
    let err = Vault::unlock_with_passphrase(&path, &pass, &Default::default()).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::WeakKdf {
                m_kib: 64,
                t: 1,
                p: 1
            }
        ),
        "{err:?}"
    );

    // Even a policy that accepts weak parameters cannot open it: the parameters are
    // authenticated with the wrapped key.
    let err = Vault::unlock_with_passphrase(&path, &pass, &options()).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err:?}");
}

#[test]
fn a_vault_made_with_test_parameters_is_refused_by_the_production_policy() {
    let mut t = TestVault::new();
    t.lock();
    let err =
        Vault::unlock_with_passphrase(&t.path, &passphrase(), &Default::default()).unwrap_err();
    assert!(matches!(err, VaultError::WeakKdf { .. }), "{err:?}");
}

#[test]
fn a_slot_copied_from_another_vault_does_not_open() {
    let mut a = TestVault::new();
    let mut b = TestVault::new();
    a.lock();
    b.lock();
    let (params, wrapped): (Vec<u8>, Vec<u8>) = b
        .raw()
        .query_row(
            "SELECT params, wrapped_key FROM key_slots WHERE kind = 'passphrase'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    a.raw()
        .execute(
            "UPDATE key_slots SET params = ?1, wrapped_key = ?2 WHERE kind = 'passphrase'",
            rusqlite::params![params, wrapped],
        )
        .unwrap();
    assert!(matches!(
        Vault::unlock_with_passphrase(&a.path, &passphrase(), &options()),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn reading_a_damaged_vault_leaves_its_file_as_it_was() {
    let mut t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-10-01", "Ramipril", "5 mg"),
        ))
        .unwrap();
    t.lock();
    let raw = t.raw();
    raw.execute(
        "UPDATE records SET body = CAST(zeroblob(length(body)) AS BLOB) WHERE id = ?1",
        [record.id.as_bytes()],
    )
    .unwrap();
    drop(raw);
    let before = std::fs::read(&t.path).unwrap();
    let vault = Vault::unlock_with_passphrase(&t.path, &passphrase(), &options()).unwrap();
    assert!(matches!(
        vault.records(None, None),
        Err(VaultError::Integrity { .. })
    ));
    // Nothing is written for this session any more, not even when it closes.
    assert!(matches!(
        vault.record(&record.id),
        Err(VaultError::Integrity { .. })
    ));
    drop(vault);
    assert_unchanged(&t.path, &before);

    // A healthy vault still logs its unlocks, when it closes if nothing else was written.
    let healthy = TestVault::new();
    let events = healthy.vault().audit_log().unwrap().len();
    let path = healthy.path.clone();
    let mut healthy = healthy;
    healthy.unlock();
    healthy.vault().profiles().unwrap();
    healthy.lock();
    let vault = Vault::unlock_with_passphrase(&path, &passphrase(), &options()).unwrap();
    assert_eq!(vault.audit_log().unwrap().len(), events + 2);
}
