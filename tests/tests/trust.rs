//! Chain verification against a test PKI in the shape of IGC-Santé: the good chain and the
//! practitioner it names, then one test per refusal; malformed, truncated and absurd input is
//! always a typed error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::trust::{ChainError, MAX_CHAIN, TrustStore};
use carnet_tests::pki::{self, at};

const NOW: (i32, u8, u8) = (2026, 11, 18);

fn now() -> chrono::DateTime<chrono::Utc> {
    at(NOW.0, NOW.1, NOW.2)
}

fn store(root: &pki::Authority) -> TrustStore {
    let mut s = TrustStore::new();
    s.add(root.pem.as_bytes()).unwrap();
    s
}

#[test]
fn a_good_chain_names_the_practitioner_and_the_anchor() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    let v = store(&root)
        .verify(&[leaf.der.clone(), inter.der.clone()], now())
        .unwrap();
    assert_eq!(v.identity.display_name, "Karim Benali");
    assert_eq!(
        v.identity.rpps.as_ref().map(|r| r.as_str()),
        Some("10101234564")
    );
    assert_eq!(v.identity.profession.as_deref(), Some("Médecin"));
    assert_eq!(
        v.identity.organisation.as_deref(),
        Some("Cabinet de cardiologie Benali")
    );
    assert_eq!(v.anchor, "AC RACINE IGC-SANTE TEST");
    assert_eq!(
        v.identity.describe(),
        "Karim Benali, Médecin, RPPS 10101234564"
    );
    // DER anchors work as PEM ones do.
    let mut der_store = TrustStore::new();
    der_store.add(&root.der).unwrap();
    assert!(der_store.verify(&[leaf.der, inter.der], now()).is_ok());
}

#[test]
fn a_certificate_from_another_pki_falls_back_to_generic_fields() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.distinguished_name = pki::name("Dr Jane Smith");
    let leaf = pki::leaf_with(params, &inter);
    let v = store(&root).verify(&[leaf.der, inter.der], now()).unwrap();
    assert_eq!(v.identity.display_name, "Dr Jane Smith");
    assert_eq!(v.identity.rpps, None);
}

#[test]
fn expired_and_not_yet_valid() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    let s = store(&root);
    assert_eq!(
        s.verify(&[leaf.der.clone(), inter.der.clone()], at(2029, 1, 1)),
        Err(ChainError::Expired { position: 0 })
    );
    assert_eq!(
        s.verify(&[leaf.der.clone(), inter.der.clone()], at(2023, 6, 1)),
        Err(ChainError::NotYetValid { position: 0 })
    );
    let mut short = pki::ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", Some(0));
    short.not_after = rcgen::date_time_ymd(2025, 1, 1);
    let old_inter = pki::intermediate_with(short, &root);
    let leaf2 = pki::leaf(&old_inter);
    assert_eq!(
        s.verify(&[leaf2.der, old_inter.der], now()),
        Err(ChainError::Expired { position: 1 })
    );
}

#[test]
fn unknown_issuer_and_truncated_chains() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    assert_eq!(
        TrustStore::new().verify(&[leaf.der.clone(), inter.der.clone()], now()),
        Err(ChainError::UnknownIssuer { position: 1 })
    );
    let other_root = pki::root();
    assert_eq!(
        store(&other_root).verify(&[leaf.der.clone(), inter.der.clone()], now()),
        Err(ChainError::BadSignature { position: 1 })
    );
    // The intermediate left out.
    assert_eq!(
        store(&root).verify(std::slice::from_ref(&leaf.der), now()),
        Err(ChainError::UnknownIssuer { position: 0 })
    );
    assert_eq!(
        store(&root).verify(&[], now()),
        Err(ChainError::Malformed { position: 0 })
    );
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    // Same name as the real intermediate, different key: its certificates do not verify.
    let impostor = pki::intermediate(&root);
    let leaf = pki::leaf(&impostor);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der], now()),
        Err(ChainError::BadSignature { position: 0 })
    );
}

