//! Access receipts: after reading a share, the doctor's device shows a receipt signed with the
//! practitioner's key (which share, which items, when); the patient's app checks it and keeps
//! it, so the patient can list who viewed what, and when.
//!
//! # Format (receipt version 1, QR prefix `CK1:`)
//!
//! `[0xC6][1]` then a CBOR map: 0 the signed bytes, 1 the practitioner's certificate (DER, in a
//! list), 2 the ECDSA P-256 signature (64 bytes) over the signed bytes. Signed bytes: CBOR map:
//! 0 "carnet.receipt.v1", 1 the hello's fingerprint, 2 the share's expiry (Unix seconds; with
//! the fingerprint it names the share), 3 the items read, by section, 4 when it was read.

use super::TrustStore;
use super::signing::{self, SignedRecordError, Signer};
use crate::share::OpenedShare;
use minicbor::{Decode, Encode};

const MAGIC: u8 = 0xC6;
const VERSION: u8 = 1;
const DOMAIN: &str = "carnet.receipt.v1";
/// What a receipt names instead of a hello's fingerprint when the share was open.
const OPEN_SHARE: &str = "open share";

#[derive(Encode, Decode)]
#[cbor(map)]
struct Envelope {
    #[cbor(n(0), with = "minicbor::bytes")]
    signed: Vec<u8>,
    #[n(1)]
    chain: Vec<minicbor::bytes::ByteVec>,
    #[cbor(n(2), with = "minicbor::bytes")]
    signature: Vec<u8>,
}

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

