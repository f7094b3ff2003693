//! The vault's SQLite schema, its migrations and its connection settings.
//!
//! # Tables (schema version 3)
//!
//! Every clinical field and personal identifier lives inside a sealed `body`/`header` blob
//! ([`crate::crypto::envelope`]). The plaintext columns, and why each must be plaintext:
//!
//! | table               | plaintext columns            | why plaintext                                   |
//! |---------------------|------------------------------|-------------------------------------------------|
//! | `meta`              | `key`, `value`               | format marker, vault id (random), key check (a sealed constant): needed before unlock |
//! | `key_slots`         | `kind`, `params`             | how to unwrap the vault key: needed before unlock; `params` is authenticated |
//! | `profiles`          | `id`                         | random id, the row's address                     |
//! | `records`           | `id`, `profile_id`, `kind`   | random ids to find a profile's rows; the kind (prescription, lab report…) to filter lists without decrypting all |
//! | `attachments`       | `id`, `record_id`            | random ids to find a record's files              |
//! | `attachment_chunks` | `attachment_id`, `seq`       | chunk order for streaming reads                  |
//! | `audit_events`      | `seq`, `id`                  | order of events; random id bound into the seal   |
//!
//! What this leaks to someone holding the file without the key: how many profiles, records of
//! each kind per profile, attachments and their sizes (to 64 KiB), and audit events there are.
//! Timestamps, names, dates and all clinical content are sealed.
//!
//! # Durability
//!
//! WAL journal with `synchronous = FULL`: each commit is fsynced to the WAL before it returns,
//! so a committed change survives power loss. `NORMAL` would be faster but may lose the last
//! commits on power loss; the patient's copy may be the only one. `secure_delete` overwrites
//! deleted rows. Every multi-row change runs in one transaction.
//!
//! # Versions
//!
//! `PRAGMA user_version` holds the schema version. [`migrate`] runs each step above the
//! stored version in its own transaction; a file whose version is above
//! [`SCHEMA_VERSION`] was written by a newer Carnet and is refused, never modified.

use super::VaultError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The schema this version of Carnet writes.
pub const SCHEMA_VERSION: u32 = 3;

/// Marker in `meta` that tells a Carnet vault from any other SQLite file.
pub const FORMAT_MARKER: &[u8] = b"carnet-vault";

/// Forward migrations: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
/// Frozen: a released step is never edited, only new steps appended.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first vault.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
     CREATE TABLE key_slots (kind TEXT PRIMARY KEY, params BLOB NOT NULL, wrapped_key BLOB NOT NULL);
     CREATE TABLE profiles (id BLOB PRIMARY KEY, body BLOB NOT NULL);
     CREATE TABLE records (
         id BLOB PRIMARY KEY,
         profile_id BLOB NOT NULL REFERENCES profiles(id),
         kind TEXT NOT NULL,
         body BLOB NOT NULL);
     CREATE TABLE attachments (
         id BLOB PRIMARY KEY,
         record_id BLOB NOT NULL REFERENCES records(id),
         header BLOB NOT NULL);
     CREATE TABLE attachment_chunks (
         attachment_id BLOB NOT NULL REFERENCES attachments(id),
         seq INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY (attachment_id, seq)) WITHOUT ROWID;",
    // 1 -> 2: the encrypted audit log, and an index for per-profile lists.
    "CREATE TABLE audit_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL UNIQUE, body BLOB NOT NULL);
     CREATE INDEX records_by_profile ON records (profile_id, kind);
     CREATE INDEX attachments_by_record ON attachments (record_id);",
    // 2 -> 3: no table changes. The log may now hold batches of added records packed
    // (vault/batch.rs), which a Carnet of schema 2 cannot read: the version tells it to
    // refuse the file as newer rather than report its history damaged.
    "-- 2 -> 3: audit events may carry packed batches",
];

/// The vault file and the companions SQLite may keep beside it (WAL, shared memory, journal).
pub fn sqlite_files(path: &Path) -> Vec<std::path::PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::path::PathBuf::from(name)
        })
        .collect()
}

/// Removes a vault file and its companions, ignoring those that do not exist.
pub(crate) fn remove_sqlite_files(path: &Path) {
    for file in sqlite_files(path) {
        let _ = std::fs::remove_file(file);
    }
}

/// Opens an existing file read-write, without creating it, and applies the connection
/// settings. Reads nothing from the vault yet.
pub fn open_existing(path: &Path) -> Result<Connection, VaultError> {
    if !path.is_file() {
        return Err(VaultError::NotFound);
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    Ok(conn)
}

/// Creates a new file; refuses to touch one that exists.
pub fn create_new(path: &Path) -> Result<Connection, VaultError> {
    if path.symlink_metadata().is_ok() {
        return Err(VaultError::AlreadyExists);
    }
    // Made empty and private first: SQLite then opens it as a new database, and gives its WAL
    // and shared-memory files the same owner-only mode.
    crate::files::create_private(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => VaultError::AlreadyExists,
        _ => VaultError::from(e),
    })?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), VaultError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

pub fn user_version(conn: &Connection) -> Result<u32, VaultError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Checks the format marker and the version before anything else reads the file.
pub fn check_format(conn: &Connection) -> Result<u32, VaultError> {
    let version = user_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(VaultError::NewerVersion {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let marker: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |row| {
            row.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            rusqlite::Error::SqliteFailure(_, Some(ref msg)) if msg.contains("no such table") => {
                Ok(None)
            }
            other => Err(other),
        })?;
    if marker.as_deref() != Some(FORMAT_MARKER) {
        return Err(VaultError::NotAVault);
    }
    Ok(version)
}

/// Tables whose structure is checked at every unlock, before anything is written. The bulk of
/// the file (attachment chunks) is not: it is verified chunk by chunk when read.
const CHECKED_AT_UNLOCK: &[&str] = &["meta", "key_slots", "profiles", "records", "attachments"];

/// SQLite's structural check of the small tables, so that a damaged vault is reported before
/// the unlock writes to it (SQLite writing into a damaged b-tree could lose more).
pub fn check_structure(conn: &Connection) -> Result<(), VaultError> {
    let present: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?;
        stmt.query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?
    };
    for table in CHECKED_AT_UNLOCK
        .iter()
        .chain(["audit_events"].iter())
        .filter(|t| present.iter().any(|p| p == *t))
    {
        let verdict: String =
            conn.query_row(&format!("PRAGMA quick_check({table})"), [], |row| {
                row.get(0)
            })?;
        if verdict != "ok" {
            return Err(VaultError::Corrupt(format!(
                "table {table} fails SQLite's check"
            )));
        }
    }
    Ok(())
}

/// Brings the schema from its stored version up to `target`, one transaction per step.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), VaultError> {
    let mut version = user_version(conn)?;
    while version < target {
        let step = MIGRATIONS
            .get(version as usize)
            .ok_or(VaultError::NewerVersion {
                found: target,
                supported: SCHEMA_VERSION,
            })?;
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        version += 1;
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`].
pub fn migrate(conn: &mut Connection) -> Result<(), VaultError> {
    migrate_to(conn, SCHEMA_VERSION)
}
