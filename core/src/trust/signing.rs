//! Signed write-back: a practitioner signs a prescription, letter or lab report, hands it to
//! the patient by QR code, and the patient's vault stores it as verified.
//!
//! # Format (signed record version 1, QR prefix `CR1:`, frames `CF1:` when large)
//!
//! ```text
//! [0]    0xC5, then [1] version = 1
//! [2..]  CBOR map: 0 the signed bytes, 1 the certificate chain (practitioner first, DER),
//!        2 the ECDSA P-256 signature (64 bytes, r || s) over the signed bytes
//! signed bytes: CBOR map: 0 "carnet.signed-record.v1", 1 signing time (Unix seconds),
//!        2 the record body as JSON (`model::RecordBody`), exactly as signed,
//!        3 SHA-256 of the certificate chain as carried (each DER, length-prefixed)
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

use super::{ChainError, TrustStore, VerifiedPractitioner};
use crate::model::RecordBody;
use minicbor::{Decode, Encode};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use std::fmt;

const MAGIC: u8 = 0xC5;
const VERSION: u8 = 1;
const DOMAIN: &str = "carnet.signed-record.v1";
/// How far in the future a signing time may be (clocks differ between devices).
const CLOCK_SKEW: i64 = 10 * 60;

/// Why signing or a signed record failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignedRecordError {
    #[error("this is not a signed Carnet record")]
    NotASignedRecord,
    #[error("signed record format {0} is newer than this version reads")]
    UnsupportedVersion(u8),
    #[error("the signed record is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "the signature does not match the record and the certificate (modified after signing, or signed with another key)"
    )]
    BadSignature,
    #[error("the signing time is in the future")]
    SignedInTheFuture,
    #[error("the practitioner's certificate: {0}")]
    Chain(#[from] ChainError),
    #[error("the signer failed: {0}")]
    Signer(String),
}

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
    key: SigningKey,
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
        let key = match std::str::from_utf8(pkcs8) {
            Ok(pem) if pem.contains("-----BEGIN") => SigningKey::from_pkcs8_pem(pem),
            _ => SigningKey::from_pkcs8_der(pkcs8),
        }
        .map_err(|_| SignedRecordError::Signer("not a PKCS#8 P-256 private key".into()))?;
        Ok(Self { key, chain })
    }
}

impl Signer for SoftwareSigner {
    fn certificate_chain(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
        let signature: Signature = self.key.sign(message);
        Ok(signature.to_bytes().to_vec())
    }
}

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
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new_with_prefix(DOMAIN);
    for der in chain {
        h.update((der.len() as u64).to_be_bytes());
        h.update(der);
    }
    h.finalize().into()
}

/// A signature from a platform key (a smart card, the Android Keystore, the Secure Enclave) in
/// the 64-byte r || s form that Carnet's formats carry. Platforms give either that form
/// (CryptoKit, Java's P1363 format) or DER (the Android Keystore, `SecKeyCreateSignature`, the
/// JDK's default); the `p256` crate parses both.
pub fn platform_signature(signature: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
    let parsed = if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    };
    parsed.map(|s| s.to_bytes().to_vec()).map_err(|_| {
        SignedRecordError::Signer(
            "the signer's output is not an ECDSA P-256 signature (DER or 64 bytes r || s)".into(),
        )
    })
}

