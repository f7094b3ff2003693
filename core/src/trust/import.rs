//! Putting a signed record into the patient's vault, and checking it again later.
//!
//! The signed bytes are kept as an encrypted attachment of the record
//! ([`SIGNATURE_FILE`]), so the signature can be verified again at any time, for example after
//! the trust store changed ([`reverify`]). A record whose signature checks out against an
//! anchor is stored with provenance "practitioner, verified"; one whose chain fails (unknown
//! anchor, expired certificate) is refused or stored as "practitioner, NOT verified",
//! by the patient's [`UnverifiedPolicy`]. A modified record is always refused.

use super::SignedRecordError;
use super::TrustStore;
use super::signing;
use crate::model::{NewRecord, Profile, ProfileId, Provenance, Record, RecordId};
use crate::vault::{ProvenanceCheck, Vault, VaultError};
use chrono::{DateTime, TimeDelta, Utc};

/// The attachment that holds a record's signed bytes.
pub use crate::model::SIGNATURE_ATTACHMENT as SIGNATURE_FILE;
const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.carnet.signed-record";

/// What to do with a record that is signed but whose certificate does not verify.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnverifiedPolicy {
    /// Refuse it (the default).
    #[default]
    Reject,
    /// Store it, marked as NOT verified.
    StoreUnverified,
}

#[derive(Debug, thiserror::Error)]
pub enum SignedImportError {
    #[error(transparent)]
    Signed(#[from] SignedRecordError),
    #[error("refused: {0}")]
    Unverified(SignedRecordError),
    #[error(
        "this record was signed for another patient (another name and birth date, or another INS): it does not belong in this profile"
    )]
    OtherPatient,
    #[error(
        "the practitioner the record names is not the one who signed it (another RPPS or name): refused"
    )]
    OtherPractitioner,
    #[error("this signed record is already in the vault")]
    AlreadyImported,
    #[error(
        "this record was signed more than {days} days ago: ask the practitioner for a fresh one (a key lost since could have signed it)"
    )]
    TooOld { days: i64 },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// How long after its signing a record can still be imported. The chain is checked at the
/// signing time, so without this bound the key of an expired or lost certificate could keep
/// producing "verified" records dated inside its old validity.
pub const MAX_SIGNED_AGE: TimeDelta = TimeDelta::days(30);

fn provenance(
    read: &Result<signing::VerifiedRecord, signing::UnverifiedRecord>,
    now: DateTime<Utc>,
) -> Provenance {
    match read {
        Ok(v) => Provenance::Practitioner {
            name: v.practitioner.identity.display_name.clone(),
            rpps: v.practitioner.identity.rpps.clone(),
            trust_anchor: Some(v.practitioner.anchor.clone()),
            checked_at: now,
            verified: true,
            bound_to_patient: v.facts.patient.is_some(),
        },
        Err(u) => Provenance::Practitioner {
            name: u.claimed_signer.clone(),
            rpps: None,
            trust_anchor: None,
            checked_at: now,
            verified: false,
            bound_to_patient: u.facts.patient.is_some(),
        },
    }
}

