//! Carnet's vault against plain SQLite and SQLCipher on one 10,000-record workload.
//!
//! `cargo bench -p carnet-vault-bench` runs [`run`] (the `vault_vs_sqlite` bench target):
//! it generates the workload ([`workload`]), measures it on
//!
//! - (a) the Carnet vault, through `carnet_core::Vault` with production settings ([`carnet`]);
//! - (b) plain SQLite: the same schema with plaintext JSON bodies, through
//!   `carnet-sql-workload` on the same bundled libsqlite3 the vault links;
//! - (c) SQLCipher: the same `carnet-sql-workload` phases in a separate binary built with
//!   rusqlite's `bundled-sqlcipher` ([`peer`]),
//!
//! and prints the medians, the ratios and whether the aims are met. Nothing asserts on time.
//! See `bench/README.md` for what is measured and how to read it.
//!
//! Settings (environment variables): `CARNET_BENCH_RECORDS` (10000), `CARNET_BENCH_ROUNDS` (7),
//! `CARNET_BENCH_DIR` (where the databases go; default the system temporary directory),
//! `CARNET_BENCH_SKIP_SQLCIPHER=1`, `CARNET_SQLCIPHER_PEER` (a prebuilt peer binary),
//! `CARNET_BENCH_JSON` (also write every sample there, as JSON).

pub mod breakdown;
pub mod carnet;
pub mod peer;
pub mod report;
pub mod workload;

use carnet_core::model::{NewProfile, ProfileId, Relationship};
use carnet_sql_workload::{EngineReport, Plan, WorkloadError};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("vault: {0}")]
    Vault(#[from] carnet_core::VaultError),
    #[error("workload: {0}")]
    Workload(#[from] WorkloadError),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Bench(String),
}

/// The day the current-medications summary is computed for; records run up to the day before.
pub const TODAY: (i32, u32, u32) = (2026, 6, 1);

/// The full-text query: a drug named in prescriptions and in letters' prose.
pub const SEARCH_QUERY: &str = "metformine";

/// The workload's seed: the same records on every run.
pub const SEED: u64 = 0x0C0A_12E7;

/// What `run` reads from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub records: usize,
    pub repetitions: usize,
    pub dir: Option<PathBuf>,
    pub sqlcipher: bool,
    pub json: Option<PathBuf>,
}

fn env_number(name: &str, default: usize) -> Result<usize, BenchError> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| BenchError::Bench(format!("{name}={text} is not a number"))),
        Err(_) => Ok(default),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, BenchError> {
        Ok(Self {
            records: env_number("CARNET_BENCH_RECORDS", 10_000)?.max(1),
            repetitions: env_number("CARNET_BENCH_ROUNDS", 7)?.max(1),
            dir: std::env::var_os("CARNET_BENCH_DIR").map(PathBuf::from),
            sqlcipher: std::env::var("CARNET_BENCH_SKIP_SQLCIPHER").map_or(true, |v| v != "1"),
            json: std::env::var_os("CARNET_BENCH_JSON").map(PathBuf::from),
        })
    }
}

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The plan every engine runs.
pub fn plan(config: &Config) -> Plan {
    Plan {
        repetitions: config.repetitions,
        search_query: SEARCH_QUERY.into(),
        today: date(TODAY),
        // A throwaway passphrase; long enough for the vault's minimum.
        passphrase: "benchmark only: correct horse battery staple".into(),
        profile: NewProfile::new("Camille Durand", date((1958, 3, 14)), Relationship::Owner),
    }
}

/// The SQLCipher figures, or why there are none.
pub type PeerOutcome = Result<EngineReport, String>;

fn run_plain(
    plan: &Plan,
    records: &[carnet_core::model::NewRecord],
    dir: &Path,
) -> Result<EngineReport, BenchError> {
    let (samples, counts, db) = carnet_sql_workload::run_phases(
        &carnet_sql_workload::open_plain,
        plan,
        records,
        dir,
        "sqlite",
    )?;
    let conn = carnet_sql_workload::open_plain(&db)?;
    let version = carnet_sql_workload::sqlite_version(&conn)?;
    drop(conn);
    Ok(EngineReport {
        engine: "plain SQLite".into(),
        library: format!("SQLite {version} (rusqlite bundled, as the vault)"),
        settings: vec![
            "no encryption; plaintext JSON bodies".into(),
            "WAL, synchronous=FULL, foreign_keys, secure_delete".into(),
        ],
        samples,
        counts,
        file_bytes: carnet_sql_workload::database_bytes(&db),
    })
}

/// Adds one round's report to the engine's running total.
fn merge(total: &mut Option<EngineReport>, round: EngineReport) {
    match total {
        Some(t) => {
            t.samples.extend(&round.samples);
            t.counts = round.counts;
            t.file_bytes = round.file_bytes;
        }
        None => *total = Some(round),
    }
}

/// CPU time of the whole machine and of this process (children included), from `/proc`.
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    machine_busy_ticks: u64,
    own_ticks: u64,
    at: std::time::Instant,
}

