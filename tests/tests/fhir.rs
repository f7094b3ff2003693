//! FHIR both ways, checked from outside: every export is run through a validator this project
//! did not write (`../shared/tools/fhir-validate`, IPS 2.0.0 profiles), the 23 connectathon
//! bundles of `../shared/corpus/ips` are imported and counted against their own JSON, an
//! export read back gives the same records, and hostile bundles are refused whole.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::fhir::{self, FhirError};
use carnet_core::import::{DocumentImportReport, ItemKind};
use carnet_core::model::*;
use carnet_core::vault::ImportOptions;
use carnet_tests::*;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;

fn now() -> DateTime<Utc> {
    carnet_core::time::now()
}

fn import(
    t: &TestVault,
    profile: &ProfileId,
    bytes: &[u8],
) -> Result<DocumentImportReport, FhirError> {
    fhir::import_bundle(
        t.vault(),
        profile,
        bytes,
        "bundle.json",
        &ImportOptions::trusting_no_one(now()),
        false,
    )
}

fn profile(t: &TestVault, birth: &str) -> Profile {
    t.vault()
        .add_profile(NewProfile::new("Patient", date(birth), Relationship::Owner))
        .unwrap()
}

#[test]
fn exports_of_the_demo_family_an_empty_profile_and_a_heavy_one_are_valid_ips() {
    let now = now();
    let (t, family) = demo_vault(now.date_naive());
    let empty = profile(&t, "1980-01-01");
    let heavy = profile(&t, "1950-06-01");
    let mut records = heavy_records(heavy.id, now.date_naive());
    // Results written as text with a unit, as laboratories print them: a bound, an interval,
    // a word. Each must reach the doctor's software with its unit.
    let text_result = |analyte: &str, value: &str, unit: &str| LabResult {
        analyte: analyte.into(),
        loinc: None,
        value: LabValue::Text(value.into()),
        unit: Some(unit.into()),
        reference_range: None,
        abnormal: false,
    };
    records.push(NewRecord::entered(
        heavy.id,
        RecordBody::LabReport(LabReport {
            laboratory: "Laboratoire du Centre".into(),
            collection_date: now.date_naive(),
            results: vec![
                text_result("CRP", "<5", "mg/L"),
                text_result("Potassium (intervalle)", "3.5–5", "mmol/L"),
                text_result("Albumine urinaire", "traces", "mg/L"),
            ],
        }),
    ));
    t.vault().add_records(records).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, p) in [
        ("adult", &family.adult),
        ("child", &family.child),
        ("parent", &family.parent),
        ("empty", &empty),
        ("heavy", &heavy),
    ] {
        let doc = fhir::export_profile(t.vault(), &p.id, now).unwrap();
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, &doc).unwrap();
        files.push(path);
    }
    let parent = t
        .vault()
        .summary(&family.parent.id, now.date_naive())
        .unwrap();
    // Nine prescribed; the GP has since stopped the omeprazole.
    assert_eq!(
        parent.current_medications.len(),
        8,
        "the elderly parent takes eight"
    );
    assert!(
        parent
            .current_medications
            .iter()
            .all(|m| m.medication.name != "Oméprazole")
    );
    let (valid, said) = validate_ips(&files);
    assert!(valid, "the validator refused an export:\n{said}");
    assert!(said.contains("5 passed, 0 failed"), "{said}");

    let heavy_doc: Value = serde_json::from_slice(&std::fs::read(&files[4]).unwrap()).unwrap();
    let observation = |analyte: &str| {
        heavy_doc["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "Observation" && r["code"]["text"] == analyte)
            .unwrap()
            .clone()
    };
    let crp = observation("CRP");
    assert_eq!(
        crp["valueQuantity"],
        json!({ "comparator": "<", "value": 5, "unit": "mg/L", "system": "http://unitsofmeasure.org", "code": "mg/L" })
    );
    let potassium = observation("Potassium (intervalle)");
    assert_eq!(potassium["valueRange"]["low"]["value"], json!(3.5));
    assert_eq!(potassium["valueRange"]["high"]["value"], json!(5));
    assert_eq!(potassium["valueRange"]["high"]["unit"], "mmol/L");
    let albumin = observation("Albumine urinaire");
    assert_eq!(albumin["valueString"], "traces");
    assert_eq!(
        albumin["extension"],
        json!([{ "url": fhir::read::UNIT_EXTENSION, "valueString": "mg/L" }])
    );

    // The empty profile says, in every required section, that nothing is recorded.
    let empty: Value = serde_json::from_slice(&std::fs::read(&files[3]).unwrap()).unwrap();
    let sections = empty["entry"][0]["resource"]["section"].as_array().unwrap();
    let codes: Vec<&str> = sections
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["11450-4", "48765-2", "10160-0"]);
    for s in sections {
        assert_eq!(s["emptyReason"]["coding"][0]["code"], "unavailable");
        assert!(
            s["text"]["div"]
                .as_str()
                .unwrap()
                .contains("Nothing recorded")
        );
    }
}

