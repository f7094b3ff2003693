//! Document import and export, timed, against real peers in the same run: Python's
//! `fhir.resources` (pydantic models) parsing the same FHIR bundle, and lxml (libxml2's DOM)
//! parsing the same CDA document. Prints figures, asserts nothing about time.
//!
//! ```sh
//! cargo bench -p carnet-vault-bench --bench documents
//! ```
//!
//! - **Import**: the largest corpus bundle of `../shared/corpus/ips` (1.8 MB) read, mapped and
//!   stored in a fresh vault; and, head to head, the largest bundle the peer accepts (it refuses
//!   some connectathon bundles as invalid), read and mapped by Carnet (`fhir::read_bundle`, no
//!   storage) against `fhir.resources` parsing and validating it.
//! - **Export**: a 10,000-record profile (the vault benchmark's workload) written as one IPS
//!   document.
//!
//! - **CDA**: a CR-BIO with a 40 MiB embedded PDF (the corpus's TSH report with its PDF
//!   replaced) imported into a fresh vault, against lxml parsing the file into a DOM, finding
//!   the results and decoding the PDF; time, and peak memory (Carnet's heap is counted by
//!   this benchmark's allocator; lxml's is its process's peak RSS).
//!
//! The peers are installed into a virtual environment under the target directory by
//! `bench/document-peers/install.sh` (PyPI); if that fails, the peer's line says why.
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

/// Counts the heap in use and its peak, for the CDA import's figure.
struct Counting;
static CURRENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: defers to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use std::sync::atomic::Ordering;
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        CURRENT.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: allocated above with this layout.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
    let venv = root.join("target/document-peers-venv");
    let install = Command::new(root.join("bench/document-peers/install.sh"))
        .arg(&venv)
        .status()
        .map_err(|e| format!("cannot run the installer: {e}"))?;
    if !install.success() {
        return Err("the peers could not be installed from PyPI".into());
    }
    let out = Command::new(venv.join("bin/python"))
        .arg(root.join("bench/document-peers/parse.py"))
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

    cda(dir.path(), now);

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

/// A CR-BIO with a 40 MiB PDF: Carnet's import (time, heap peak) against lxml's DOM.
fn cda(dir: &Path, now: chrono::DateTime<chrono::Utc>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    const PDF_BYTES: usize = 40 * 1024 * 1024;
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/cda/BIO-CR-BIO_2024.01_TSH_1.xml");
    let text = std::fs::read_to_string(&source).unwrap();
    let open = r#"<value mediaType="application/pdf" representation="B64">"#;
    let start = text.find(open).unwrap() + open.len();
    let end = start + text[start..].find("</value>").unwrap();
    let path = dir.join("large-cr-bio.xml");
    let pdf: Vec<u8> = (0..PDF_BYTES).map(|i| (i * 7 + i / 4096) as u8).collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(&text.as_bytes()[..start]).unwrap();
    for line in data_encoding::BASE64.encode(&pdf).as_bytes().chunks(76) {
        file.write_all(b"\n").unwrap();
        file.write_all(line).unwrap();
    }
    file.write_all(&text.as_bytes()[end..]).unwrap();
    file.into_inner().unwrap().sync_all().unwrap();
    drop(pdf);
    let size = std::fs::metadata(&path).unwrap().len();
    let mut ms = Vec::new();
    let mut peak = 0;
    for run in 0..3 {
        let v = vault(dir, &format!("cda-{run}.carnet"));
        let p = v
            .add_profile(NewProfile::new(
                "Patient",
                "1979-03-28".parse().unwrap(),
                Relationship::Owner,
            ))
            .unwrap();
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        carnet_core::cda::import_document(
            &v,
            &p.id,
            &path,
            &ImportOptions::trusting_no_one(now),
            false,
        )
        .unwrap();
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
    }
    println!(
        "CDA import, a CR-BIO with a 40 MiB PDF ({:.0} MiB file), into a fresh vault: median {:.0} ms over 3 runs, heap peak {} KiB",
        size as f64 / 1048576.0,
        median(ms),
        peak / 1024
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("target/document-peers-venv/bin/python");
    match Command::new(&python)
        .arg(root.join("bench/document-peers/parse_cda.py"))
        .arg(&path)
        .arg("3")
        .output()
    {
        Ok(out) if out.status.success() => {
            let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            println!(
                "  lxml (libxml2 DOM) parsing it, finding the results and decoding the PDF: median {:.0} ms, peak RSS {} MiB",
                line["median_ms"].as_f64().unwrap_or(f64::NAN),
                line["peak_rss_kib"].as_u64().unwrap_or(0) / 1024
            );
        }
        Ok(out) => println!(
            "  lxml peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("  lxml peer skipped: {e}"),
    }
}
