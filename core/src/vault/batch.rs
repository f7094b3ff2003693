//! How the log stores a batch of added records (schema version 3): packed, because an event
//! that names a thousand records and each one's row digest is most of what a large insert
//! writes.
//!
//! In memory a batch is an ordinary `AuditAction::RecordsAdded` event with one [`RowDigest`]
//! per record. Stored, when every record belongs to the same profile and each digest is the
//! record's own row, the event's `records` and `rows` are left empty and a `batch` field
//! carries the profile once and, in base64, 49 bytes a record:
//!
//! ```text
//! [0..16]   the record's id
//! [16]      its kind (KIND_CODES)
//! [17..49]  the SHA-256 digest of its row, as [`super::chain`] computes it
//! ```
//!
//! About 66 characters a record instead of about 280 in the plain form (the id and the
//! profile twice, as UUID text and as hex, the kind, the digest in hex). Reading gives back
//! exactly the event that was written; any other event, and every event written before
//! schema version 3, is stored and read in the plain form.

use super::chain::RowDigest;
use crate::crypto::digest;
use crate::model::{ProfileId, RecordId, RecordKind};
use data_encoding::{BASE64, HEXLOWER};
use serde::{Deserialize, Serialize};

/// A record a batch added (a `RecordsAdded` event of the log names each).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedRecord {
    pub record_id: RecordId,
    pub profile_id: ProfileId,
    pub kind: RecordKind,
}

/// A record's kind as one byte. Frozen: a code is never reused or changed.
const KIND_CODES: [(u8, RecordKind); 7] = [
    (1, RecordKind::Prescription),
    (2, RecordKind::LabReport),
    (3, RecordKind::Letter),
    (4, RecordKind::Document),
    (5, RecordKind::Allergy),
    (6, RecordKind::Condition),
    (7, RecordKind::Immunisation),
];

const ENTRY: usize = 16 + 1 + 32;
const RECORDS_TABLE: &str = "records";

fn code_of(kind: RecordKind) -> Option<u8> {
    KIND_CODES.iter().find(|(_, k)| *k == kind).map(|(c, _)| *c)
}

fn kind_of(code: u8) -> Option<RecordKind> {
    KIND_CODES.iter().find(|(c, _)| *c == code).map(|(_, k)| *k)
}

/// A packed batch, as stored in an event's `batch` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PackedBatch {
    profile_id: ProfileId,
    records: String,
}

/// Packs `records` and their `rows` when they have the shape a batch insert writes; `None`
/// (store the plain form) for anything else.
pub(crate) fn pack(records: &[AddedRecord], rows: &[RowDigest]) -> Option<PackedBatch> {
    let profile_id = records.first()?.profile_id;
    if records.len() != rows.len() {
        return None;
    }
    // HEXLOWER decodes lowercase hexadecimal only, the form the plain event holds: what it
    // decodes reads back as the same text.
    let bytes_of = |hex: &str, out: &mut [u8]| {
        HEXLOWER.decode_len(hex.len()).ok() == Some(out.len())
            && HEXLOWER.decode_mut(hex.as_bytes(), out).is_ok()
    };
    let mut parent = [0u8; 16];
    let mut key = [0u8; 16];
    let mut row_digest = [0u8; 32];
    let mut bytes = Vec::with_capacity(records.len() * ENTRY);
    for (record, row) in records.iter().zip(rows) {
        let own_row = record.profile_id == profile_id
            && row.table == RECORDS_TABLE
            && bytes_of(&row.key, &mut key)
            && key == *record.record_id.as_bytes()
            && row
                .parent
                .as_deref()
                .is_some_and(|p| bytes_of(p, &mut parent) && parent == *profile_id.as_bytes())
            && bytes_of(&row.digest, &mut row_digest);
        if !own_row {
            return None;
        }
        bytes.extend_from_slice(record.record_id.as_bytes());
        bytes.push(code_of(record.kind)?);
        bytes.extend_from_slice(&row_digest);
    }
    Some(PackedBatch {
        profile_id,
        records: BASE64.encode(&bytes),
    })
}

