//! FHIR import and IPS export, timed, against a real peer in the same run: Python's
//! `fhir.resources` (pydantic models) parsing the same bundle. Prints figures, asserts nothing
//! about time.
//!
//! ```sh
//! cargo bench -p carnet-vault-bench --bench fhir
//! ```
//!
//! - **Import**: the largest corpus bundle of `../shared/corpus/ips` (1.8 MB) read, mapped and
//!   stored in a fresh vault; and, head to head, the largest bundle the peer accepts (it refuses
//!   some connectathon bundles as invalid), read and mapped by Carnet (`fhir::read_bundle`, no
//!   storage) against `fhir.resources` parsing and validating it.
//! - **Export**: a 10,000-record profile (the vault benchmark's workload) written as one IPS
//!   document.
//!
//! The peer is installed into a virtual environment under the target directory by
//! `bench/fhir-peer/install.sh` (PyPI); if that fails, the peer's column says why.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use carnet_core::crypto::Passphrase;
use carnet_core::model::{NewProfile, Relationship};
use carnet_core::vault::ImportOptions;
use carnet_core::{Vault, VaultOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/ips");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is missing: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    files
}

fn vault(dir: &Path, name: &str) -> Vault {
    Vault::create(
        &dir.join(name),
        &Passphrase::new("benchmark passphrase, not a secret"),
        &VaultOptions::default(),
    )
    .unwrap()
    .0
}

fn birth_date(bytes: &[u8]) -> chrono::NaiveDate {
    let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    json["entry"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["resource"]["resourceType"] == "Patient")
        })
        .and_then(|e| e["resource"]["birthDate"].as_str())
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| "1970-01-01".parse().unwrap())
}

/// The peer's median for the largest bundle it accepts, or why there is none.
fn peer(files: &[PathBuf]) -> Result<(PathBuf, f64, Vec<String>), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join("target/fhir-peer-venv");
    let install = Command::new(root.join("bench/fhir-peer/install.sh"))
        .arg(&venv)
        .status()
        .map_err(|e| format!("cannot run the installer: {e}"))?;
    if !install.success() {
        return Err("fhir.resources could not be installed from PyPI".into());
    }
    let out = Command::new(venv.join("bin/python"))
        .arg(root.join("bench/fhir-peer/parse.py"))
        .arg(RUNS.to_string())
        .args(files)
        .output()
        .map_err(|e| format!("cannot run the peer: {e}"))?;
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| format!("the peer failed: {}", String::from_utf8_lossy(&out.stderr)))?;
    Ok((
        PathBuf::from(line["file"].as_str().unwrap_or_default()),
        line["median_ms"].as_f64().unwrap_or(f64::NAN),
        line["refused_larger"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    ))
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn main() {
    let files = corpus();
    let dir = tempfile::tempdir().unwrap();
    let now = carnet_core::time::now();

    // The largest bundle, imported into a fresh vault each run.
    let largest = &files[0];
    let bytes = std::fs::read(largest).unwrap();
    let mut import_ms = Vec::new();
    let mut stored = 0;
    for run in 0..RUNS {
        let v = vault(dir.path(), &format!("import-{run}.carnet"));
        let p = v
            .add_profile(NewProfile::new(
                "Patient",
                birth_date(&bytes),
                Relationship::Owner,
            ))
            .unwrap();
        let start = Instant::now();
        let report = carnet_core::fhir::import_bundle(
            &v,
            &p.id,
            &bytes,
            "bundle.json",
            &ImportOptions::trusting_no_one(now),
            false,
        )
        .unwrap();
        import_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        stored = report.records_added;
    }
    println!(
        "FHIR import, {} ({} bytes), into a fresh vault: median {:.1} ms over {RUNS} runs ({stored} records)",
        name(largest),
        bytes.len(),
        median(import_ms)
    );

    // Head to head with the peer, on the largest bundle it accepts.
    match peer(&files) {
        Ok((file, peer_ms, refused)) => {
            let bytes = std::fs::read(&file).unwrap();
            let profile = carnet_core::model::Profile::from_new(
                carnet_core::model::ProfileId::random(),
                NewProfile::new("Patient", birth_date(&bytes), Relationship::Owner),
            );
            let ours: Vec<f64> = (0..RUNS)
                .map(|_| {
                    let start = Instant::now();
                    carnet_core::fhir::read_bundle(&bytes, &profile, "bundle.json").unwrap();
                    start.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            let ours = median(ours);
            println!(
                "Read and map {} ({} bytes): Carnet {ours:.2} ms, Python fhir.resources (R4B, parse and validate) {peer_ms:.1} ms: {:.0}x",
                name(&file),
                bytes.len(),
                peer_ms / ours
            );
            if !refused.is_empty() {
                println!(
                    "  (the peer refused the larger {} as invalid)",
                    refused.join(", ")
                );
            }
        }
        Err(why) => println!("Peer skipped: {why}"),
    }

    // A 10,000-record profile written as one IPS document.
    let v = vault(dir.path(), "export.carnet");
    let p = v
        .add_profile(NewProfile::new(
            "Patient",
            "1950-01-01".parse().unwrap(),
            Relationship::Owner,
        ))
        .unwrap();
    v.add_records(carnet_vault_bench::workload::generate(p.id, 10_000, 7))
        .unwrap();
    let mut size = 0;
    let export_ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let doc = carnet_core::fhir::export_profile(&v, &p.id, now).unwrap();
            size = doc.len();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "IPS export of a 10,000-record profile: median {:.0} ms over {RUNS} runs ({:.1} MB)",
        median(export_ms),
        size as f64 / 1e6
    );
}
