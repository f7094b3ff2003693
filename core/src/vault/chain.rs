//! The writing side of the vault's tamper-evident history ([`super::history`]): the digest of
//! a row as stored, the hash that chains an audit event to the one before, and the head that
//! names the newest event. `audit` writes with them; `history` checks with them.

use super::VaultError;
use super::cipher::RowCipher;
use crate::crypto::digest::{self, Hasher};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const EVENT_DOMAIN: &str = "carnet.audit.v1";
const ROW_DOMAIN: &str = "carnet.vault.row.v1";
const HEAD_KEY: &str = "audit_head";

/// A row a change wrote, and what it then was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowDigest {
    pub table: String,
    /// The row's key, in hexadecimal (a random id, or a key slot's kind).
    pub key: String,
    pub digest: String,
    /// The key of the row it belongs to (a record's profile, an attachment's record), so a
    /// deletion can be followed down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// How a table's rows are found and what of them is digested: its key column, its stored
/// columns, and the column naming the row it belongs to.
struct Table {
    name: &'static str,
    key: &'static str,
    columns: &'static [&'static str],
    parent: Option<&'static str>,
}

const TABLE_COLUMNS: [Table; 4] = [
    Table {
        name: "profiles",
        key: "id",
        columns: &["body"],
        parent: None,
    },
    Table {
        name: "records",
        key: "id",
        columns: &["profile_id", "kind", "body"],
        parent: Some("profile_id"),
    },
    Table {
        name: "attachments",
        key: "id",
        columns: &["record_id", "header"],
        parent: Some("record_id"),
    },
    Table {
        name: "key_slots",
        key: "kind",
        columns: &["params", "wrapped_key"],
        parent: None,
    },
];

fn table(name: &str) -> Option<&'static Table> {
    TABLE_COLUMNS.iter().find(|t| t.name == name)
}

/// A stored value as bytes: blobs as they are, text as UTF-8, integers big-endian.
fn value_bytes(v: rusqlite::types::ValueRef<'_>) -> Vec<u8> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(i) => i.to_be_bytes().to_vec(),
        ValueRef::Real(f) => f.to_be_bytes().to_vec(),
        ValueRef::Null => Vec::new(),
    }
}

fn digest_of<C: AsRef<[u8]>>(table: &str, key: &[u8], columns: &[C]) -> String {
    let mut h = Hasher::new(ROW_DOMAIN);
    h.update_with_length(table.as_bytes())
        .update_with_length(key);
    for c in columns {
        h.update_with_length(c.as_ref());
    }
    digest::hex(&h.finalize())
}

fn select(t: &Table) -> String {
    format!(
        "SELECT {}, {}, {} FROM {}",
        t.key,
        t.parent.unwrap_or("NULL"),
        t.columns.join(", "),
        t.name
    )
}

/// One fetched row: its key, the key of the row it belongs to, and its digest.
type FetchedRow = (Vec<u8>, Option<Vec<u8>>, String);

