//! Helpers shared by the cross-crate tests in `tests/tests/`: fresh vaults with cheap KDF
//! parameters, a small family, generated records, and direct access to the file for tampering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod pki;

use carnet_core::crypto::Passphrase;
use carnet_core::model::*;
use carnet_core::{Vault, VaultOptions};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn options() -> VaultOptions {
    VaultOptions::insecure_for_tests()
}

pub fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE)
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// A new vault in a fresh temporary directory.
#[allow(missing_debug_implementations)]
pub struct TestVault {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub vault: Option<Vault>,
    pub recovery: carnet_core::crypto::RecoveryKey,
}

impl TestVault {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("family.carnet");
        let (vault, recovery) = Vault::create(&path, &passphrase(), &options()).unwrap();
        Self {
            dir,
            path,
            vault: Some(vault),
            recovery,
        }
    }

    pub fn vault(&self) -> &Vault {
        self.vault.as_ref().expect("vault is unlocked")
    }

    pub fn lock(&mut self) {
        if let Some(v) = self.vault.take() {
            v.lock();
        }
    }

    pub fn unlock(&mut self) -> &Vault {
        self.lock();
        self.vault =
            Some(Vault::unlock_with_passphrase(&self.path, &passphrase(), &options()).unwrap());
        self.vault()
    }

    /// A second connection straight to the SQLite file, as an attacker with the file has.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).unwrap()
    }
}

impl Default for TestVault {
    fn default() -> Self {
        Self::new()
    }
}

pub fn adult() -> NewProfile {
    NewProfile::new("Camille Martin", date("1968-04-12"), Relationship::Owner)
}

/// A stored record as the vault returns one, the patient's own, recorded at `at`: for the
/// pure views (summary, history, selection) without a vault.
pub fn record_at(
    profile: ProfileId,
    day: NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
    body: RecordBody,
) -> Record {
    Record {
        id: RecordId::random(),
        profile_id: profile,
        issued_on: day,
        created_at: at,
        updated_at: at,
        provenance: Provenance::PatientEntered,
        body,
        attachments: Vec::new(),
    }
}

pub fn prescription(date_str: &str, drug: &str, strength: &str) -> RecordBody {
    RecordBody::Prescription(Prescription {
        prescriber: Prescriber {
            name: "Dr Anne Leroy".into(),
            specialty: Some("médecine générale".into()),
            rpps: None,
        },
        date: date(date_str),
        medications: vec![Medication {
            name: drug.into(),
            code: None,
            strength: Some(strength.into()),
            instructions: "1 comprimé matin et soir".into(),
            duration: Some(MedicationDuration::Days(90)),
            renewals: 3,
            notes: None,
            stop: None,
        }],
        notes: None,
    })
}

pub fn lab(date_str: &str, analyte: &str, value: f64, unit: &str) -> RecordBody {
    RecordBody::LabReport(LabReport {
        laboratory: "Laboratoire Bio Centre".into(),
        collection_date: date(date_str),
        results: vec![LabResult {
            analyte: analyte.into(),
            loinc: None,
            value: LabValue::Numeric(value),
            unit: Some(unit.into()),
            reference_range: Some(ReferenceRange {
                low: Some(4.0),
                high: Some(6.0),
                text: None,
            }),
            abnormal: value > 6.0,
        }],
    })
}

/// `n` varied records for one profile, deterministic.
pub fn generated_records(profile: ProfileId, n: usize) -> Vec<NewRecord> {
    (0..n)
        .map(|i| {
            let day = date("2020-01-01") + chrono::Days::new((i % 2000) as u64);
            let body = match i % 4 {
                0 => prescription(&day.to_string(), &format!("Médicament {i}"), "10 mg"),
                1 => lab(
                    &day.to_string(),
                    &format!("Analyte {}", i % 50),
                    (i % 97) as f64 / 10.0,
                    "mmol/L",
                ),
                2 => RecordBody::Letter(Letter {
                    author: "Dr Karim Benali".into(),
                    specialty: Some("cardiologie".into()),
                    date: day,
                    subject: format!("Consultation {i}"),
                    body: "Patient revu en consultation. Tension artérielle stable. ".repeat(4),
                }),
                _ => RecordBody::Immunisation(Immunisation {
                    vaccine: format!("Vaccin {i}"),
                    code: None,
                    date: day,
                    dose: Some("rappel".into()),
                    lot: Some(format!("LOT{i:05}")),
                    administered_by: None,
                }),
            };
            NewRecord::entered(profile, body)
        })
        .collect()
}

