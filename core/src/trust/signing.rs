//! Signed write-back: a practitioner signs a prescription, letter or lab report, hands it to
//! the patient by QR code, and the patient's vault stores it as verified.
//!
//! # Format (signed record version 1, QR prefix `CR1:`, frames `CF1:` when large)
//!
//! The signed envelope of [`super::envelope`] with magic `0xC5` and version 1, whose signed
//! bytes are a CBOR map:
//!
//! ```text
//! 0 "carnet.signed-record.v1", 1 signing time (Unix seconds),
//! 2 the record body as JSON (`model::RecordBody`), exactly as signed,
//! 3 SHA-256 of the certificate chain as carried (each DER, length-prefixed)
//! ```
//!
//! Binding the chain into what is signed means no byte of the signed record, certificates
//! included, can change after signing without the signature failing.
//!
//! The signature covers the exact bytes carried, so nothing is re-encoded before checking
//! (no canonicalisation to get wrong). The chain must verify at the signing time: a
//! certificate that had expired when it signed is refused. Signing sits behind [`Signer`], so
//! a smart card (CPS) or a platform key can do it; [`SoftwareSigner`] holds a PKCS#8 key for
//! the CLI and tests.

use super::{SignedRecordError, TrustStore, VerifiedPractitioner, envelope};
use crate::crypto::digest::Hasher;
use crate::crypto::ecdsa;
use crate::model::RecordBody;
use crate::time;
use chrono::{DateTime, TimeDelta, Utc};
use minicbor::{Decode, Encode};
use std::fmt;

const MAGIC: u8 = 0xC5;
const VERSION: u8 = 1;
const DOMAIN: &str = "carnet.signed-record.v1";
/// How far in the future a signing time may be (clocks differ between devices).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

/// Something that can sign as a practitioner: a CPS smart card, a platform key, or a
/// software key. Implementations must not call back into the vault.
pub trait Signer: Send + Sync {
    /// The practitioner's certificate first, then intermediates (DER).
    fn certificate_chain(&self) -> Vec<Vec<u8>>;
    /// An ECDSA P-256 / SHA-256 signature over `message`, as 64 bytes (r || s).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError>;
}

/// A signer holding a PKCS#8 P-256 key in memory, for the desktop program and tests.
pub struct SoftwareSigner {
    key: ecdsa::SigningKey,
    chain: Vec<Vec<u8>>,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SoftwareSigner(<redacted>)")
    }
}

impl SoftwareSigner {
    /// From a PKCS#8 DER or PEM key and the certificate chain.
    pub fn new(pkcs8: &[u8], chain: Vec<Vec<u8>>) -> Result<Self, SignedRecordError> {
        let key = ecdsa::SigningKey::from_pkcs8(pkcs8)
            .map_err(|_| SignedRecordError::Signer("not a PKCS#8 P-256 private key".into()))?;
        Ok(Self { key, chain })
    }
}

impl Signer for SoftwareSigner {
    fn certificate_chain(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
        Ok(self.key.sign(message).to_vec())
    }
}

#[derive(Encode, Decode)]
#[cbor(map)]
struct Signed {
    #[n(0)]
    domain: String,
    #[n(1)]
    signed_at: i64,
    #[cbor(n(2), with = "minicbor::bytes")]
    body: Vec<u8>,
    #[cbor(n(3), with = "minicbor::bytes")]
    chain_hash: [u8; 32],
}

fn chain_hash(chain: &[Vec<u8>]) -> [u8; 32] {
    let mut h = Hasher::new(DOMAIN);
    for der in chain {
        h.update_with_length(der);
    }
    h.finalize()
}

/// A signature from a platform key (a smart card, the Android Keystore, the Secure Enclave) in
/// the 64-byte r || s form that Carnet's formats carry. Platforms give either that form
/// (CryptoKit, Java's P1363 format) or DER (the Android Keystore, `SecKeyCreateSignature`, the
/// JDK's default); the `p256` crate parses both.
pub fn platform_signature(signature: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
    ecdsa::normalize_signature(signature)
        .map(|s| s.to_vec())
        .map_err(|_| {
            SignedRecordError::Signer(
                "the signer's output is not an ECDSA P-256 signature (DER or 64 bytes r || s)"
                    .into(),
            )
        })
}

/// Signs `body` at `signed_at`; returns the signed record's bytes.
pub fn sign_record(
    body: &RecordBody,
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
) -> Result<Vec<u8>, SignedRecordError> {
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("the record is not valid"))?;
    let json =
        serde_json::to_vec(body).map_err(|_| SignedRecordError::Malformed("record encoding"))?;
    let chain = signer.certificate_chain();
    let signed = minicbor::to_vec(Signed {
        domain: DOMAIN.into(),
        signed_at: time::unix(signed_at),
        body: json,
        chain_hash: chain_hash(&chain),
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    envelope::seal(MAGIC, VERSION, signed, chain, signature)
}

/// A signed record that verified: its content, who signed it and when, and the anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedRecord {
    pub body: RecordBody,
    pub practitioner: VerifiedPractitioner,
    pub signed_at: DateTime<Utc>,
}

/// What could be read of a signed record whose chain did not verify: the content and who
/// claims to have signed it, to store as unverified if the patient's policy allows.
#[derive(Clone, Debug, PartialEq)]
pub struct UnverifiedRecord {
    pub body: RecordBody,
    pub claimed_signer: String,
    pub signed_at: DateTime<Utc>,
    pub reason: SignedRecordError,
}

/// Checks a signed record: its signature over the carried bytes by the practitioner's key, and
/// the chain up to an anchor at the signing time. `now` bounds the signing time.
pub fn verify_record(
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<VerifiedRecord, SignedRecordError> {
    match read(bytes, store, now)? {
        Ok(v) => Ok(v),
        Err(u) => Err(u.reason),
    }
}

/// Like [`verify_record`], but a record that is well formed and whose signature matches its own
/// certificate is returned as [`UnverifiedRecord`] when the chain fails (unknown anchor,
/// expired certificate…), so the caller can apply its policy. A modified record is never
/// returned at all.
pub fn read(
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<Result<VerifiedRecord, UnverifiedRecord>, SignedRecordError> {
    // The signature must match the certificate it carries before anything else is believed.
    let opened = envelope::open(bytes, MAGIC, VERSION, "envelope")?;
    let chain = opened.chain;
    let signed: Signed = minicbor::decode(&opened.signed)
        .map_err(|_| SignedRecordError::Malformed("signed content"))?;
    if signed.domain != DOMAIN {
        return Err(SignedRecordError::Malformed("not a signed record"));
    }
    if signed.chain_hash != chain_hash(&chain) {
        return Err(SignedRecordError::BadSignature);
    }
    let signed_at =
        time::from_unix(signed.signed_at).ok_or(SignedRecordError::Malformed("signing time"))?;
    if signed_at > now.checked_add_signed(CLOCK_SKEW).unwrap_or(now) {
        return Err(SignedRecordError::SignedInTheFuture);
    }
    let body: RecordBody =
        serde_json::from_slice(&signed.body).map_err(|_| SignedRecordError::Malformed("record"))?;
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("record"))?;
    match store.verify(&chain, signed_at) {
        Ok(practitioner) => Ok(Ok(VerifiedRecord {
            body,
            practitioner,
            signed_at,
        })),
        Err(e) => Ok(Err(UnverifiedRecord {
            body,
            claimed_signer: super::claimed_identity(&chain),
            signed_at,
            reason: SignedRecordError::Chain(e),
        })),
    }
}