/// The records and rows a packed batch stands for; an error names what is wrong.
pub(crate) fn unpack(
    batch: &PackedBatch,
) -> Result<(Vec<AddedRecord>, Vec<RowDigest>), &'static str> {
    let bytes = BASE64
        .decode(batch.records.as_bytes())
        .map_err(|_| "a packed batch is not base64")?;
    if bytes.is_empty() || bytes.len() % ENTRY != 0 {
        return Err("a packed batch has a partial record");
    }
    let parent = digest::hex(batch.profile_id.as_bytes());
    let mut records = Vec::with_capacity(bytes.len() / ENTRY);
    let mut rows = Vec::with_capacity(bytes.len() / ENTRY);
    for entry in bytes.chunks_exact(ENTRY) {
        let (id, rest) = entry.split_at(16);
        let (kind, row_digest) = rest.split_at(1);
        let id: [u8; 16] = id.try_into().map_err(|_| "a packed record id")?;
        let kind = kind_of(kind[0]).ok_or("a packed batch names an unknown kind")?;
        let record_id = RecordId::from_bytes(id);
        records.push(AddedRecord {
            record_id,
            profile_id: batch.profile_id,
            kind,
        });
        rows.push(RowDigest {
            table: RECORDS_TABLE.into(),
            key: digest::hex(&id),
            digest: HEXLOWER.encode(row_digest),
            parent: Some(parent.clone()),
        });
    }
    Ok((records, rows))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `n` records of one profile, each with its own row's digest.
    pub(crate) fn batch(n: usize) -> (Vec<AddedRecord>, Vec<RowDigest>) {
        let profile_id = ProfileId::random();
        let records: Vec<AddedRecord> = (0..n)
            .map(|i| AddedRecord {
                record_id: RecordId::random(),
                profile_id,
                kind: RecordKind::ALL[i % RecordKind::ALL.len()],
            })
            .collect();
        let rows = records
            .iter()
            .enumerate()
            .map(|(i, r)| RowDigest {
                table: "records".into(),
                key: digest::hex(r.record_id.as_bytes()),
                digest: digest::hex(&digest::sha256(&i.to_be_bytes())),
                parent: Some(digest::hex(profile_id.as_bytes())),
            })
            .collect();
        (records, rows)
    }

    #[test]
    fn every_kind_has_a_code_and_no_code_is_used_twice() {
        for kind in RecordKind::ALL {
            assert_eq!(code_of(kind).and_then(kind_of), Some(kind));
        }
        let mut codes: Vec<u8> = KIND_CODES.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(codes.len(), KIND_CODES.len());
    }

    #[test]
    fn a_batch_reads_back_as_it_was_and_is_a_quarter_of_the_plain_form() {
        let (records, rows) = batch(1000);
        let packed = pack(&records, &rows).unwrap_or_else(|| panic!("not packed"));
        assert_eq!(unpack(&packed), Ok((records.clone(), rows.clone())));
        let packed_len = serde_json::to_vec(&packed).map(|v| v.len()).unwrap_or(0);
        let plain_len = serde_json::to_vec(&(&records, &rows))
            .map(|v| v.len())
            .unwrap_or(0);
        assert!(packed_len * 4 < plain_len, "{packed_len} vs {plain_len}");
    }

    #[test]
    fn anything_else_keeps_the_plain_form() {
        let (records, rows) = batch(3);
        assert!(pack(&[], &[]).is_none());
        assert!(pack(&records, &rows[..2]).is_none());
        let mut other_profile = records.clone();
        other_profile[1].profile_id = ProfileId::random();
        assert!(pack(&other_profile, &rows).is_none());
        let changes: [fn(&mut RowDigest); 5] = [
            |r| r.table = "attachments".into(),
            |r| r.key = digest::hex(RecordId::random().as_bytes()),
            |r| r.parent = None,
            |r| r.digest = r.digest.to_uppercase(),
            |r| r.digest.truncate(10),
        ];
        for change in changes {
            let mut odd = rows.clone();
            change(&mut odd[2]);
            assert!(pack(&records, &odd).is_none());
        }
    }

    #[test]
    fn a_damaged_batch_is_an_error() {
        let (records, rows) = batch(2);
        let good = pack(&records, &rows).unwrap_or_else(|| panic!("not packed"));
        let with = |text: String| PackedBatch {
            profile_id: good.profile_id,
            records: text,
        };
        assert!(unpack(&with("not base64!".into())).is_err());
        assert!(unpack(&with(String::new())).is_err());
        let mut bytes = BASE64.decode(good.records.as_bytes()).unwrap_or_default();
        bytes.pop();
        assert!(unpack(&with(BASE64.encode(&bytes))).is_err());
        bytes.push(0);
        bytes[16] = 200;
        assert!(unpack(&with(BASE64.encode(&bytes))).is_err());
    }
}
