//! The process the crash-safety harness kills. It unlocks a vault and changes it in a loop
//! (inserts, updates, deletes, attachment imports, passphrase changes, backups, restores),
//! appending to a ledger, synced to disk, a line before (`begin ...`) and after each change,
//! until it is killed. See `tests/tests/crash.rs`.
//!
//! Usage: crash_worker VAULT LEDGER DIR PASSPHRASE SEED

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::Vault;
use carnet_core::backup::{self, BackupOptions, Protection};
use carnet_core::crypto::{KdfParams, KdfPolicy, Passphrase, RecoveryKey};
use carnet_core::model::*;
use carnet_core::vault::ImportOptions;
use carnet_tests::{Scan, options};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::PathBuf;

struct Ledger(std::fs::File);

impl Ledger {
    fn line(&mut self, text: &str) {
        writeln!(self.0, "{text}").unwrap();
        self.0.sync_data().unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, vault, ledger, dir, passphrase, seed] = args.as_slice() else {
        panic!("usage: crash_worker VAULT LEDGER DIR PASSPHRASE SEED");
    };
    let dir = PathBuf::from(dir);
    let mut rng = StdRng::seed_from_u64(seed.parse().unwrap());
    let mut ledger = Ledger(
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(ledger)
            .unwrap(),
    );
    let vault = Vault::unlock_with_passphrase(
        vault.as_ref(),
        &Passphrase::new(passphrase.as_str()),
        &options(),
    )
    .unwrap();
    let recovery =
        RecoveryKey::parse(&std::fs::read_to_string(dir.join("recovery.txt")).unwrap()).unwrap();
    let profile = vault.profiles().unwrap()[0].id;
    let backup_options = BackupOptions {
        profiles: None,
        kdf: KdfParams::insecure_for_tests(),
        kdf_policy: KdfPolicy::insecure_for_tests(),
    };
    for step in 0u64.. {
        let tag = format!("{seed}-{step}");
        match rng.gen_range(0..100) {
            0..=29 => {
                // Keep the vault small so each kill-and-check cycle stays quick.
                if vault
                    .count_records(Some(&profile))
                    .unwrap()
                    .get(&RecordKind::Letter)
                    .copied()
                    .unwrap_or(0)
                    > 300
                {
                    continue;
                }
                let k = rng.gen_range(1..=5);
                ledger.line(&format!("begin-insert {tag} {k}"));
                let batch = (0..k)
                    .map(|i| {
                        NewRecord::entered(
                            profile,
                            RecordBody::Letter(Letter {
                                author: "Dr Crash".into(),
                                specialty: None,
                                date: "2026-01-01".parse().unwrap(),
                                subject: format!("batch {tag} {i}"),
                                body: "x".repeat(rng.gen_range(10..3000)),
                            }),
                        )
                    })
                    .collect();
                vault.add_records(batch).unwrap();
                ledger.line(&format!("insert {tag} {k}"));
            }
            30..=49 => {
                let pool = vault
                    .records(Some(&profile), Some(RecordKind::Prescription))
                    .unwrap();
                if pool.is_empty() {
                    continue;
                }
                let r = &pool[rng.gen_range(0..pool.len())];
                ledger.line(&format!("begin-update {} {tag}", r.id));
                let body = RecordBody::Prescription(Prescription {
                    prescriber: Prescriber {
                        name: "Dr Pool".into(),
                        specialty: None,
                        rpps: None,
                    },
                    date: "2026-01-01".parse().unwrap(),
                    medications: vec![Medication {
                        name: format!("mark {tag}"),
                        code: None,
                        strength: None,
                        instructions: String::new(),
                        duration: None,
                        renewals: 0,
                        notes: None,
                        stop: None,
                    }],
                    notes: None,
                });
                vault.update_record(&r.id, body).unwrap();
                ledger.line(&format!("update {} {tag}", r.id));
            }
            50..=57 => {
                let pool = vault
                    .records(Some(&profile), Some(RecordKind::Prescription))
                    .unwrap();
                if pool.len() < 5 {
                    continue;
                }
                let r = &pool[rng.gen_range(0..pool.len())];
                ledger.line(&format!("begin-delete {}", r.id));
                vault.delete_record(&r.id).unwrap();
                ledger.line(&format!("delete {}", r.id));
            }
            58..=72 => {
                let letters = vault
                    .records(Some(&profile), Some(RecordKind::Letter))
                    .unwrap();
                if letters.is_empty() {
                    continue;
                }
                if letters.iter().map(|l| l.attachments.len()).sum::<usize>() > 30 {
                    continue;
                }
                let r = &letters[rng.gen_range(0..letters.len())];
                let size = rng.gen_range(1..300_000);
                ledger.line(&format!("begin-attach {} {size}", r.id));
                let a = vault
                    .attach(
                        &r.id,
                        "scan.bin",
                        "application/octet-stream",
                        &mut Scan::new(size),
                    )
                    .unwrap();
                ledger.line(&format!("attach {} {size} {}", r.id, a.id));
            }
            73..=82 => {
                let new = format!("passphrase {tag}");
                ledger.line(&format!("begin-passwd {new}"));
                vault
                    .change_passphrase(&Passphrase::new(new.as_str()))
                    .unwrap();
                ledger.line(&format!("passwd {new}"));
            }
            83..=92 => {
                prune(&dir, "carnet-backup", 2);
                let path = dir.join(format!("backup-{tag}.carnet-backup"));
                ledger.line(&format!("begin-backup {}", path.display()));
                backup::write_file(
                    &vault,
                    &path,
                    Protection::RecoveryKey(&recovery),
                    &backup_options,
                )
                .unwrap();
                ledger.line(&format!("backup {}", path.display()));
            }
            _ => {
                let Some(archive) = latest_backup(&dir) else {
                    continue;
                };
                prune(&dir, "restored", 1);
                let target = dir.join(format!("restored-{tag}.carnet"));
                ledger.line(&format!("begin-restore {}", target.display()));
                let restored = backup::restore_new(
                    &archive,
                    Protection::RecoveryKey(&recovery),
                    &target,
                    &Passphrase::new("restored passphrase"),
                    &options(),
                    &KdfPolicy::insecure_for_tests(),
                    &ImportOptions::trusting_no_one(chrono::Utc::now()),
                );
                let (v, _, _) = restored.unwrap();
                drop(v);
                ledger.line(&format!("restore {}", target.display()));
            }
        }
    }
}

fn latest_backup(dir: &std::path::Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "carnet-backup"))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// Keeps the `keep` newest files whose name contains `marker`, so the directory stays small.
fn prune(dir: &std::path::Path, marker: &str, keep: usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(marker))
        })
        .collect();
    files.sort_by_key(|p| p.metadata().and_then(|m| m.modified()).ok());
    let excess = files.len().saturating_sub(keep);
    for old in files.into_iter().take(excess) {
        let _ = std::fs::remove_file(old);
    }
}