/// Imports a signed record for `profile`. Returns the stored record.
///
/// Refused: a modified record; one signed for another patient than the profile's (format 2);
/// one whose body names another practitioner than its signer; one already in the vault; one
/// signed more than [`MAX_SIGNED_AGE`] before `now`; and, unless `policy` says to store it
/// marked NOT verified, one whose certificate does not verify here.
pub fn import_signed(
    vault: &Vault,
    profile: &ProfileId,
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
    policy: UnverifiedPolicy,
) -> Result<Record, SignedImportError> {
    let read = signing::read(bytes, store, now)?;
    let (body, facts) = match &read {
        Ok(v) => (&v.body, &v.facts),
        Err(u) => (&u.body, &u.facts),
    };
    if let (Err(u), UnverifiedPolicy::Reject) = (&read, policy) {
        return Err(SignedImportError::Unverified(u.reason.clone()));
    }
    if now.signed_duration_since(facts.signed_at) > MAX_SIGNED_AGE {
        return Err(SignedImportError::TooOld {
            days: MAX_SIGNED_AGE.num_days(),
        });
    }
    let person = vault.profile(profile)?;
    if facts.patient.as_ref().is_some_and(|p| !p.is_for(&person)) {
        return Err(SignedImportError::OtherPatient);
    }
    if let Ok(v) = &read {
        if !signing::names_signer(body, &v.practitioner.identity) {
            return Err(SignedImportError::OtherPractitioner);
        }
    }
    let new = NewRecord {
        profile_id: *profile,
        issued_on: None,
        provenance: provenance(&read, now),
        body: body.clone(),
    };
    vault
        .add_checked_record(
            new,
            facts.record_id,
            SIGNATURE_FILE,
            SIGNATURE_MEDIA_TYPE,
            &mut &bytes[..],
        )
        .map_err(|e| match e {
            VaultError::DuplicateRecord => SignedImportError::AlreadyImported,
            other => other.into(),
        })
}

/// Verifies a stored record's signature again (after the trust store changed) and records the
/// outcome in its provenance. A record edited since it was received no longer matches what
/// was signed and is marked not verified.
pub fn reverify(
    vault: &Vault,
    record: &RecordId,
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<Record, SignedImportError> {
    let stored = vault.find_record(&record.to_string())?;
    let signature = stored
        .attachments
        .iter()
        .find(|a| a.file_name == SIGNATURE_FILE)
        .ok_or(SignedImportError::Signed(
            SignedRecordError::NotASignedRecord,
        ))?;
    let mut bytes = Vec::new();
    vault.read_attachment(&signature.id, &mut bytes)?;
    let read = signing::read(&bytes, store, now)?;
    let signed_body = match &read {
        Ok(v) => &v.body,
        Err(u) => &u.body,
    };
    let facts = match &read {
        Ok(v) => &v.facts,
        Err(u) => &u.facts,
    };
    let person = vault.profile(&stored.profile_id)?;
    let still_bound = facts.patient.as_ref().is_some_and(|p| p.is_for(&person));
    let mut outcome = provenance(&read, now);
    if let Provenance::Practitioner {
        verified,
        bound_to_patient,
        ..
    } = &mut outcome
    {
        // Edited since it was received: no longer what was signed.
        if *signed_body != stored.body {
            *verified = false;
        }
        *bound_to_patient = still_bound;
    }
    Ok(vault.set_provenance(record, outcome)?)
}

/// The check a vault runs on a practitioner's record arriving in a backup or a handover: the
/// provenance is earned again from the signed bytes, here, against this device's trust store.
/// A signature that verifies, for this patient, over exactly this record, by the practitioner
/// it names, is a verified practitioner's; an intact signature this store cannot vouch for is
/// "NOT verified"; anything else is the patient's.
#[derive(Debug)]
pub struct SignatureCheck<'a> {
    pub store: &'a TrustStore,
    pub now: DateTime<Utc>,
}

impl ProvenanceCheck for SignatureCheck<'_> {
    fn check(&self, record: &Record, signed: &[u8], profile: &Profile) -> Provenance {
        let Ok(read) = signing::read(signed, self.store, self.now) else {
            return Provenance::PatientEntered;
        };
        let (body, facts) = match &read {
            Ok(v) => (&v.body, &v.facts),
            Err(u) => (&u.body, &u.facts),
        };
        let same_record = *body == record.body
            && facts.record_id.is_none_or(|id| id == record.id)
            && facts.patient.as_ref().is_none_or(|p| p.is_for(profile));
        let same_signer = match &read {
            Ok(v) => signing::names_signer(body, &v.practitioner.identity),
            Err(_) => true,
        };
        if !(same_record && same_signer) {
            return Provenance::PatientEntered;
        }
        provenance(&read, self.now)
    }
}
