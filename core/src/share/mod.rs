//! Sharing with any doctor by QR code, offline.
//!
//! The patient's side picks what goes in ([`selection`]) from the vault's summary, builds the
//! consultation pack ([`pack`]), compresses it ([`compress`]), seals it to the doctor's hello
//! or as an open share ([`seal`], [`hello`]) and shows it as QR codes ([`crate::qr`]). The
//! doctor's side reads it back ([`reader`]), prints it ([`printable`]) and may hand back a
//! signed access receipt ([`receipt`]). The emergency card ([`emergency`]) is plain text, for
//! any camera.
//!
//! [`share_profile`] is the one entry point for the patient's app and the CLI: it builds the
//! pack with the proofs of the practitioners' signed records it draws on ([`proofs`]), seals,
//! encodes and logs a share in the vault's audit log. A hello that does not verify is sealed
//! to only when the patient chose to ([`ShareRequest::unverified_hello_accepted`]); both
//! screens then show a comparison code ([`seal::comparison_code`]).

pub mod compress;
pub mod emergency;
mod error;
pub mod hello;
pub mod pack;
pub mod printable;
pub mod proofs;
pub mod reader;
pub mod receipt;
pub mod seal;
pub mod selection;

pub use error::ShareError;
pub use hello::{DoctorSession, Hello, Recipient};
pub use pack::ConsultationPack;
pub use proofs::{ProofCheck, ProofOutcome, SignedRecords};
pub use reader::ReaderSession;
pub use receipt::{Receipt, ReceiptError};
pub use seal::{OpenedShare, ShareMode};
pub use selection::{ItemKey, Section, Selection, ShareItem};

use crate::model::{PatientSummary, ProfileId, Provenance, RecordId, SIGNATURE_ATTACHMENT};
use crate::qr::{self, CodeKind};
use crate::time;
use crate::trust::TrustStore;
use crate::vault::{AuditAction, Vault, VaultError};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;

/// Default lifetime of a share.
pub const DEFAULT_SHARE_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A share ready to show: one QR text, or frames to animate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedShare {
    pub mode: ShareMode,
    pub expires_at: DateTime<Utc>,
    /// One text for a single code, several for an animated sequence.
    pub codes: Vec<String>,
    /// The QR version of the single code; `None` when animated.
    pub version: Option<i16>,
    /// What went in, for the preview and the audit log.
    pub items: Vec<ShareItem>,
    /// Bytes of the sealed share.
    pub sealed_len: usize,
    /// Who the hello said it was, as checked against the patient's trust store (a share to a
    /// hello made by [`share_profile`]).
    pub recipient: Option<Recipient>,
    /// The code the doctor's screen shows once it opened the share (sealed to a hello): the
    /// patient compares them.
    pub comparison_code: Option<String>,
    /// How many items carry a practitioner's proof.
    pub proved_items: usize,
}

impl PreparedShare {
    pub fn is_animated(&self) -> bool {
        self.codes.len() > 1
    }

    /// What the app must say before showing an open share.
    pub fn warning(&self) -> Option<&'static str> {
        match self.mode {
            ShareMode::Open => Some("Anyone who scans this code can read it until it expires."),
            ShareMode::ToHello { .. } => None,
        }
    }
}

/// Seals a summary, with the proofs of the `signed` records it draws on, and encodes it for
/// display. Pure: no vault, no clock.
pub fn prepare(
    summary: &PatientSummary,
    selection: &Selection,
    signed: &SignedRecords,
    recipient: Option<&Hello>,
    expires_at: DateTime<Utc>,
) -> Result<PreparedShare, ShareError> {
    let pack = selection::build_proved(summary, selection, signed);
    let proved_items = pack
        .allergies
        .iter()
        .map(|i| i.proof)
        .chain(pack.conditions.iter().map(|i| i.proof))
        .chain(pack.medications.iter().map(|i| i.proof))
        .chain(pack.labs.iter().map(|i| i.proof))
        .chain(pack.letters.iter().map(|i| i.proof))
        .flatten()
        .count();
    let items: Vec<ShareItem> = selection::candidates(summary, selection)
        .into_iter()
        .filter(|i| i.included)
        .collect();
    let sealed = seal::seal(&pack, recipient, expires_at)?;
    let mode = match recipient {
        Some(h) => ShareMode::ToHello {
            fingerprint: h.fingerprint(),
        },
        None => ShareMode::Open,
    };
    let codes = qr::codes_for(CodeKind::Share, &sealed)?;
    Ok(PreparedShare {
        mode,
        expires_at,
        codes: codes.texts,
        version: codes.version,
        items,
        sealed_len: sealed.len(),
        recipient: None,
        comparison_code: recipient.and_then(|h| seal::comparison_code(&sealed, h)),
        proved_items,
    })
}