/// Checks `signature` over `message` with the key of the first certificate of `chain`.
pub fn verify_by_leaf(
    chain: &[Vec<u8>],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignedRecordError> {
    let leaf_der = chain
        .first()
        .ok_or(SignedRecordError::Malformed("no certificate"))?;
    let (_, leaf) = x509_parser::parse_x509_certificate(leaf_der)
        .map_err(|_| SignedRecordError::Chain(ChainError::Malformed { position: 0 }))?;
    let key = VerifyingKey::from_public_key_der(leaf.public_key().raw)
        .map_err(|_| SignedRecordError::Chain(ChainError::UnsupportedAlgorithm { position: 0 }))?;
    let signature =
        Signature::from_slice(signature).map_err(|_| SignedRecordError::BadSignature)?;
    key.verify(message, &signature)
        .map_err(|_| SignedRecordError::BadSignature)
}

/// Signs `body` at `signed_at` (Unix seconds); returns the signed record's bytes.
pub fn sign_record(
    body: &RecordBody,
    signer: &dyn Signer,
    signed_at: i64,
) -> Result<Vec<u8>, SignedRecordError> {
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("the record is not valid"))?;
    let json =
        serde_json::to_vec(body).map_err(|_| SignedRecordError::Malformed("record encoding"))?;
    let chain = signer.certificate_chain();
    let signed = minicbor::to_vec(Signed {
        domain: DOMAIN.into(),
        signed_at,
        body: json,
        chain_hash: chain_hash(&chain),
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    let chain = chain
        .into_iter()
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

/// A signed record that verified: its content, who signed it and when, and the anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedRecord {
    pub body: RecordBody,
    pub practitioner: VerifiedPractitioner,
    /// Unix seconds.
    pub signed_at: i64,
}

/// What could be read of a signed record whose chain did not verify: the content and who
/// claims to have signed it, to store as unverified if the patient's policy allows.
#[derive(Clone, Debug, PartialEq)]
pub struct UnverifiedRecord {
    pub body: RecordBody,
    pub claimed_signer: String,
    pub signed_at: i64,
    pub reason: SignedRecordError,
}

/// Checks a signed record: its signature over the carried bytes by the practitioner's key, and
/// the chain up to an anchor at the signing time. `now` bounds the signing time.
pub fn verify_record(
    bytes: &[u8],
    store: &TrustStore,
    now: i64,
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
    now: i64,
) -> Result<Result<VerifiedRecord, UnverifiedRecord>, SignedRecordError> {
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
        minicbor::decode(cbor).map_err(|_| SignedRecordError::Malformed("envelope"))?;
    let signed: Signed = minicbor::decode(&envelope.signed)
        .map_err(|_| SignedRecordError::Malformed("signed content"))?;
    if signed.domain != DOMAIN {
        return Err(SignedRecordError::Malformed("not a signed record"));
    }
    let chain: Vec<Vec<u8>> = envelope.chain.into_iter().map(|b| b.to_vec()).collect();
    // The signature must match the certificate it carries before anything else is believed.
    verify_by_leaf(&chain, &envelope.signed, &envelope.signature)?;
    let leaf_der = chain
        .first()
        .ok_or(SignedRecordError::Malformed("no certificate"))?;
    let (_, leaf) = x509_parser::parse_x509_certificate(leaf_der)
        .map_err(|_| SignedRecordError::Chain(ChainError::Malformed { position: 0 }))?;
    if signed.chain_hash != chain_hash(&chain) {
        return Err(SignedRecordError::BadSignature);
    }
    if signed.signed_at > now + CLOCK_SKEW {
        return Err(SignedRecordError::SignedInTheFuture);
    }
    let body: RecordBody =
        serde_json::from_slice(&signed.body).map_err(|_| SignedRecordError::Malformed("record"))?;
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("record"))?;
    match store.verify(&chain, signed.signed_at) {
        Ok(practitioner) => Ok(Ok(VerifiedRecord {
            body,
            practitioner,
            signed_at: signed.signed_at,
        })),
        Err(e) => Ok(Err(UnverifiedRecord {
            body,
            claimed_signer: super::identity::read(leaf.subject()).describe(),
            signed_at: signed.signed_at,
            reason: SignedRecordError::Chain(e),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_signatures_in_der_or_raw_become_the_same_64_bytes() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap_or_else(|_| unreachable!());
        let signature: Signature = key.sign(b"carnet");
        let raw = signature.to_bytes().to_vec();
        let der = signature.to_der().as_bytes().to_vec();
        assert_ne!(der.len(), 64);
        assert_eq!(platform_signature(&raw).ok(), Some(raw.clone()));
        assert_eq!(platform_signature(&der).ok(), Some(raw.clone()));
        let mut bad_der = der.clone();
        bad_der[0] ^= 0xFF;
        for garbage in [&[][..], &raw[..63], &bad_der[..], &[0u8; 64][..]] {
            assert!(matches!(
                platform_signature(garbage),
                Err(SignedRecordError::Signer(_))
            ));
        }
    }
}
