//! The Rust side of the bindings' overhead measurement (scripts/ffi-measure.sh): the same
//! calls the Kotlin side makes through the bindings, made on `carnet_core` directly.
//!
//! `measure <dir>` creates `<dir>/measure.carnet` on first use (10,000 records: 1,000 in the
//! profile "Liste", 9,000 in "Autres", from the demo family's records), then prints the median
//! times of opening the vault and of listing the 1,000 records. A measurement, not a test.

use carnet_core::crypto::Passphrase;
use carnet_core::model::{NewProfile, NewRecord, ProfileId, Relationship};
use carnet_core::{Vault, VaultOptions, demo};
use std::path::Path;
use std::time::Instant;

/// The measurement vault's passphrase: a throwaway vault of invented records.
const PASSPHRASE: &str = "measurement vault, invented data";

fn records_for(profile: ProfileId, n: usize) -> Vec<NewRecord> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    demo::adult_records(profile, today)
        .into_iter()
        .cycle()
        .take(n)
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: measure <dir>")?;
    let path = Path::new(&dir).join("measure.carnet");
    let passphrase = Passphrase::new(PASSPHRASE);
    let options = VaultOptions::default();
    if !path.exists() {
        let (vault, _recovery) = Vault::create(&path, &passphrase, &options)?;
        let birth = chrono::NaiveDate::from_ymd_opt(1966, 3, 14).unwrap_or_default();
        let list = vault.add_profile(NewProfile::new("Liste", birth, Relationship::Owner))?;
        let others = vault.add_profile(NewProfile::new("Autres", birth, Relationship::Parent))?;
        vault.add_records(records_for(list.id, 1_000))?;
        vault.add_records(records_for(others.id, 9_000))?;
    }

    let mut open_ms = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let vault = Vault::unlock_with_passphrase(&path, &passphrase, &options)?;
        let profiles = vault.profiles()?;
        open_ms.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(profiles.len(), 2);
    }

    let vault = Vault::unlock_with_passphrase(&path, &passphrase, &options)?;
    let list = vault.find_profile("Liste")?;
    let mut list_ms = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let records = vault.records(Some(&list.id), None)?;
        list_ms.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(records.len(), 1_000);
    }
    println!(
        "rust open_ms={:.1} list_1000_ms={:.1}",
        median(open_ms),
        median(list_ms)
    );
    Ok(())
}