#[test]
fn an_export_carries_codes_values_units_the_ins_and_each_items_provenance() {
    let now = now();
    let (t, family) = demo_vault(now.date_naive());
    let doc: Value =
        serde_json::from_str(&fhir::export_profile(t.vault(), &family.adult.id, now).unwrap())
            .unwrap();
    let resources: Vec<&Value> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let of = |t: &'static str| resources.iter().filter(move |r| r["resourceType"] == t);
    let patient = of("Patient").next().unwrap();
    assert_eq!(
        patient["identifier"][0]["system"],
        "urn:oid:1.2.250.1.213.1.4.8"
    );
    assert_eq!(patient["identifier"][0]["value"], "266037511512340");
    assert_eq!(patient["gender"], "female");
    assert_eq!(patient["birthDate"], "1966-03-14");

    // Every stored lab value is in an Observation, exactly, with its unit as written.
    let records = t.vault().records(Some(&family.adult.id), None).unwrap();
    let observations: Vec<&&Value> = of("Observation").collect();
    let mut results = 0;
    for r in &records {
        if let RecordBody::LabReport(l) = &r.body {
            for res in &l.results {
                results += 1;
                let found = observations.iter().any(|o| {
                    o["code"]["text"] == res.analyte.as_str()
                        && match &res.value {
                            LabValue::Numeric(v) => {
                                o["valueQuantity"]["value"].as_f64() == Some(*v)
                            }
                            // The demo's text values are words, so they travel as text.
                            LabValue::Text(t) => o["valueString"] == t.as_str(),
                        }
                        && res.unit.as_deref().is_none_or(|u| {
                            o["valueQuantity"]["unit"] == u || o["extension"][0]["valueString"] == u
                        })
                });
                assert!(found, "a lab value is missing from the export");
            }
        }
    }
    assert_eq!(observations.len(), results);
    // The ATC code of every medication line travels.
    assert!(of("MedicationRequest").any(
        |m| m["medicationCodeableConcept"]["coding"][0]["system"] == "http://www.whocc.no/atc"
    ));
    // Everything the patient typed is marked as such in a Provenance naming it.
    let provenance = of("Provenance").next().unwrap();
    assert_eq!(
        provenance["activity"]["coding"][0]["code"],
        "patient-entered"
    );
    let items = resources.len() - 3; // Composition, Patient, Provenance
    let practitioners = of("Practitioner").count();
    assert_eq!(
        provenance["target"].as_array().unwrap().len(),
        items - practitioners
    );
}

