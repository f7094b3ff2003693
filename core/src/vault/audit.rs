//! The vault's own audit log: unlocks, changes to profiles, records and key slots, and (with
//! the share module) what was shared with whom. Each event is sealed like any other row, so
//! the log tells the patient what happened without telling a thief.

use super::VaultError;
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

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub action: AuditAction,
}

const TABLE: &str = "audit_events";

pub(crate) fn append(
    conn: &Connection,
    cipher: &RowCipher,
    action: AuditAction,
) -> Result<(), VaultError> {
    let id = uuid::Uuid::new_v4();
    let event = AuditEvent {
        at: crate::time::now(),
        action,
    };
    let body = cipher.seal_json(TABLE, &[id.as_bytes()], &event)?;
    conn.prepare_cached("INSERT INTO audit_events (id, body) VALUES (?1, ?2)")?
        .execute(rusqlite::params![id.as_bytes(), body])?;
    Ok(())
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
