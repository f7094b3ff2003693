//! The vault's own audit log: unlocks, changes to profiles, records and key slots, and (with
//! the share module) what was shared with whom. Each event is sealed like any other row, so
//! the log tells the patient what happened without telling a thief.

use super::VaultError;
use super::chain::{self, RowDigest};
use super::cipher::RowCipher;
use crate::model::{AttachmentId, ProfileId, RecordId, RecordKind};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditAction {
    VaultCreated,
    Unlocked {
        method: String,
    },
    PassphraseChanged,
    KeySlotAdded {
        kind: String,
    },
    ProfileAdded {
        profile_id: ProfileId,
    },
    ProfileUpdated {
        profile_id: ProfileId,
    },
    RecordAdded {
        record_id: RecordId,
        profile_id: ProfileId,
        kind: RecordKind,
    },
    /// Records added together (an import, a batch): each one named, as [`Self::RecordAdded`]
    /// names one; one event for up to [`RECORDS_PER_EVENT`] of them.
    RecordsAdded {
        records: Vec<AddedRecord>,
    },
    RecordUpdated {
        record_id: RecordId,
        profile_id: ProfileId,
        kind: RecordKind,
    },
    RecordDeleted {
        record_id: RecordId,
        profile_id: ProfileId,
    },
    AttachmentAdded {
        attachment_id: AttachmentId,
        record_id: RecordId,
    },
    ProfileDeleted {
        profile_id: ProfileId,
    },
    /// Part of an import: rows written so far (the event carries their digests, a batch at a
    /// time, so an import of any size keeps memory bounded).
    RowsImported {
        /// (Not `rows`: the event's own `rows` field holds their digests.)
        count: usize,
    },
    /// Records came in from a backup or another caregiver's handover.
    Imported {
        records_added: usize,
        records_updated: usize,
        records_skipped: usize,
    },
    /// A doctor's device confirmed reading a share (a signed access receipt, checked by
    /// `share::receipt`).
    ReceiptReceived(Receipt),
    /// A consultation pack was shown as a QR code: which items, to which doctor's hello (its
    /// fingerprint; `None` for an open share), valid until when (stored as Unix seconds).
    Shared {
        profile_id: ProfileId,
        items: Vec<String>,
        recipient: Option<String>,
        #[serde(with = "chrono::serde::ts_seconds")]
        expires_at: DateTime<Utc>,
        /// Who the doctor's hello said it was, as the patient was shown it ("…, verified by
        /// …" or "UNVERIFIED recipient (…)").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        practitioner: Option<String>,
        /// SHA-256 (hex) of the public key that signed the hello: a receipt for this share
        /// must be signed by it. None for an unsigned hello or an open share, and in events
        /// logged before receipts were bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hello_signer: Option<String>,
    },
}

pub use super::batch::AddedRecord;

/// How many records one [`AuditAction::RecordsAdded`] event names at most, so that an event
/// stays small whatever the batch.
pub const RECORDS_PER_EVENT: usize = 1000;

/// An access receipt as the patient keeps it: who read which share, what and when. Instants
/// are stored as Unix seconds.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// "Karim Benali, Médecin, RPPS …, verified by …", or "NOT verified: " and the claimed
    /// name.
    pub practitioner: String,
    pub verified: bool,
    /// The fingerprint of the hello the share was sealed to ("open share" for an open one).
    pub hello: String,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub share_expires_at: DateTime<Utc>,
    /// The items read, by section ("5 medications").
    pub items: Vec<String>,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub read_at: DateTime<Utc>,
}

/// One entry of the log. The action's fields are flattened beside `at`, `prev`, `rows` and
/// `batch`: no action may have a field of those names. A batch of added records is stored
/// packed ([`super::batch`]) and read back as it was.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "StoredEvent")]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The hash of the event before it (empty for the first), chaining the log
    /// ([`super::history`]); none in events written before the chain existed.
    pub prev: Option<String>,
    /// The rows this change wrote, as it wrote them.
    pub rows: Vec<RowDigest>,
}

/// [`AuditEvent`] as its JSON is stored (read).
#[derive(Deserialize)]
struct StoredEvent {
    at: DateTime<Utc>,
    #[serde(flatten)]
    action: AuditAction,
    #[serde(default)]
    prev: Option<String>,
    #[serde(default)]
    rows: Vec<RowDigest>,
    /// Schema version 3: a batch of added records, packed.
    #[serde(default)]
    batch: Option<super::batch::PackedBatch>,
}

/// [`AuditEvent`] as its JSON is stored (written), borrowing the event.
#[derive(Serialize)]
struct StoredEventRef<'a> {
    at: &'a DateTime<Utc>,
    #[serde(flatten)]
    action: &'a AuditAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: &'a Option<String>,
    #[serde(skip_serializing_if = "<[RowDigest]>::is_empty")]
    rows: &'a [RowDigest],
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<super::batch::PackedBatch>,
}

/// The plain part of a packed event's action: its records are in `batch`.
fn packed_action() -> AuditAction {
    AuditAction::RecordsAdded {
        records: Vec::new(),
    }
}

impl Serialize for AuditEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let packed = match &self.action {
            AuditAction::RecordsAdded { records } => super::batch::pack(records, &self.rows),
            _ => None,
        };
        let emptied = packed_action();
        let stored = match packed {
            Some(batch) => StoredEventRef {
                at: &self.at,
                action: &emptied,
                prev: &self.prev,
                rows: &[],
                batch: Some(batch),
            },
            None => StoredEventRef {
                at: &self.at,
                action: &self.action,
                prev: &self.prev,
                rows: &self.rows,
                batch: None,
            },
        };
        stored.serialize(serializer)
    }
}