/// A receipt as the patient keeps it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    /// "Karim Benali, Médecin, RPPS …, verified by …", or the claimed name when not verified.
    pub practitioner: String,
    pub verified: bool,
    /// The fingerprint of the hello the share was sealed to.
    pub hello: String,
    pub share_expires_at: u64,
    pub items: Vec<String>,
    /// Unix seconds.
    pub read_at: i64,
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
    read_at: i64,
) -> Result<Vec<u8>, SignedRecordError> {
    let hello = match &share.mode {
        crate::share::ShareMode::ToHello { fingerprint } => fingerprint.clone(),
        crate::share::ShareMode::Open => OPEN_SHARE.to_owned(),
    };
    let content = Content {
        domain: DOMAIN.into(),
        hello,
        share_expires_at: share.expires_at,
        items: items_read(share),
        read_at,
    };
    let signed =
        minicbor::to_vec(&content).map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    let chain = signer
        .certificate_chain()
        .into_iter()
        .take(1)
        .map(minicbor::bytes::ByteVec::from)
        .collect();
    let envelope = minicbor::to_vec(Envelope {
        signed,
        chain,
        signature,
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let mut out = vec![MAGIC, VERSION];
    out.extend_from_slice(&envelope);
    Ok(out)
}

/// [`sign_receipt`] as the QR text (`CK1:` …) the doctor's screen shows the patient.
pub fn receipt_code(
    share: &OpenedShare,
    signer: &dyn Signer,
    read_at: i64,
) -> Result<String, SignedRecordError> {
    let bytes = sign_receipt(share, signer, read_at)?;
    Ok(crate::share::text::encode(
        crate::share::text::CodeKind::Receipt,
        &bytes,
    ))
}

/// Checks a receipt: its signature by the certificate it carries (else refused), then the
/// certificate against `store` at the reading time (else kept as not verified).
pub fn read_receipt(bytes: &[u8], store: &TrustStore) -> Result<Receipt, SignedRecordError> {
    let (magic, rest) = bytes
        .split_first()
        .ok_or(SignedRecordError::NotASignedRecord)?;
    if *magic != MAGIC {
        return Err(SignedRecordError::NotASignedRecord);
    }
    let (version, cbor) = rest
        .split_first()
        .ok_or(SignedRecordError::Malformed("truncated"))?;
    if *version != VERSION {
        return Err(SignedRecordError::UnsupportedVersion(*version));
    }
    let envelope: Envelope =
        minicbor::decode(cbor).map_err(|_| SignedRecordError::Malformed("receipt"))?;
    let chain: Vec<Vec<u8>> = envelope.chain.into_iter().map(|b| b.to_vec()).collect();
    signing::verify_by_leaf(&chain, &envelope.signed, &envelope.signature)?;
    let content: Content =
        minicbor::decode(&envelope.signed).map_err(|_| SignedRecordError::Malformed("receipt"))?;
    if content.domain != DOMAIN {
        return Err(SignedRecordError::Malformed("not a receipt"));
    }
    let (practitioner, verified) = match store.verify(&chain, content.read_at) {
        Ok(p) => (p.describe(), true),
        Err(_) => {
            let claimed = chain
                .first()
                .and_then(|der| x509_parser::parse_x509_certificate(der).ok())
                .map(|(_, c)| super::identity::read(c.subject()).describe())
                .unwrap_or_default();
            (super::describe_unverified(&claimed), false)
        }
    };
    Ok(Receipt {
        practitioner,
        verified,
        hello: content.hello,
        share_expires_at: content.share_expires_at,
        items: content.items,
        read_at: content.read_at,
    })
}

/// How far a receipt's reading time may fall outside its share's life (device clocks differ).
const CLOCK_SKEW: i64 = 10 * 60;

/// When this vault made the share a receipt names (its hello's fingerprint, or "open share",
/// and its expiry), from the audit log.
fn shared_at(vault: &crate::vault::Vault, receipt: &Receipt) -> Result<Option<i64>, ReceiptError> {
    Ok(vault.audit_log()?.into_iter().find_map(|e| match e.action {
        crate::vault::AuditAction::Shared {
            recipient,
            expires_at,
            ..
        } if expires_at == receipt.share_expires_at
            && recipient.as_deref().unwrap_or(OPEN_SHARE) == receipt.hello =>
        {
            Some(e.at.timestamp())
        }
        _ => None,
    }))
}

/// The patient's app keeps a scanned receipt (`CK1:` text) in the vault's audit log. The
/// receipt must name a share this vault made, and be dated while that share was valid: this
/// refuses receipts for other people's shares, and bounds how far back a signer can date a
/// reading (the certificate is checked at that date).
pub fn keep_receipt(
    vault: &crate::vault::Vault,
    scanned: &str,
    store: &TrustStore,
) -> Result<Receipt, ReceiptError> {
    let (kind, bytes) = crate::share::text::decode(scanned)?;
    if kind != crate::share::text::CodeKind::Receipt {
        return Err(ReceiptError::Signed(SignedRecordError::NotASignedRecord));
    }
    let receipt = read_receipt(&bytes, store)?;
    let shared_at = shared_at(vault, &receipt)?.ok_or(ReceiptError::NotThisVaultsShare)?;
    let expires_at = i64::try_from(receipt.share_expires_at).unwrap_or(i64::MAX);
    if receipt.read_at < shared_at.saturating_sub(CLOCK_SKEW)
        || receipt.read_at > expires_at.saturating_add(CLOCK_SKEW)
    {
        return Err(ReceiptError::OutsideTheShareLife);
    }
    vault.log(crate::vault::AuditAction::ReceiptReceived {
        practitioner: receipt.practitioner.clone(),
        verified: receipt.verified,
        hello: receipt.hello.clone(),
        share_expires_at: receipt.share_expires_at,
        items: receipt.items.clone(),
        read_at: receipt.read_at,
    })?;
    Ok(receipt)
}

/// The receipts kept, oldest first.
pub fn receipts(vault: &crate::vault::Vault) -> Result<Vec<Receipt>, crate::vault::VaultError> {
    Ok(vault
        .audit_log()?
        .into_iter()
        .filter_map(|e| match e.action {
            crate::vault::AuditAction::ReceiptReceived {
                practitioner,
                verified,
                hello,
                share_expires_at,
                items,
                read_at,
            } => Some(Receipt {
                practitioner,
                verified,
                hello,
                share_expires_at,
                items,
                read_at,
            }),
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
    #[error(transparent)]
    Code(#[from] crate::share::ShareError),
    #[error(transparent)]
    Signed(#[from] SignedRecordError),
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
}