fn read_row(t: &Table, r: &rusqlite::Row<'_>) -> Result<FetchedRow, VaultError> {
    let key = value_bytes(r.get_ref(0)?);
    let parent = match r.get_ref(1)? {
        rusqlite::types::ValueRef::Null => None,
        v => Some(value_bytes(v)),
    };
    let columns = (0..t.columns.len())
        .map(|i| r.get_ref(i + 2).map(value_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let digest = digest_of(t.name, &key, &columns);
    Ok((key, parent, digest))
}

/// The digest of one row as it is now, or `None` when there is no such row.
pub(crate) fn row(
    conn: &Connection,
    table_name: &str,
    key: &[u8],
) -> Result<Option<RowDigest>, VaultError> {
    let Some(t) = table(table_name) else {
        return Ok(None);
    };
    let sql = format!("{} WHERE {} = ?1", select(t), t.key);
    let key_param: rusqlite::types::Value = if t.key == "kind" {
        String::from_utf8_lossy(key).into_owned().into()
    } else {
        key.to_vec().into()
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([key_param])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let (key, parent, digest) = read_row(t, r)?;
    Ok(Some(RowDigest {
        table: t.name.into(),
        key: digest::hex(&key),
        digest,
        parent: parent.map(|p| digest::hex(&p)),
    }))
}

impl RowDigest {
    /// The digest of a record row from the columns just written (its id, profile, kind and
    /// sealed body), without reading it back: the same digest [`row`] reads (a test holds the
    /// two together). Public so that the vault benchmark times this very computation.
    pub fn of_record_row(id: &[u8], profile_id: &[u8], kind: &str, body: &[u8]) -> Self {
        let columns = [profile_id, kind.as_bytes(), body];
        Self {
            table: "records".into(),
            key: digest::hex(id),
            digest: digest_of("records", id, &columns),
            parent: Some(digest::hex(profile_id)),
        }
    }
}

/// Every row of the vouched-for tables as it is now, by (table, key).
pub(crate) fn all_rows(conn: &Connection) -> Result<HashMap<(String, String), String>, VaultError> {
    let mut rows = HashMap::new();
    for t in &TABLE_COLUMNS {
        let mut stmt = conn.prepare(&select(t))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (key, _, digest) = read_row(t, r)?;
            rows.insert((t.name.to_owned(), digest::hex(&key)), digest);
        }
    }
    Ok(rows)
}

/// The hash an event is chained by.
pub(crate) fn event_hash(id: &[u8], body: &[u8]) -> String {
    let mut h = Hasher::new(EVENT_DOMAIN);
    h.update_with_length(id).update_with_length(body);
    digest::hex(&h.finalize())
}

/// The hash of the newest event, to chain the next one to.
pub(crate) fn last_hash(conn: &Connection) -> Result<Option<String>, VaultError> {
    Ok(conn
        .query_row(
            "SELECT id, body FROM audit_events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?
        .map(|(id, body)| event_hash(&id, &body)))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub events: u64,
    pub last: String,
}

/// The hash the next event chains to, and how many events there are: from the head, or, in
/// a vault from before the chain, from the log itself (once).
pub(crate) fn tip(conn: &Connection, cipher: &RowCipher) -> Result<(String, u64), VaultError> {
    if let Some(head) = read_head(conn, cipher)? {
        return Ok((head.last, head.events));
    }
    let events: u64 = conn.query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0))?;
    Ok((last_hash(conn)?.unwrap_or_default(), events))
}

/// Records the event just written (`id`, `body`), the `events`-th, as the head.
pub(crate) fn advance_head(
    conn: &Connection,
    cipher: &RowCipher,
    id: &[u8],
    body: &[u8],
    events: u64,
) -> Result<(), VaultError> {
    let head = Head {
        events,
        last: event_hash(id, body),
    };
    let sealed = cipher.seal_json("meta", &[HEAD_KEY.as_bytes()], &head)?;
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(rusqlite::params![HEAD_KEY, sealed])?;
    Ok(())
}

pub(crate) fn read_head(conn: &Connection, cipher: &RowCipher) -> Result<Option<Head>, VaultError> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [HEAD_KEY], |r| {
            r.get(0)
        })
        .optional()?;
    sealed
        .map(|s| cipher.open_json("meta", &[HEAD_KEY.as_bytes()], &s, "history head"))
        .transpose()
}

/// What is wrong with a vault's history.
pub(crate) fn tampered(what: String) -> VaultError {
    VaultError::HistoryTampered(what)
}

/// The cheap check made on unlocking: the newest event is the one the head names, and the log
/// has as many events as it says. A vault from before the chain has no head yet.
pub(crate) fn check_head(conn: &Connection, cipher: &RowCipher) -> Result<(), VaultError> {
    let Some(head) = read_head(conn, cipher)? else {
        return Ok(());
    };
    let events: u64 = conn.query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0))?;
    if events != head.events || last_hash(conn)?.as_deref() != Some(head.last.as_str()) {
        return Err(tampered(format!(
            "the history ends at another event than it should ({events} events, {} expected): events were deleted or replaced",
            head.events
        )));
    }
    Ok(())
}
