//! Reading records back: one query for lists, filters and search, the summary, the counts.

use super::attachments;
use super::cipher::RowCipher;
use super::rows::{self, RECORDS, profile_exists, record_row, stored_id};
use super::{Vault, VaultError};
use crate::model::{PatientSummary, ProfileId, Record, RecordId, RecordKind, SearchTerms};
use chrono::NaiveDate;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::str::FromStr;

/// `ProfileNotFound` unless `profile` is none or exists.
fn require_profile(conn: &Connection, profile: Option<&ProfileId>) -> Result<(), VaultError> {
    match profile {
        Some(p) if !profile_exists(conn, p)? => Err(VaultError::ProfileNotFound),
        _ => Ok(()),
    }
}

/// Rows of `records`, filtered by profile and kind, decrypted, newest first, with their
/// attachments. With `search`, only the rows whose body holds its words are decoded and
/// returned.
fn query_records(
    conn: &Connection,
    cipher: &RowCipher,
    profile: Option<&ProfileId>,
    kind: Option<RecordKind>,
    search: Option<&SearchTerms>,
) -> Result<Vec<Record>, VaultError> {
    let profile_bytes = profile.map(|p| p.as_bytes().to_vec());
    let kind_str = kind.map(RecordKind::as_str);
    let mut stmt = conn.prepare_cached(
        "SELECT id, profile_id, kind, body FROM records
         WHERE (?1 IS NULL OR profile_id = ?1) AND (?2 IS NULL OR kind = ?2)",
    )?;
    let mut rows = stmt.query(params![profile_bytes, kind_str])?;
    let mut records = Vec::new();
    while let Some(row) = rows.next()? {
        let id: RecordId = stored_id(row.get(0)?, "record")?;
        let profile_id: ProfileId = stored_id(row.get(1)?, "profile")?;
        let kind: String = row.get(2)?;
        let kind = kind.as_str();
        let sealed = row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
        let plain = cipher.open(
            RECORDS,
            &record_row(&id, &profile_id, kind),
            sealed,
            "record",
        )?;
        if let Some(terms) = search {
            let hit = terms
                .matches_stored(&plain)
                .map_err(|_| VaultError::Integrity { what: "record" })?;
            if !hit {
                continue;
            }
        }
        records.push(rows::decode_record(id, profile_id, kind, &plain)?);
    }
    let mut attachments = attachments::list_for_profile(conn, cipher, profile)?;
    if !attachments.is_empty() {
        for record in &mut records {
            if let Some(list) = attachments.remove(&record.id) {
                record.attachments = list;
            }
        }
    }
    records.sort_by(|a, b| {
        b.issued_on
            .cmp(&a.issued_on)
            .then(b.created_at.cmp(&a.created_at))
    });
    Ok(records)
}

/// The record with this id, with its attachments.
pub(crate) fn get_record(
    conn: &Connection,
    cipher: &RowCipher,
    id: &RecordId,
) -> Result<Record, VaultError> {
    let mut record = rows::find_record(conn, cipher, id)?.ok_or(VaultError::RecordNotFound)?;
    record.attachments = attachments::list_for_record(conn, cipher, id)?;
    Ok(record)
}

impl Vault {
    pub fn record(&self, id: &RecordId) -> Result<Record, VaultError> {
        self.read(|conn, cipher| get_record(conn, cipher, id))
    }

    /// Finds a record by its id or the start of it (as shown in lists).
    pub fn find_record(&self, query: &str) -> Result<Record, VaultError> {
        if let Ok(id) = RecordId::from_str(query) {
            return self.record(&id);
        }
        let prefix = query.trim().to_ascii_lowercase();
        if prefix.len() < 4 {
            return Err(VaultError::RecordNotFound);
        }
        let found: Vec<RecordId> = self.read(|conn, _| {
            let mut stmt = conn.prepare("SELECT id FROM records")?;
            let ids = stmt
                .query_map([], |row| row.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut found = Vec::new();
            for id in ids {
                let id: RecordId = stored_id(id, "record")?;
                if id.to_string().starts_with(&prefix) {
                    found.push(id);
                }
            }
            Ok(found)
        })?;
        match found.as_slice() {
            [one] => self.record(one),
            _ => Err(VaultError::RecordNotFound),
        }
    }

    /// Records of one profile (or all), optionally of one kind; newest first.
    pub fn records(
        &self,
        profile: Option<&ProfileId>,
        kind: Option<RecordKind>,
    ) -> Result<Vec<Record>, VaultError> {
        self.select_records(profile, kind, None)
    }

    /// [`query_records`] for a profile that must exist (or for all), under the read lock.
    fn select_records(
        &self,
        profile: Option<&ProfileId>,
        kind: Option<RecordKind>,
        search: Option<&SearchTerms>,
    ) -> Result<Vec<Record>, VaultError> {
        self.read(|conn, cipher| {
            require_profile(conn, profile)?;
            query_records(conn, cipher, profile, kind, search)
        })
    }

    /// Full-text search over the decrypted content. Every word of `query` must appear;
    /// case and accents are ignored ("hemoglobine" finds "Hémoglobine"). Newest first.
    pub fn search(
        &self,
        query: &str,
        profile: Option<&ProfileId>,
    ) -> Result<Vec<Record>, VaultError> {
        let terms = SearchTerms::new(query);
        if terms.is_empty() {
            // Nothing to look for; the profile must still exist.
            return self.read(|conn, _| require_profile(conn, profile).map(|()| Vec::new()));
        }
        // Each row is decrypted and its body's JSON text matched as it stands; only the hits
        // are decoded (about 8 % of the rows for a drug name in the benchmark).
        self.select_records(profile, None, Some(&terms))
    }

    /// The summary a doctor reads first, as of `today`.
    pub fn summary(
        &self,
        profile: &ProfileId,
        today: NaiveDate,
    ) -> Result<PatientSummary, VaultError> {
        let person = self.profile(profile)?;
        let records = self.records(Some(profile), None)?;
        Ok(PatientSummary::build(person, &records, today))
    }

    /// How many records each kind has, for one profile or all.
    pub fn count_records(
        &self,
        profile: Option<&ProfileId>,
    ) -> Result<HashMap<RecordKind, usize>, VaultError> {
        self.read(|conn, _| {
            let profile_bytes = profile.map(|p| p.as_bytes().to_vec());
            let mut stmt = conn.prepare(
                "SELECT kind, COUNT(*) FROM records WHERE (?1 IS NULL OR profile_id = ?1) GROUP BY kind",
            )?;
            let mut rows = stmt.query([profile_bytes])?;
            let mut counts = HashMap::new();
            while let Some(row) = rows.next()? {
                let kind: String = row.get(0)?;
                let count: i64 = row.get(1)?;
                let kind = RecordKind::from_str(&kind)
                    .map_err(|_| VaultError::Corrupt("unknown record kind".into()))?;
                counts.insert(kind, usize::try_from(count).unwrap_or(0));
            }
            Ok(counts)
        })
    }
}
