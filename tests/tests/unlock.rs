//! Creating, unlocking, locking and re-keying a vault.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::crypto::{Passphrase, RecoveryKey, SoftwareKeyStore};
use carnet_core::model::NewRecord;
use carnet_core::vault::AuditAction;
use carnet_core::{Vault, VaultError};
use carnet_tests::*;

#[test]
fn create_unlock_and_reopen_keeps_data() {
    let mut t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            prescription("2026-10-01", "Metformine", "1000 mg"),
        ))
        .unwrap();
    let vault = t.unlock();
    assert_eq!(vault.profiles().unwrap(), vec![profile]);
    assert_eq!(vault.record(&record.id).unwrap(), record);
    let actions: Vec<_> = vault
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.first(), Some(&AuditAction::VaultCreated));
    assert!(
        matches!(actions.last(), Some(AuditAction::Unlocked { method }) if method == "passphrase")
    );
}

#[test]
fn wrong_passphrase_is_typed_and_leaves_the_file_byte_identical() {
    let mut t = TestVault::new();
    t.vault().add_profile(adult()).unwrap();
    t.lock();
    let before = std::fs::read(&t.path).unwrap();
    let err =
        Vault::unlock_with_passphrase(&t.path, &Passphrase::new("not the passphrase"), &options())
            .unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err:?}");
    assert_unchanged(&t.path, &before);
}

#[test]
fn recovery_key_unlocks_and_a_wrong_or_mistyped_one_does_not() {
    let mut t = TestVault::new();
    t.lock();
    let text = t.recovery.display_text();
    let before = std::fs::read(&t.path).unwrap();

    let other = RecoveryKey::random();
    let err = Vault::unlock_with_recovery_key(&t.path, &other, &options()).unwrap_err();
    assert!(matches!(err, VaultError::WrongRecoveryKey), "{err:?}");
    assert_unchanged(&t.path, &before);

    let mut typo: Vec<char> = text.chars().collect();
    typo[5] = if typo[5] == '7' { '8' } else { '7' };
    let typo: String = typo.into_iter().collect();
    assert!(RecoveryKey::parse(&typo).is_err());

    let parsed = RecoveryKey::parse(&text).unwrap();
    let vault = Vault::unlock_with_recovery_key(&t.path, &parsed, &options()).unwrap();
    assert!(vault.profiles().unwrap().is_empty());
}

#[test]
fn passphrase_change_rewraps_only_the_slot() {
    let mut t = TestVault::new();
    let profile = t.vault().add_profile(adult()).unwrap();
    let record = t
        .vault()
        .add_record(NewRecord::entered(
            profile.id,
            lab("2026-06-01", "HbA1c", 7.1, "%"),
        ))
        .unwrap();
    let body_before: Vec<u8> = t
        .raw()
        .query_row("SELECT body FROM records", [], |r| r.get(0))
        .unwrap();

    let new = Passphrase::new("a brand new passphrase");
    t.vault().change_passphrase(&new).unwrap();
    let body_after: Vec<u8> = t
        .raw()
        .query_row("SELECT body FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body_before, body_after, "data must not be re-encrypted");
    t.lock();

    assert!(matches!(
        Vault::unlock_with_passphrase(&t.path, &passphrase(), &options()),
        Err(VaultError::WrongPassphrase)
    ));
    let vault = Vault::unlock_with_passphrase(&t.path, &new, &options()).unwrap();
    assert_eq!(vault.record(&record.id).unwrap(), record);
    // The recovery key still works after a passphrase change.
    drop(vault);
    assert!(Vault::unlock_with_recovery_key(&t.path, &t.recovery, &options()).is_ok());
}

#[test]
fn short_passphrases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.carnet");
    let err = Vault::create(&path, &Passphrase::new("short"), &options()).unwrap_err();
    assert!(matches!(err, VaultError::PassphraseTooShort { min: 8 }));
    assert!(!path.exists());
    let t = TestVault::new();
    assert!(matches!(
        t.vault().change_passphrase(&Passphrase::new("1234567")),
        Err(VaultError::PassphraseTooShort { .. })
    ));
}

