//! Profiles and records: add, read, update, delete, list, search, summarise.

use super::audit::{self, AuditAction};
use super::cipher::RowCipher;
use super::{Vault, VaultError};
use crate::model::{
    Attachment, NewProfile, NewRecord, PatientSummary, Profile, ProfileId, Provenance, Record,
    RecordBody, RecordId, RecordKind, SearchTerms,
};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;

/// What is sealed in `records.body`: the record without the columns that are its address.
#[derive(Serialize, Deserialize)]
struct StoredRecord {
    issued_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provenance: Provenance,
    body: RecordBody,
}

const PROFILES: &str = "profiles";
const RECORDS: &str = "records";

fn record_row<'a>(id: &'a RecordId, profile: &'a ProfileId, kind: &'a str) -> [&'a [u8]; 3] {
    [id.as_bytes(), profile.as_bytes(), kind.as_bytes()]
}

fn id16(bytes: Vec<u8>, what: &'static str) -> Result<[u8; 16], VaultError> {
    bytes
        .try_into()
        .map_err(|_| VaultError::Corrupt(format!("{what} id length")))
}

pub(crate) fn write_record(
    conn: &Connection,
    cipher: &RowCipher,
    record: &Record,
) -> Result<(), VaultError> {
    let kind = record.kind().as_str();
    let stored = StoredRecord {
        issued_on: record.issued_on,
        created_at: record.created_at,
        updated_at: record.updated_at,
        provenance: record.provenance.clone(),
        body: record.body.clone(),
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
    Ok(())
}

pub(crate) fn open_record(
    cipher: &RowCipher,
    id: [u8; 16],
    profile: [u8; 16],
    kind: &str,
    body: &[u8],
) -> Result<Record, VaultError> {
    let id = RecordId::from_bytes(id);
    let profile_id = ProfileId::from_bytes(profile);
    let plain = cipher.open(RECORDS, &record_row(&id, &profile_id, kind), body, "record")?;
    decode_record(id, profile_id, kind, &plain)
}

/// A record from its decrypted row.
fn decode_record(
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

/// `ProfileNotFound` unless `profile` is none or exists.
fn require_profile(conn: &Connection, profile: Option<&ProfileId>) -> Result<(), VaultError> {
    match profile {
        Some(p) if !profile_exists(conn, p)? => Err(VaultError::ProfileNotFound),
        _ => Ok(()),
    }
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
        let id = RecordId::from_bytes(id16(row.get(0)?, "record")?);
        let profile_id = ProfileId::from_bytes(id16(row.get(1)?, "profile")?);
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
        records.push(decode_record(id, profile_id, kind, &plain)?);
    }
    let mut attachments = super::attachments::list_for_profile(conn, cipher, profile)?;
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
        open_record(
            cipher,
            *id.as_bytes(),
            id16(profile, "profile")?,
            &kind,
            &body,
        )
    })
    .transpose()
}

fn get_record(conn: &Connection, cipher: &RowCipher, id: &RecordId) -> Result<Record, VaultError> {
    let mut record = find_record(conn, cipher, id)?.ok_or(VaultError::RecordNotFound)?;
    record.attachments = super::attachments::list_for_record(conn, cipher, id)?;
    Ok(record)
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
    let profile: Profile = cipher.open_json(PROFILES, &[id.as_bytes()], &body, "profile")?;
    if profile.id != *id {
        return Err(VaultError::Integrity { what: "profile" });
    }
    Ok(profile)
}

/// Inserts a new record (validated by the caller) in the open transaction, with its audit
/// entry: the one way a record comes into being, alone or with a file.
pub(crate) fn insert_new(
    conn: &Connection,
    cipher: &RowCipher,
    new: NewRecord,
    now: DateTime<Utc>,
) -> Result<Record, VaultError> {
    let record = Record {
        id: RecordId::random(),
        profile_id: new.profile_id,
        issued_on: new
            .issued_on
            .or(new.body.natural_date())
            .unwrap_or(now.date_naive()),
        created_at: now,
        updated_at: now,
        provenance: new.provenance,
        body: new.body,
        attachments: Vec::new(),
    };
    if !profile_exists(conn, &record.profile_id)? {
        return Err(VaultError::ProfileNotFound);
    }
    write_record(conn, cipher, &record)?;
    audit::append(
        conn,
        cipher,
        AuditAction::RecordAdded {
            record_id: record.id,
            profile_id: record.profile_id,
            kind: record.kind(),
        },
    )?;
    Ok(record)
}

