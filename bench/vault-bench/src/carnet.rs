//! The workload on the Carnet vault, through `carnet_core::Vault`'s public API only, with
//! production settings (`VaultOptions::default()`: Argon2id, 64 MiB, 3 passes).

use crate::BenchError;
use carnet_core::crypto::Passphrase;
use carnet_core::model::{NewRecord, RecordKind, current_medications};
use carnet_core::{Vault, VaultOptions};
use carnet_sql_workload::{
    Counts, EngineReport, Plan, Samples, database_bytes, ms_since, remove_database,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs every phase the way [`carnet_sql_workload::run_phases`] does, on vaults under `dir`.
/// Returns the report and the vault the phases ran on.
pub fn run(
    plan: &Plan,
    records: &[NewRecord],
    dir: &Path,
) -> Result<(EngineReport, PathBuf), BenchError> {
    let options = VaultOptions::default();
    let passphrase = Passphrase::new(plan.passphrase.clone());
    let repetitions = plan.repetitions.max(1);
    let mut samples = Samples::default();
    let mut counts = Counts::default();

    // Insert: a fresh vault each time; creating it (and its Argon2id slot) is not timed.
    let mut kept = None;
    for rep in 0..repetitions {
        let path = dir.join(format!("carnet-{rep}.vault"));
        remove_database(&path)?;
        let (vault, _recovery) = Vault::create(&path, &passphrase, &options)?;
        let profile = vault.add_profile(plan.profile.clone())?;
        let news: Vec<NewRecord> = records
            .iter()
            .cloned()
            .map(|mut r| {
                r.profile_id = profile.id;
                r
            })
            .collect();
        let start = Instant::now();
        counts.inserted = vault.add_records(news)?.len();
        samples.insert.push(ms_since(start));
        vault.lock();
        if let Some((previous, _)) = kept.replace((path, profile.id)) {
            remove_database(&previous)?;
        }
    }
    let (path, profile) = kept.ok_or_else(|| BenchError::Bench("no vault was written".into()))?;

    // Unlock (Argon2id, key check, structure check, audit entry), then list on that vault.
    for _ in 0..repetitions {
        let start = Instant::now();
        let vault = Vault::unlock_with_passphrase(&path, &passphrase, &options)?;
        let unlocked = Instant::now();
        counts.listed = vault.records(Some(&profile), None)?.len();
        let unlock = unlocked.duration_since(start).as_secs_f64() * 1000.0;
        let list = ms_since(unlocked);
        samples.unlock.push(unlock);
        samples.list.push(list);
        samples.unlock_and_list.push(unlock + list);
        vault.lock();
    }

    let vault = Vault::unlock_with_passphrase(&path, &passphrase, &options)?;
    for _ in 0..repetitions {
        let start = Instant::now();
        counts.search_hits = vault.search(&plan.search_query, Some(&profile))?.len();
        samples.search.push(ms_since(start));
    }
    for _ in 0..repetitions {
        let start = Instant::now();
        let prescriptions = vault.records(Some(&profile), Some(RecordKind::Prescription))?;
        counts.current_medications = current_medications(&prescriptions, plan.today).len();
        samples.current_medications.push(ms_since(start));
    }
    vault.lock();

    let report = EngineReport {
        engine: "Carnet vault".into(),
        library: "carnet-core over bundled SQLite".into(),
        settings: vec![
            format!(
                "Argon2id m={} MiB t={} p={}; XChaCha20-Poly1305 per row (HChaCha20, then ring's ChaCha20-Poly1305); one audit event per batch of up to 1,000 records, naming each",
                options.kdf.m_kib / 1024,
                options.kdf.t,
                options.kdf.p
            ),
            "WAL, synchronous=FULL, foreign_keys, secure_delete".into(),
        ],
        samples,
        counts,
        file_bytes: database_bytes(&path),
    };
    Ok((report, path))
}
