//! Records through the vault: round trips at volume, search, summaries, what stays secret.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::VaultError;
use carnet_core::model::*;
use carnet_tests::*;

#[test]
fn ten_thousand_records_round_trip() {
    let mut t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let news = generated_records(p.id, 10_000);
    let ids = t.vault().add_records(news.clone()).unwrap();
    assert_eq!(ids.len(), 10_000);
    let vault = t.unlock();
    let stored = vault.records(Some(&p.id), None).unwrap();
    assert_eq!(stored.len(), 10_000);
    let by_id: std::collections::HashMap<_, _> = stored.iter().map(|r| (r.id, r)).collect();
    for (id, new) in ids.iter().zip(&news) {
        let r = by_id[id];
        assert_eq!(r.body, new.body);
        assert_eq!(r.profile_id, p.id);
        assert_eq!(r.provenance, Provenance::PatientEntered);
    }
    let counts = vault.count_records(Some(&p.id)).unwrap();
    assert_eq!(counts[&RecordKind::Prescription], 2_500);
    assert_eq!(
        vault
            .records(Some(&p.id), Some(RecordKind::Letter))
            .unwrap()
            .len(),
        2_500
    );
}

#[test]
fn update_and_delete() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-10", "Bisoprolol", "5 mg"),
        ))
        .unwrap();
    let updated = t
        .vault()
        .update_record(&r.id, prescription("2026-01-10", "Bisoprolol", "2.5 mg"))
        .unwrap();
    assert_eq!(updated.id, r.id);
    assert_eq!(updated.created_at, r.created_at);
    assert!(updated.updated_at >= r.updated_at);
    assert_eq!(t.vault().record(&r.id).unwrap(), updated);
    t.vault().delete_record(&r.id).unwrap();
    assert!(matches!(
        t.vault().record(&r.id),
        Err(VaultError::RecordNotFound)
    ));
    assert!(matches!(
        t.vault().delete_record(&r.id),
        Err(VaultError::RecordNotFound)
    ));
    let actions: Vec<_> = t
        .vault()
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&carnet_core::vault::AuditAction::RecordDeleted {
            record_id: r.id,
            profile_id: p.id
        })
    );
}

#[test]
fn invalid_input_is_refused_with_what_is_wrong() {
    let t = TestVault::new();
    let empty_name = NewProfile::new("  ", date("2000-01-01"), Relationship::Other);
    assert!(matches!(
        t.vault().add_profile(empty_name),
        Err(VaultError::Invalid(ModelError::Empty { .. }))
    ));
    let p = t.vault().add_profile(adult()).unwrap();
    let no_meds = RecordBody::Prescription(Prescription {
        prescriber: Prescriber {
            name: "Dr X".into(),
            specialty: None,
            rpps: None,
        },
        date: date("2026-01-01"),
        medications: vec![],
        notes: None,
    });
    assert!(matches!(
        t.vault().add_record(NewRecord::entered(p.id, no_meds)),
        Err(VaultError::Invalid(_))
    ));
    let nowhere = NewRecord::entered(ProfileId::random(), prescription("2026-01-01", "X", "1 mg"));
    assert!(matches!(
        t.vault().add_record(nowhere),
        Err(VaultError::ProfileNotFound)
    ));
    // A failed batch writes nothing.
    let mut batch = generated_records(p.id, 10);
    batch.push(NewRecord::entered(
        ProfileId::random(),
        prescription("2026-01-01", "X", "1 mg"),
    ));
    assert!(t.vault().add_records(batch).is_err());
    assert!(t.vault().records(None, None).unwrap().is_empty());
}

#[test]
fn search_ignores_case_and_accents_and_needs_every_word() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            lab("2026-03-01", "Hémoglobine glyquée", 7.2, "%"),
        ))
        .unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-03-02", "Metformine", "1000 mg"),
        ))
        .unwrap();
    let titles = |q: &str| -> Vec<RecordKind> {
        t.vault()
            .search(q, None)
            .unwrap()
            .iter()
            .map(|r| r.kind())
            .collect()
    };
    assert_eq!(titles("hemoglobine"), [RecordKind::LabReport]);
    assert_eq!(titles("METFORMINE 1000"), [RecordKind::Prescription]);
    assert_eq!(titles("metformine 500"), Vec::<RecordKind>::new());
    assert_eq!(titles("bio centre"), [RecordKind::LabReport]);
    assert!(titles("").is_empty());
}