/// What the patient shares, with whom, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct ShareRequest<'a> {
    pub profile: ProfileId,
    pub selection: &'a Selection,
    /// The doctor's hello, scanned from their screen; `None` makes an open share.
    pub hello: Option<&'a Hello>,
    /// The patient's trust store: who the hello is, and which authorities the proofs may name
    /// by reference.
    pub trust: &'a TrustStore,
    /// The patient was told the hello does not verify (no certificate, or one this store
    /// cannot vouch for) and chose to share anyway. Without it such a hello is refused
    /// before anything is sealed.
    pub unverified_hello_accepted: bool,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub lifetime: Duration,
}

/// The signature attachments of the practitioners' records `summary` draws on.
fn signed_records(
    vault: &Vault,
    summary: &PatientSummary,
    trust: &TrustStore,
) -> Result<SignedRecords, VaultError> {
    let claimed = |p: &Provenance| matches!(p, Provenance::Practitioner { .. });
    let mut ids: Vec<RecordId> = Vec::new();
    let mut note = |id: RecordId, p: &Provenance| {
        if claimed(p) && !ids.contains(&id) {
            ids.push(id);
        }
    };
    summary
        .allergies
        .iter()
        .for_each(|a| note(a.record_id, &a.provenance));
    summary
        .conditions
        .iter()
        .for_each(|c| note(c.record_id, &c.provenance));
    summary
        .current_medications
        .iter()
        .for_each(|m| note(m.record_id, &m.provenance));
    summary
        .lab_trends
        .iter()
        .for_each(|t| note(t.latest.record_id, &t.latest.provenance));
    summary
        .latest_letters
        .iter()
        .for_each(|l| note(l.record_id, &l.provenance));
    let mut signed = Vec::new();
    for id in ids {
        let record = vault.record(&id)?;
        let Some(attachment) = record
            .attachments
            .iter()
            .find(|a| a.file_name == SIGNATURE_ATTACHMENT && a.size <= MAX_SIGNED_RECORD_BYTES)
        else {
            continue;
        };
        let mut bytes = Vec::new();
        vault.read_attachment(&attachment.id, &mut bytes)?;
        signed.push((id, bytes));
    }
    Ok(SignedRecords::new(signed, trust))
}

/// The largest signed record a share proves (a letter with its chain fits in a few KiB).
const MAX_SIGNED_RECORD_BYTES: u64 = 256 * 1024;

/// Why the patient's share could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ShareFlowError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Share(#[from] ShareError),
}

/// The patient shares a profile: summary as of `today`, the selection applied, each item from
/// a practitioner's signed record with its proof, sealed to the hello (or open) for `lifetime`
/// from `now`, and logged in the audit log with its items, the hello's fingerprint, who the
/// recipient was as the patient saw it ([`Recipient::describe`]) and the key that signed the
/// hello (a receipt must come from it).
///
/// A hello that does not verify against the patient's trust store is refused
/// ([`ShareError::UnverifiedHello`]) unless the request says the patient accepted it.
pub fn share_profile(
    vault: &Vault,
    request: &ShareRequest<'_>,
) -> Result<PreparedShare, ShareFlowError> {
    let recipient = request
        .hello
        .map(|h| h.recipient(request.trust, request.now));
    if let Some(h) = request.hello {
        if request.now > h.expires_at {
            return Err(ShareError::HelloExpired.into());
        }
    }
    if matches!(recipient, Some(Recipient::Unverified { .. })) && !request.unverified_hello_accepted
    {
        return Err(ShareError::UnverifiedHello.into());
    }
    let expires_at = time::after(request.now, request.lifetime).ok_or(ShareError::Malformed(
        "the share would expire beyond what its format can say",
    ))?;
    let summary = vault.summary(&request.profile, request.today)?;
    let signed = signed_records(vault, &summary, request.trust)?;
    let mut prepared = prepare(
        &summary,
        request.selection,
        &signed,
        request.hello,
        expires_at,
    )?;
    vault.log(AuditAction::Shared {
        profile_id: request.profile,
        items: prepared.items.iter().map(|i| i.key.clone()).collect(),
        recipient: match &prepared.mode {
            ShareMode::ToHello { fingerprint } => Some(fingerprint.clone()),
            ShareMode::Open => None,
        },
        expires_at: prepared.expires_at,
        practitioner: recipient.as_ref().map(Recipient::describe),
        hello_signer: request.hello.and_then(Hello::signing_key_fingerprint),
    })?;
    prepared.recipient = recipient;
    Ok(prepared)
}

/// The emergency card text for a profile as of `today`.
pub fn emergency_card(
    vault: &Vault,
    profile: &ProfileId,
    today: NaiveDate,
) -> Result<String, ShareFlowError> {
    let summary = vault.summary(profile, today)?;
    Ok(emergency::card_text(&summary)?)
}
