//! Access receipts: after reading a share, the doctor's device shows a receipt signed with the
//! practitioner's key (which share, which items, when); the patient's app checks it and keeps
//! it, so the patient can list who viewed what, and when.
//!
//! # Format (receipt version 1, QR prefix `CK1:`)
//!
//! The practitioner's signed envelope (`trust::envelope`) with magic `0xC6` and version 1,
//! carrying the practitioner's certificate only. Signed bytes: CBOR map: 0
//! "carnet.receipt.v1", 1 the hello's fingerprint, 2 the share's expiry (Unix seconds; with
//! the fingerprint it names the share), 3 the items read, by section, 4 when it was read.

use super::{OpenedShare, ShareMode};
use crate::qr::{self, CodeKind};
use crate::time;
use crate::trust::{self, TrustStore, envelope};
use crate::trust::{SignedRecordError, Signer};
pub use crate::vault::Receipt;
use crate::vault::{AuditAction, Vault, VaultError};
use chrono::{DateTime, Utc};
use minicbor::{Decode, Encode};

const MAGIC: u8 = 0xC6;
const VERSION: u8 = 1;
const DOMAIN: &str = "carnet.receipt.v1";
/// What a receipt names instead of a hello's fingerprint when the share was open.
const OPEN_SHARE: &str = "open share";

#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[cbor(map)]
struct Content {
    #[n(0)]
    domain: String,
    #[n(1)]
    hello: String,
    #[n(2)]
    share_expires_at: u64,
    #[n(3)]
    items: Vec<String>,
    #[n(4)]
    read_at: i64,
}

