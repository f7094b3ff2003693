//! The envelope every practitioner's code travels in (signed records, access receipts):
//!
//! ```text
//! [0]    magic: 0xC5 a signed record, 0xC6 an access receipt
//! [1]    the format's version
//! [2..]  CBOR map: 0 the signed bytes, 1 the certificate chain (practitioner first, DER),
//!        2 the ECDSA P-256 signature (64 bytes, r || s) over the signed bytes,
//!        3 (signed records, version 2) the parts of the record, each as signed by its
//!          digest, 4 (idem, when bound to an INS) the 16-byte salt of the INS digest
//! ```
//!
//! The signature covers the exact bytes carried, so nothing is re-encoded before checking.
//! [`open`] checks it against the first certificate before anything else is believed; what
//! the signed bytes mean, and whether the certificate is trusted, is the caller's business.

use super::{ChainError, SignedRecordError};
use crate::crypto::{CryptoError, ecdsa};
use minicbor::{Decode, Encode};

#[derive(Encode, Decode)]
#[cbor(map)]
struct Wire {
    #[cbor(n(0), with = "minicbor::bytes")]
    signed: Vec<u8>,
    #[n(1)]
    chain: Vec<minicbor::bytes::ByteVec>,
    #[cbor(n(2), with = "minicbor::bytes")]
    signature: Vec<u8>,
    #[n(3)]
    parts: Option<Vec<minicbor::bytes::ByteVec>>,
    #[n(4)]
    salt: Option<minicbor::bytes::ByteArray<16>>,
}

/// What travels beside the signed bytes, bound to them by digests.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Extras {
    pub parts: Option<Vec<Vec<u8>>>,
    pub salt: Option<[u8; 16]>,
}

/// An envelope whose signature matched its first certificate. No `Debug`: the signed bytes
/// may hold a record.
pub(crate) struct Opened {
    pub version: u8,
    pub signed: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
    /// The signature over `signed`, already checked by `chain[0]`: kept to prove the record
    /// to someone else ([`super::proof`]).
    pub signature: Vec<u8>,
    pub extras: Extras,
}

/// The envelope's bytes for `signed`, its `signature` and the `chain` that goes with it.
pub(crate) fn seal(
    magic: u8,
    version: u8,
    signed: Vec<u8>,
    chain: Vec<Vec<u8>>,
    signature: Vec<u8>,
    extras: Extras,
) -> Result<Vec<u8>, SignedRecordError> {
    let wire = minicbor::to_vec(Wire {
        signed,
        chain: chain
            .into_iter()
            .map(minicbor::bytes::ByteVec::from)
            .collect(),
        signature,
        parts: extras
            .parts
            .map(|p| p.into_iter().map(minicbor::bytes::ByteVec::from).collect()),
        salt: extras.salt.map(minicbor::bytes::ByteArray::from),
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let mut out = vec![magic, version];
    out.extend_from_slice(&wire);
    Ok(out)
}

/// Reads an envelope of kind `magic` in a version up to `newest`, and checks its signature by
/// its first certificate. `what` names the content in errors.
pub(crate) fn open(
    bytes: &[u8],
    magic: u8,
    newest: u8,
    what: &'static str,
) -> Result<Opened, SignedRecordError> {
    let (&first, rest) = bytes
        .split_first()
        .ok_or(SignedRecordError::NotASignedRecord)?;
    if first != magic {
        return Err(SignedRecordError::NotASignedRecord);
    }
    let (&version, cbor) = rest
        .split_first()
        .ok_or(SignedRecordError::Malformed("truncated"))?;
    if version > newest {
        return Err(SignedRecordError::UnsupportedVersion(version));
    }
    if version == 0 {
        return Err(SignedRecordError::Malformed("version"));
    }
    let wire: Wire = minicbor::decode(cbor).map_err(|_| SignedRecordError::Malformed(what))?;
    let chain: Vec<Vec<u8>> = wire.chain.into_iter().map(|b| b.to_vec()).collect();
    verify_by_leaf(&chain, &wire.signed, &wire.signature)?;
    Ok(Opened {
        version,
        signed: wire.signed,
        chain,
        signature: wire.signature,
        extras: Extras {
            parts: wire
                .parts
                .map(|p| p.into_iter().map(|b| b.to_vec()).collect()),
            salt: wire.salt.map(|s| *s),
        },
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
    ecdsa::verify(leaf.public_key().raw, message, signature).map_err(|e| match e {
        CryptoError::UnsupportedKey => {
            SignedRecordError::Chain(ChainError::UnsupportedAlgorithm { position: 0 })
        }
        _ => SignedRecordError::BadSignature,
    })
}
