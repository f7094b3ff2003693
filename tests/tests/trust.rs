//! Chain verification against a test PKI in the shape of IGC-Santé: the good chain and the
//! practitioner it names, then one test per refusal; malformed, truncated and absurd input is
//! always a typed error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::trust::{ChainError, MAX_CHAIN, PractitionerPolicy, TrustStore};
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
    // IGC-Santé's policy wants an RPPS: a certificate without one is no practitioner's.
    assert_eq!(
        store(&root).verify(&[leaf.der.clone(), inter.der.clone()], now()),
        Err(ChainError::NoRpps)
    );
    // A store configured for a PKI without RPPS reads the generic fields.
    let mut s = store(&root);
    s.set_policy(PractitionerPolicy {
        require_rpps: false,
        ..PractitionerPolicy::default()
    });
    let v = s.verify(&[leaf.der, inter.der], now()).unwrap();
    assert_eq!(v.identity.display_name, "Dr Jane Smith");
    assert_eq!(v.identity.rpps, None);
}

/// An extension, DER content given, critical or not.
fn extension(oid: &[u64], content: Vec<u8>, critical: bool) -> rcgen::CustomExtension {
    let mut ext = rcgen::CustomExtension::from_oid_content(oid, content);
    ext.set_criticality(critical);
    ext
}

#[test]
fn critical_extensions_this_reader_does_not_enforce_are_refused() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    // nameConstraints permitting dNSName a.com; policyConstraints requireExplicitPolicy 0;
    // inhibitAnyPolicy 0; policyMappings: each parses, none is enforced here, so none may be
    // critical.
    let name_constraints = vec![
        0x30, 0x0B, 0xA0, 0x09, 0x30, 0x07, 0x82, 0x05, b'a', b'.', b'c', b'o', b'm',
    ];
    let policy_constraints = vec![0x30, 0x03, 0x80, 0x01, 0x00];
    let inhibit_any_policy = vec![0x02, 0x01, 0x00];
    let policy_mappings = vec![
        0x30, 0x0A, 0x30, 0x08, 0x06, 0x02, 0x2A, 0x03, 0x06, 0x02, 0x2A, 0x04,
    ];
    for (oid, content) in [
        (&[2u64, 5, 29, 30][..], name_constraints),
        (&[2, 5, 29, 36][..], policy_constraints),
        (&[2, 5, 29, 54][..], inhibit_any_policy),
        (&[2, 5, 29, 33][..], policy_mappings),
    ] {
        let mut params = pki::practitioner_params();
        params
            .custom_extensions
            .push(extension(oid, content.clone(), true));
        let leaf = pki::leaf_with(params, &inter);
        assert_eq!(
            store(&root).verify(&[leaf.der, inter.der.clone()], now()),
            Err(ChainError::UnknownCriticalExtension { position: 0 }),
            "critical {oid:?}"
        );
        // The same extension, not critical, may be ignored.
        let mut params = pki::practitioner_params();
        params
            .custom_extensions
            .push(extension(oid, content, false));
        let leaf = pki::leaf_with(params, &inter);
        assert!(
            store(&root)
                .verify(&[leaf.der, inter.der.clone()], now())
                .is_ok()
        );
    }
    // A critical extended key usage is enforced on the practitioner's certificate, not on an
    // authority's.
    let mut ca = pki::ca_params("AC IGC-SANTE ELEMENTAIRE PERSONNES", Some(0));
    ca.custom_extensions.push(extension(
        &[2, 5, 29, 37],
        vec![
            0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04,
        ],
        true,
    ));
    let constrained = pki::intermediate_with(ca, &root);
    let leaf = pki::leaf(&constrained);
    assert_eq!(
        store(&root).verify(&[leaf.der, constrained.der], now()),
        Err(ChainError::UnknownCriticalExtension { position: 1 })
    );
}

#[test]
fn a_ca_certificate_is_no_practitioner() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let leaf = pki::leaf_with(params, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der], now()),
        Err(ChainError::LeafIsCa)
    );
}

