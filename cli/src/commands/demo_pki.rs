//! The demo's practitioner PKI, in the shape of IGC-Santé: a root, an intermediate named like
//! "AC IGC-SANTE … PERSONNES", and two practitioners (the cardiologist and the GP) with
//! CN = "8" + RPPS, SN, GN and title. Made fresh at each run with rcgen: test certificates,
//! trusted by the demo alone.

use crate::exit::CliError;
use carnet_core::trust::{SoftwareSigner, TrustStore};
use chrono::{Datelike, NaiveDate};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

pub struct DemoPki {
    pub trust_dir: PathBuf,
    pub store: TrustStore,
    pub cardiologist: SoftwareSigner,
    pub gp: SoftwareSigner,
}

fn rc(e: rcgen::Error) -> CliError {
    CliError::other(format!("demo certificates: {e}"))
}

/// rcgen's date for a calendar day (a macro, so the `time` type need not be named here).
macro_rules! day {
    ($d:expr) => {{
        let d: NaiveDate = $d;
        rcgen::date_time_ymd(
            d.year(),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    }};
}

fn ca(cn: &str, path_len: Option<u8>, today: NaiveDate) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, "CARNET DEMO (not IGC-Sante)");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(path_len.map_or(
        BasicConstraints::Unconstrained,
        BasicConstraints::Constrained,
    ));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = day!(today - chrono::Days::new(3650));
    p.not_after = day!(today + chrono::Days::new(3650));
    p
}

fn practitioner(
    rpps: &str,
    given: &str,
    surname: &str,
    org: &str,
    today: NaiveDate,
) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, format!("8{rpps}"));
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 4]), surname);
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 42]), given);
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 12]), "Médecin");
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // A person's certificate, as the store's practitioner policy wants.
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    p.use_authority_key_identifier_extension = true;
    p.not_before = day!(today - chrono::Days::new(365));
    p.not_after = day!(today + chrono::Days::new(3 * 365));
    p
}

/// Makes the PKI under `dir` (PEM files, for trying `carnet practitioner issue` by hand) and
/// a trust directory holding its authorities.
pub fn create(dir: &Path, today: NaiveDate) -> Result<DemoPki, CliError> {
    std::fs::create_dir_all(dir)?;
    let root_key = KeyPair::generate().map_err(rc)?;
    let root_params = ca("AC RACINE CARNET DEMO", None, today);
    let root = root_params.self_signed(&root_key).map_err(rc)?;
    let root_issuer = Issuer::new(root_params, root_key);
    let inter_key = KeyPair::generate().map_err(rc)?;
    let inter_params = ca("AC IGC-SANTE DEMO ELEMENTAIRE PERSONNES", Some(0), today);
    let inter = inter_params
        .signed_by(&inter_key, &root_issuer)
        .map_err(rc)?;
    let inter_issuer = Issuer::new(inter_params, inter_key);
    let authorities = root.pem() + &inter.pem();
    std::fs::write(dir.join("authorities.pem"), &authorities)?;
    let trust_dir = dir.join("trust");
    std::fs::create_dir_all(&trust_dir)?;
    std::fs::write(trust_dir.join("authorities.pem"), &authorities)?;
    let mut store = TrustStore::new();
    store.add(authorities.as_bytes())?;

    let signer = |name: &str, params: CertificateParams| -> Result<SoftwareSigner, CliError> {
        let key = KeyPair::generate().map_err(rc)?;
        let cert = params.signed_by(&key, &inter_issuer).map_err(rc)?;
        std::fs::write(
            dir.join(format!("{name}-cert.pem")),
            cert.pem() + &inter.pem(),
        )?;
        std::fs::write(dir.join(format!("{name}-key.pem")), key.serialize_pem())?;
        Ok(SoftwareSigner::new(
            &key.serialize_der(),
            vec![cert.der().to_vec(), inter.der().to_vec()],
        )?)
    };
    let cardiologist = signer(
        "cardiologist",
        practitioner(
            "10101234564",
            "Karim",
            "Benali",
            "Cabinet de cardiologie",
            today,
        ),
    )?;
    let gp = signer(
        "gp",
        practitioner(
            "10003456786",
            "Anne",
            "Leroy",
            "Cabinet médical du Centre",
            today,
        ),
    )?;
    Ok(DemoPki {
        trust_dir,
        store,
        cardiologist,
        gp,
    })
}