impl Vault {
    /// Adds a person whose records the vault keeps.
    pub fn add_profile(&self, new: NewProfile) -> Result<Profile, VaultError> {
        new.validate()?;
        let profile = Profile::from_new(ProfileId::random(), new);
        self.write(|tx, cipher| {
            let sealed = cipher.seal_json(PROFILES, &[profile.id.as_bytes()], &profile)?;
            tx.execute(
                "INSERT INTO profiles (id, body) VALUES (?1, ?2)",
                params![profile.id.as_bytes(), sealed],
            )?;
            audit::append(
                tx,
                cipher,
                AuditAction::ProfileAdded {
                    profile_id: profile.id,
                },
            )
        })?;
        Ok(profile)
    }

    /// Replaces a profile's details (name, INS, blood group, emergency contact…).
    pub fn update_profile(&self, profile: &Profile) -> Result<(), VaultError> {
        NewProfile {
            display_name: profile.display_name.clone(),
            birth_date: profile.birth_date,
            relationship: profile.relationship,
            ins: profile.ins.clone(),
            blood_group: profile.blood_group,
            emergency_contact: profile.emergency_contact.clone(),
        }
        .validate()?;
        self.write(|tx, cipher| {
            if !profile_exists(tx, &profile.id)? {
                return Err(VaultError::ProfileNotFound);
            }
            let sealed = cipher.seal_json(PROFILES, &[profile.id.as_bytes()], profile)?;
            tx.execute(
                "UPDATE profiles SET body = ?2 WHERE id = ?1",
                params![profile.id.as_bytes(), sealed],
            )?;
            audit::append(
                tx,
                cipher,
                AuditAction::ProfileUpdated {
                    profile_id: profile.id,
                },
            )
        })
    }

    pub fn profile(&self, id: &ProfileId) -> Result<Profile, VaultError> {
        self.read(|conn, cipher| get_profile(conn, cipher, id))
    }