impl TryFrom<StoredEvent> for AuditEvent {
    type Error = &'static str;

    fn try_from(s: StoredEvent) -> Result<Self, Self::Error> {
        let Some(batch) = s.batch else {
            return Ok(Self {
                at: s.at,
                action: s.action,
                prev: s.prev,
                rows: s.rows,
            });
        };
        if s.action != packed_action() || !s.rows.is_empty() {
            return Err("a packed batch beside other records or rows");
        }
        let (records, rows) = super::batch::unpack(&batch)?;
        Ok(Self {
            at: s.at,
            action: AuditAction::RecordsAdded { records },
            prev: s.prev,
            rows,
        })
    }
}

const TABLE: &str = "audit_events";

/// The rows an action wrote, read as they are now in its transaction (an import names its
/// rows itself).
pub(crate) fn rows_written(
    conn: &Connection,
    action: &AuditAction,
) -> Result<Vec<RowDigest>, VaultError> {
    let one = |table: &str, key: &[u8]| -> Result<Vec<RowDigest>, VaultError> {
        Ok(chain::row(conn, table, key)?.into_iter().collect())
    };
    match action {
        AuditAction::VaultCreated
        | AuditAction::PassphraseChanged
        | AuditAction::KeySlotAdded { .. } => {
            let mut stmt = conn.prepare("SELECT kind FROM key_slots ORDER BY kind")?;
            let kinds: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for kind in kinds {
                out.extend(chain::row(conn, "key_slots", kind.as_bytes())?);
            }
            Ok(out)
        }
        AuditAction::ProfileAdded { profile_id } | AuditAction::ProfileUpdated { profile_id } => {
            one("profiles", profile_id.as_bytes())
        }
        AuditAction::RecordAdded { record_id, .. }
        | AuditAction::RecordUpdated { record_id, .. } => one("records", record_id.as_bytes()),
        AuditAction::AttachmentAdded { attachment_id, .. } => {
            one("attachments", attachment_id.as_bytes())
        }
        _ => Ok(Vec::new()),
    }
}

/// Appends `action` to the log, in the caller's transaction, chained to the event before it
/// and with the digests of the rows it wrote (read now, in the same transaction).
pub(crate) fn append(
    conn: &Connection,
    cipher: &RowCipher,
    action: AuditAction,
) -> Result<(), VaultError> {
    let rows = rows_written(conn, &action)?;
    append_with_rows(conn, cipher, action, rows)
}

/// [`append`] for a change that names the rows it wrote itself (an import).
pub(crate) fn append_with_rows(
    conn: &Connection,
    cipher: &RowCipher,
    action: AuditAction,
    rows: Vec<RowDigest>,
) -> Result<(), VaultError> {
    let id = uuid::Uuid::new_v4();
    let (prev, events) = chain::tip(conn, cipher)?;
    let event = AuditEvent {
        at: crate::time::now(),
        action,
        prev: Some(prev),
        rows,
    };
    let body = cipher.seal_json(TABLE, &[id.as_bytes()], &event)?;
    conn.prepare_cached("INSERT INTO audit_events (id, body) VALUES (?1, ?2)")?
        .execute(rusqlite::params![id.as_bytes(), body])?;
    chain::advance_head(conn, cipher, id.as_bytes(), &body, events + 1)
}

pub(crate) fn read_all(
    conn: &Connection,
    cipher: &RowCipher,
) -> Result<Vec<AuditEvent>, VaultError> {
    let mut stmt = conn.prepare("SELECT id, body FROM audit_events ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        let id: Vec<u8> = row.get(0)?;
        let body: Vec<u8> = row.get(1)?;
        events.push(cipher.open_json(TABLE, &[&id], &body, "audit event")?);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_event_is_stored_packed_and_a_plain_one_still_reads() {
        let (records, rows) = super::super::batch::tests::batch(1000);
        let event = AuditEvent {
            at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
            action: AuditAction::RecordsAdded { records },
            prev: Some("ab".repeat(32)),
            rows,
        };
        let stored = serde_json::to_string(&event).unwrap_or_default();
        assert!(stored.contains("\"batch\":") && !stored.contains("\"rows\":"));
        assert!(stored.len() < 70 * 1000, "{} bytes", stored.len());
        let read: Option<AuditEvent> = serde_json::from_str(&stored).ok();
        assert_eq!(read.as_ref(), Some(&event));
        // The plain form, as schema 2 wrote every batch, reads as the same event.
        let plain = serde_json::json!({
            "at": event.at,
            "action": "records_added",
            "records": match &event.action {
                AuditAction::RecordsAdded { records } => records.clone(),
                _ => Vec::new(),
            },
            "prev": event.prev,
            "rows": event.rows,
        });
        let read: Option<AuditEvent> = serde_json::from_value(plain).ok();
        assert_eq!(read.as_ref(), Some(&event));
        // A packed batch beside plain rows is refused, not merged.
        let mut both: serde_json::Value = serde_json::from_str(&stored).unwrap_or_default();
        both["rows"] = serde_json::json!(event.rows[..1]);
        assert!(serde_json::from_value::<AuditEvent>(both).is_err());
    }
}
