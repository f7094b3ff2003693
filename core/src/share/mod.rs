//! Sharing with any doctor by QR code, offline.
//!
//! The patient's side picks what goes in ([`selection`]) from the vault's summary, builds the
//! consultation pack ([`pack`]), compresses it ([`compress`]), seals it to the doctor's hello
//! or as an open share ([`seal`], [`hello`]) and shows it as QR codes ([`crate::qr`]). The
//! doctor's side reads it back ([`reader`]), prints it ([`printable`]) and may hand back a
//! signed access receipt ([`receipt`]). The emergency card ([`emergency`]) is plain text, for
//! any camera.
//!
//! [`share_profile`] is the one entry point for the patient's app and the CLI: it builds,
//! seals, encodes and logs a share in the vault's audit log.

pub mod compress;
pub mod emergency;
mod error;
pub mod hello;
pub mod pack;
pub mod printable;
pub mod reader;
pub mod receipt;
pub mod seal;
pub mod selection;

pub use error::ShareError;
pub use hello::{DoctorSession, Hello, Recipient};
pub use pack::ConsultationPack;
pub use reader::ReaderSession;
pub use receipt::{Receipt, ReceiptError};
pub use seal::{OpenedShare, ShareMode};
pub use selection::{ItemKey, Section, Selection, ShareItem};

use crate::model::{PatientSummary, ProfileId};
use crate::qr::{self, CodeKind};
use crate::time;
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

/// Seals a summary and encodes it for display. Pure: no vault, no clock.
pub fn prepare(
    summary: &PatientSummary,
    selection: &Selection,
    recipient: Option<&Hello>,
    expires_at: DateTime<Utc>,
) -> Result<PreparedShare, ShareError> {
    let pack = selection::build(summary, selection);
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
    })
}

/// Why the patient's share could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ShareFlowError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Share(#[from] ShareError),
}

/// The patient shares a profile: summary as of `today`, the selection applied, sealed to
/// `recipient` (or open) for `lifetime` from `now`, and logged in the audit log with its
/// items, the hello's fingerprint and who the recipient was as the patient saw it
/// ([`Recipient::describe`]).
#[allow(clippy::too_many_arguments)]
pub fn share_profile(
    vault: &Vault,
    profile: &ProfileId,
    selection: &Selection,
    recipient: Option<&Hello>,
    identity: Option<&Recipient>,
    today: NaiveDate,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<PreparedShare, ShareFlowError> {
    if let Some(h) = recipient {
        if now > h.expires_at {
            return Err(ShareError::HelloExpired.into());
        }
    }
    let expires_at = time::after(now, lifetime).ok_or(ShareError::Malformed(
        "the share would expire beyond what its format can say",
    ))?;
    let summary = vault.summary(profile, today)?;
    let prepared = prepare(&summary, selection, recipient, expires_at)?;
    vault.log(AuditAction::Shared {
        profile_id: *profile,
        items: prepared.items.iter().map(|i| i.key.clone()).collect(),
        recipient: match &prepared.mode {
            ShareMode::ToHello { fingerprint } => Some(fingerprint.clone()),
            ShareMode::Open => None,
        },
        expires_at: prepared.expires_at,
        practitioner: identity.map(Recipient::describe),
    })?;
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
