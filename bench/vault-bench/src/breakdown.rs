//! Where Carnet's time goes: the pieces of the vault's insert, unlock, list and search
//! measured one by one on the same records, with core's public building blocks (the sealed
//! envelope, the audit event type, the vault schema) and bare SQLite.
//!
//! Each figure is the median of the plan's repetitions over all records. They are estimates of
//! the parts, not a profile: the pieces interact (caches, allocator), so they need not add up
//! exactly to the phase.

use crate::BenchError;
use carnet_core::crypto::{
    AssociatedData, KdfParams, KdfPolicy, Passphrase, SecretKey, envelope, kdf,
};
use carnet_core::model::{self, NewRecord, ProfileId, Provenance, RecordBody, RecordId};
use carnet_core::vault::{
    AddedRecord, AuditAction, AuditEvent, RECORDS_PER_EVENT, RowDigest, schema,
};
use carnet_sql_workload::{Plan, median, ms_since, remove_database};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One measured piece.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// The phase it belongs to: "insert", "unlock", "list", "search".
    pub phase: &'static str,
    pub what: String,
    pub ms: f64,
}

/// The pieces, and notes such as SQLite's query plans.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Breakdown {
    pub parts: Vec<Part>,
    pub notes: Vec<String>,
}

/// The same shape and field order as the vault's sealed record (`StoredRecord` in core).
#[derive(Serialize)]
struct Stored<'a> {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: &'a Provenance,
    body: &'a RecordBody,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredOwned {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: Provenance,
    body: RecordBody,
}

fn timed<T>(
    repetitions: usize,
    mut f: impl FnMut() -> Result<T, BenchError>,
) -> Result<(f64, T), BenchError> {
    let mut samples = Vec::with_capacity(repetitions);
    let mut last = None;
    for _ in 0..repetitions.max(1) {
        let start = Instant::now();
        let value = f()?;
        samples.push(ms_since(start));
        last = Some(value);
    }
    let value = last.ok_or_else(|| BenchError::Bench("nothing measured".into()))?;
    Ok((median(&samples).unwrap_or(0.0), value))
}

fn record_ad(
    vault_id: &[u8; 16],
    id: &RecordId,
    profile: &ProfileId,
    kind: &str,
) -> AssociatedData {
    AssociatedData::new("records")
        .with(vault_id)
        .with(id.as_bytes())
        .with(profile.as_bytes())
        .with(kind.as_bytes())
}

fn crypto_err(e: carnet_core::crypto::CryptoError) -> BenchError {
    BenchError::Bench(format!("crypto: {e}"))
}

fn json_err(e: serde_json::Error) -> BenchError {
    BenchError::Bench(format!("JSON: {e}"))
}

