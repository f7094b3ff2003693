//! The tamper-evident history: the audit log as a hash chain, and the digest of every row a
//! change wrote, so that someone who holds the file, but not the key, cannot quietly undo a
//! change. Each row is sealed (`crypto::envelope`) and bound to its place, so it cannot be
//! altered or moved; what sealing alone cannot show is a row put back as it was before (an
//! older ciphertext of the same row: a dose before the cardiologist changed it, a severe
//! allergy before it was recorded), a row deleted (an allergy gone), or an event deleted.
//!
//! # How
//!
//! - Each audit event, sealed, names the SHA-256 of the sealed event before it
//!   (`"carnet.audit.v1"`, the event's id and body, length-prefixed), and the digests of the
//!   rows its change wrote (`"carnet.vault.row.v1"` over the table, the row's key and its
//!   stored columns). The events record what each row should now be.
//! - The head (how many events, and the last one's hash) is sealed in `meta` under
//!   `audit_head`: deleting the newest events shows as a head that does not match.
//! - [`verify`] walks the chain, checks the head, and compares every row of `profiles`,
//!   `records`, `attachments` and `key_slots` with the digest its latest event recorded: an
//!   older ciphertext put back, a deleted row, a row no event wrote, a missing event, each is
//!   refused with what it is. Unlocking checks the head only (cheap; nothing is written when
//!   it fails); `Vault::verify` and `carnet verify` check everything.
//!
//! # What stays undetectable
//!
//! - The whole vault replaced by an older copy of itself (file, history and head together):
//!   it is a consistent past state, and nothing on the device remembers the present. Only a
//!   copy elsewhere (a backup) tells them apart.
//! - The newest events deleted together with the head put back from an older copy of the file:
//!   the same rollback, of the log alone; the rows those events wrote then no longer match
//!   their digests, unless they are rolled back too.
//! - Events from before this chain existed (vaults made by an earlier version): they are
//!   accepted as they are and counted in the report as unprotected; the chain starts after
//!   them, and rows no chained event wrote are accepted as older than the chain. A vault
//!   stripped of its whole history and head reads the same way: as a vault from before the
//!   chain, which `verify` reports (rows and events "before the chain") rather than refuses.
//! - Attachment chunks are not digested: they are sealed by the STREAM construction bound to
//!   their attachment's header, and an attachment is never rewritten.

use super::VaultError;
use super::audit::{AuditAction, AuditEvent};
use super::chain::{all_rows, check_head, event_hash, read_head, tampered};
use super::cipher::RowCipher;
use crate::crypto::digest;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashMap;

/// What [`verify`] checked.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistoryReport {
    /// Events checked in the chain.
    pub events_chained: u64,
    /// Events older than the chain (a vault made by an earlier version), accepted as they are.
    pub events_before_the_chain: u64,
    /// Rows compared with the digest their latest change recorded.
    pub rows_checked: u64,
    /// Rows no chained event vouches for, accepted because they predate the chain.
    pub rows_before_the_chain: u64,
}

/// The latest state of a row according to the history, and the row it belongs to.
struct Expected {
    digest: Option<String>,
    parent: Option<String>,
}

/// Marks deleted the rows of `table` that belong to `parent`, and returns their keys.
fn delete_children(
    expected: &mut HashMap<(String, String), Expected>,
    table: &str,
    parent: &str,
) -> Vec<String> {
    let mut deleted = Vec::new();
    for ((t, key), state) in expected.iter_mut() {
        if t == table && state.parent.as_deref() == Some(parent) {
            state.digest = None;
            deleted.push(key.clone());
        }
    }
    deleted
}

fn delete(expected: &mut HashMap<(String, String), Expected>, table: &str, key: String) {
    expected
        .entry((table.to_owned(), key))
        .and_modify(|e| e.digest = None)
        .or_insert(Expected {
            digest: None,
            parent: None,
        });
}

/// Checks the whole history: the chain, the head, and every row against its latest digest.
pub(crate) fn verify(conn: &Connection, cipher: &RowCipher) -> Result<HistoryReport, VaultError> {
    let mut report = HistoryReport::default();
    let mut expected: HashMap<(String, String), Expected> = HashMap::new();
    let mut previous: Option<String> = None;
    let mut chained = false;
    // Whether the chain starts with the vault itself: then every row must come from an event.
    let mut since_creation = None;
    let mut stmt = conn.prepare("SELECT seq, id, body FROM audit_events ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let id: Vec<u8> = r.get(1)?;
        let body: Vec<u8> = r.get(2)?;
        let event: AuditEvent = cipher.open_json("audit_events", &[&id], &body, "audit event")?;
        since_creation.get_or_insert(
            event.prev.as_deref() == Some("") && event.action == AuditAction::VaultCreated,
        );
        match &event.prev {
            None if !chained => report.events_before_the_chain += 1,
            Some(prev) if *prev == previous.clone().unwrap_or_default() => {
                chained = true;
                report.events_chained += 1;
            }
            _ => {
                return Err(tampered(format!(
                    "event {seq} does not follow the one before it: an event was deleted or replaced"
                )));
            }
        }
        for written in &event.rows {
            expected.insert(
                (written.table.clone(), written.key.clone()),
                Expected {
                    digest: Some(written.digest.clone()),
                    parent: written.parent.clone(),
                },
            );
        }
        match &event.action {
            AuditAction::RecordDeleted { record_id, .. } => {
                let record = digest::hex(record_id.as_bytes());
                delete_children(&mut expected, "attachments", &record);
                delete(&mut expected, "records", record);
            }
            AuditAction::ProfileDeleted { profile_id } => {
                let profile = digest::hex(profile_id.as_bytes());
                for record in delete_children(&mut expected, "records", &profile) {
                    delete_children(&mut expected, "attachments", &record);
                }
                delete(&mut expected, "profiles", profile);
            }
            _ => {}
        }
        previous = Some(event_hash(&id, &body));
    }
    drop(rows);
    drop(stmt);
    check_head(conn, cipher)?;
    if chained && read_head(conn, cipher)?.is_none() {
        return Err(tampered("the history's head is missing".into()));
    }

    let present = all_rows(conn)?;
    for ((table, key), digest) in &present {
        match expected
            .get(&(table.clone(), key.clone()))
            .map(|e| &e.digest)
        {
            Some(Some(d)) if d == digest => report.rows_checked += 1,
            Some(Some(_)) => {
                return Err(tampered(format!(
                    "a row of {table} is not what its last change wrote: an older copy was put back, or it was replaced"
                )));
            }
            Some(None) => {
                return Err(tampered(format!(
                    "a row of {table} that was deleted is back"
                )));
            }
            None if since_creation != Some(true) => report.rows_before_the_chain += 1,
            None => {
                return Err(tampered(format!(
                    "a row of {table} was written by no recorded change"
                )));
            }
        }
    }
    for ((table, key), state) in &expected {
        if state.digest.is_some() && !present.contains_key(&(table.clone(), key.clone())) {
            return Err(tampered(format!(
                "a row of {table} was deleted outside Carnet (no change recorded its deletion)"
            )));
        }
    }
    Ok(report)
}
