//! The Carnet benchmark workload on a bare SQLite connection, without Carnet's field
//! encryption: the peer that the vault is measured against.
//!
//! The schema is the vault's logical schema (`profiles`, and `records(id, profile_id, kind,
//! body)` with the same `(profile_id, kind)` index), but `body` holds the plaintext JSON that
//! the vault seals: the record's issued date, timestamps, provenance and
//! [`RecordBody`], in the same serde form. Connections get the vault's settings (WAL,
//! `synchronous = FULL`, foreign keys, `secure_delete`), so the durability cost is the same.
//!
//! Every phase works on a `&rusqlite::Connection` and does what the vault's matching call
//! does, minus sealing and the audit log:
//!
//! | phase               | vault call                                            | here |
//! |---------------------|-------------------------------------------------------|------|
//! | insert              | `Vault::add_records` (one transaction)                | [`insert_records`] |
//! | unlock              | `Vault::unlock_with_passphrase`                       | the caller's `open` plus [`unlock_check`] |
//! | list                | `Vault::records(Some(profile), None)`                 | [`list_records`] |
//! | full-text search    | `Vault::search(query, Some(profile))`                 | [`search_records`] |
//! | current medications | `Vault::records(.., Some(Prescription))` + [`model::current_medications`] | [`current_medications`] |
//!
//! **Search is the same algorithm as the vault's**: load and deserialize every record of the
//! profile, then keep those whose [`RecordBody::search_text`], folded with [`model::fold`]
//! (case and accents ignored), contains every folded query word. A plaintext store could
//! instead filter in SQL; [`search_like`] does that with `LIKE`, reported separately, as
//! information only: SQLite's `LIKE` folds ASCII case but not accents ("hemoglobine" does not
//! find "Hémoglobine") and it also matches the provenance and dates stored beside the body, so
//! it is not the same search.
//!
//! The crate declares `rusqlite` without choosing a SQLite: the crate that links it decides
//! (`bundled` for the plain peer, `bundled-sqlcipher` for the SQLCipher peer, which lives in its
//! own workspace so that feature unification cannot swap the SQLite that the vault links).

use carnet_core::model::{
    self, CurrentMedication, ModelError, NewProfile, NewRecord, Profile, ProfileId, Provenance,
    Record, RecordBody, RecordId, RecordKind, SearchTerms,
};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

/// Why a workload step failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("SQLite value: {0}")]
    Value(#[from] rusqlite::types::FromSqlError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid record: {0}")]
    Model(#[from] ModelError),
    #[error("{0}")]
    Workload(String),
}

pub type Result<T, E = WorkloadError> = std::result::Result<T, E>;

/// The vault's logical schema with plaintext bodies (see the crate documentation).
pub const SCHEMA: &str = "
    CREATE TABLE profiles (id BLOB PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE records (
        id BLOB PRIMARY KEY,
        profile_id BLOB NOT NULL REFERENCES profiles(id),
        kind TEXT NOT NULL,
        body TEXT NOT NULL);
    CREATE INDEX records_by_profile ON records (profile_id, kind);";

const INSERT_RECORD: &str =
    "INSERT INTO records (id, profile_id, kind, body) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body";

/// The vault's connection settings (`carnet_core::vault::schema`), applied after the key for
/// SQLCipher: WAL, `synchronous = FULL`, foreign keys, `secure_delete`, a busy timeout.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// The vault's open flags: read-write, created when missing, no SQLite-level mutex.
pub fn open_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

/// Opens (or creates) a plaintext database with the vault's settings.
pub fn open_plain(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, open_flags())?;
    configure(&conn)?;
    Ok(conn)
}

/// The SQLite library the connection runs on, e.g. "3.50.2".
pub fn sqlite_version(conn: &Connection) -> Result<String> {
    Ok(conn.query_row("SELECT sqlite_version()", [], |row| row.get(0))?)
}

/// What the vault seals in `records.body`, borrowed for writing.
#[derive(Serialize)]
struct StoredRecordRef<'a> {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: &'a Provenance,
    body: &'a RecordBody,
}