#[test]
fn issuers_must_be_cas_with_key_cert_sign_and_room_below() {
    let root = pki::root();
    let mut not_ca = pki::ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", None);
    not_ca.is_ca = rcgen::IsCa::ExplicitNoCa;
    let fake = pki::intermediate_with(not_ca, &root);
    let leaf = pki::leaf(&fake);
    assert_eq!(
        store(&root).verify(&[leaf.der, fake.der], now()),
        Err(ChainError::NotACa { position: 1 })
    );

    let mut no_sign = pki::ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", Some(0));
    no_sign.key_usages = vec![rcgen::KeyUsagePurpose::CrlSign];
    let weak = pki::intermediate_with(no_sign, &root);
    let leaf = pki::leaf(&weak);
    assert_eq!(
        store(&root).verify(&[leaf.der, weak.der], now()),
        Err(ChainError::KeyUsage { position: 1 })
    );

    // A root limited to no intermediate, with one below it.
    let tight = pki::root_with(pki::ca_params("AC RACINE IGC-SANTE TEST", Some(0)));
    let inter = pki::intermediate(&tight);
    let leaf = pki::leaf(&inter);
    assert_eq!(
        store(&tight).verify(&[leaf.der, inter.der], now()),
        Err(ChainError::PathLength { position: 2 })
    );
}

#[test]
fn the_practitioner_certificate_must_allow_digital_signature() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyEncipherment];
    let leaf = pki::leaf_with(params, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der], now()),
        Err(ChainError::KeyUsage { position: 0 })
    );
}

#[test]
fn an_unknown_critical_extension_is_refused() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params
        .custom_extensions
        .push(pki::unknown_critical_extension());
    let leaf = pki::leaf_with(params, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der], now()),
        Err(ChainError::UnknownCriticalExtension { position: 0 })
    );
}

#[test]
fn an_algorithm_off_the_allow_list_is_refused() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) rewritten as ecdsa-with-SHA512 (…4.3.4): same
    // length, so the DER stays well-formed, and SHA-512 is not on the list.
    let sha256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    let mut der = leaf.der.clone();
    let mut replaced = 0;
    let mut i = 0;
    while i + sha256.len() <= der.len() {
        if der[i..i + sha256.len()] == sha256 {
            der[i + sha256.len() - 1] = 0x04;
            replaced += 1;
        }
        i += 1;
    }
    assert_eq!(
        replaced, 2,
        "the signature algorithm appears in the TBS and outside it"
    );
    assert_eq!(
        store(&root).verify(&[der, inter.der], now()),
        Err(ChainError::UnsupportedAlgorithm { position: 0 })
    );
}

#[test]
fn absurdly_deep_chains_are_refused() {
    let root = pki::root();
    let mut chain_cas = vec![pki::intermediate_with(pki::ca_params("AC 0", None), &root)];
    for i in 1..10 {
        let next = pki::intermediate_with(
            pki::ca_params(&format!("AC {i}"), None),
            chain_cas.last().unwrap(),
        );
        chain_cas.push(next);
    }
    let leaf = pki::leaf(chain_cas.last().unwrap());
    let mut chain = vec![leaf.der];
    chain.extend(chain_cas.iter().rev().map(|c| c.der.clone()));
    assert_eq!(
        store(&root).verify(&chain, now()),
        Err(ChainError::TooDeep { max: MAX_CHAIN })
    );
}

#[test]
fn malformed_input_is_a_typed_error_never_a_panic() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    let s = store(&root);
    assert_eq!(
        s.verify(&[b"not a certificate".to_vec()], now()),
        Err(ChainError::Malformed { position: 0 })
    );
    assert_eq!(
        s.verify(
            &[leaf.der[..leaf.der.len() / 2].to_vec(), inter.der.clone()],
            now()
        ),
        Err(ChainError::Malformed { position: 0 })
    );
    assert_eq!(
        s.verify(&[leaf.der.clone(), inter.der[..40].to_vec()], now()),
        Err(ChainError::Malformed { position: 1 })
    );
    // Every byte of the practitioner's certificate flipped: an error each time but never a
    // panic, and never a verified chain unless the flip left the signed part intact.
    for i in 0..leaf.der.len() {
        let mut bad = leaf.der.clone();
        bad[i] ^= 0x40;
        if let Ok(v) = s.verify(&[bad, inter.der.clone()], now()) {
            assert_eq!(
                v.identity.display_name, "Karim Benali",
                "byte {i} changed the identity yet verified"
            );
        }
    }
    // Anchors must be CA certificates.
    assert_eq!(TrustStore::new().add(&leaf.der), Err(ChainError::BadAnchor));
    assert_eq!(
        TrustStore::new().add(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        Err(ChainError::BadAnchor)
    );
}
