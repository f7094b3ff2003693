//! Path validation: from the practitioner's certificate up to an anchor, one typed
//! [`ChainError`] per refusal.
//!
//! # Why this validator is Carnet's own
//!
//! `x509-parser` parses certificates and checks one signature with `ring`; it builds no path.
//! `rustls-webpki` does, and was evaluated for the job, but it is a TLS validator: it builds
//! paths by issuer name only (this one also matches the authority key identifier against the
//! issuer's subject key identifier, so two authorities with one name cannot stand in for each
//! other), it does not read key usage (a CPS signature certificate carries nonRepudiation
//! only) or certificate policies (how IGC-Santé tells a practitioner's certificate from an
//! organisation's), it applies the extended key usage asked for to the intermediates too, and
//! its errors do not say which certificate failed. The rules below are few and each has its
//! test in `tests/tests/trust.rs`:
//!
//! - every signature along the path, each by its issuer's key; the issuer found by name and,
//!   when both say, by key identifier;
//! - validity of every certificate, anchor included, at the given instant;
//! - basicConstraints CA on every issuer, and its pathLen against the authorities below it;
//!   the practitioner's certificate is not a CA;
//! - keyUsage keyCertSign on every issuer; digitalSignature or nonRepudiation on the
//!   practitioner's certificate, which must also meet the store's [`super::PractitionerPolicy`];
//! - a critical extension is accepted only where this reader enforces it (basicConstraints,
//!   keyUsage, key identifiers; extendedKeyUsage and certificatePolicies on the practitioner's
//!   certificate); anything else critical (nameConstraints, policyConstraints,
//!   inhibitAnyPolicy, policyMappings, …) is refused, as RFC 5280 section 4.2 requires;
//! - no certificate of the path revoked by a CRL the store holds ([`super::revocation`]);
//! - at most [`MAX_CHAIN`] certificates;
//! - an algorithm allow-list: ECDSA P-256/P-384 with SHA-256/384, RSA of 2048 bits or more
//!   with PKCS#1 v1.5 (SHA-256/384/512) or PSS, Ed25519. SHA-1 and anything else is refused.

use super::ChainError;
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519,
    OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_BASIC_CONSTRAINTS,
    OID_X509_EXT_CERTIFICATE_POLICIES, OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};
use x509_parser::prelude::{ASN1Time, FromDer, ParsedExtension};
use x509_parser::public_key::PublicKey;

/// The longest chain accepted, practitioner certificate and anchor included.
pub const MAX_CHAIN: usize = 6;

pub(crate) fn parse(der: &[u8], position: usize) -> Result<X509Certificate<'_>, ChainError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => {
            check_encoding(&cert, position)?;
            Ok(cert)
        }
        _ => Err(ChainError::Malformed { position }),
    }
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

/// Whether the signature algorithm, with the issuer's key, is on the allow-list.
pub(crate) fn algorithm_allowed(
    cert_signature: &x509_parser::x509::AlgorithmIdentifier<'_>,
    issuer_key: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> bool {
    let sig = &cert_signature.algorithm;
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

pub(crate) fn check_validity(
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

/// Refuses a critical extension this reader does not enforce for this certificate's place:
/// `leaf` (the practitioner's) or an authority.
pub(crate) fn check_critical_extensions(
    cert: &X509Certificate<'_>,
    position: usize,
    leaf: bool,
) -> Result<(), ChainError> {
    for ext in cert.extensions().iter().filter(|e| e.critical) {
        let oid = &ext.oid;
        let everywhere = *oid == OID_X509_EXT_BASIC_CONSTRAINTS
            || *oid == OID_X509_EXT_KEY_USAGE
            || *oid == OID_X509_EXT_SUBJECT_KEY_IDENTIFIER
            || *oid == OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER;
        let on_the_leaf =
            *oid == OID_X509_EXT_EXTENDED_KEY_USAGE || *oid == OID_X509_EXT_CERTIFICATE_POLICIES;
        let parsed = !matches!(
            ext.parsed_extension(),
            ParsedExtension::UnsupportedExtension { .. } | ParsedExtension::ParseError { .. }
        );
        if !(parsed && (everywhere || (leaf && on_the_leaf))) {
            return Err(ChainError::UnknownCriticalExtension { position });
        }
    }
    Ok(())
}

/// An issuer must be a CA allowed to sign certificates, with room for the authorities below.
pub(crate) fn check_issuer(
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

fn subject_key_id<'a>(cert: &'a X509Certificate<'_>) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(ski) => Some(ski.0),
            _ => None,
        })
}

pub(crate) fn authority_key_id<'a>(cert: &'a X509Certificate<'_>) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|k| k.0)
            }
            _ => None,
        })
}

/// Whether `candidate` can be the issuer of something named `issuer` with authority key
/// identifier `aki`: the same name and, when both carry one, the same key identifier.
pub(crate) fn may_issue(
    candidate: &X509Certificate<'_>,
    issuer: &x509_parser::x509::X509Name<'_>,
    aki: Option<&[u8]>,
) -> bool {
    candidate.subject().as_raw() == issuer.as_raw()
        && match (aki, subject_key_id(candidate)) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
}
