//! `carnet-sqlcipher-peer WORKLOAD DIR`: runs Carnet's benchmark workload on SQLCipher and
//! prints an `EngineReport` as JSON on stdout.
//!
//! `WORKLOAD` is the JSON-lines file `carnet-vault-bench` writes (the plan, then one record
//! per line); the databases go under `DIR`. The phases are `carnet_sql_workload::run_phases`,
//! exactly those the plain SQLite peer runs, with one difference: each connection is keyed
//! with `PRAGMA key = '<passphrase>'` before anything else. SQLCipher 4's defaults apply and
//! are reported: PBKDF2-HMAC-SHA512 with 256,000 iterations on the passphrase (run at the first
//! read after `PRAGMA key`, so the unlock phase includes it, as Carnet's includes Argon2id),
//! AES-256-CBC per 4096-byte page with an HMAC-SHA512 tag per page.

use carnet_sql_workload::{
    EngineReport, Result, WorkloadError, configure, database_bytes, open_flags, read_workload,
    run_phases, sqlite_version,
};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn open_keyed(path: &Path, passphrase: &str) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, open_flags())?;
    // Must come first: SQLCipher derives the key lazily, at the first page read.
    conn.pragma_update(None, "key", passphrase)?;
    configure(&conn)?;
    Ok(conn)
}

fn pragma(conn: &Connection, name: &str) -> String {
    conn.query_row(&format!("PRAGMA {name}"), [], |row| {
        row.get::<_, rusqlite::types::Value>(0)
    })
    .map(|v| match v {
        rusqlite::types::Value::Integer(i) => i.to_string(),
        rusqlite::types::Value::Text(t) => t,
        other => format!("{other:?}"),
    })
    .unwrap_or_else(|_| "?".into())
}

fn run(workload: &Path, dir: &Path) -> Result<EngineReport> {
    let (plan, records) = read_workload(workload)?;
    let passphrase = plan.passphrase.clone();
    let open = move |path: &Path| open_keyed(path, &passphrase);
    let (samples, counts, db) = run_phases(&open, &plan, &records, dir, "sqlcipher")?;

    let header = std::fs::read(&db)?;
    if header.starts_with(b"SQLite format 3\0") {
        return Err(WorkloadError::Workload(
            "the database is not encrypted: is this SQLCipher?".into(),
        ));
    }
    let conn = open_keyed(&db, &plan.passphrase)?;
    let cipher_version = pragma(&conn, "cipher_version");
    if cipher_version == "?" || cipher_version.is_empty() {
        return Err(WorkloadError::Workload(
            "not linked against SQLCipher".into(),
        ));
    }
    let settings = vec![
        format!(
            "{} (provider {} {})",
            "SQLCipher defaults",
            pragma(&conn, "cipher_provider"),
            pragma(&conn, "cipher_provider_version")
        ),
        format!(
            "KDF {} x {} iterations; {} page HMAC; {}-byte pages",
            pragma(&conn, "cipher_kdf_algorithm"),
            pragma(&conn, "kdf_iter"),
            pragma(&conn, "cipher_hmac_algorithm"),
            pragma(&conn, "cipher_page_size")
        ),
        "WAL, synchronous=FULL, foreign_keys, secure_delete".into(),
    ];
    let library = format!(
        "SQLCipher {cipher_version} (SQLite {}, rusqlite bundled-sqlcipher)",
        sqlite_version(&conn)?
    );
    drop(conn);
    Ok(EngineReport {
        engine: "SQLCipher".into(),
        library,
        settings,
        samples,
        counts,
        file_bytes: database_bytes(&db),
    })
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [workload, dir] = args.as_slice() else {
        eprintln!("usage: carnet-sqlcipher-peer WORKLOAD.jsonl DIR");
        return ExitCode::from(2);
    };
    match run(workload, dir).and_then(|report| Ok(serde_json::to_string(&report)?)) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("carnet-sqlcipher-peer: {e}");
            ExitCode::FAILURE
        }
    }
}