/// Rows as the vault writes them, precomputed so that only SQLite is timed: one row a record
/// (id, kind, sealed body) and one audit row a batch of [`RECORDS_PER_EVENT`] records.
struct Rows {
    records: Vec<(RecordId, &'static str, Vec<u8>)>,
    audit: Vec<([u8; 16], Vec<u8>)>,
}

const INSERT_RECORD: &str =
    "INSERT INTO records (id, profile_id, kind, body) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body";
const INSERT_AUDIT: &str = "INSERT INTO audit_events (id, body) VALUES (?1, ?2)";

/// Writes `rows` into a fresh file with the vault's schema and settings, in one transaction,
/// with cached statements as the vault does; `audit`: with the audit rows too.
fn sql_insert(
    path: &Path,
    profile: &ProfileId,
    rows: &Rows,
    audit: bool,
) -> Result<f64, BenchError> {
    remove_database(path)?;
    let mut conn = schema::create_new(path)?;
    schema::migrate(&mut conn)?;
    conn.execute(
        "INSERT INTO profiles (id, body) VALUES (?1, x'00')",
        [profile.as_bytes()],
    )?;
    let start = Instant::now();
    let tx = conn.transaction()?;
    for (id, kind, body) in &rows.records {
        tx.prepare_cached(INSERT_RECORD)?.execute(params![
            id.as_bytes(),
            profile.as_bytes(),
            kind,
            body
        ])?;
    }
    if audit {
        for (id, body) in &rows.audit {
            tx.prepare_cached(INSERT_AUDIT)?
                .execute(params![id, body])?;
        }
    }
    tx.commit()?;
    let ms = ms_since(start);
    drop(conn);
    remove_database(path)?;
    Ok(ms)
}

const CORE_QUERY: &str = "SELECT id, profile_id, kind, body FROM records
     WHERE (?1 IS NULL OR profile_id = ?1) AND (?2 IS NULL OR kind = ?2)";
const INDEXED_QUERY: &str =
    "SELECT id, profile_id, kind, body FROM records WHERE profile_id = ?1 AND kind = ?2";
const CORE_ATTACHMENTS: &str = "SELECT a.id, a.record_id, a.header FROM attachments a
     JOIN records r ON r.id = a.record_id WHERE (?1 IS NULL OR r.profile_id = ?1)";

/// Reads every row a query returns on a fresh connection to `path` (a cold SQLite cache, as
/// after an unlock), copying the columns out as core does. Returns the bytes read.
fn read_rows(path: &Path, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<usize, BenchError> {
    let conn = Connection::open(path)?;
    let mut stmt = conn.prepare(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(args)?;
    let mut bytes = 0;
    while let Some(row) = rows.next()? {
        for i in 0..columns {
            bytes += match row.get_ref(i)? {
                rusqlite::types::ValueRef::Blob(b) => b.to_vec().len(),
                rusqlite::types::ValueRef::Text(t) => t.to_vec().len(),
                _ => 0,
            };
        }
    }
    Ok(bytes)
}

fn query_plan(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<String, BenchError> {
    let detail: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
        .query_map(args, |row| row.get::<_, String>(3))?
        .collect::<Result<_, _>>()?;
    Ok(detail.join("; "))
}

/// Measures the pieces. `vault` is the vault the Carnet run left (for its query plan and
/// structure check).
pub fn measure(
    plan: &Plan,
    records: &[NewRecord],
    dir: &Path,
    vault: &Path,
) -> Result<Breakdown, BenchError> {
    let reps = plan.repetitions.max(1);
    let mut out = Breakdown::default();
    let mut part = |phase: &'static str, what: &str, ms: f64| {
        out.parts.push(Part {
            phase,
            what: what.to_owned(),
            ms,
        })
    };
    let n = records.len();
    let key = SecretKey::random();
    let vault_id = *RecordId::random().as_bytes();
    let profile = ProfileId::random();
    let now = Utc::now();
    let issued = |r: &NewRecord| {
        r.issued_on
            .or(r.body.natural_date())
            .unwrap_or(now.date_naive())
    };

    // ---- insert ----
    let (ms, _) = timed(reps, || {
        records
            .iter()
            .try_for_each(|r| r.body.validate())
            .map_err(|e| BenchError::Bench(e.to_string()))
    })?;
    part("insert", "validate every body", ms);

    let (ms, _) = timed(reps, || {
        Ok(records
            .iter()
            .map(|r| (r.provenance.clone(), r.body.clone()))
            .collect::<Vec<_>>())
    })?;
    part(
        "insert",
        "clone provenance + body (core's write_record no longer does: it serializes a borrowed view)",
        ms,
    );

    let (ms, plain) = timed(reps, || {
        records
            .iter()
            .map(|r| {
                serde_json::to_vec(&Stored {
                    issued_on: issued(r),
                    created_at: now,
                    updated_at: now,
                    provenance: &r.provenance,
                    body: &r.body,
                })
                .map_err(json_err)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    part("insert", "JSON-encode the stored records", ms);
    let plain_bytes: usize = plain.iter().map(Vec::len).sum();

    let ids: Vec<RecordId> = (0..n).map(|_| RecordId::random()).collect();
    let (ms, _) = timed(reps, || {
        Ok((0..2 * n).map(|_| RecordId::random()).collect::<Vec<_>>())
    })?;
    part(
        "insert",
        "2 OS random draws per record (record id, nonce)",
        ms,
    );

    let (ms, sealed) = timed(reps, || {
        records
            .iter()
            .zip(&plain)
            .zip(&ids)
            .map(|((r, p), id)| {
                envelope::seal(
                    &key,
                    &record_ad(&vault_id, id, &profile, r.body.kind().as_str()),
                    p,
                )
                .map_err(crypto_err)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    part(
        "insert",
        &format!(
            "XChaCha20-Poly1305 seal of the records ({:.1} MB)",
            plain_bytes as f64 / 1e6
        ),
        ms,
    );

    let (ms, digests) = timed(reps, || {
        Ok(records
            .iter()
            .zip(ids.iter().zip(&sealed))
            .map(|(r, (id, body))| {
                RowDigest::of_record_row(
                    id.as_bytes(),
                    profile.as_bytes(),
                    r.body.kind().as_str(),
                    body,
                )
            })
            .collect::<Vec<_>>())
    })?;
    part(
        "insert",
        "row digests: SHA-256 of every sealed row, for the history's chain",
        ms,
    );

    let batches = n.div_ceil(RECORDS_PER_EVENT);
    let audit_ids: Vec<[u8; 16]> = (0..batches)
        .map(|_| *RecordId::random().as_bytes())
        .collect();
    let (ms, audit_bodies) = timed(reps, || {
        records
            .chunks(RECORDS_PER_EVENT)
            .zip(ids.chunks(RECORDS_PER_EVENT))
            .zip(digests.chunks(RECORDS_PER_EVENT))
            .zip(&audit_ids)
            .map(|(((batch, batch_ids), rows), audit_id)| {
                // As the vault writes it: chained to the event before, naming every record
                // with its row's digest (stored packed by the event's own serialization).
                let event = AuditEvent {
                    at: Utc::now(),
                    action: AuditAction::RecordsAdded {
                        records: batch
                            .iter()
                            .zip(batch_ids)
                            .map(|(r, id)| AddedRecord {
                                record_id: *id,
                                profile_id: profile,
                                kind: r.body.kind(),
                            })
                            .collect(),
                    },
                    prev: Some("0".repeat(64)),
                    rows: rows.to_vec(),
                };
                let json = serde_json::to_vec(&event).map_err(json_err)?;
                envelope::seal(
                    &key,
                    &AssociatedData::new("audit_events")
                        .with(&vault_id)
                        .with(audit_id),
                    &json,
                )
                .map_err(crypto_err)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let audit_bytes: usize = audit_bodies.iter().map(Vec::len).sum();
    part(
        "insert",
        &format!(
            "audit events: one per {RECORDS_PER_EVENT} records, each named with its row digest, \
             JSON-encoded (packed) and sealed ({batches} events, {:.2} MB)",
            audit_bytes as f64 / 1e6
        ),
        ms,
    );

    let rows = Rows {
        records: records
            .iter()
            .zip(ids.iter().zip(&sealed))
            .map(|(r, (id, body))| (*id, r.body.kind().as_str(), body.clone()))
            .collect(),
        audit: audit_ids.into_iter().zip(audit_bodies).collect(),
    };
    let sql_path = dir.join("breakdown.db");
    let variants = [
        (
            true,
            "SQLite only, as the vault writes: the record rows and the audit rows, cached statements",
        ),
        (
            false,
            "SQLite only: the record rows alone, cached statements",
        ),
    ];
    // Round-robin, so that disk and background noise fall on each variant alike.
    let mut sql_samples = vec![Vec::new(); variants.len()];
    for _ in 0..reps {
        for (samples, (audit, _)) in sql_samples.iter_mut().zip(&variants) {
            samples.push(sql_insert(&sql_path, &profile, &rows, *audit)?);
        }
    }
    for (samples, (_, what)) in sql_samples.iter().zip(&variants) {
        part("insert", what, median(samples).unwrap_or(0.0));
    }

    // ---- unlock ----
    let passphrase = Passphrase::new(plan.passphrase.clone());
    let params = KdfParams::default();
    let (ms, _) = timed(reps, || {
        kdf::derive_key(&passphrase, &[7u8; 16], &params, &KdfPolicy::default()).map_err(crypto_err)
    })?;
    part(
        "unlock",
        &format!(
            "Argon2id alone (m={} MiB, t={}, p={})",
            params.m_kib / 1024,
            params.t,
            params.p
        ),
        ms,
    );
    let conn = Connection::open(vault)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'key_slots', 'profiles', 'records', 'attachments', 'audit_events')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let (ms, _) = timed(reps, || {
        for table in &tables {
            let _: String = conn.query_row(&format!("PRAGMA quick_check({table})"), [], |row| {
                row.get(0)
            })?;
        }
        Ok(())
    })?;
    part(
        "unlock",
        "PRAGMA quick_check of the vault's tables (records and audit_events included)",
        ms,
    );
    let events: i64 = conn.query_row("SELECT count(*) FROM audit_events", [], |row| row.get(0))?;
    out.notes.push(format!(
        "the benchmark vault holds {events} audit events beside its {n} records"
    ));
    let vault_profile: Vec<u8> =
        conn.query_row("SELECT profile_id FROM records LIMIT 1", [], |row| {
            row.get(0)
        })?;
    let no_kind: Option<&str> = None;
    let prescription = "prescription";
    out.notes.push(format!(
        "query plan of core's list query, kind = prescription: {}",
        query_plan(&conn, CORE_QUERY, &[&vault_profile, &prescription])?
    ));
    out.notes.push(format!(
        "query plan with the filters written out (the SQL peers' query): {}",
        query_plan(&conn, INDEXED_QUERY, &[&vault_profile, &prescription])?
    ));
    out.notes.push(format!(
        "query plan of core's attachment query (run by every list): {}",
        query_plan(&conn, CORE_ATTACHMENTS, &[&vault_profile])?
    ));
    drop(conn);

    // ---- list ----
    let (ms, _) = timed(reps, || {
        read_rows(vault, CORE_QUERY, &[&vault_profile, &no_kind])
    })?;
    part(
        "list",
        "SQLite read of the vault's rows (core's query, fresh connection)",
        ms,
    );
    let (ms, _) = timed(reps, || {
        read_rows(vault, CORE_ATTACHMENTS, &[&vault_profile])
    })?;
    part(
        "list",
        "core's attachment query (the vault has no attachments)",
        ms,
    );
    let (ms, opened) = timed(reps, || {
        records
            .iter()
            .zip(&sealed)
            .zip(&ids)
            .map(|((r, s), id)| {
                envelope::open(
                    &key,
                    &record_ad(&vault_id, id, &profile, r.body.kind().as_str()),
                    s,
                )
                .map_err(crypto_err)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    part("list", "XChaCha20-Poly1305 open of the records", ms);
    let (ms, _) = timed(reps, || {
        opened
            .iter()
            .map(|p| serde_json::from_slice::<StoredOwned>(p).map_err(json_err))
            .collect::<Result<Vec<_>, _>>()
    })?;
    part("list", "JSON-decode the stored records", ms);

    // ---- search ----
    // The vault's search decrypts every row (as the list does, above), matches the body's
    // JSON text as it stands, and decodes only the hits.
    let terms = model::SearchTerms::new(&plan.search_query);
    let (ms, hits) = timed(reps, || {
        opened
            .iter()
            .map(|p| terms.matches_stored(p).map_err(json_err))
            .filter(|hit| !matches!(hit, Ok(false)))
            .collect::<Result<Vec<_>, _>>()
            .map(|hits| hits.len())
    })?;
    part(
        "search",
        "find the body's JSON text, fold() it and match (same code in all three engines)",
        ms,
    );
    let hit_rows: Vec<_> = opened
        .iter()
        .filter(|p| terms.matches_stored(p).unwrap_or(false))
        .collect();
    debug_assert_eq!(hit_rows.len(), hits);
    let (ms, _) = timed(reps, || {
        hit_rows
            .iter()
            .map(|p| serde_json::from_slice::<StoredOwned>(p).map_err(json_err))
            .collect::<Result<Vec<_>, _>>()
    })?;
    part("search", "JSON-decode the hits only", ms);

    // ---- current medications ----
    for (what, sql) in [
        (
            "SQLite read of the prescriptions, core's query (full scan)",
            CORE_QUERY,
        ),
        (
            "SQLite read of the prescriptions through the index",
            INDEXED_QUERY,
        ),
    ] {
        let (ms, _) = timed(reps, || {
            read_rows(vault, sql, &[&vault_profile, &prescription])
        })?;
        part("current medications", what, ms);
    }
    Ok(out)
}
