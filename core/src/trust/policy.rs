//! What makes a certificate a practitioner's, beyond a valid chain: a certificate that signs
//! (digitalSignature or nonRepudiation, not a CA), meant for people (an allowed extended key
//! usage, when it lists any), vouched for as a practitioner's by a certificate policy or an
//! allowed extended key usage, and naming an RPPS.
//!
//! Without these, any end-entity or CA certificate under a trusted root (a server's, an
//! organisation's) would read as a verified practitioner. The defaults follow IGC-Santé's
//! personal certificates (CPS cards and e-CPS): their CN is "8" followed by the RPPS, their
//! extended key usages are for people (e-mail protection, client authentication, document
//! signing), and they carry a policy under the ANS's arc `1.2.250.1.213.1.7`, as the ANS's
//! TEST CPS certificates do. An app whose authorities work otherwise configures the store's
//! policy ([`super::TrustStore::set_policy`]).

use super::ChainError;
use super::identity::PractitionerIdentity;
use x509_parser::certificate::X509Certificate;

/// How a store recognises a practitioner's certificate: one of its extended key usages or one
/// of its certificate policies must be allowed here (and when it lists extended key usages,
/// one must be allowed), and it names an RPPS unless the store says otherwise. OIDs are dotted
/// strings; an entry also covers every OID under it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PractitionerPolicy {
    /// Extended key usages a practitioner's certificate may list; one of them must be among
    /// those it lists (a certificate for servers only is refused).
    pub extended_key_usages: Vec<String>,
    /// Certificate policies (or arcs of them) that say a certificate is a practitioner's.
    pub certificate_policies: Vec<String>,
    /// The certificate must name an RPPS (CN = "8" + RPPS, Luhn-checked).
    pub require_rpps: bool,
}

/// id-kp-emailProtection, id-kp-clientAuth, id-kp-documentSigning (RFC 9336).
const PERSONAL_KEY_USAGES: [&str; 3] = [
    "1.3.6.1.5.5.7.3.4",
    "1.3.6.1.5.5.7.3.2",
    "1.3.6.1.5.5.7.3.36",
];
/// The ANS's arc for IGC-Santé certificate policies (the TEST CPS certificates carry
/// 1.2.250.1.213.1.7.2.1.1.1.1).
const IGC_SANTE_POLICIES: &str = "1.2.250.1.213.1.7";

impl Default for PractitionerPolicy {
    fn default() -> Self {
        Self {
            extended_key_usages: PERSONAL_KEY_USAGES.iter().map(|s| s.to_string()).collect(),
            certificate_policies: vec![IGC_SANTE_POLICIES.to_owned()],
            require_rpps: true,
        }
    }
}

fn covers(entries: &[String], oid: &str) -> bool {
    entries.iter().any(|e| {
        oid == e
            || oid
                .strip_prefix(e.as_str())
                .is_some_and(|r| r.starts_with('.'))
    })
}

/// The extended key usages a certificate lists, as dotted OIDs; `None` when it has none.
fn extended_key_usages(cert: &X509Certificate<'_>) -> Result<Option<Vec<String>>, ChainError> {
    let eku = cert
        .extended_key_usage()
        .map_err(|_| ChainError::Malformed { position: 0 })?;
    Ok(eku.map(|e| {
        let e = &e.value;
        let mut out: Vec<String> = e.other.iter().map(|o| o.to_id_string()).collect();
        for (set, oid) in [
            (e.any, "2.5.29.37.0"),
            (e.server_auth, "1.3.6.1.5.5.7.3.1"),
            (e.client_auth, "1.3.6.1.5.5.7.3.2"),
            (e.code_signing, "1.3.6.1.5.5.7.3.3"),
            (e.email_protection, "1.3.6.1.5.5.7.3.4"),
            (e.time_stamping, "1.3.6.1.5.5.7.3.8"),
            (e.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
        ] {
            if set {
                out.push(oid.to_owned());
            }
        }
        out
    }))
}

fn certificate_policies(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::CertificatePolicies(p) => Some(p),
            _ => None,
        })
        .flatten()
        .map(|p| p.policy_id.to_id_string())
        .collect()
}

impl PractitionerPolicy {
    /// Checks the practitioner's certificate (position 0) and the identity read from it.
    pub(crate) fn check(
        &self,
        leaf: &X509Certificate<'_>,
        identity: &PractitionerIdentity,
    ) -> Result<(), ChainError> {
        let position = 0;
        let constraints = leaf
            .basic_constraints()
            .map_err(|_| ChainError::Malformed { position })?;
        if constraints.is_some_and(|bc| bc.value.ca) {
            return Err(ChainError::LeafIsCa);
        }
        match leaf
            .key_usage()
            .map_err(|_| ChainError::Malformed { position })?
        {
            Some(ku) if ku.value.digital_signature() || ku.value.non_repudiation() => {}
            _ => return Err(ChainError::KeyUsage { position }),
        }
        let ekus = extended_key_usages(leaf)?;
        let allowed_eku = match &ekus {
            Some(list) => {
                if !list.iter().any(|o| covers(&self.extended_key_usages, o)) {
                    return Err(ChainError::ExtendedKeyUsage);
                }
                true
            }
            None => false,
        };
        let allowed_policy = certificate_policies(leaf)
            .iter()
            .any(|p| covers(&self.certificate_policies, p));
        if !allowed_policy && !allowed_eku {
            return Err(ChainError::NotAPractitionerPolicy);
        }
        if self.require_rpps && identity.rpps.is_none() {
            return Err(ChainError::NoRpps);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arc_covers_what_is_under_it_only() {
        let arcs = vec!["1.2.250.1.213.1.7".to_owned()];
        assert!(covers(&arcs, "1.2.250.1.213.1.7"));
        assert!(covers(&arcs, "1.2.250.1.213.1.7.2.1.1.1.1"));
        assert!(!covers(&arcs, "1.2.250.1.213.1.70"));
        assert!(!covers(&arcs, "1.2.250.1.213.1"));
    }
}
