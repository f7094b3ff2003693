//! Profiles: the people whose records the vault keeps.

use super::audit::{self, AuditAction};
use super::rows::{self, get_profile, profile_exists};
use super::{Vault, VaultError};
use crate::model::{NewProfile, Profile, ProfileId, Relationship, fold};
use std::str::FromStr;

impl Vault {
    /// Adds a person whose records the vault keeps.
    pub fn add_profile(&self, new: NewProfile) -> Result<Profile, VaultError> {
        new.validate()?;
        let profile = Profile::from_new(ProfileId::random(), new);
        self.write(|tx, cipher| {
            rows::write_profile(tx, cipher, &profile)?;
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
            rows::write_profile(tx, cipher, profile)?;
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
                out.push(rows::open_profile(cipher, &id, &body)?);
            }
            Ok(out)
        })?;
        profiles.sort_by_key(|p| (p.relationship != Relationship::Owner, fold(&p.display_name)));
        Ok(profiles)
    }

    /// Finds a profile by id, by the start of its id, or by its name (ignoring case and
    /// accents). Ambiguous or unknown names are [`VaultError::ProfileNotFound`].
    pub fn find_profile(&self, query: &str) -> Result<Profile, VaultError> {
        if let Ok(id) = ProfileId::from_str(query) {
            return self.profile(&id);
        }
        let wanted = fold(query);
        let profiles = self.profiles()?;
        let mut matches = profiles.into_iter().filter(|p| {
            fold(&p.display_name) == wanted || p.id.to_string().starts_with(query.trim())
        });
        match (matches.next(), matches.next()) {
            (Some(p), None) => Ok(p),
            _ => Err(VaultError::ProfileNotFound),
        }
    }

    /// Deletes a profile with all its records and attachments, in one transaction.
    pub fn delete_profile(&self, id: &ProfileId) -> Result<(), VaultError> {
        self.write(|tx, cipher| {
            if !profile_exists(tx, id)? {
                return Err(VaultError::ProfileNotFound);
            }
            tx.execute(
                "DELETE FROM attachment_chunks WHERE attachment_id IN
                 (SELECT a.id FROM attachments a JOIN records r ON r.id = a.record_id WHERE r.profile_id = ?1)",
                [id.as_bytes()],
            )?;
            tx.execute(
                "DELETE FROM attachments WHERE record_id IN (SELECT id FROM records WHERE profile_id = ?1)",
                [id.as_bytes()],
            )?;
            tx.execute("DELETE FROM records WHERE profile_id = ?1", [id.as_bytes()])?;
            tx.execute("DELETE FROM profiles WHERE id = ?1", [id.as_bytes()])?;
            audit::append(tx, cipher, AuditAction::ProfileDeleted { profile_id: *id })
        })
    }
}