impl CpuSnapshot {
    /// `None` where `/proc` is not available.
    pub fn take() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let machine_busy_ticks = [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| cpu.get(i)).sum();
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name, by position (some, such as tpgid, may be -1).
        let fields: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
        // fields[0] is the state; utime, stime, cutime, cstime are fields[11..15].
        let own_ticks = fields
            .get(11..15)?
            .iter()
            .map(|v| v.parse::<u64>().ok())
            .sum::<Option<u64>>()?;
        Some(Self {
            machine_busy_ticks,
            own_ticks,
            at: std::time::Instant::now(),
        })
    }

    /// How many CPUs, on average since `self`, were busy with other processes' work.
    pub fn others_busy_since(&self, later: &CpuSnapshot) -> Option<f64> {
        let wall = later.at.duration_since(self.at).as_secs_f64();
        let busy = later
            .machine_busy_ticks
            .checked_sub(self.machine_busy_ticks)?;
        let own = later.own_ticks.checked_sub(self.own_ticks)?;
        // Kernel ticks are 1/100 s on Linux (USER_HZ).
        (wall > 0.0).then(|| busy.saturating_sub(own) as f64 / 100.0 / wall)
    }
}

/// Generates the workload, runs the three engines and prints the report.
///
/// The engines take turns: each round runs every phase once on each engine (fresh databases),
/// starting with a different engine each round, so that background load and drift fall on all
/// three alike. The report gives the median over the rounds.
pub fn run(config: &Config) -> Result<(), BenchError> {
    let plan = plan(config);
    let round_plan = Plan {
        repetitions: 1,
        ..plan.clone()
    };
    let base = match &config.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            tempfile::Builder::new()
                .prefix("carnet-bench-")
                .tempdir_in(dir)?
        }
        None => tempfile::Builder::new().prefix("carnet-bench-").tempdir()?,
    };
    // Any profile id: the vault assigns its own, the SQL peers use this one.
    let records = workload::generate(ProfileId::random(), config.records, SEED);

    let mut peer_binary: Result<PathBuf, String> = Err("CARNET_BENCH_SKIP_SQLCIPHER=1".into());
    let workload_file = base.path().join("workload.jsonl");
    if config.sqlcipher {
        carnet_sql_workload::write_workload(&workload_file, &round_plan, &records)?;
        peer_binary = peer::locate_or_build().map_err(|e| e.to_string());
    }

    let cpu_before = CpuSnapshot::take();
    eprintln!(
        "Carnet benchmark: {} records, {} rounds, databases in {}",
        records.len(),
        plan.repetitions,
        base.path().display()
    );
    let mut carnet_total = None;
    let mut plain_total = None;
    let mut cipher_total = None;
    let mut cipher_error: Option<String> = peer_binary.as_ref().err().cloned();
    let mut vault_path = PathBuf::new();
    for round in 0..plan.repetitions {
        eprint!("round {}/{}:", round + 1, plan.repetitions);
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => {
                    eprint!(" Carnet");
                    let (report, path) = carnet::run(&round_plan, &records, base.path())?;
                    vault_path = path;
                    merge(&mut carnet_total, report);
                }
                1 => {
                    eprint!(" SQLite");
                    merge(
                        &mut plain_total,
                        run_plain(&round_plan, &records, base.path())?,
                    );
                }
                _ => {
                    if let (Ok(binary), None) = (&peer_binary, &cipher_error) {
                        eprint!(" SQLCipher");
                        match peer::run(binary, &workload_file, base.path()) {
                            Ok(report) => merge(&mut cipher_total, report),
                            Err(e) => cipher_error = Some(e.to_string()),
                        }
                    }
                }
            }
        }
        eprintln!();
    }
    let others_busy = cpu_before
        .zip(CpuSnapshot::take())
        .and_then(|(a, b)| a.others_busy_since(&b));
    let (Some(carnet), Some(plain)) = (carnet_total, plain_total) else {
        return Err(BenchError::Bench("no round ran".into()));
    };
    let sqlcipher: PeerOutcome = match (cipher_total, cipher_error) {
        (_, Some(e)) => Err(e),
        (Some(report), None) => Ok(report),
        (None, None) => Err("the peer reported nothing".into()),
    };

    eprintln!("where Carnet's time goes...");
    let parts = breakdown::measure(&plan, &records, base.path(), &vault_path)?;

    report::print(
        &plan,
        records.len(),
        &carnet,
        &plain,
        &sqlcipher,
        &parts,
        others_busy,
    );

    if let Some(path) = &config.json {
        let all = serde_json::json!({
            "records": records.len(),
            "rounds": plan.repetitions,
            "other_processes_busy_cpus": others_busy,
            "carnet": carnet,
            "sqlite": plain,
            "sqlcipher": sqlcipher.as_ref().ok(),
            "sqlcipher_skipped": sqlcipher.as_ref().err(),
            "breakdown": parts,
        });
        std::fs::write(
            path,
            serde_json::to_vec_pretty(&all).map_err(|e| BenchError::Bench(e.to_string()))?,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn own_cpu_time_is_read_from_proc() {
        let before = CpuSnapshot::take().unwrap();
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < std::time::Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = CpuSnapshot::take().unwrap();
        assert!(
            after.own_ticks >= before.own_ticks + 20,
            "{before:?} {after:?}"
        );
        assert!(before.others_busy_since(&after).is_some());
    }
}
