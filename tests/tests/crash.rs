//! Crash safety: a worker process changing a vault is killed with SIGKILL at random moments,
//! again and again; after each kill the vault must open, pass SQLite's integrity check, hold
//! every change the worker confirmed, hold no change by halves, and have no orphaned
//! attachment chunks. Backups and restored vaults at their final names must be whole.
//!
//! `CARNET_CRASH_ITERATIONS` sets the number of kills (200 by default); the soak script
//! `scripts/soak-crash.sh` runs thousands in release mode.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::Vault;
use carnet_core::backup::{self, Protection};
use carnet_core::crypto::{KdfPolicy, Passphrase};
use carnet_core::model::*;
use carnet_core::vault::ImportOptions;
use carnet_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Default, Debug)]
struct Counts {
    kills: usize,
    in_flight_at_kill: BTreeMap<String, usize>,
}

fn ledger_lines(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(' ').map(str::to_owned).collect())
        .collect()
}

/// Opens the vault with the passphrase the ledger says is current, or the one being set when
/// the worker was killed.
fn unlock(path: &Path, lines: &[Vec<String>]) -> (Vault, String) {
    let mut current = "passphrase initial".to_owned();
    let mut pending = None;
    for l in lines {
        match l[0].as_str() {
            "begin-passwd" => pending = Some(l[1..].join(" ")),
            "passwd" => {
                current = l[1..].join(" ");
                pending = None;
            }
            _ => {}
        }
    }
    for candidate in std::iter::once(current).chain(pending) {
        if let Ok(v) =
            Vault::unlock_with_passphrase(path, &Passphrase::new(candidate.as_str()), &options())
        {
            return (v, candidate);
        }
    }
    panic!("the vault opens with neither the confirmed nor the pending passphrase");
}

fn check(path: &Path, dir: &Path, ledger: &Path, counts: &mut Counts) -> String {
    let lines = ledger_lines(ledger);
    if let Some(last) = lines.last().filter(|l| l[0].starts_with("begin-")) {
        *counts
            .in_flight_at_kill
            .entry(last[0].trim_start_matches("begin-").to_owned())
            .or_default() += 1;
    }
    // SQLite's own check, before the vault is unlocked (and so before it writes).
    {
        let raw = rusqlite::Connection::open(path).unwrap();
        let verdict: String = raw
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(verdict, "ok");
        let orphans: i64 = raw
            .query_row("SELECT COUNT(*) FROM attachment_chunks WHERE attachment_id NOT IN (SELECT id FROM attachments)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(orphans, 0, "orphaned attachment chunks");
    }
    let (vault, passphrase) = unlock(path, &lines);
    let records = vault.records(None, None).unwrap();
    let by_id: HashMap<String, &Record> = records.iter().map(|r| (r.id.to_string(), r)).collect();

    // Inserted batches: all of a batch or none of it; all of it once confirmed.
    let mut batches: HashMap<String, usize> = HashMap::new();
    for r in &records {
        if let RecordBody::Letter(l) = &r.body
            && let Some(rest) = l.subject.strip_prefix("batch ")
        {
            *batches
                .entry(rest.split(' ').next().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    // Per record: the last confirmed update, and every update in flight since (each one's
    // worker was killed; any of them may have committed before its kill).
    let mut last_update: HashMap<String, (String, Vec<String>)> = HashMap::new();
    for l in &lines {
        match l[0].as_str() {
            "begin-insert" => {
                let found = batches.get(&l[1]).copied().unwrap_or(0);
                let k: usize = l[2].parse().unwrap();
                assert!(
                    found == 0 || found == k,
                    "batch {} has {found} of {k} records",
                    l[1]
                );
            }
            "insert" => {
                assert_eq!(
                    batches.get(&l[1]).copied().unwrap_or(0),
                    l[2].parse::<usize>().unwrap(),
                    "confirmed batch {} incomplete",
                    l[1]
                );
            }
            "begin-update" => {
                let entry = last_update
                    .entry(l[1].clone())
                    .or_insert((String::new(), Vec::new()));
                entry.1.push(l[2].clone());
            }
            "update" => {
                last_update.insert(l[1].clone(), (l[2].clone(), Vec::new()));
            }
            "delete" => {
                assert!(!by_id.contains_key(&l[1]), "a confirmed delete is undone");
                last_update.remove(&l[1]);
            }
            "attach" => {
                let record = by_id
                    .get(&l[1])
                    .expect("the record of a confirmed attachment");
                let size: u64 = l[2].parse().unwrap();
                let a = record
                    .attachments
                    .iter()
                    .find(|a| a.id.to_string() == l[3])
                    .expect("a confirmed attachment is missing");
                assert_eq!(a.size, size);
            }
            _ => {}
        }
    }
    for (id, (confirmed, pending)) in &last_update {
        if let Some(r) = by_id.get(id) {
            let RecordBody::Prescription(p) = &r.body else {
                panic!("pool record changed kind")
            };
            let mark = p.medications[0].name.trim_start_matches("mark ").to_owned();
            // The last confirmed update, or the original pool mark when none was confirmed;
            // or one of the updates in flight since, when their workers were killed.
            let as_confirmed = if confirmed.is_empty() {
                mark.starts_with("pool-")
            } else {
                mark == *confirmed
            };
            assert!(
                as_confirmed || pending.contains(&mark),
                "record {id} holds {mark}, expected {confirmed:?} (or the original) or {pending:?}"
            );
        }
    }
    // Every attachment present reads back whole.
    for r in &records {
        for a in &r.attachments {
            let mut out = Hashing::default();
            vault.read_attachment(&a.id, &mut out).unwrap();
            assert!(
                out.finish() == Scan::digest(usize::try_from(a.size).unwrap()),
                "attachment content differs"
            );
        }
    }
    // Files at their final names are whole: the newest backup restores, restored vaults open.
    let mut backups: Vec<PathBuf> = files_with(dir, ".carnet-backup");
    backups.sort_by_key(|p| p.metadata().and_then(|m| m.modified()).ok());
    if let Some(newest) = backups.last() {
        let scratch = dir.join("check-restore.carnet");
        let (v, _, report) = backup::restore_new(
            newest,
            Protection::RecoveryKey(&recovery(dir)),
            &scratch,
            &Passphrase::new("scratch passphrase"),
            &options(),
            &KdfPolicy::insecure_for_tests(),
            &ImportOptions::trusting_no_one(chrono::Utc::now()),
        )
        .unwrap_or_else(|e| panic!("a backup at its final name does not restore: {e}"));
        assert!(report.records_added > 0);
        drop(v);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
        }
    }
    for restored in files_with(dir, "restored-")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "carnet"))
    {
        let v = Vault::unlock_with_passphrase(
            &restored,
            &Passphrase::new("restored passphrase"),
            &options(),
        )
        .unwrap_or_else(|e| panic!("a restored vault at its final name does not open: {e}"));
        assert!(!v.records(None, None).unwrap().is_empty());
    }
    passphrase
}

fn files_with(dir: &Path, marker: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy().contains(marker)
                    && !n.to_string_lossy().contains(".writing-")
                    && !n.to_string_lossy().contains(".restoring-")
                    && !n.to_string_lossy().contains(".creating-")
            })
        })
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect()
}