#[test]
fn search_finds_what_is_written_never_field_names_or_tags() {
    let today = carnet_core::time::now().date_naive();
    let (t, family) = demo_vault(today);
    let hits = |q: &str| t.vault().search(q, None).unwrap().len();
    for words in [
        "kind",
        "medications",
        "results",
        "lab_report",
        "prescriber",
        "severity",
        "abnormal",
        "ATC",
    ] {
        assert_eq!(
            hits(words),
            0,
            "a field name or tag matched (query {words:?})"
        );
    }
    // What is written still is: a drug, a result value, a word of a letter body, a dose.
    assert!(hits("bisoprolol") >= 2);
    assert!(hits("6.9") >= 1);
    assert!(hits("bradycardie") >= 1);
    assert!(hits("2,5 mg") >= 1);
    let child = t
        .vault()
        .search("arachide", Some(&family.child.id))
        .unwrap();
    assert_eq!(child.len(), 1);
}

#[test]
fn summary_shows_current_medications_and_lab_trends() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    for (d, v) in [
        ("2025-12-01", 8.1),
        ("2026-04-01", 7.4),
        ("2026-10-01", 6.9),
    ] {
        t.vault()
            .add_record(NewRecord::entered(p.id, lab(d, "HbA1c", v, "%")))
            .unwrap();
    }
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-09-01", "Metformine", "1000 mg"),
        ))
        .unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2024-01-01", "Amoxicilline", "1 g"),
        ))
        .unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            RecordBody::Allergy(Allergy {
                substance: "Pénicilline".into(),
                code: None,
                reaction: Some("urticaire".into()),
                severity: Some(AllergySeverity::Severe),
                noted_on: None,
            }),
        ))
        .unwrap();
    let summary = t.vault().summary(&p.id, date("2026-11-28")).unwrap();
    let meds: Vec<_> = summary
        .current_medications
        .iter()
        .map(|m| m.medication.name.as_str())
        .collect();
    assert_eq!(meds, ["Metformine"]);
    assert_eq!(summary.allergies.len(), 1);
    let hba1c = &summary.lab_trends[0];
    assert_eq!(hba1c.latest.value, LabValue::Numeric(6.9));
    assert_eq!(
        hba1c.previous_point().map(|p| p.date),
        Some(date("2026-04-01"))
    );
}

#[test]
fn canary_strings_never_reach_the_disk_in_clear() {
    let mut t = TestVault::new();
    const NAME: &str = "Zephyrine Quillard-Canary";
    const DRUG: &str = "Canarimycine";
    const VALUE: f64 = 987.654321;
    const INS: &str = "255081416802538";
    let mut profile = NewProfile::new(NAME, date("1955-08-14"), Relationship::Parent);
    profile.ins = Some(Ins::parse(INS).unwrap());
    let p = t.vault().add_profile(profile).unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-02-02", DRUG, "250 mg"),
        ))
        .unwrap();
    t.vault()
        .add_record(NewRecord::entered(
            p.id,
            lab("2026-02-03", "Kaliémie", VALUE, "mmol/L"),
        ))
        .unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            lab("2026-02-04", "Créatinine", 80.0, "µmol/L"),
        ))
        .unwrap();
    t.vault()
        .attach(
            &r.id,
            "Canary-scan.pdf",
            "application/pdf",
            &mut &b"%PDF Canarimycine page"[..],
        )
        .unwrap();
    t.vault()
        .update_record(&r.id, prescription("2026-02-04", DRUG, "500 mg"))
        .unwrap();

    let canaries: [&[u8]; 6] = [
        NAME.as_bytes(),
        b"Quillard",
        DRUG.as_bytes(),
        b"987.654321",
        INS.as_bytes(),
        b"Canary-scan",
    ];
    let path = t.path.clone();
    let check = |when: &str| {
        let files = vault_files(&path);
        assert!(!files.is_empty());
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            for canary in canaries {
                assert!(
                    !contains(&bytes, canary),
                    "a canary is in clear in {} ({when})",
                    file.display()
                );
            }
        }
    };
    check("open, WAL in use");
    t.lock();
    check("closed");
}

#[test]
fn find_profile_and_record_by_name_and_short_id() {
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    assert_eq!(t.vault().find_profile("camille MARTIN").unwrap().id, p.id);
    assert_eq!(t.vault().find_profile(&p.id.to_string()).unwrap().id, p.id);
    assert!(matches!(
        t.vault().find_profile("nobody"),
        Err(VaultError::ProfileNotFound)
    ));
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-10", "Bisoprolol", "5 mg"),
        ))
        .unwrap();
    assert_eq!(t.vault().find_record(&r.id.short()).unwrap().id, r.id);
}