/// Every file SQLite may have written for the vault: the file, its WAL, shared memory, journal.
pub fn vault_files(path: &Path) -> Vec<PathBuf> {
    carnet_core::vault::schema::sqlite_files(path)
        .into_iter()
        .filter(|p| p.exists())
        .collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Asserts a file still holds exactly `before`, reporting the first differing offset rather
/// than dumping the (encrypted) bytes.
#[track_caller]
pub fn assert_unchanged(path: &Path, before: &[u8]) {
    let now = std::fs::read(path).unwrap();
    if now != before {
        let first = now
            .iter()
            .zip(before)
            .position(|(a, b)| a != b)
            .unwrap_or(now.len().min(before.len()));
        panic!(
            "{} changed: {} bytes now, {} before, first difference at offset {first}",
            path.display(),
            now.len(),
            before.len()
        );
    }
}

/// A vault holding the demo family, dated relative to `today`.
pub fn demo_vault(today: chrono::NaiveDate) -> (TestVault, carnet_core::demo::DemoFamily) {
    let t = TestVault::new();
    let family = carnet_core::demo::populate(t.vault(), today).unwrap();
    (t, family)
}

/// A heavy record for one profile: 20 current medications and 30 analytes each measured
/// twice.
pub fn heavy_records(profile: ProfileId, today: NaiveDate) -> Vec<NewRecord> {
    let day = |ago: u64| today - chrono::Days::new(ago);
    let meds = (0..20)
        .map(|i| Medication {
            name: format!("Médicament numéro {i}"),
            code: Some(CodedConcept::new(
                "ATC",
                format!("C0{}AA0{}", i % 10, i % 7),
            )),
            strength: Some(format!("{} mg, comprimé", 5 * (i + 1))),
            instructions: "1 comprimé le matin".into(),
            duration: Some(MedicationDuration::Days(90)),
            renewals: 3,
            notes: None,
            stop: None,
        })
        .collect();
    let mut records = vec![NewRecord::entered(
        profile,
        RecordBody::Prescription(Prescription {
            prescriber: Prescriber {
                name: "Dr Anne Leroy".into(),
                specialty: Some("médecine générale".into()),
                rpps: None,
            },
            date: day(30),
            medications: meds,
            notes: None,
        }),
    )];
    for (ago, factor) in [(200u64, 1.0f64), (20, 1.1)] {
        let results = (0..30)
            .map(|i| LabResult {
                analyte: format!("Analyse {i}"),
                loinc: Some(format!("{}-{}", 10_000 + i * 37, i % 10)),
                value: LabValue::Numeric(
                    ((f64::from(i) + 1.0) * 1.7 * factor * 10.0).round() / 10.0,
                ),
                unit: Some("mmol/L".into()),
                reference_range: Some(ReferenceRange {
                    low: Some(1.0),
                    high: Some(50.0),
                    text: None,
                }),
                abnormal: false,
            })
            .collect();
        records.push(NewRecord::entered(
            profile,
            RecordBody::LabReport(LabReport {
                laboratory: "Laboratoire Bio Centre".into(),
                collection_date: day(ago),
                results,
            }),
        ));
    }
    records
}

/// A global allocator that counts live heap bytes and their peak, for the memory tests. Each
/// test binary that measures declares it as its `#[global_allocator]`.
pub mod alloc {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    pub struct Counting;
    static CURRENT: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    // SAFETY: forwards to the system allocator and only counts.
    #[allow(unsafe_code)]
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) };
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }

    /// Runs `f` and returns its result with the heap it used at its peak, above what was live
    /// when it started.
    pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let value = f();
        (value, PEAK.load(Ordering::Relaxed).saturating_sub(base))
    }
}

/// `len` bytes of deterministic noise, produced on the fly (a large scan without a file).
#[derive(Debug)]
pub struct Scan {
    left: usize,
    state: u64,
}

impl Scan {
    pub fn new(len: usize) -> Self {
        Self {
            left: len,
            state: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// SHA-256 of what `Scan::new(len)` produces.
    pub fn digest(len: usize) -> Vec<u8> {
        let mut h = Hashing::default();
        std::io::copy(&mut Scan::new(len), &mut h).unwrap();
        h.finish()
    }
}

impl std::io::Read for Scan {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left).min(8192);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n;
        Ok(n)
    }
}

/// A writer that keeps only the SHA-256 and the length of what it was given.
#[derive(Default)]
#[allow(missing_debug_implementations)]
pub struct Hashing {
    hasher: sha2::Sha256,
    pub len: u64,
}

impl Hashing {
    pub fn finish(self) -> Vec<u8> {
        use sha2::Digest;
        self.hasher.finalize().to_vec()
    }
}

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process's resident set (`VmRSS`) or its high-water mark (`VmHWM`), in KiB.
pub fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `../shared` beside the repository: the outside corpus and tools. Tests that need it fail,
/// never skip, when it is missing.
pub fn shared_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    assert!(
        dir.is_dir(),
        "{} is missing: the FHIR corpus and validator live there (see README)",
        dir.display()
    );
    dir
}

/// Runs the outside FHIR validator (`../shared/tools/fhir-validate`) with the IPS profiles on
/// `files`; returns whether all were valid, and what it printed.
pub fn validate_ips(files: &[PathBuf]) -> (bool, String) {
    let script = shared_dir().join("tools/fhir-validate/validate.sh");
    let out = std::process::Command::new(&script)
        .arg("--ips")
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
