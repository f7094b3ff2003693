//! Practitioner trust: X.509 trust anchors, strict chain validation, who a practitioner is,
//! and the records they sign.
//!
//! [`TrustStore`] is the one entry type: the authorities this device trusts (anchors and the
//! intermediates it knows), the CRLs it loaded ([`revocation`]) and what it takes for a
//! practitioner's certificate ([`PractitionerPolicy`]). [`TrustStore::verify`] validates a
//! chain with the rules of [`chain`] (why the validator is Carnet's own is said there).
//! [`signing`] is the signed record's format and [`import`] puts one in the patient's vault;
//! [`proof`] shows parts of one to a reader (the doctor's device), who checks them itself.
//!
//! Nothing is trusted by default: the app adds its anchors (for production, the IGC-Santé
//! roots published by the Agence du Numérique en Santé; see the README).

pub mod chain;
pub(crate) mod envelope;
mod error;
pub mod identity;
pub mod import;
pub mod parts;
mod policy;
pub mod proof;
mod revocation;
pub mod signing;
pub mod transport;

pub use chain::MAX_CHAIN;
pub use envelope::verify_by_leaf;
pub use error::{ChainError, SignedRecordError};
pub use identity::PractitionerIdentity;
pub use import::{SignatureCheck, SignedImportError, UnverifiedPolicy, import_signed, reverify};
pub use policy::PractitionerPolicy;
pub use signing::{
    Patient, Signer, SoftwareSigner, VerifiedRecord, names_signer, sign_record, verify_record,
};

use chain::{
    algorithm_allowed, authority_key_id, check_critical_extensions, check_issuer, check_validity,
    may_issue, parse,
};
use chrono::{DateTime, Utc};
use revocation::RevocationList;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::ASN1Time;

/// A trusted root, as configured by the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    pub der: Vec<u8>,
    /// The anchor's common name (or its whole subject), as shown to the patient.
    pub name: String,
}

/// The anchors this device trusts, the intermediate authorities it knows (so a practitioner's
/// code need carry only their own certificate), the CRLs it loaded and its practitioner
/// policy. Empty until the app adds some.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<RevocationList>,
    policy: PractitionerPolicy,
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

/// SHA-256 (hex) of the public key (SubjectPublicKeyInfo) of the first certificate of
/// `chain`: names the key a hello or a receipt is signed with.
pub fn signing_key_fingerprint(chain: &[Vec<u8>]) -> Option<String> {
    let (_, leaf) = x509_parser::parse_x509_certificate(chain.first()?).ok()?;
    use crate::crypto::digest;
    Some(digest::hex(&digest::sha256(leaf.public_key().raw)))
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

/// The issuer of `child` among `candidates`: named as `child`'s issuer (and, when both say,
/// with its key identifier), with an allowed algorithm and a signature that verifies.
fn find_issuer<'c>(
    child: &X509Certificate<'_>,
    position: usize,
    candidates: impl Iterator<Item = (usize, &'c X509Certificate<'c>)>,
) -> Result<Option<usize>, ChainError> {
    let aki = authority_key_id(child);
    let mut refusal = None;
    for (index, candidate) in candidates {
        if !may_issue(candidate, child.issuer(), aki) {
            continue;
        }
        if !algorithm_allowed(&child.signature_algorithm, candidate.public_key()) {
            refusal.get_or_insert(ChainError::UnsupportedAlgorithm { position });
            continue;
        }
        if child.verify_signature(Some(candidate.public_key())).is_ok() {
            return Ok(Some(index));
        }
        refusal = Some(ChainError::BadSignature { position });
    }
    refusal.map_or(Ok(None), Err)
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

    /// Loads a CRL (PEM or DER) signed by one of this store's authorities: certificates it
    /// lists are refused from now on. Returns the CRL's issue date.
    pub fn add_crl(&mut self, file: &[u8]) -> Result<DateTime<Utc>, ChainError> {
        let authorities = self
            .anchors
            .iter()
            .map(|a| &a.der)
            .chain(&self.intermediates)
            .map(|der| parse(der, 0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ChainError::BadAnchor)?;
        let crl = revocation::read(file, &authorities)?;
        let issued = crate::time::from_unix(crl.this_update).ok_or(ChainError::BadCrl)?;
        if !self.crls.contains(&crl) {
            self.crls.push(crl);
        }
        Ok(issued)
    }

    /// What this store takes for a practitioner's certificate.
    pub fn policy(&self) -> &PractitionerPolicy {
        &self.policy
    }

    pub fn set_policy(&mut self, policy: PractitionerPolicy) {
        self.policy = policy;
    }

    /// The known intermediate authorities (DER).
    pub fn intermediates(&self) -> &[Vec<u8>] {
        &self.intermediates
    }

    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    fn revoked(&self, cert: &X509Certificate<'_>, position: usize) -> Result<(), ChainError> {
        if self.crls.iter().any(|crl| crl.revokes(cert)) {
            return Err(ChainError::Revoked { position });
        }
        Ok(())
    }

    /// Verifies `chain` (the practitioner's certificate first, then intermediates in any
    /// order) up to one of the anchors, at `at`, for a practitioner's certificate that signs.
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
            .map(|a| parse(&a.der, 0).map_err(|_| ChainError::BadAnchor))
            .collect::<Result<Vec<_>, _>>()?;

        let leaf = &certs[0];
        check_validity(leaf, at, 0)?;
        check_critical_extensions(leaf, 0, true)?;
        let identity = identity::read(leaf.subject());
        self.policy.check(leaf, &identity)?;
        self.revoked(leaf, 0)?;

        // Walk up from the leaf: each step looks for the issuer among the anchors first, then
        // the intermediates not used yet, and checks it.
        let mut current = 0usize;
        let mut used = vec![false; certs.len()];
        used[0] = true;
        for depth in 1..MAX_CHAIN {
            let child = &certs[current];
            let authorities_below = u32::try_from(depth - 1).unwrap_or(u32::MAX);
            if let Some(found) = find_issuer(child, current, anchors.iter().enumerate())? {
                let anchor_cert = &anchors[found];
                check_validity(anchor_cert, at, depth)?;
                check_critical_extensions(anchor_cert, depth, false)?;
                check_issuer(anchor_cert, depth, authorities_below)?;
                return Ok(VerifiedPractitioner {
                    identity,
                    anchor: self.anchors[found].name.clone(),
                    public_key: leaf.public_key().raw.to_vec(),
                });
            }
            let unused = certs.iter().enumerate().filter(|(i, _)| !used[*i]);
            let Some(next) = find_issuer(child, current, unused)? else {
                return Err(ChainError::UnknownIssuer { position: current });
            };
            let issuer = &certs[next];
            check_validity(issuer, at, next)?;
            check_critical_extensions(issuer, next, false)?;
            check_issuer(issuer, next, authorities_below)?;
            self.revoked(issuer, next)?;
            used[next] = true;
            current = next;
        }
        Err(ChainError::TooDeep { max: MAX_CHAIN })
    }
}