#[test]
fn the_frozen_export_of_version_1_still_reads() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/ips-export-1.json"
    ))
    .unwrap();
    let t = TestVault::new();
    let mut camille = NewProfile::new("Camille Martin", date("1966-03-14"), Relationship::Owner);
    camille.ins = Some(Ins::parse("266037511512340").unwrap());
    let p = t.vault().add_profile(camille).unwrap();
    let report = import(&t, &p.id, &bytes).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!((report.records_added, report.records_held_back), (10, 0));
    let counts: Vec<(ItemKind, u32)> = report.items.iter().map(|c| (c.kind, c.count)).collect();
    assert_eq!(
        counts,
        [
            (ItemKind::Medication, 7),
            (ItemKind::Allergy, 1),
            (ItemKind::Condition, 2),
            (ItemKind::LabResult, 21),
            (ItemKind::Letter, 1),
        ]
    );
    let records = t.vault().records(Some(&p.id), None).unwrap();
    let lines: Vec<Medication> = records
        .iter()
        .flat_map(|r| match &r.body {
            RecordBody::Prescription(p) => p.medications.clone(),
            _ => Vec::new(),
        })
        .collect();
    assert!(lines.iter().any(|m| m.name == "Bisoprolol"
        && m.strength.as_deref() == Some("2,5 mg, comprimé")
        && m.code == Some(CodedConcept::new("ATC", "C07AB07"))));
    let hba1c: Vec<LabValue> = records
        .iter()
        .flat_map(|r| match &r.body {
            RecordBody::LabReport(l) => l.results.clone(),
            _ => Vec::new(),
        })
        .filter(|r| r.loinc.as_deref() == Some("4548-4"))
        .map(|r| r.value)
        .collect();
    assert_eq!(hba1c.len(), 3);
    assert!(hba1c.contains(&LabValue::Numeric(7.4)));
}

/// What a corpus bundle holds, counted from its JSON without Carnet's code.
struct Held {
    medications: u32,
    allergies: u32,
    conditions: u32,
    immunisations: u32,
    lab_observations: u32,
    quantities: Vec<(f64, Option<String>)>,
}

fn held(bundle: &Value) -> Held {
    let mut h = Held {
        medications: 0,
        allergies: 0,
        conditions: 0,
        immunisations: 0,
        lab_observations: 0,
        quantities: Vec::new(),
    };
    for e in bundle["entry"].as_array().into_iter().flatten() {
        let r = &e["resource"];
        match r["resourceType"].as_str().unwrap_or("") {
            "MedicationStatement" | "MedicationRequest" => h.medications += 1,
            "AllergyIntolerance" => h.allergies += 1,
            "Condition" => h.conditions += 1,
            "Immunization" => h.immunisations += 1,
            "Observation" => {
                let lab = r["category"].as_array().into_iter().flatten().any(|c| {
                    c["coding"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|k| k["code"] == "laboratory")
                });
                if lab {
                    h.lab_observations += 1;
                    let q = &r["valueQuantity"];
                    if let (Some(v), None) = (q["value"].as_f64(), q["comparator"].as_str()) {
                        let unit = q["unit"].as_str().or(q["code"].as_str());
                        h.quantities.push((v, unit.map(str::to_owned)));
                    }
                }
            }
            _ => {}
        }
    }
    h
}

fn skipped(report: &DocumentImportReport, types: &[&str]) -> u32 {
    report
        .skipped
        .iter()
        .filter(|s| types.contains(&s.item_type.as_str()))
        .count() as u32
}