#[test]
fn a_server_or_an_organisation_certificate_is_no_practitioner() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    // A web server's certificate under the same root: serverAuth only, no policy.
    let mut server = pki::practitioner_params();
    server.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    server.custom_extensions.clear();
    let leaf = pki::leaf_with(server, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der.clone()], now()),
        Err(ChainError::ExtendedKeyUsage)
    );
    // No extended key usage and no practitioner policy at all.
    let mut bare = pki::practitioner_params();
    bare.extended_key_usages.clear();
    bare.custom_extensions.clear();
    let leaf = pki::leaf_with(bare, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der.clone()], now()),
        Err(ChainError::NotAPractitionerPolicy)
    );
    // An organisation's certificate: the right policy, a name that is not a person's RPPS.
    let mut org = pki::practitioner_params();
    org.distinguished_name = pki::name("CENTRE HOSPITALIER DE TEST");
    let leaf = pki::leaf_with(org, &inter);
    assert_eq!(
        store(&root).verify(&[leaf.der, inter.der.clone()], now()),
        Err(ChainError::NoRpps)
    );
    // A CPS signature certificate as the ANS issues them: nonRepudiation only, with the
    // policy, is a practitioner's.
    let mut cps = pki::practitioner_params();
    cps.key_usages = vec![rcgen::KeyUsagePurpose::ContentCommitment];
    let leaf = pki::leaf_with(cps, &inter);
    assert!(store(&root).verify(&[leaf.der, inter.der], now()).is_ok());
}

#[test]
fn issuers_are_matched_by_key_identifier_as_well_as_name() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    // Another authority with the same name, under the same root.
    let twin = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.use_authority_key_identifier_extension = true;
    let leaf = pki::leaf_with(params, &inter);
    // The twin comes first: its name matches, its key identifier does not, so it is passed
    // over and the real issuer found.
    let v = store(&root).verify(&[leaf.der.clone(), twin.der.clone(), inter.der], now());
    assert!(v.is_ok(), "{v:?}");
    // With only the twin, no authority has the key that signed: unknown issuer, not a
    // misleading bad signature from the wrong one.
    assert_eq!(
        store(&root).verify(&[leaf.der, twin.der], now()),
        Err(ChainError::UnknownIssuer { position: 0 })
    );
}

#[test]
fn a_certificate_in_a_loaded_revocation_list_is_refused() {
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let mut params = pki::practitioner_params();
    params.serial_number = Some(rcgen::SerialNumber::from(vec![0x0C, 0x95]));
    let revoked = pki::leaf_with(params, &inter);
    let good = pki::leaf(&inter);
    let mut s = store(&root);
    s.add(inter.pem.as_bytes()).unwrap();
    assert!(s.verify(std::slice::from_ref(&revoked.der), now()).is_ok());
    let crl = rcgen::CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2026, 11, 1),
        next_update: rcgen::date_time_ymd(2026, 12, 1),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![rcgen::RevokedCertParams {
            serial_number: rcgen::SerialNumber::from(vec![0x0C, 0x95]),
            revocation_time: rcgen::date_time_ymd(2026, 11, 1),
            reason_code: Some(rcgen::RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
    .signed_by(&inter.issuer)
    .unwrap();
    let issued = s.add_crl(crl.pem().unwrap().as_bytes()).unwrap();
    assert_eq!(issued, at(2026, 11, 1));
    assert_eq!(
        s.verify(std::slice::from_ref(&revoked.der), now()),
        Err(ChainError::Revoked { position: 0 })
    );
    // Before its revocation date too: a reported key could have signed anything.
    assert_eq!(
        s.verify(std::slice::from_ref(&revoked.der), at(2026, 1, 1)),
        Err(ChainError::Revoked { position: 0 })
    );
    assert!(s.verify(std::slice::from_ref(&good.der), now()).is_ok());
    // A CRL signed by no authority of the store is refused.
    let stranger = pki::root();
    let forged = rcgen::CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2026, 11, 1),
        next_update: rcgen::date_time_ymd(2026, 12, 1),
        crl_number: rcgen::SerialNumber::from(2u64),
        issuing_distribution_point: None,
        revoked_certs: vec![],
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
    .signed_by(&stranger.issuer)
    .unwrap();
    assert_eq!(s.add_crl(forged.der()), Err(ChainError::BadCrl));
    assert_eq!(s.add_crl(b"not a crl"), Err(ChainError::BadCrl));
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
