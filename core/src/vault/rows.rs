//! The row codec: how a profile or a record becomes a sealed row and back. The plaintext
//! columns (ids, kind) are the row's address; everything else is one sealed JSON value whose
//! associated data names the table and that address ([`super::cipher`]).

use super::VaultError;
use super::chain::RowDigest;
use super::cipher::RowCipher;
use crate::model::{Profile, ProfileId, Provenance, Record, RecordBody, RecordId};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub(crate) const PROFILES: &str = "profiles";
pub(crate) const RECORDS: &str = "records";

/// What is sealed in `records.body`: the record without the columns that are its address.
#[derive(Deserialize)]
struct StoredRecord {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: Provenance,
    body: RecordBody,
}

/// [`StoredRecord`] borrowing the record it writes: the same JSON, without copying the body.
#[derive(Serialize)]
struct StoredRecordRef<'a> {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: &'a Provenance,
    body: &'a RecordBody,
}

/// An id column as stored: 16 bytes, else the file is damaged.
pub(crate) fn stored_id<T: From<[u8; 16]>>(
    bytes: Vec<u8>,
    what: &'static str,
) -> Result<T, VaultError> {
    let bytes: [u8; 16] = bytes
        .try_into()
        .map_err(|_| VaultError::Corrupt(format!("{what} id length")))?;
    Ok(T::from(bytes))
}

pub(crate) fn record_row<'a>(
    id: &'a RecordId,
    profile: &'a ProfileId,
    kind: &'a str,
) -> [&'a [u8]; 3] {
    [id.as_bytes(), profile.as_bytes(), kind.as_bytes()]
}

pub(crate) fn write_record(
    conn: &Connection,
    cipher: &RowCipher,
    record: &Record,
) -> Result<RowDigest, VaultError> {
    let kind = record.kind().as_str();
    let stored = StoredRecordRef {
        issued_on: record.issued_on,
        created_at: record.created_at,
        updated_at: record.updated_at,
        provenance: &record.provenance,
        body: &record.body,
    };
    let sealed = cipher.seal_json(
        RECORDS,
        &record_row(&record.id, &record.profile_id, kind),
        &stored,
    )?;
    // Cached: a batch of 10,000 records would otherwise parse this statement 10,000 times.
    conn.prepare_cached(
        "INSERT INTO records (id, profile_id, kind, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body",
    )?
    .execute(params![
        record.id.as_bytes(),
        record.profile_id.as_bytes(),
        kind,
        sealed
    ])?;
    Ok(RowDigest::of_record_row(
        record.id.as_bytes(),
        record.profile_id.as_bytes(),
        kind,
        &sealed,
    ))
}

/// A record from its sealed row.
pub(crate) fn open_record(
    cipher: &RowCipher,
    id: RecordId,
    profile_id: ProfileId,
    kind: &str,
    body: &[u8],
) -> Result<Record, VaultError> {
    let plain = cipher.open(RECORDS, &record_row(&id, &profile_id, kind), body, "record")?;
    decode_record(id, profile_id, kind, &plain)
}

/// A record from its decrypted row.
pub(crate) fn decode_record(
    id: RecordId,
    profile_id: ProfileId,
    kind: &str,
    plain: &[u8],
) -> Result<Record, VaultError> {
    let stored: StoredRecord =
        serde_json::from_slice(plain).map_err(|_| VaultError::Integrity { what: "record" })?;
    if stored.body.kind().as_str() != kind {
        return Err(VaultError::Integrity { what: "record" });
    }
    Ok(Record {
        id,
        profile_id,
        issued_on: stored.issued_on,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
        provenance: stored.provenance,
        body: stored.body,
        attachments: Vec::new(),
    })
}

/// Seals and writes a profile row, inserted or replacing the row with its id.
pub(crate) fn write_profile(
    conn: &Connection,
    cipher: &RowCipher,
    profile: &Profile,
) -> Result<(), VaultError> {
    let sealed = cipher.seal_json(PROFILES, &[profile.id.as_bytes()], profile)?;
    conn.execute(
        "INSERT INTO profiles (id, body) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![profile.id.as_bytes(), sealed],
    )?;
    Ok(())
}

/// A profile from its sealed row; its id inside must be its address.
pub(crate) fn open_profile(
    cipher: &RowCipher,
    id: &[u8],
    body: &[u8],
) -> Result<Profile, VaultError> {
    let profile: Profile = cipher.open_json(PROFILES, &[id], body, "profile")?;
    if profile.id.as_bytes()[..] != id[..] {
        return Err(VaultError::Integrity { what: "profile" });
    }
    Ok(profile)
}

pub(crate) fn profile_exists(conn: &Connection, id: &ProfileId) -> Result<bool, VaultError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM profiles WHERE id = ?1",
            [id.as_bytes()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub(crate) fn get_profile(
    conn: &Connection,
    cipher: &RowCipher,
    id: &ProfileId,
) -> Result<Profile, VaultError> {
    let body: Vec<u8> = conn
        .query_row(
            "SELECT body FROM profiles WHERE id = ?1",
            [id.as_bytes()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or(VaultError::ProfileNotFound)?;
    open_profile(cipher, id.as_bytes(), &body)
}

/// The record with this id, without its attachments, if the vault has it.
pub(crate) fn find_record(
    conn: &Connection,
    cipher: &RowCipher,
    id: &RecordId,
) -> Result<Option<Record>, VaultError> {
    let row = conn
        .query_row(
            "SELECT profile_id, kind, body FROM records WHERE id = ?1",
            [id.as_bytes()],
            |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            },
        )
        .optional()?;
    row.map(|(profile, kind, body)| {
        open_record(cipher, *id, stored_id(profile, "profile")?, &kind, &body)
    })
    .transpose()
}