#[test]
fn every_corpus_bundle_is_imported_and_each_item_is_stored_or_reported() {
    let dir = shared_dir().join("corpus/ips");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is missing ({e})", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 23, "the corpus holds 23 IPS bundles");
    let mut lab_values = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(file).unwrap();
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        let birth = json["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"]["resourceType"] == "Patient")
            .and_then(|e| e["resource"]["birthDate"].as_str())
            .and_then(|b| b.parse().ok())
            .unwrap_or(date("1970-01-01"));
        let t = TestVault::new();
        let p = t
            .vault()
            .add_profile(NewProfile::new("Patient", birth, Relationship::Owner))
            .unwrap();
        let report = import(&t, &p.id, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let h = held(&json);
        let accounted = |kind, types: &[&str]| report.count(kind) + skipped(&report, types);
        assert_eq!(
            accounted(
                ItemKind::Medication,
                &["MedicationStatement", "MedicationRequest"]
            ),
            h.medications,
            "{name}: medications"
        );
        assert_eq!(
            accounted(ItemKind::Allergy, &["AllergyIntolerance"]),
            h.allergies,
            "{name}: allergies"
        );
        assert_eq!(
            accounted(ItemKind::Condition, &["Condition"]),
            h.conditions,
            "{name}: conditions"
        );
        assert_eq!(
            accounted(ItemKind::Immunisation, &["Immunization"]),
            h.immunisations,
            "{name}: immunisations"
        );
        assert_eq!(
            accounted(ItemKind::LabResult, &["Observation (laboratory)"]),
            h.lab_observations,
            "{name}: laboratory observations"
        );
        // Every stored value and unit is the bundle's.
        let stored: Vec<LabResult> = t
            .vault()
            .records(Some(&p.id), Some(RecordKind::LabReport))
            .unwrap()
            .into_iter()
            .flat_map(|r| match r.body {
                RecordBody::LabReport(l) => l.results,
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(
            stored.len() as u32,
            report.count(ItemKind::LabResult),
            "{name}"
        );
        for r in &stored {
            if let LabValue::Numeric(v) = r.value {
                lab_values += 1;
                assert!(
                    h.quantities.iter().any(|(q, u)| *q == v && *u == r.unit),
                    "{name}: a stored value or unit is not the bundle's"
                );
            }
        }
        // The same bundle again adds nothing.
        let count = t.vault().records(Some(&p.id), None).unwrap().len();
        let again = import(&t, &p.id, &bytes).unwrap();
        assert_eq!(
            (again.records_added, again.records_updated),
            (0, 0),
            "{name}"
        );
        assert_eq!(again.records_unchanged as usize, count, "{name}");
        assert_eq!(
            t.vault().records(Some(&p.id), None).unwrap().len(),
            count,
            "{name}"
        );
    }
    assert!(
        lab_values > 300,
        "the corpus's lab values were read ({lab_values})"
    );
}

fn small_bundle(value: Value, last_updated: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "fullUrl": "urn:uuid:8c1d0c7e-0000-4000-8000-000000000001",
              "resource": { "resourceType": "Patient", "birthDate": "1966-03-14",
                            "identifier": [{ "system": "urn:oid:1.2.250.1.213.1.4.8", "value": "266037511512340" }] } },
            { "fullUrl": "urn:uuid:8c1d0c7e-0000-4000-8000-000000000002",
              "resource": {
                "resourceType": "Observation",
                "meta": { "lastUpdated": last_updated },
                "status": "final",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
                "code": { "coding": [{ "system": "http://loinc.org", "code": "2345-7", "display": "Glucose" }] },
                "effectiveDateTime": "2026-01-10T08:00:00+01:00",
                "performer": [{ "display": "Laboratoire Cerballiance" }],
                "valueQuantity": value } },
            { "resource": { "resourceType": "Procedure", "status": "completed" } },
        ]
    }))
    .unwrap()
}

/// A bundle of medications dated a week before `today`, each with the given status, supply and
/// statement fields.
fn medication_bundle(today: chrono::NaiveDate, meds: &[(&str, &str, Value)]) -> Vec<u8> {
    let authored = (today - chrono::Days::new(7)).to_string();
    let mut entry = vec![
        json!({ "fullUrl": "urn:uuid:8c1d0c7e-0000-4000-8000-000000000001",
        "resource": { "resourceType": "Patient", "birthDate": "1966-03-14" } }),
    ];
    for (i, (name, status, extra)) in meds.iter().enumerate() {
        let mut res = json!({
            "status": status,
            "medicationCodeableConcept": { "text": name },
            "dosageInstruction": [{ "text": "1 comprimé le matin" }],
            "dosage": [{ "text": "1 comprimé le matin" }],
        });
        let fields = extra.as_object().cloned().unwrap_or_default();
        let statement = fields.contains_key("dateAsserted");
        res["resourceType"] = json!(if statement {
            "MedicationStatement"
        } else {
            "MedicationRequest"
        });
        if statement {
            res["effectiveDateTime"] = json!(authored);
        } else {
            res["intent"] = json!("order");
            res["authoredOn"] = json!(authored);
        }
        for (k, v) in fields {
            res[k] = v;
        }
        entry.push(
            json!({ "fullUrl": format!("urn:uuid:8c1d0c7e-0000-4000-8000-1000000000{i:02}"),
                           "resource": res }),
        );
    }
    serde_json::to_vec(&json!({ "resourceType": "Bundle", "type": "collection", "entry": entry }))
        .unwrap()
}

