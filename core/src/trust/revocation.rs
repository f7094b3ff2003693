//! Revocation by certificate revocation lists (CRLs) that the trust store loads: a CRL file
//! downloaded from the authority and checked here, offline (no network in the consultation).
//!
//! A CRL is accepted only signed by an authority the store holds (matched by name and, when
//! both say, key identifier), with an allowed algorithm. A certificate whose serial is listed
//! by its issuer's CRL is refused whatever the revocation date: a key reported lost could have
//! signed anything, dated anything. How fresh a CRL is depends on when the app last fetched
//! it; its dates are kept so the app can say so.

use super::ChainError;
use super::chain::{algorithm_allowed, authority_key_id, may_issue};
use std::collections::HashSet;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

/// A verified CRL: whose, and which serials it revokes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RevocationList {
    issuer: Vec<u8>,
    issuer_key_id: Option<Vec<u8>>,
    revoked: HashSet<Vec<u8>>,
    /// Unix seconds of the CRL's thisUpdate.
    pub this_update: i64,
}

/// The DER of a CRL file: PEM ("X509 CRL") or DER.
fn crl_der(bytes: &[u8]) -> Result<Vec<u8>, ChainError> {
    if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        x509_parser::pem::Pem::iter_from_buffer(bytes)
            .filter_map(Result::ok)
            .find(|p| p.label == "X509 CRL")
            .map(|p| p.contents)
            .ok_or(ChainError::BadCrl)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Reads and checks a CRL against the store's authorities.
pub(crate) fn read(
    bytes: &[u8],
    authorities: &[X509Certificate<'_>],
) -> Result<RevocationList, ChainError> {
    let der = crl_der(bytes)?;
    let crl = match CertificateRevocationList::from_der(&der) {
        Ok(([], crl)) => crl,
        _ => return Err(ChainError::BadCrl),
    };
    let aki = crl
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    let issuer = authorities
        .iter()
        .find(|a| {
            may_issue(a, crl.issuer(), aki.as_deref())
                && algorithm_allowed(&crl.signature_algorithm, a.public_key())
                && crl.verify_signature(a.public_key()).is_ok()
        })
        .ok_or(ChainError::BadCrl)?;
    if let Ok(Some(ku)) = issuer.key_usage() {
        if !ku.value.crl_sign() {
            return Err(ChainError::BadCrl);
        }
    }
    Ok(RevocationList {
        issuer: crl.issuer().as_raw().to_vec(),
        issuer_key_id: aki,
        revoked: crl
            .iter_revoked_certificates()
            .map(|r| r.raw_serial().to_vec())
            .collect(),
        this_update: crl.last_update().timestamp(),
    })
}

impl RevocationList {
    /// Whether this CRL speaks for `cert`'s issuer and lists it.
    pub(crate) fn revokes(&self, cert: &X509Certificate<'_>) -> bool {
        let same_issuer = cert.issuer().as_raw() == self.issuer.as_slice()
            && match (authority_key_id(cert), &self.issuer_key_id) {
                (Some(a), Some(b)) => a == b.as_slice(),
                _ => true,
            };
        same_issuer && self.revoked.contains(cert.raw_serial())
    }
}