#[test]
fn platform_key_store_slot_unlocks_only_with_its_store() {
    let mut t = TestVault::new();
    let store = SoftwareKeyStore::random();
    assert!(matches!(
        Vault::unlock_with_key_store(&t.path, &store, &options()),
        Err(VaultError::NoKeySlot("platform"))
    ));
    t.vault().add_platform_key_slot(&store).unwrap();
    assert_eq!(
        t.vault().key_slot_kinds().unwrap(),
        ["passphrase", "platform", "recovery"]
    );
    t.lock();
    assert!(Vault::unlock_with_key_store(&t.path, &store, &options()).is_ok());
    let err =
        Vault::unlock_with_key_store(&t.path, &SoftwareKeyStore::random(), &options()).unwrap_err();
    assert!(matches!(err, VaultError::KeyStore(_)), "{err:?}");
}

#[test]
fn create_never_overwrites_and_unlock_never_creates() {
    let t = TestVault::new();
    let err = Vault::create(&t.path, &passphrase(), &options()).unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists));
    let missing = t.dir.path().join("missing.carnet");
    assert!(matches!(
        Vault::unlock_with_passphrase(&missing, &passphrase(), &options()),
        Err(VaultError::NotFound)
    ));
    assert!(!missing.exists());
    // No temporary file is left beside the vault.
    let names: Vec<_> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.to_string_lossy().contains(".creating-")),
        "{names:?}"
    );
}

#[test]
fn a_file_that_is_not_a_vault_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.carnet");
    std::fs::write(
        &path,
        b"These are not the records you are looking for.".repeat(100),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Vault::unlock_with_passphrase(&path, &passphrase(), &options()).unwrap_err();
    assert!(matches!(err, VaultError::NotAVault), "{err:?}");
    assert_unchanged(&path, &before);

    // Another application's SQLite database.
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    assert!(matches!(
        Vault::unlock_with_passphrase(&other, &passphrase(), &options()),
        Err(VaultError::NotAVault)
    ));
}

#[test]
fn a_damaged_vault_gives_a_typed_error_and_is_never_deleted() {
    let mut t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    t.vault().add_records(generated_records(p.id, 200)).unwrap();
    t.lock();
    // Overwrite a page in the middle of the file with garbage.
    let mut bytes = std::fs::read(&t.path).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 4096] {
        *b = 0xA5;
    }
    std::fs::write(&t.path, &bytes).unwrap();
    let outcome = Vault::unlock_with_passphrase(&t.path, &passphrase(), &options())
        .and_then(|v| v.records(None, None).map(|_| ()));
    let err = outcome.expect_err("damage must be reported");
    assert!(
        matches!(
            err,
            VaultError::Corrupt(_) | VaultError::Integrity { .. } | VaultError::NotAVault
        ),
        "{err:?}"
    );
    assert!(
        std::fs::read(&t.path).unwrap() == bytes,
        "the damaged file must be kept as it was"
    );
}

#[test]
fn one_damaged_record_leaves_the_others_readable() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let ids = t.vault().add_records(generated_records(p.id, 20)).unwrap();
    t.raw()
        .execute(
            "UPDATE records SET body = zeroblob(length(body)) WHERE id = ?1",
            [ids[3].as_bytes()],
        )
        .unwrap();
    let err = t.vault().record(&ids[3]).unwrap_err();
    assert!(
        matches!(err, VaultError::Integrity { what: "record" }),
        "{err:?}"
    );
    for id in ids.iter().filter(|id| **id != ids[3]) {
        assert!(t.vault().record(id).is_ok());
    }
}

#[test]
fn the_vault_is_usable_from_several_threads() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    std::thread::scope(|s| {
        for worker in 0..4 {
            let vault = t.vault();
            s.spawn(move || {
                for i in 0..25 {
                    let body = prescription("2026-01-01", &format!("Drug {worker}-{i}"), "5 mg");
                    vault.add_record(NewRecord::entered(p.id, body)).unwrap();
                    vault.records(Some(&p.id), None).unwrap();
                }
            });
        }
    });
    assert_eq!(t.vault().records(Some(&p.id), None).unwrap().len(), 100);
}