#[test]
fn a_medication_the_file_says_is_stopped_is_never_read_as_current() {
    let t = TestVault::new();
    let p = profile(&t, "1966-03-14");
    let today = now().date_naive();
    let in_three_days = (today + chrono::Days::new(3)).to_string();
    let supply = json!({ "dispenseRequest": {
        "expectedSupplyDuration": { "value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d" } } });
    let bytes = medication_bundle(
        today,
        &[
            ("Ramipril", "active", supply.clone()),
            ("Omeprazole", "stopped", supply.clone()),
            ("Amoxicilline", "cancelled", json!({})),
            // Stopped, as the patient told it two days ago: taken until then.
            (
                "Bisoprolol",
                "stopped",
                json!({ "dateAsserted": (today - chrono::Days::new(2)).to_string() }),
            ),
            // An end still to come, but the file says stopped: the stop wins.
            (
                "Furosémide",
                "stopped",
                json!({ "dateAsserted": (today - chrono::Days::new(9)).to_string(),
                                              "effectivePeriod": { "end": in_three_days } }),
            ),
        ],
    );
    let report = import(&t, &p.id, &bytes).unwrap();
    // On failure, say what was skipped and adjusted (places and reasons), not the report
    // itself, which carries the patient's traits.
    assert_eq!(
        report.count(ItemKind::Medication),
        5,
        "skipped {}, adjusted {:?}",
        report.skipped.len(),
        report.adjusted
    );
    let stopped_notes = report
        .adjusted
        .iter()
        .filter(|a| a.contains("in the file, so ended on the date it was"))
        .count();
    assert_eq!(stopped_notes, 4, "{:?}", report.adjusted);
    let summary = t.vault().summary(&p.id, today).unwrap();
    let current: Vec<&str> = summary
        .current_medications
        .iter()
        .map(|c| c.medication.name.as_str())
        .collect();
    assert_eq!(current, ["Ramipril"]);
    // Each ends when the file said, and keeps the file's status in its notes.
    let ends: std::collections::BTreeMap<String, Option<MedicationDuration>> = t
        .vault()
        .records(Some(&p.id), Some(RecordKind::Prescription))
        .unwrap()
        .into_iter()
        .flat_map(|r| match r.body {
            RecordBody::Prescription(rx) => rx.medications,
            _ => Vec::new(),
        })
        .map(|m| {
            if m.name != "Ramipril" {
                let notes = m.notes.clone().unwrap_or_default();
                assert!(notes.contains("status in the file: "), "{notes}");
            }
            (m.name, m.duration)
        })
        .collect();
    let week_ago = today - chrono::Days::new(7);
    assert_eq!(
        ends["Omeprazole"],
        Some(MedicationDuration::Until(week_ago))
    );
    assert_eq!(
        ends["Amoxicilline"],
        Some(MedicationDuration::Until(week_ago))
    );
    assert_eq!(
        ends["Bisoprolol"],
        Some(MedicationDuration::Until(today - chrono::Days::new(2)))
    );
    // Asserted before it began: ended on its own date.
    assert_eq!(
        ends["Furosémide"],
        Some(MedicationDuration::Until(week_ago))
    );
    assert_eq!(ends["Ramipril"], Some(MedicationDuration::Days(90)));
}