/// What a share held, by section ("5 medications"), for its receipt. With the hello's
/// fingerprint and the share's expiry, the patient's audit log tells exactly which items.
pub fn items_read(share: &OpenedShare) -> Vec<String> {
    let p = &share.pack;
    [
        (1, "identity"),
        (p.allergies.len(), "allergies"),
        (p.conditions.len(), "conditions"),
        (p.medications.len(), "medications"),
        (p.labs.len(), "lab results"),
        (p.letters.len(), "letters"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect()
}

/// The doctor's device signs a receipt for a share it read.
pub fn sign_receipt(
    share: &OpenedShare,
    signer: &dyn Signer,
    read_at: DateTime<Utc>,
) -> Result<Vec<u8>, SignedRecordError> {
    let hello = match &share.mode {
        ShareMode::ToHello { fingerprint } => fingerprint.clone(),
        ShareMode::Open => OPEN_SHARE.to_owned(),
    };
    let content = Content {
        domain: DOMAIN.into(),
        hello,
        share_expires_at: u64::try_from(time::unix(share.expires_at)).unwrap_or(0),
        items: items_read(share),
        read_at: time::unix(read_at),
    };
    let signed =
        minicbor::to_vec(&content).map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    let chain = signer.certificate_chain().into_iter().take(1).collect();
    envelope::seal(MAGIC, VERSION, signed, chain, signature, Default::default())
}

/// [`sign_receipt`] as the QR text (`CK1:` …) the doctor's screen shows the patient.
pub fn receipt_code(
    share: &OpenedShare,
    signer: &dyn Signer,
    read_at: DateTime<Utc>,
) -> Result<String, SignedRecordError> {
    let bytes = sign_receipt(share, signer, read_at)?;
    Ok(qr::text::encode(CodeKind::Receipt, &bytes))
}

/// Checks a receipt: its signature by the certificate it carries (else refused), then the
/// certificate against `store` at the reading time (else kept as not verified).
pub fn read_receipt(bytes: &[u8], store: &TrustStore) -> Result<Receipt, SignedRecordError> {
    read_signed_receipt(bytes, store).map(|(receipt, _)| receipt)
}

/// [`read_receipt`], and the fingerprint of the key that signed it.
fn read_signed_receipt(
    bytes: &[u8],
    store: &TrustStore,
) -> Result<(Receipt, Option<String>), SignedRecordError> {
    let opened = envelope::open(bytes, MAGIC, VERSION, "receipt")?;
    let chain = opened.chain;
    let content: Content =
        minicbor::decode(&opened.signed).map_err(|_| SignedRecordError::Malformed("receipt"))?;
    if content.domain != DOMAIN {
        return Err(SignedRecordError::Malformed("not a receipt"));
    }
    let read_at =
        time::from_unix(content.read_at).ok_or(SignedRecordError::Malformed("reading time"))?;
    let share_expires_at = time::from_unix_unsigned(content.share_expires_at)
        .ok_or(SignedRecordError::Malformed("share expiry"))?;
    let (practitioner, verified) = match store.verify(&chain, read_at) {
        Ok(p) => (p.describe(), true),
        Err(_) => (
            trust::describe_unverified(&trust::claimed_identity(&chain)),
            false,
        ),
    };
    Ok((
        Receipt {
            practitioner,
            verified,
            hello: content.hello,
            share_expires_at,
            items: content.items,
            read_at,
        },
        trust::signing_key_fingerprint(&chain),
    ))
}

/// How far a receipt's reading time may fall outside its share's life (device clocks differ).
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// A share as the audit log recorded it: when it was made, and the key that signed its hello.
type LoggedShare = (DateTime<Utc>, Option<String>);

/// The share a receipt names (its hello's fingerprint, or "open share", and its expiry), as
/// this vault's audit log recorded it.
fn share_of(vault: &Vault, receipt: &Receipt) -> Result<Option<LoggedShare>, ReceiptError> {
    Ok(vault.audit_log()?.into_iter().find_map(|e| match e.action {
        AuditAction::Shared {
            recipient,
            expires_at,
            hello_signer,
            ..
        } if expires_at == receipt.share_expires_at
            && recipient.as_deref().unwrap_or(OPEN_SHARE) == receipt.hello =>
        {
            Some((e.at, hello_signer))
        }
        _ => None,
    }))
}

/// The patient's app keeps a scanned receipt (`CK1:` text) in the vault's audit log. The
/// receipt must name a share this vault made, be dated while that share was valid, and be
/// signed by the key that signed the hello the share was sealed to: this refuses receipts for
/// other people's shares and receipts another certificate holder signs for this one, and
/// bounds how far back a signer can date a reading (the certificate is checked at that date).
/// A share to an unsigned hello (or an open one) binds no key: its receipt is kept marked NOT
/// verified. The same receipt kept twice is kept once.
pub fn keep_receipt(
    vault: &Vault,
    scanned: &str,
    store: &TrustStore,
) -> Result<Receipt, ReceiptError> {
    let (kind, bytes) = qr::text::decode(scanned).map_err(super::ShareError::from)?;
    if kind != CodeKind::Receipt {
        return Err(ReceiptError::Signed(SignedRecordError::NotASignedRecord));
    }
    let (mut receipt, signer) = read_signed_receipt(&bytes, store)?;
    let (shared_at, hello_signer) =
        share_of(vault, &receipt)?.ok_or(ReceiptError::NotThisVaultsShare)?;
    match &hello_signer {
        Some(key) if signer.as_ref() != Some(key) => return Err(ReceiptError::OtherSigner),
        Some(_) => {}
        None if receipt.verified => {
            receipt.verified = false;
            receipt.practitioner = format!(
                "NOT bound to the doctor's code (it was not signed): {}",
                receipt.practitioner
            );
        }
        None => {}
    }
    let earliest = shared_at
        .checked_sub_signed(CLOCK_SKEW)
        .unwrap_or(shared_at);
    let latest = receipt
        .share_expires_at
        .checked_add_signed(CLOCK_SKEW)
        .unwrap_or(receipt.share_expires_at);
    if receipt.read_at < earliest || receipt.read_at > latest {
        return Err(ReceiptError::OutsideTheShareLife);
    }
    if receipts(vault)?.contains(&receipt) {
        return Ok(receipt);
    }
    vault.log(AuditAction::ReceiptReceived(receipt.clone()))?;
    Ok(receipt)
}

/// The receipts kept, oldest first.
pub fn receipts(vault: &Vault) -> Result<Vec<Receipt>, VaultError> {
    Ok(vault
        .audit_log()?
        .into_iter()
        .filter_map(|e| match e.action {
            AuditAction::ReceiptReceived(receipt) => Some(receipt),
            _ => None,
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("this receipt is for a share this vault did not make")]
    NotThisVaultsShare,
    #[error(
        "this receipt is dated outside the life of its share: a device's clock is wrong, or it was backdated"
    )]
    OutsideTheShareLife,
    #[error(
        "this receipt is signed with another key than the one that signed the doctor's code the share was sealed to"
    )]
    OtherSigner,
    #[error(transparent)]
    Code(#[from] super::ShareError),
    #[error(transparent)]
    Signed(#[from] SignedRecordError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}