fn recovery(dir: &Path) -> carnet_core::crypto::RecoveryKey {
    carnet_core::crypto::RecoveryKey::parse(
        &std::fs::read_to_string(dir.join("recovery.txt")).unwrap(),
    )
    .unwrap()
}

#[test]
fn sigkill_at_random_moments_never_corrupts_or_half_applies() {
    let iterations: usize = std::env::var("CARNET_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let vault_path = dir.join("vault.carnet");
    let ledger = dir.join("ledger.txt");
    {
        let (vault, recovery_key) = Vault::create(
            &vault_path,
            &Passphrase::new("passphrase initial"),
            &options(),
        )
        .unwrap();
        std::fs::write(
            dir.join("recovery.txt"),
            recovery_key.display_text().as_str(),
        )
        .unwrap();
        let p = vault.add_profile(adult()).unwrap();
        vault
            .add_records(
                (0..20)
                    .map(|i| {
                        NewRecord::entered(
                            p.id,
                            prescription("2026-01-01", &format!("mark pool-{i}"), "1 mg"),
                        )
                    })
                    .collect(),
            )
            .unwrap();
    }
    let mut rng = StdRng::seed_from_u64(0xC4A5);
    let mut counts = Counts::default();
    let mut passphrase = "passphrase initial".to_owned();
    for i in 0..iterations {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_worker"))
            .arg(&vault_path)
            .arg(&ledger)
            .arg(dir)
            .arg(&passphrase)
            .arg(i.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng.gen_range(5..250)));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the worker stopped by itself ({status}): {err}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        counts.kills += 1;
        passphrase = check(&vault_path, dir, &ledger, &mut counts);
    }
    let confirmed = ledger_lines(&ledger)
        .iter()
        .filter(|l| !l[0].starts_with("begin-"))
        .count();
    println!(
        "crash harness: {} SIGKILLs, {confirmed} confirmed changes, each checked after every later kill; killed in the middle of: {:?}",
        counts.kills, counts.in_flight_at_kill
    );
    assert_eq!(counts.kills, iterations);
    // The kills landed inside changes, not only between them.
    assert!(
        counts.in_flight_at_kill.values().sum::<usize>() > iterations / 10,
        "{counts:?}"
    );
}