fn glucose(t: &TestVault, p: &ProfileId) -> Vec<LabResult> {
    t.vault()
        .records(Some(p), Some(RecordKind::LabReport))
        .unwrap()
        .into_iter()
        .flat_map(|r| match r.body {
            RecordBody::LabReport(l) => l.results,
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_newer_version_replaces_the_older_and_what_is_not_kept_is_reported() {
    let t = TestVault::new();
    let mut camille = NewProfile::new("Camille", date("1966-03-14"), Relationship::Owner);
    camille.ins = Some(Ins::parse("266037511512340").unwrap());
    let p = t.vault().add_profile(camille).unwrap().id;
    let first = import(
        &t,
        &p,
        &small_bundle(
            json!({ "value": 5.4, "unit": "mmol/L" }),
            "2026-01-10T10:00:00Z",
        ),
    )
    .unwrap();
    assert_eq!(first.records_added, 1);
    assert_eq!(first.skipped.len(), 1);
    assert_eq!(first.skipped[0].item_type, "Procedure");
    assert!(!first.skipped[0].reason.is_empty());
    assert_eq!(glucose(&t, &p)[0].value, LabValue::Numeric(5.4));
    // The lab corrects the value a day later.
    let second = import(
        &t,
        &p,
        &small_bundle(
            json!({ "value": 6.1, "unit": "mmol/L" }),
            "2026-01-11T10:00:00Z",
        ),
    )
    .unwrap();
    assert_eq!((second.records_added, second.records_updated), (0, 1));
    let now_held = glucose(&t, &p);
    assert_eq!(now_held.len(), 1);
    assert_eq!(now_held[0].value, LabValue::Numeric(6.1));
    // The older version, arriving late, does not overwrite the newer.
    let late = import(
        &t,
        &p,
        &small_bundle(
            json!({ "value": 5.4, "unit": "mmol/L" }),
            "2026-01-10T10:00:00Z",
        ),
    )
    .unwrap();
    assert_eq!(
        (
            late.records_added,
            late.records_updated,
            late.records_held_back
        ),
        (0, 0, 1)
    );
    assert_eq!(glucose(&t, &p)[0].value, LabValue::Numeric(6.1));
    // A dry run says what would happen and stores nothing.
    let other = profile(&t, "1966-03-14");
    let dry = fhir::import_bundle(
        t.vault(),
        &other.id,
        &small_bundle(
            json!({ "value": 1.0, "unit": "g/L" }),
            "2026-01-10T10:00:00Z",
        ),
        "bundle.json",
        &ImportOptions::trusting_no_one(now()),
        true,
    )
    .unwrap();
    assert_eq!(dry.records_added, 1);
    assert!(!dry.stored);
    assert!(glucose(&t, &other.id).is_empty());
    // The imported record says where it came from.
    let record = &t
        .vault()
        .records(Some(&p), Some(RecordKind::LabReport))
        .unwrap()[0];
    match &record.provenance {
        Provenance::ImportedFromFile {
            file_name,
            document,
        } => {
            assert_eq!(file_name, "bundle.json");
            assert_eq!(
                document.as_ref().unwrap().format,
                "FHIR R4 Bundle (collection)"
            );
        }
        other => panic!("provenance {other:?}"),
    }
}

/// Imports `bytes` and checks it fails as `expected` says, leaving the vault as it was.
fn refused(bytes: &[u8], expected: fn(&FhirError) -> bool) {
    let t = TestVault::new();
    let family = carnet_core::demo::populate_family(t.vault(), now().date_naive()).unwrap();
    let before = t.vault().records(None, None).unwrap().len();
    let err = import(&t, &family.adult.id, bytes).expect_err("a hostile bundle was accepted");
    assert!(expected(&err), "unexpected error: {err}");
    let message = err.to_string();
    assert!(
        !message.contains("Glucose") && !message.contains("266037511512340"),
        "{message}"
    );
    assert_eq!(
        t.vault().records(None, None).unwrap().len(),
        before,
        "half an import"
    );
}

#[test]
fn hostile_bundles_are_refused_whole_with_a_typed_error() {
    // Deep nesting and a huge string are refused before any parsing.
    refused("[".repeat(10_000).as_bytes(), |e| {
        matches!(e, FhirError::TooDeep { .. })
    });
    let huge = format!(
        r#"{{"resourceType":"Bundle","type":"collection","x":"{}"}}"#,
        "a".repeat(49 << 20)
    );
    refused(huge.as_bytes(), |e| {
        matches!(e, FhirError::StringTooLong { .. })
    });
    refused(b"{\"resourceType\": \"Bundle\", ", |e| {
        matches!(e, FhirError::NotJson { .. })
    });
    refused(br#"{"resourceType":"Bundel","type":"collection"}"#, |e| {
        matches!(e, FhirError::NotABundle { .. })
    });
    refused(br#"{"resourceType":"Bundle","type":"history"}"#, |e| {
        matches!(e, FhirError::UnsupportedBundleType { .. })
    });
    // A good result and then a malformed one: nothing is stored.
    let mut bundle: Value = serde_json::from_slice(&small_bundle(
        json!({ "value": 5.4, "unit": "mmol/L" }),
        "2026-01-10T10:00:00Z",
    ))
    .unwrap();
    let mut bad_date = bundle["entry"][1].clone();
    bad_date["resource"]["effectiveDateTime"] = json!("10/01/2026");
    bundle["entry"].as_array_mut().unwrap().push(bad_date);
    refused(&serde_json::to_vec(&bundle).unwrap(), |e| {
        matches!(
            e,
            FhirError::Invalid {
                field: "effectiveDateTime",
                ..
            }
        )
    });
    let bad_quantity = small_bundle(
        json!({ "value": "5,4", "unit": "mmol/L" }),
        "2026-01-10T10:00:00Z",
    );
    refused(&bad_quantity, |e| {
        matches!(
            e,
            FhirError::Invalid {
                field: "valueQuantity",
                ..
            }
        )
    });
    // Someone else's bundle: another INS than the profile's.
    let other = String::from_utf8(small_bundle(
        json!({ "value": 5.4 }),
        "2026-01-10T10:00:00Z",
    ))
    .unwrap()
    .replace("266037511512340", "185057800608491");
    refused(other.as_bytes(), |e| {
        matches!(e, FhirError::OtherPatient { differs: "INS" })
    });
    // A result whose report points nowhere is reported, the rest kept.
    let t = TestVault::new();
    let p = profile(&t, "1966-03-14");
    let dangling = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "resource": { "resourceType": "DiagnosticReport", "status": "final",
          "code": { "text": "Bilan" }, "effectiveDateTime": "2026-01-10",
          "result": [{ "reference": "Observation/nowhere" }] } }
    ]});
    let report = import(&t, &p.id, &serde_json::to_vec(&dangling).unwrap()).unwrap();
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("not in the bundle"))
    );
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-zéèàç][A-Za-z0-9éèàç ,.'()<>&-]{0,30}[A-Za-z0-9)]".prop_map(|s| s)
}

