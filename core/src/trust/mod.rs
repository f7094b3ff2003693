//! Practitioner trust: X.509 trust anchors, strict chain validation, and who a practitioner
//! is.
//!
//! `x509-parser` parses certificates and checks one signature with `ring`; it does not build
//! or validate paths, so that is done here ([`TrustStore::verify`]), strictly, with one typed
//! [`ChainError`] per refusal:
//! - every signature along the path, each by its issuer's key;
//! - validity of every certificate, anchor included, at the given instant;
//! - basicConstraints CA on every issuer, and its pathLen against the authorities below it;
//! - keyUsage keyCertSign on every issuer, digitalSignature on the practitioner's certificate;
//! - no critical extension this reader does not know;
//! - at most [`MAX_CHAIN`] certificates;
//! - an algorithm allow-list: ECDSA P-256/P-384 with SHA-256/384, RSA of 2048 bits or more with
//!   PKCS#1 v1.5 (SHA-256/384/512) or PSS, Ed25519. SHA-1 and anything else is refused.
//!
//! Nothing is trusted by default: the app adds its anchors (for production, the IGC-Santé
//! roots published by the Agence du Numérique en Santé; see the README).

pub(crate) mod envelope;
mod error;
pub mod identity;
pub mod import;
pub mod signing;
pub mod transport;

pub use envelope::verify_by_leaf;
pub use error::{ChainError, SignedRecordError};
pub use identity::PractitionerIdentity;
pub use import::{SignedImportError, UnverifiedPolicy, import_signed, reverify};
pub use signing::{Signer, SoftwareSigner, VerifiedRecord, sign_record, verify_record};

use chrono::{DateTime, Utc};
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519,
};
use x509_parser::prelude::{ASN1Time, FromDer, ParsedExtension};
use x509_parser::public_key::PublicKey;

/// The longest chain accepted, practitioner certificate and anchor included.
pub const MAX_CHAIN: usize = 6;

/// A trusted root, as configured by the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    pub der: Vec<u8>,
    /// The anchor's common name (or its whole subject), as shown to the patient.
    pub name: String,
}

/// The anchors this device trusts, and the intermediate authorities it knows (so a
/// practitioner's code need carry only their own certificate). Empty until the app adds some.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
    intermediates: Vec<Vec<u8>>,
}

/// A chain that verified: who the practitioner is, which anchor vouched for them, and the
/// practitioner's public key (SubjectPublicKeyInfo, DER) to check their signatures with.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPractitioner {
    pub identity: PractitionerIdentity,
    pub anchor: String,
    pub public_key: Vec<u8>,
}

impl VerifiedPractitioner {
    /// The line shown to the patient and kept in the audit log:
    /// "Karim Benali, Médecin, RPPS 10101234564, verified by <anchor>".
    pub fn describe(&self) -> String {
        format!("{}, verified by {}", self.identity.describe(), self.anchor)
    }
}

/// The line for a practitioner whose certificate did not verify: the warning first, so a long
/// or odd name cannot push it off the screen.
pub fn describe_unverified(claimed: &str) -> String {
    format!("NOT verified: {claimed}")
}

/// Who the first certificate of `chain` says it is, unchecked: for the "NOT verified" line.
pub fn claimed_identity(chain: &[Vec<u8>]) -> String {
    chain
        .first()
        .and_then(|der| x509_parser::parse_x509_certificate(der).ok())
        .map(|(_, c)| identity::read(c.subject()).describe())
        .unwrap_or_default()
}

fn parse(der: &[u8], position: usize) -> Result<X509Certificate<'_>, ChainError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => {
            check_encoding(&cert, position)?;
            Ok(cert)
        }
        _ => Err(ChainError::Malformed { position }),
    }
}

fn name_of(cert: &X509Certificate<'_>) -> String {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| cert.subject().to_string())
}

