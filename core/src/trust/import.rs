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
use crate::model::{NewRecord, ProfileId, Provenance, Record, RecordBody, RecordId};
use crate::vault::{Vault, VaultError};
use chrono::{DateTime, Utc};

/// The attachment that holds a record's signed bytes.
pub const SIGNATURE_FILE: &str = "signature.carnet-signed";
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
    #[error(transparent)]
    Vault(#[from] VaultError),
}

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
        },
        Err(u) => Provenance::Practitioner {
            name: u.claimed_signer.clone(),
            rpps: None,
            trust_anchor: None,
            checked_at: now,
            verified: false,
        },
    }
}

/// Imports a signed record for `profile`. Returns the stored record.
pub fn import_signed(
    vault: &Vault,
    profile: &ProfileId,
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
    policy: UnverifiedPolicy,
) -> Result<Record, SignedImportError> {
    let read = signing::read(bytes, store, now)?;
    if let (Err(u), UnverifiedPolicy::Reject) = (&read, policy) {
        return Err(SignedImportError::Unverified(u.reason.clone()));
    }
    let body: RecordBody = match &read {
        Ok(v) => v.body.clone(),
        Err(u) => u.body.clone(),
    };
    let new = NewRecord {
        profile_id: *profile,
        issued_on: None,
        provenance: provenance(&read, now),
        body,
    };
    Ok(vault.add_record_with_file(new, SIGNATURE_FILE, SIGNATURE_MEDIA_TYPE, &mut &bytes[..])?)
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
    let mut outcome = provenance(&read, now);
    if *signed_body != stored.body {
        if let Provenance::Practitioner { verified, .. } = &mut outcome {
            *verified = false;
        }
    }
    Ok(vault.set_provenance(record, outcome)?)
}