/// What the vault seals in `records.body`, owned for reading.
#[derive(Deserialize)]
struct StoredRecord {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: Provenance,
    body: RecordBody,
}

/// Creates the tables.
pub fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// Stores a profile (its JSON in plaintext).
pub fn insert_profile(conn: &Connection, profile: &Profile) -> Result<()> {
    conn.execute(
        "INSERT INTO profiles (id, body) VALUES (?1, ?2)",
        params![profile.id.as_bytes(), serde_json::to_string(profile)?],
    )?;
    Ok(())
}

fn profile_exists(conn: &Connection, id: &ProfileId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM profiles WHERE id = ?1")?
        .query_row([id.as_bytes()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Reads the profile row. After opening a SQLCipher database this is the first read, which
/// makes SQLCipher derive the key (`PRAGMA key` itself is lazy); on plain SQLite it is the
/// equivalent of the vault's first reads.
pub fn unlock_check(conn: &Connection, id: &ProfileId) -> Result<Profile> {
    let body: String = conn
        .query_row(
            "SELECT body FROM profiles WHERE id = ?1",
            [id.as_bytes()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| WorkloadError::Workload("profile not found".into()))?;
    Ok(serde_json::from_str(&body)?)
}

/// Adds records in one transaction, as `Vault::add_records` does: validates each body, checks
/// each profile once, gives each record a random id and the issued date the vault would, and
/// writes its JSON. Returns the new ids in order.
pub fn insert_records(conn: &Connection, news: &[NewRecord]) -> Result<Vec<RecordId>> {
    for new in news {
        new.body.validate()?;
    }
    let now = Utc::now();
    let tx = conn.unchecked_transaction()?;
    let mut ids = Vec::with_capacity(news.len());
    {
        let mut known_profiles = HashSet::new();
        let mut insert = tx.prepare_cached(INSERT_RECORD)?;
        for new in news {
            if !known_profiles.contains(&new.profile_id) {
                if !profile_exists(&tx, &new.profile_id)? {
                    return Err(WorkloadError::Workload("profile not found".into()));
                }
                known_profiles.insert(new.profile_id);
            }
            let id = RecordId::random();
            let kind = new.body.kind();
            let stored = StoredRecordRef {
                issued_on: new
                    .issued_on
                    .or(new.body.natural_date())
                    .unwrap_or(now.date_naive()),
                created_at: now,
                updated_at: now,
                provenance: &new.provenance,
                body: &new.body,
            };
            let json = serde_json::to_string(&stored)?;
            insert.execute(params![
                id.as_bytes(),
                new.profile_id.as_bytes(),
                kind.as_str(),
                json
            ])?;
            ids.push(id);
        }
    }
    tx.commit()?;
    Ok(ids)
}

fn id16(bytes: &[u8]) -> Result<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| WorkloadError::Workload("id length".into()))
}

/// Runs a `SELECT id, kind, body FROM records ...` whose first parameter is the profile and
/// turns every row into a [`Record`], checking the plaintext kind against the body's as the
/// vault does.
fn query_records(
    conn: &Connection,
    profile: &ProfileId,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    search: Option<&SearchTerms>,
) -> Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut records = Vec::new();
    while let Some(row) = rows.next()? {
        let id = RecordId::from_bytes(id16(row.get_ref(0)?.as_blob()?)?);
        let kind = row.get_ref(1)?.as_str()?;
        let json = row.get_ref(2)?.as_str()?;
        // The vault's search: match the body's JSON text as stored, decode only the hits.
        if let Some(terms) = search {
            if !terms.matches_stored(json.as_bytes())? {
                continue;
            }
        }
        let stored: StoredRecord = serde_json::from_str(json)?;
        if stored.body.kind().as_str() != kind {
            return Err(WorkloadError::Workload("record kind mismatch".into()));
        }
        records.push(Record {
            id,
            profile_id: *profile,
            issued_on: stored.issued_on,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            provenance: stored.provenance,
            body: stored.body,
            attachments: Vec::new(),
        });
    }
    Ok(records)
}

/// Newest first, as the vault lists.
fn sort_newest_first(records: &mut [Record]) {
    records.sort_by(|a, b| {
        b.issued_on
            .cmp(&a.issued_on)
            .then(b.created_at.cmp(&a.created_at))
    });
}

/// Every record of a profile, deserialized, newest first.
pub fn list_records(conn: &Connection, profile: &ProfileId) -> Result<Vec<Record>> {
    if !profile_exists(conn, profile)? {
        return Err(WorkloadError::Workload("profile not found".into()));
    }
    let mut records = query_records(
        conn,
        profile,
        "SELECT id, kind, body FROM records WHERE profile_id = ?1",
        &[&profile.as_bytes()],
        None,
    )?;
    sort_newest_first(&mut records);
    Ok(records)
}

/// The vault's full-text search, on plaintext rows, with the vault's own code
/// ([`SearchTerms::matches_stored`]): every folded word of `query` must occur in the folded
/// JSON text of the body; only the hits are decoded. Newest first.
pub fn search_records(conn: &Connection, profile: &ProfileId, query: &str) -> Result<Vec<Record>> {
    if !profile_exists(conn, profile)? {
        return Err(WorkloadError::Workload("profile not found".into()));
    }
    let terms = SearchTerms::new(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut records = query_records(
        conn,
        profile,
        "SELECT id, kind, body FROM records WHERE profile_id = ?1",
        &[&profile.as_bytes()],
        Some(&terms),
    )?;
    sort_newest_first(&mut records);
    Ok(records)
}

/// Search done by SQLite itself: one `body LIKE '%word%'` per word of `query`, so only the
/// matching rows are deserialized. Not the vault's semantics (see the crate documentation):
/// reported for information, to show what a store that can see its plaintext can do.
pub fn search_like(conn: &Connection, profile: &ProfileId, query: &str) -> Result<Vec<Record>> {
    let patterns: Vec<String> = query
        .split_whitespace()
        .map(|word| {
            let escaped = word
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect();
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from("SELECT id, kind, body FROM records WHERE profile_id = ?1");
    for i in 0..patterns.len() {
        sql.push_str(&format!(" AND body LIKE ?{} ESCAPE '\\'", i + 2));
    }
    let profile_bytes = profile.as_bytes();
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&profile_bytes];
    params.extend(patterns.iter().map(|p| p as &dyn rusqlite::ToSql));
    let mut records = query_records(conn, profile, &sql, &params, None)?;
    sort_newest_first(&mut records);
    Ok(records)
}

/// The profile's prescriptions (found by the plaintext kind, through the index) and the
/// medications current on `today`, computed by [`model::current_medications`].
pub fn current_medications(
    conn: &Connection,
    profile: &ProfileId,
    today: NaiveDate,
) -> Result<Vec<CurrentMedication>> {
    let mut prescriptions = query_records(
        conn,
        profile,
        "SELECT id, kind, body FROM records WHERE profile_id = ?1 AND kind = ?2",
        &[&profile.as_bytes(), &RecordKind::Prescription.as_str()],
        None,
    )?;
    sort_newest_first(&mut prescriptions);
    Ok(model::current_medications(&prescriptions, today))
}

/// What one benchmark run does, shared by every engine.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// How many times each phase runs; the report gives the median.
    pub repetitions: usize,
    /// The full-text query.
    pub search_query: String,
    /// The day the current-medications summary is computed for.
    pub today: NaiveDate,
    /// A throwaway passphrase for the benchmark's vault and SQLCipher database.
    pub passphrase: String,
    /// The one profile every record belongs to.
    pub profile: NewProfile,
}

/// Milliseconds of each run of each phase.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Samples {
    pub insert: Vec<f64>,
    pub unlock: Vec<f64>,
    pub list: Vec<f64>,
    pub unlock_and_list: Vec<f64>,
    pub search: Vec<f64>,
    pub search_like: Vec<f64>,
    pub current_medications: Vec<f64>,
}

impl Samples {
    /// Appends another run's samples (the benchmark interleaves engines round by round).
    pub fn extend(&mut self, other: &Samples) {
        self.insert.extend_from_slice(&other.insert);
        self.unlock.extend_from_slice(&other.unlock);
        self.list.extend_from_slice(&other.list);
        self.unlock_and_list
            .extend_from_slice(&other.unlock_and_list);
        self.search.extend_from_slice(&other.search);
        self.search_like.extend_from_slice(&other.search_like);
        self.current_medications
            .extend_from_slice(&other.current_medications);
    }
}

/// What the phases returned, to check that every engine did the same work.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub inserted: usize,
    pub listed: usize,
    pub search_hits: usize,
    pub search_like_hits: Option<usize>,
    pub current_medications: usize,
}

