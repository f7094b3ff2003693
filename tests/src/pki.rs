//! A test PKI in the shape of IGC-Santé: a root, an intermediate named like "AC IGC-SANTE …
//! PERSONNES", and practitioner certificates with CN = "8" + RPPS, SN, GN and title, built with
//! rcgen. Each builder takes the parameters a test wants to break.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};

/// A certificate with its key, able to issue others when it is a CA.
pub struct Authority {
    pub der: Vec<u8>,
    pub pem: String,
    pub issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authority")
    }
}

/// A practitioner certificate and its PKCS#8 key.
#[derive(Debug)]
pub struct Leaf {
    pub der: Vec<u8>,
    pub pem: String,
    pub key_der: Vec<u8>,
    pub key_pem: String,
}

pub fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, "ASIP-SANTE TEST");
    dn.push(DnType::CommonName, cn);
    dn
}

pub fn ca_params(cn: &str, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    p
}

pub fn root_with(params: CertificateParams) -> Authority {
    let key = KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("root");
    Authority {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

pub fn root() -> Authority {
    root_with(ca_params("AC RACINE IGC-SANTE TEST", None))
}

pub fn intermediate_with(params: CertificateParams, parent: &Authority) -> Authority {
    let key = KeyPair::generate().expect("key");
    let cert = params
        .signed_by(&key, &parent.issuer)
        .expect("intermediate");
    Authority {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

pub fn intermediate(parent: &Authority) -> Authority {
    intermediate_with(
        ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", Some(0)),
        parent,
    )
}

/// Dr Karim Benali, cardiologist, RPPS 10101234564.
pub fn practitioner_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, "Cabinet de cardiologie Benali");
    dn.push(DnType::CommonName, "810101234564");
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 4]), "Benali");
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 42]), "Karim");
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 12]), "Médecin");
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // As the ANS's TEST CPS certificates: e-mail protection, and an IGC-Santé policy.
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    p.custom_extensions = vec![certificate_policy(TEST_CPS_POLICY)];
    p.not_before = date_time_ymd(2024, 1, 1);
    p.not_after = date_time_ymd(2028, 1, 1);
    p
}

/// The policy of the ANS's TEST CPS certificates, 1.2.250.1.213.1.7.2.1.1.1.1.
pub const TEST_CPS_POLICY: &[u64] = &[1, 2, 250, 1, 213, 1, 7, 2, 1, 1, 1, 1];

/// A certificatePolicies extension (RFC 5280 4.2.1.4) naming one policy, not critical.
pub fn certificate_policy(oid: &[u64]) -> CustomExtension {
    let mut body = Vec::new();
    for (i, &arc) in oid.iter().enumerate().skip(1) {
        let value = if i == 1 { oid[0] * 40 + arc } else { arc };
        let mut bytes = vec![(value & 0x7f) as u8];
        let mut rest = value >> 7;
        while rest > 0 {
            bytes.push(((rest & 0x7f) as u8) | 0x80);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    let der_len = |n: usize| -> Vec<u8> { vec![u8::try_from(n).expect("short")] };
    let mut oid_tlv = vec![0x06];
    oid_tlv.extend(der_len(body.len()));
    oid_tlv.extend(body);
    let mut info = vec![0x30];
    info.extend(der_len(oid_tlv.len()));
    info.extend(oid_tlv);
    let mut policies = vec![0x30];
    policies.extend(der_len(info.len()));
    policies.extend(info);
    CustomExtension::from_oid_content(&[2, 5, 29, 32], policies)
}

pub fn leaf_with(params: CertificateParams, issuer: &Authority) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &issuer.issuer).expect("leaf");
    Leaf {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key_der: key.serialize_der(),
        key_pem: key.serialize_pem(),
    }
}

pub fn leaf(issuer: &Authority) -> Leaf {
    leaf_with(practitioner_params(), issuer)
}

/// A critical extension with an OID no reader knows.
pub fn unknown_critical_extension() -> CustomExtension {
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99_999, 1], vec![0x05, 0x00]);
    ext.set_criticality(true);
    ext
}

/// The same PKI valid around today (root and intermediate from 3 years ago to 10 years ahead,
/// the practitioner from last year to 3 years ahead), for tests that must use the real clock.
pub fn around_today() -> (Authority, Authority, Leaf) {
    use chrono::Datelike;
    let year = chrono::Utc::now().year();
    let mut root_params = ca_params("AC RACINE IGC-SANTE TEST", None);
    root_params.not_before = date_time_ymd(year - 3, 1, 1);
    root_params.not_after = date_time_ymd(year + 10, 1, 1);
    let root = root_with(root_params);
    let mut inter_params = ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", Some(0));
    inter_params.not_before = date_time_ymd(year - 3, 1, 1);
    inter_params.not_after = date_time_ymd(year + 10, 1, 1);
    let inter = intermediate_with(inter_params, &root);
    let mut leaf_params = practitioner_params();
    leaf_params.not_before = date_time_ymd(year - 1, 1, 1);
    leaf_params.not_after = date_time_ymd(year + 3, 1, 1);
    let leaf = leaf_with(leaf_params, &inter);
    (root, inter, leaf)
}

/// Midnight UTC of a date, for verification instants.
pub fn at(year: i32, month: u8, day: u8) -> chrono::DateTime<chrono::Utc> {
    carnet_core::time::from_unix(date_time_ymd(year, month, day).unix_timestamp())
        .unwrap_or_default()
}

/// A practitioner's whole chain: the root, the intermediate and the practitioner, with the
/// signer the practitioner's device holds and the trust store a patient's app ships with.
#[derive(Debug)]
pub struct Chain {
    pub root: Authority,
    pub inter: Authority,
    pub leaf: Leaf,
}

impl Chain {
    /// The chain of [`root`], [`intermediate`] and [`leaf`] (valid 2025 to 2028).
    pub fn new() -> Self {
        let root = root();
        let inter = intermediate(&root);
        let leaf = leaf(&inter);
        Self { root, inter, leaf }
    }

    /// The chain of [`around_today`], for tests on the real clock.
    pub fn around_today() -> Self {
        let (root, inter, leaf) = around_today();
        Self { root, inter, leaf }
    }

    pub fn signer(&self) -> carnet_core::trust::SoftwareSigner {
        carnet_core::trust::SoftwareSigner::new(
            &self.leaf.key_der,
            vec![self.leaf.der.clone(), self.inter.der.clone()],
        )
        .unwrap_or_else(|e| panic!("test signer: {e}"))
    }

    /// The root, and the intermediate the patient's app ships with (a hello carries only the
    /// practitioner's own certificate).
    pub fn store(&self) -> carnet_core::trust::TrustStore {
        let mut s = carnet_core::trust::TrustStore::new();
        s.add((self.root.pem.clone() + &self.inter.pem).as_bytes())
            .unwrap_or_else(|e| panic!("test store: {e}"));
        s
    }
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}