fn day() -> impl Strategy<Value = chrono::NaiveDate> {
    (0u64..15_000).prop_map(|d| date("1985-01-01") + chrono::Days::new(d))
}

fn code() -> impl Strategy<Value = Option<CodedConcept>> {
    proptest::option::of(
        (
            prop_oneof![
                Just("ATC"),
                Just("CIM-10"),
                Just("SNOMED CT"),
                Just("CIP13"),
                Just("code maison")
            ],
            "[A-Z][0-9A-Z]{1,6}",
        )
            .prop_map(|(s, c)| CodedConcept::new(s, c)),
    )
}

fn body() -> impl Strategy<Value = RecordBody> {
    let medication = (
        text(),
        code(),
        proptest::option::of(text()),
        text(),
        0u8..4,
        proptest::option::of(text()),
        prop_oneof![
            Just(None),
            (1u32..90).prop_map(|d| Some(MedicationDuration::Days(d)))
        ],
    )
        .prop_map(
            |(name, code, strength, instructions, renewals, notes, duration)| Medication {
                name,
                code,
                strength,
                instructions,
                duration,
                renewals,
                notes,
                stop: None,
            },
        );
    let prescription = (
        text(),
        day(),
        proptest::collection::vec(medication, 1..4),
        proptest::option::of(50_000u64..99_999),
    )
        .prop_map(|(name, date, medications, rpps)| {
            RecordBody::Prescription(Prescription {
                prescriber: Prescriber {
                    name,
                    specialty: None,
                    rpps: rpps.and_then(|n| {
                        (0..10).find_map(|d| Rpps::parse(&format!("10{n}{:03}{d}", n % 1000)).ok())
                    }),
                },
                date,
                medications,
                notes: None,
            })
        });
    let value = prop_oneof![
        (-1000.0f64..1000.0).prop_map(LabValue::Numeric),
        text().prop_map(LabValue::Text),
        // Bounds and intervals as importers write them, and near misses that stay text.
        "(<|<=|>=|>)-?[0-9]{1,3}(\\.[0-9]{1,2})?".prop_map(LabValue::Text),
        "[0-9]{1,2}(\\.[0-9]{1,2})?–[0-9]{1,3}(\\.[0-9])?".prop_map(LabValue::Text),
    ];
    let result = (
        text(),
        proptest::option::of("[0-9]{1,5}-[0-9]"),
        value,
        proptest::option::of(prop_oneof![
            Just("mmol/L"),
            Just("g/L"),
            Just("µmol/L"),
            Just("UI/L"),
            Just("G/L")
        ]),
        proptest::option::of((
            proptest::option::of(0.0f64..10.0),
            proptest::option::of(10.0f64..20.0),
            proptest::option::of(text()),
        )),
        any::<bool>(),
    )
        .prop_map(|(analyte, loinc, value, unit, range, abnormal)| {
            let unit = unit.map(str::to_owned);
            LabResult {
                analyte,
                loinc,
                value,
                unit,
                // An empty range is no range.
                reference_range: range
                    .filter(|(l, h, t)| l.is_some() || h.is_some() || t.is_some())
                    .map(|(low, high, text)| ReferenceRange { low, high, text }),
                abnormal,
            }
        });
    let lab = (text(), day(), proptest::collection::vec(result, 1..5)).prop_map(
        |(laboratory, collection_date, results)| {
            RecordBody::LabReport(LabReport {
                laboratory,
                collection_date,
                results,
            })
        },
    );
    let allergy = (
        text(),
        code(),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            Just(AllergySeverity::Mild),
            Just(AllergySeverity::Moderate),
            Just(AllergySeverity::Severe)
        ]),
        proptest::option::of(day()),
    )
        .prop_map(|(substance, code, reaction, severity, noted_on)| {
            RecordBody::Allergy(Allergy {
                substance,
                code,
                reaction,
                severity,
                noted_on,
            })
        });
    let condition = (
        text(),
        code(),
        any::<bool>(),
        proptest::option::of(day()),
        proptest::option::of(text()),
    )
        .prop_map(|(name, code, active, onset, notes)| {
            RecordBody::Condition(Condition {
                name,
                code,
                status: if active {
                    ConditionStatus::Active
                } else {
                    ConditionStatus::Resolved
                },
                onset,
                notes,
            })
        });
    let immunisation = (
        text(),
        code(),
        day(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(vaccine, code, date, dose, lot, administered_by)| {
            RecordBody::Immunisation(Immunisation {
                vaccine,
                code,
                date,
                dose,
                lot,
                administered_by,
            })
        });
    let letter = (
        text(),
        proptest::option::of(text()),
        day(),
        text(),
        "[a-zA-Zé .\n]{0,200}",
    )
        .prop_map(|(author, specialty, date, subject, body)| {
            RecordBody::Letter(Letter {
                author,
                specialty,
                date,
                subject,
                body,
            })
        });
    prop_oneof![prescription, lab, allergy, condition, immunisation, letter]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn an_export_read_back_gives_the_same_records(bodies in proptest::collection::vec(body(), 1..12)) {
        let now = now();
        let t = TestVault::new();
        let p = profile(&t, "1970-05-05");
        t.vault().add_records(bodies.iter().cloned().map(|b| NewRecord::entered(p.id, b)).collect()).unwrap();
        let doc = fhir::export_profile(t.vault(), &p.id, now).unwrap();
        let back = TestVault::new();
        let q = profile(&back, "1970-05-05");
        let report = import(&back, &q.id, doc.as_bytes()).unwrap();
        prop_assert!(report.skipped.is_empty(), "skipped {:?}", report.skipped);
        let mut original: Vec<String> = bodies.iter().map(|b| serde_json::to_string(b).unwrap()).collect();
        let mut read: Vec<String> = back.vault().records(Some(&q.id), None).unwrap().iter().map(|r| serde_json::to_string(&r.body).unwrap()).collect();
        original.sort();
        read.sort();
        prop_assert_eq!(original, read);
    }
}