/// One engine's results.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EngineReport {
    pub engine: String,
    /// Library and version, e.g. "SQLite 3.50.2".
    pub library: String,
    /// Settings that matter for the figures (KDF, durability...).
    pub settings: Vec<String>,
    pub samples: Samples,
    pub counts: Counts,
    /// Size of the database (file plus WAL) after the run.
    pub file_bytes: u64,
}

/// The median of a set of timings; `None` when there are none.
pub fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// Milliseconds since `start`.
pub fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// The file and the files SQLite may keep beside it.
pub fn database_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        })
        .collect()
}

/// Removes a database and its side files, if present.
pub fn remove_database(path: &Path) -> Result<()> {
    for file in database_files(path) {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Bytes on disk of a database and its side files.
pub fn database_bytes(path: &Path) -> u64 {
    database_files(path)
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Runs every phase on databases under `dir` named `<stem>-<n>.db`, opening each connection
/// with `open` (which applies the key, for SQLCipher, and [`configure`]).
///
/// Insert runs `plan.repetitions` times, each into a fresh database; the last one is kept for
/// the other phases. Unlock and list open a fresh connection each time; search, LIKE search
/// and current medications run on one open connection.
pub fn run_phases(
    open: &dyn Fn(&Path) -> Result<Connection>,
    plan: &Plan,
    records: &[NewRecord],
    dir: &Path,
    stem: &str,
) -> Result<(Samples, Counts, PathBuf)> {
    let profile_id = records
        .first()
        .map(|r| r.profile_id)
        .ok_or_else(|| WorkloadError::Workload("the workload has no records".into()))?;
    let profile = Profile::from_new(profile_id, plan.profile.clone());
    let repetitions = plan.repetitions.max(1);
    let mut samples = Samples::default();
    let mut counts = Counts::default();

    let mut kept: Option<PathBuf> = None;
    for rep in 0..repetitions {
        let path = dir.join(format!("{stem}-{rep}.db"));
        remove_database(&path)?;
        let conn = open(&path)?;
        create_schema(&conn)?;
        insert_profile(&conn, &profile)?;
        let start = Instant::now();
        counts.inserted = insert_records(&conn, records)?.len();
        samples.insert.push(ms_since(start));
        conn.close().map_err(|(_, e)| e)?;
        if let Some(previous) = kept.replace(path) {
            remove_database(&previous)?;
        }
    }
    let db = kept.ok_or_else(|| WorkloadError::Workload("no database was written".into()))?;

    for _ in 0..repetitions {
        let start = Instant::now();
        let conn = open(&db)?;
        unlock_check(&conn, &profile_id)?;
        let unlocked = Instant::now();
        counts.listed = list_records(&conn, &profile_id)?.len();
        let unlock = unlocked.duration_since(start).as_secs_f64() * 1000.0;
        let list = ms_since(unlocked);
        samples.unlock.push(unlock);
        samples.list.push(list);
        samples.unlock_and_list.push(unlock + list);
    }

    let conn = open(&db)?;
    unlock_check(&conn, &profile_id)?;
    for _ in 0..repetitions {
        let start = Instant::now();
        counts.search_hits = search_records(&conn, &profile_id, &plan.search_query)?.len();
        samples.search.push(ms_since(start));
    }
    for _ in 0..repetitions {
        let start = Instant::now();
        counts.current_medications = current_medications(&conn, &profile_id, plan.today)?.len();
        samples.current_medications.push(ms_since(start));
    }
    for _ in 0..repetitions {
        let start = Instant::now();
        counts.search_like_hits = Some(search_like(&conn, &profile_id, &plan.search_query)?.len());
        samples.search_like.push(ms_since(start));
    }
    conn.close().map_err(|(_, e)| e)?;
    Ok((samples, counts, db))
}

/// Writes the workload as JSON lines: the [`Plan`], then one [`NewRecord`] per line.
pub fn write_workload(path: &Path, plan: &Plan, records: &[NewRecord]) -> Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer(&mut out, plan)?;
    out.write_all(b"\n")?;
    for record in records {
        serde_json::to_writer(&mut out, record)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Reads what [`write_workload`] wrote.
pub fn read_workload(path: &Path) -> Result<(Plan, Vec<NewRecord>)> {
    let mut lines = BufReader::new(std::fs::File::open(path)?).lines();
    let first = lines
        .next()
        .ok_or_else(|| WorkloadError::Workload("empty workload file".into()))??;
    let plan: Plan = serde_json::from_str(&first)?;
    let mut records = Vec::new();
    for line in lines {
        let line = line?;
        if !line.trim().is_empty() {
            records.push(serde_json::from_str(&line)?);
        }
    }
    Ok((plan, records))
}

/// Parses a `YYYY-MM-DD` date (for command lines).
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::from_str(text.trim())
        .map_err(|_| WorkloadError::Workload(format!("bad date {text}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use carnet_core::model::{
        Letter, Medication, MedicationDuration, Prescriber, Prescription, Relationship,
    };

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn workload(profile: ProfileId) -> Vec<NewRecord> {
        let prescription = |date: &str, name: &str| {
            NewRecord::entered(
                profile,
                RecordBody::Prescription(Prescription {
                    prescriber: Prescriber {
                        name: "Dr Martin".into(),
                        specialty: None,
                        rpps: None,
                    },
                    date: day(date),
                    medications: vec![Medication {
                        name: name.into(),
                        code: None,
                        strength: Some("1000 mg".into()),
                        instructions: "1 comprimé matin et soir".into(),
                        duration: Some(MedicationDuration::Days(90)),
                        renewals: 0,
                        notes: None,
                        stop: None,
                    }],
                    notes: None,
                }),
            )
        };
        vec![
            prescription("2026-05-01", "Metformine"),
            prescription("2020-05-01", "Amoxicilline"),
            NewRecord::entered(
                profile,
                RecordBody::Letter(Letter {
                    author: "Dr Benali".into(),
                    specialty: Some("cardiologie".into()),
                    date: day("2026-01-10"),
                    subject: "Hémoglobine glyquée".into(),
                    body: "Revu ce jour.".into(),
                }),
            ),
        ]
    }

    #[test]
    fn every_phase_does_the_vaults_work() {
        let dir = std::env::temp_dir().join(format!("carnet-sql-workload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let profile = ProfileId::random();
        let records = workload(profile);
        let plan = Plan {
            repetitions: 2,
            search_query: "HEMOGLOBINE".into(),
            today: day("2026-06-01"),
            passphrase: "not used by plain SQLite".into(),
            profile: NewProfile::new("Camille", day("1970-01-01"), Relationship::Owner),
        };
        let file = dir.join("workload.jsonl");
        write_workload(&file, &plan, &records).unwrap();
        let (plan, records) = read_workload(&file).unwrap();
        let (samples, counts, db) = run_phases(&open_plain, &plan, &records, &dir, "t").unwrap();
        assert_eq!(samples.insert.len(), 2);
        assert_eq!(
            counts,
            Counts {
                inserted: 3,
                listed: 3,
                // Folding finds the accented subject; LIKE does not.
                search_hits: 1,
                search_like_hits: Some(0),
                current_medications: 1,
            }
        );
        let conn = open_plain(&db).unwrap();
        let listed = list_records(&conn, &profile).unwrap();
        assert_eq!(listed[0].body.natural_date(), Some(day("2026-05-01")));
        assert_eq!(search_like(&conn, &profile, "metformine").unwrap().len(), 1);
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