/// Decodes the certificates of a file: PEM blocks ("CERTIFICATE"), in order, or one DER
/// certificate. Each must parse.
pub fn certificates_from_file(bytes: &[u8]) -> Result<Vec<Vec<u8>>, ChainError> {
    let ders = if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        x509_parser::pem::Pem::iter_from_buffer(bytes)
            .enumerate()
            .filter_map(|(position, pem)| match pem {
                Ok(pem) if pem.label == "CERTIFICATE" => Some(Ok(pem.contents)),
                Ok(_) => None,
                Err(_) => Some(Err(ChainError::Malformed { position })),
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        vec![bytes.to_vec()]
    };
    if ders.is_empty() {
        return Err(ChainError::Malformed { position: 0 });
    }
    for (position, der) in ders.iter().enumerate() {
        parse(der, position)?;
    }
    Ok(ders)
}

/// Whether the signature algorithm, with the issuer's key, is on the allow-list.
fn algorithm_allowed(
    cert: &X509Certificate<'_>,
    issuer_key: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> bool {
    let sig = &cert.signature_algorithm.algorithm;
    let key_alg = &issuer_key.algorithm.algorithm;
    let curve = issuer_key
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    let ec_ok = *key_alg == OID_KEY_TYPE_EC_PUBLIC_KEY
        && matches!(&curve, Some(c) if *c == OID_EC_P256 || *c == OID_NIST_EC_P384);
    let rsa_ok = *key_alg == OID_PKCS1_RSAENCRYPTION
        && matches!(issuer_key.parsed(), Ok(PublicKey::RSA(rsa)) if rsa.key_size() >= 2048);
    if *sig == OID_SIG_ECDSA_WITH_SHA256 || *sig == OID_SIG_ECDSA_WITH_SHA384 {
        ec_ok
    } else if *sig == OID_PKCS1_SHA256WITHRSA
        || *sig == OID_PKCS1_SHA384WITHRSA
        || *sig == OID_PKCS1_SHA512WITHRSA
        || *sig == OID_PKCS1_RSASSAPSS
    {
        rsa_ok
    } else if *sig == OID_SIG_ED25519 {
        *key_alg == OID_SIG_ED25519
    } else {
        false
    }
}

fn check_validity(
    cert: &X509Certificate<'_>,
    at: ASN1Time,
    position: usize,
) -> Result<(), ChainError> {
    let v = cert.validity();
    if at < v.not_before {
        return Err(ChainError::NotYetValid { position });
    }
    if at > v.not_after {
        return Err(ChainError::Expired { position });
    }
    Ok(())
}

/// RFC 5280: the outer signature algorithm must be the one inside the signed part, and a
/// signature leaves no unused bits.
fn check_encoding(cert: &X509Certificate<'_>, position: usize) -> Result<(), ChainError> {
    let inner = &cert.tbs_certificate.signature;
    let outer = &cert.signature_algorithm;
    let same = inner.algorithm == outer.algorithm
        && inner.parameters.as_ref().map(|p| p.data) == outer.parameters.as_ref().map(|p| p.data);
    if !same || cert.signature_value.unused_bits != 0 {
        return Err(ChainError::Malformed { position });
    }
    Ok(())
}

fn check_extensions(cert: &X509Certificate<'_>, position: usize) -> Result<(), ChainError> {
    for ext in cert.extensions() {
        if ext.critical
            && matches!(
                ext.parsed_extension(),
                ParsedExtension::UnsupportedExtension { .. } | ParsedExtension::ParseError { .. }
            )
        {
            return Err(ChainError::UnknownCriticalExtension { position });
        }
    }
    Ok(())
}

/// An issuer must be a CA allowed to sign certificates, with room for the authorities below.
fn check_issuer(
    cert: &X509Certificate<'_>,
    position: usize,
    authorities_below: u32,
) -> Result<(), ChainError> {
    let constraints = cert
        .basic_constraints()
        .map_err(|_| ChainError::Malformed { position })?;
    let Some(bc) = constraints.filter(|bc| bc.value.ca) else {
        return Err(ChainError::NotACa { position });
    };
    if let Some(max) = bc.value.path_len_constraint {
        if authorities_below > max {
            return Err(ChainError::PathLength { position });
        }
    }
    match cert
        .key_usage()
        .map_err(|_| ChainError::Malformed { position })?
    {
        Some(ku) if ku.value.key_cert_sign() => Ok(()),
        _ => Err(ChainError::KeyUsage { position }),
    }
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the authorities of a PEM file (one or more certificates) or a DER certificate.
    /// Each must parse and be a CA allowed to sign certificates. A self-signed one becomes a
    /// trust anchor; any other is kept as a known intermediate, trusted only through an
    /// anchor. Returns their names.
    pub fn add(&mut self, file: &[u8]) -> Result<Vec<String>, ChainError> {
        let mut added = Vec::new();
        for der in certificates_from_file(file).map_err(|_| ChainError::BadAnchor)? {
            let cert = parse(&der, 0).map_err(|_| ChainError::BadAnchor)?;
            check_issuer(&cert, 0, 0).map_err(|_| ChainError::BadAnchor)?;
            let name = name_of(&cert);
            if cert.subject().as_raw() == cert.issuer().as_raw() {
                if !self.anchors.iter().any(|a| a.der == der) {
                    self.anchors.push(TrustAnchor {
                        der: der.clone(),
                        name: name.clone(),
                    });
                }
            } else if !self.intermediates.contains(&der) {
                self.intermediates.push(der.clone());
            }
            added.push(name);
        }
        Ok(added)
    }

    /// The known intermediate authorities (DER).
    pub fn intermediates(&self) -> &[Vec<u8>] {
        &self.intermediates
    }

    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Verifies `chain` (the practitioner's certificate first, then intermediates in any order)
    /// up to one of the anchors, at `at`, for a certificate that signs.
    pub fn verify(
        &self,
        chain: &[Vec<u8>],
        at: DateTime<Utc>,
    ) -> Result<VerifiedPractitioner, ChainError> {
        if chain.is_empty() {
            return Err(ChainError::Malformed { position: 0 });
        }
        if chain.len() >= MAX_CHAIN {
            return Err(ChainError::TooDeep { max: MAX_CHAIN });
        }
        let at = ASN1Time::from_timestamp(at.timestamp())
            .map_err(|_| ChainError::Malformed { position: 0 })?;
        let mut certs = chain
            .iter()
            .enumerate()
            .map(|(i, der)| parse(der, i))
            .collect::<Result<Vec<_>, _>>()?;
        // The store's known intermediates come after those presented, numbered after them.
        for der in &self.intermediates {
            certs.push(parse(der, certs.len())?);
        }
        let anchors = self
            .anchors
            .iter()
            .map(|a| {
                parse(&a.der, 0)
                    .map(|c| (c, a))
                    .map_err(|_| ChainError::BadAnchor)
            })
            .collect::<Result<Vec<_>, _>>()?;

        let leaf = &certs[0];
        check_validity(leaf, at, 0)?;
        check_extensions(leaf, 0)?;
        match leaf
            .key_usage()
            .map_err(|_| ChainError::Malformed { position: 0 })?
        {
            Some(ku) if ku.value.digital_signature() => {}
            _ => return Err(ChainError::KeyUsage { position: 0 }),
        }

        // Walk up from the leaf: each step finds the issuer among the anchors first, then the
        // intermediates given, and checks it.
        let mut current = 0usize;
        let mut used = vec![false; certs.len()];
        used[0] = true;
        for depth in 1..MAX_CHAIN {
            let child = &certs[current];
            let authorities_below = u32::try_from(depth - 1).unwrap_or(u32::MAX);
            if let Some((anchor_cert, anchor)) = anchors
                .iter()
                .find(|(a, _)| a.subject().as_raw() == child.issuer().as_raw())
            {
                if !algorithm_allowed(child, anchor_cert.public_key()) {
                    return Err(ChainError::UnsupportedAlgorithm { position: current });
                }
                child
                    .verify_signature(Some(anchor_cert.public_key()))
                    .map_err(|_| ChainError::BadSignature { position: current })?;
                check_validity(anchor_cert, at, depth)?;
                check_extensions(anchor_cert, depth)?;
                check_issuer(anchor_cert, depth, authorities_below)?;
                return Ok(VerifiedPractitioner {
                    identity: identity::read(leaf.subject()),
                    anchor: anchor.name.clone(),
                    public_key: leaf.public_key().raw.to_vec(),
                });
            }
            let Some(next) = (0..certs.len())
                .find(|&i| !used[i] && certs[i].subject().as_raw() == child.issuer().as_raw())
            else {
                return Err(ChainError::UnknownIssuer { position: current });
            };
            let issuer = &certs[next];
            if !algorithm_allowed(child, issuer.public_key()) {
                return Err(ChainError::UnsupportedAlgorithm { position: current });
            }
            child
                .verify_signature(Some(issuer.public_key()))
                .map_err(|_| ChainError::BadSignature { position: current })?;
            check_validity(issuer, at, next)?;
            check_extensions(issuer, next)?;
            check_issuer(issuer, next, authorities_below)?;
            used[next] = true;
            current = next;
        }
        Err(ChainError::TooDeep { max: MAX_CHAIN })
    }
}