    /// All profiles, the owner first, then by name.
    pub fn profiles(&self) -> Result<Vec<Profile>, VaultError> {
        let mut profiles = self.read(|conn, cipher| {
            let mut stmt = conn.prepare("SELECT id, body FROM profiles")?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let id: Vec<u8> = row.get(0)?;
                let body: Vec<u8> = row.get(1)?;
                let profile: Profile = cipher.open_json(PROFILES, &[&id], &body, "profile")?;
                if profile.id.as_bytes()[..] != id[..] {
                    return Err(VaultError::Integrity { what: "profile" });
                }
                out.push(profile);
            }
            Ok(out)
        })?;
        profiles.sort_by_key(|p| {
            (
                p.relationship != crate::model::Relationship::Owner,
                crate::model::fold(&p.display_name),
            )
        });
        Ok(profiles)
    }

    /// Finds a profile by id, by the start of its id, or by its name (ignoring case and
    /// accents). Ambiguous or unknown names are [`VaultError::ProfileNotFound`].
    pub fn find_profile(&self, query: &str) -> Result<Profile, VaultError> {
        if let Ok(id) = ProfileId::from_str(query) {
            return self.profile(&id);
        }
        let wanted = crate::model::fold(query);
        let profiles = self.profiles()?;
        let mut matches = profiles.into_iter().filter(|p| {
            crate::model::fold(&p.display_name) == wanted
                || p.id.to_string().starts_with(query.trim())
        });
        match (matches.next(), matches.next()) {
            (Some(p), None) => Ok(p),
            _ => Err(VaultError::ProfileNotFound),
        }
    }

    /// Adds a record. Its issued date defaults to the date its content carries, then today.
    pub fn add_record(&self, new: NewRecord) -> Result<Record, VaultError> {
        new.body.validate()?;
        self.write(|tx, cipher| insert_new(tx, cipher, new, Utc::now()))
    }

    /// Replaces a record's provenance (after its signature was verified again), keeping its
    /// content. Used by the trust module; the content itself changes only through
    /// [`Vault::update_record`], which drops a practitioner's provenance.
    pub fn set_provenance(
        &self,
        id: &RecordId,
        provenance: Provenance,
    ) -> Result<Record, VaultError> {
        self.write(|tx, cipher| {
            let mut record = get_record(tx, cipher, id)?;
            record.provenance = provenance;
            write_record(tx, cipher, &record)?;
            audit::append(
                tx,
                cipher,
                AuditAction::RecordUpdated {
                    record_id: record.id,
                    profile_id: record.profile_id,
                    kind: record.kind(),
                },
            )?;
            Ok(record)
        })
    }

    /// Adds many records in one transaction (an import, a generated test set): all or none.
    pub fn add_records(&self, news: Vec<NewRecord>) -> Result<Vec<RecordId>, VaultError> {
        for new in &news {
            new.body.validate()?;
        }
        let now = Utc::now();
        self.write(|tx, cipher| {
            let mut ids = Vec::with_capacity(news.len());
            let mut known_profiles = std::collections::HashSet::new();
            for new in news {
                if !known_profiles.contains(&new.profile_id) {
                    if !profile_exists(tx, &new.profile_id)? {
                        return Err(VaultError::ProfileNotFound);
                    }
                    known_profiles.insert(new.profile_id);
                }
                let record = Record {
                    id: RecordId::random(),
                    profile_id: new.profile_id,
                    issued_on: new
                        .issued_on
                        .or(new.body.natural_date())
                        .unwrap_or(now.date_naive()),
                    created_at: now,
                    updated_at: now,
                    provenance: new.provenance,
                    body: new.body,
                    attachments: Vec::new(),
                };
                write_record(tx, cipher, &record)?;
                audit::append(
                    tx,
                    cipher,
                    AuditAction::RecordAdded {
                        record_id: record.id,
                        profile_id: record.profile_id,
                        kind: record.kind(),
                    },
                )?;
                ids.push(record.id);
            }
            Ok(ids)
        })
    }

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
        let found: Vec<[u8; 16]> = self.read(|conn, _| {
            let mut stmt = conn.prepare("SELECT id FROM records")?;
            let ids = stmt
                .query_map([], |row| row.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids.into_iter()
                .map(|id| id16(id, "record"))
                .filter(|id| {
                    id.as_ref()
                        .map(|id| RecordId::from_bytes(*id).to_string().starts_with(&prefix))
                        .unwrap_or(true)
                })
                .collect()
        })?;
        match found.as_slice() {
            [one] => self.record(&RecordId::from_bytes(*one)),
            _ => Err(VaultError::RecordNotFound),
        }
    }

    /// Replaces a record's content. Its id, profile and creation time stay. A record received
    /// from a practitioner and then edited is no longer what the practitioner signed: its
    /// provenance becomes "entered by patient".
    pub fn update_record(&self, id: &RecordId, body: RecordBody) -> Result<Record, VaultError> {
        body.validate()?;
        self.write(|tx, cipher| {
            let mut record = get_record(tx, cipher, id)?;
            if record.body != body && matches!(record.provenance, Provenance::Practitioner { .. }) {
                record.provenance = Provenance::PatientEntered;
            }
            if let Some(date) = body.natural_date() {
                record.issued_on = date;
            }
            record.body = body;
            record.updated_at = Utc::now();
            write_record(tx, cipher, &record)?;
            audit::append(
                tx,
                cipher,
                AuditAction::RecordUpdated {
                    record_id: record.id,
                    profile_id: record.profile_id,
                    kind: record.kind(),
                },
            )?;
            Ok(record)
        })
    }

    /// Deletes a record and its attachments, in one transaction.
    pub fn delete_record(&self, id: &RecordId) -> Result<(), VaultError> {
        self.write(|tx, cipher| {
            let profile: Vec<u8> = tx
                .query_row(
                    "SELECT profile_id FROM records WHERE id = ?1",
                    [id.as_bytes()],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or(VaultError::RecordNotFound)?;
            super::attachments::delete_for_record(tx, id)?;
            tx.execute("DELETE FROM records WHERE id = ?1", [id.as_bytes()])?;
            let profile_id = ProfileId::from_bytes(id16(profile, "profile")?);
            audit::append(
                tx,
                cipher,
                AuditAction::RecordDeleted {
                    record_id: *id,
                    profile_id,
                },
            )
        })
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
            let mut stmt =
                conn.prepare("SELECT kind, COUNT(*) FROM records WHERE (?1 IS NULL OR profile_id = ?1) GROUP BY kind")?;
            let mut rows = stmt.query([profile_bytes])?;
            let mut counts = HashMap::new();
            while let Some(row) = rows.next()? {
                let kind: String = row.get(0)?;
                let count: i64 = row.get(1)?;
                let kind = RecordKind::from_str(&kind).map_err(|_| VaultError::Corrupt("unknown record kind".into()))?;
                counts.insert(kind, usize::try_from(count).unwrap_or(0));
            }
            Ok(counts)
        })
    }
}

/// Attachment lists keyed by record, used when listing.
pub(crate) type AttachmentsByRecord = HashMap<RecordId, Vec<Attachment>>;
