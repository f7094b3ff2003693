//! French CDA R2 documents in, checked against the ANS's published examples
//! (`../shared/corpus/cda`), read here with an XML parser of the test's own (roxmltree) rather
//! than the importer's code: every coded result's value, unit and code, the counts, the
//! embedded PDF byte for byte; and hostile documents refused whole.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::cda::{self, CdaError};
use carnet_core::import::{DocumentImportReport, ItemKind};
use carnet_core::model::*;
use carnet_core::vault::ImportOptions;
use carnet_tests::*;
use std::path::{Path, PathBuf};

const LAB_OBSERVATION: &str = "1.3.6.1.4.1.19376.1.3.1.6";

fn corpus(name: &str) -> PathBuf {
    let path = shared_dir().join("corpus/cda").join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

fn import(t: &TestVault, p: &ProfileId, path: &Path) -> Result<DocumentImportReport, CdaError> {
    cda::import_document(
        t.vault(),
        p,
        path,
        &ImportOptions::trusting_no_one(carnet_core::time::now()),
        false,
    )
}

/// The ClinicalDocument of a file, as roxmltree sees it.
fn clinical<'a>(doc: &'a roxmltree::Document<'a>) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("ClinicalDocument") || n.tag_name().name() == "ClinicalDocument")
        .unwrap()
}

/// A profile with the document's patient's birth date.
fn profile_for(t: &TestVault, doc: &roxmltree::Document<'_>) -> Profile {
    let birth = clinical(doc)
        .descendants()
        .find(|n| n.tag_name().name() == "birthTime")
        .and_then(|n| n.attribute("value"))
        .map(|v| chrono::NaiveDate::parse_from_str(&v[..8], "%Y%m%d").unwrap())
        .unwrap();
    t.vault()
        .add_profile(NewProfile::new("Patient", birth, Relationship::Owner))
        .unwrap()
}

fn has_template(n: roxmltree::Node<'_, '_>, root: &str) -> bool {
    n.children()
        .any(|c| c.tag_name().name() == "templateId" && c.attribute("root") == Some(root))
}

fn stored_results(t: &TestVault, p: &ProfileId) -> Vec<LabResult> {
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

fn attachment_bytes(t: &TestVault, p: &ProfileId) -> Option<Vec<u8>> {
    let record = t
        .vault()
        .records(Some(p), None)
        .unwrap()
        .into_iter()
        .find(|r| !r.attachments.is_empty())?;
    let mut out = Vec::new();
    t.vault()
        .read_attachment(&record.attachments[0].id, &mut out)
        .unwrap();
    Some(out)
}

fn base64(text: &str) -> Vec<u8> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    data_encoding::BASE64.decode(clean.as_bytes()).unwrap()
}

#[test]
fn every_lab_report_of_the_corpus_arrives_value_for_value_with_its_pdf() {
    let files = [
        "BIO-CR-BIO_2021.01_Auto-Presentable.xml",
        "BIO-CR-BIO_2024.01_CR-2nde-intention-PDF.xml",
        "BIO-CR-BIO_2024.01_CRP_non_LOINC.xml",
        "BIO-CR-BIO_2024.01_Glycemie_mole.xml",
        "BIO-CR-BIO_2024.01_Microbiologie_V2.xml",
        "BIO-CR-BIO_2024.01_TSH_1.xml",
        "BIO-CR-BIO_2024.01_TSH_2.xml",
        "BIO-TROD_2024.01_COVID-19.xml",
    ];
    let mut quantities = 0;
    for name in files {
        let path = corpus(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let xml = roxmltree::Document::parse(&text).unwrap();
        let t = TestVault::new();
        let p = profile_for(&t, &xml);
        let report = import(&t, &p.id, &path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let observations: Vec<_> = clinical(&xml)
            .descendants()
            .filter(|n| n.tag_name().name() == "observation" && has_template(*n, LAB_OBSERVATION))
            .collect();
        let skipped = report
            .skipped
            .iter()
            .filter(|s| s.item_type == "laboratory observation")
            .count() as u32;
        assert_eq!(
            report.count(ItemKind::LabResult) + skipped,
            observations.len() as u32,
            "{name}: every result stored or reported"
        );
        let stored = stored_results(&t, &p.id);
        assert_eq!(
            stored.len() as u32,
            report.count(ItemKind::LabResult),
            "{name}"
        );
        // Every quantity, with its unit and its LOINC code when it has one, arrived unchanged.
        for obs in &observations {
            let Some(value) = obs.children().find(|c| c.tag_name().name() == "value") else {
                continue;
            };
            let kind = value
                .attribute(("http://www.w3.org/2001/XMLSchema-instance", "type"))
                .map(|t| t.rsplit(':').next().unwrap_or(t));
            if kind != Some("PQ") {
                continue;
            }
            let Some(v) = value.attribute("value") else {
                continue;
            };
            let v: f64 = v.parse().unwrap();
            let unit = value.attribute("unit").filter(|u| *u != "1");
            let loinc = obs
                .children()
                .find(|c| c.tag_name().name() == "code")
                .filter(|c| c.attribute("codeSystem") == Some("2.16.840.1.113883.6.1"))
                .and_then(|c| c.attribute("code"));
            quantities += 1;
            assert!(
                stored.iter().any(|r| r.value == LabValue::Numeric(v)
                    && r.unit.as_deref() == unit
                    && r.loinc.as_deref() == loinc),
                "{name}: a coded result's value, unit or code changed"
            );
        }
        // The laboratory's PDF, byte for byte.
        let media = clinical(&xml)
            .descendants()
            .filter(|n| n.tag_name().name() == "observationMedia")
            .find_map(|m| m.children().find(|c| c.tag_name().name() == "value"));
        match media {
            Some(value) => {
                let expected = base64(value.text().unwrap_or(""));
                assert_eq!(
                    attachment_bytes(&t, &p.id).as_deref(),
                    Some(&expected[..]),
                    "{name}: PDF"
                );
            }
            None => assert!(attachment_bytes(&t, &p.id).is_none(), "{name}"),
        }
        // Imported as a document, never as verified.
        for r in t.vault().records(Some(&p.id), None).unwrap() {
            match r.provenance {
                Provenance::ImportedFromFile {
                    document: Some(d), ..
                } => {
                    assert!(d.format.starts_with("CDA R2"), "{name}");
                    assert!(d.id.is_some(), "{name}");
                }
                other => panic!("{name}: provenance {other:?}"),
            }
        }
        // Twice is once.
        let again = import(&t, &p.id, &path).unwrap();
        assert_eq!(
            (
                again.records_added,
                again.records_updated,
                again.records_unchanged
            ),
            (0, 0, 1),
            "{name}"
        );
    }
    assert!(
        quantities >= 8,
        "the corpus's quantities were compared ({quantities})"
    );
}

#[test]
fn a_level_one_document_keeps_its_file_and_a_discharge_letter_its_text() {
    let path = corpus("DOC_NON_STRUCTURE_CDA-R2-N1.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let xml = roxmltree::Document::parse(&text).unwrap();
    let t = TestVault::new();
    let p = profile_for(&t, &xml);
    let report = import(&t, &p.id, &path).unwrap();
    assert_eq!(report.count(ItemKind::Document), 1);
    let body = clinical(&xml)
        .descendants()
        .find(|n| n.tag_name().name() == "nonXMLBody")
        .and_then(|b| b.children().find(|c| c.tag_name().name() == "text"))
        .unwrap();
    assert_eq!(
        attachment_bytes(&t, &p.id).unwrap(),
        base64(body.text().unwrap())
    );

    let path = corpus("LDL-SES_2022.01.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let xml = roxmltree::Document::parse(&text).unwrap();
    let t = TestVault::new();
    let p = profile_for(&t, &xml);
    let report = import(&t, &p.id, &path).unwrap();
    assert_eq!(report.count(ItemKind::Letter), 1);
    let letter = t
        .vault()
        .records(Some(&p.id), Some(RecordKind::Letter))
        .unwrap();
    let RecordBody::Letter(l) = &letter[0].body else {
        panic!()
    };
    // Every section title of the document is in the letter's body.
    for section in clinical(&xml)
        .descendants()
        .filter(|n| n.tag_name().name() == "section")
    {
        if let Some(title) = section
            .children()
            .find(|c| c.tag_name().name() == "title")
            .and_then(|t| t.text())
        {
            let has_text = section
                .children()
                .find(|c| c.tag_name().name() == "text")
                .is_some_and(|t| {
                    t.descendants()
                        .any(|d| d.text().is_some_and(|x| !x.trim().is_empty()))
                });
            if has_text {
                assert!(
                    l.body.contains(title.trim()),
                    "a section is missing from the letter"
                );
            }
        }
    }
    assert!(!l.author.is_empty());
}

const PROBLEM_CONCERN: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5.2";
const ALLERGY_CONCERN: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5.3";
const MEDICATION: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.7";
const IMMUNISATION: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.12";

type Node<'a> = roxmltree::Node<'a, 'a>;

fn child<'a>(n: Node<'a>, name: &str) -> Option<Node<'a>> {
    n.children().find(|c| c.tag_name().name() == name)
}

fn at<'a>(n: Node<'a>, names: &[&str]) -> Option<Node<'a>> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

fn collapsed(n: Node<'_>) -> String {
    let text: String = n
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect::<Vec<_>>()
        .join(" ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every entry's act (`act`, `substanceAdministration`…) of every section.
fn entry_acts<'a>(doc: Node<'a>) -> Vec<Node<'a>> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == "section")
        .flat_map(|s| s.children().filter(|c| c.tag_name().name() == "entry"))
        .filter_map(|e| {
            e.children()
                .find(|c| c.is_element() && c.tag_name().name() != "templateId")
        })
        .collect()
}

fn bodies(t: &TestVault, p: &ProfileId, kind: RecordKind) -> Vec<RecordBody> {
    t.vault()
        .records(Some(p), Some(kind))
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn summaries_vaccinations_and_prescriptions_arrive_code_for_code() {
    for name in [
        "VSM_1.4_2022.01.xml",
        "IPS-FR_2024.01.xml",
        "VAC_2023.01.xml",
        "eP-MED-DM_2024.01_PosoStruct.xml",
        "eP-MED-DM_2024.01_PosoNonStruct.xml",
    ] {
        let path = corpus(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let xml = roxmltree::Document::parse(&text).unwrap();
        let doc = clinical(&xml);
        let prescription = name.starts_with("eP-MED");
        let t = TestVault::new();
        let p = profile_for(&t, &xml);
        let report = import(&t, &p.id, &path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let skipped = |item: &str| {
            report
                .skipped
                .iter()
                .filter(|s| s.item_type == item)
                .count()
        };
        let acts = entry_acts(doc);
        let what_happened = |a: &Node<'_>| a.attribute("moodCode") == Some("EVN") || prescription;

        // Problems: each one a condition with the problem's code, or listed as skipped.
        let problems: Vec<Node<'_>> = acts
            .iter()
            .copied()
            .filter(|a| a.tag_name().name() == "act" && has_template(*a, PROBLEM_CONCERN))
            .collect();
        let conditions = bodies(&t, &p.id, RecordKind::Condition);
        assert_eq!(
            conditions.len() + skipped("problem"),
            problems.len(),
            "{name}"
        );
        let xml_codes: Vec<String> = problems
            .iter()
            .filter_map(|a| a.descendants().find(|d| d.tag_name().name() == "value"))
            .filter_map(|v| v.attribute("code").map(str::to_owned))
            .collect();
        for c in &conditions {
            let RecordBody::Condition(c) = c else {
                panic!()
            };
            let code = c.code.as_ref().expect("a coded problem keeps its code");
            assert!(xml_codes.contains(&code.code), "{name}: {}", code.code);
        }

        // Allergies: the agent's code.
        let allergies: Vec<Node<'_>> = acts
            .iter()
            .copied()
            .filter(|a| a.tag_name().name() == "act" && has_template(*a, ALLERGY_CONCERN))
            .collect();
        let stored = bodies(&t, &p.id, RecordKind::Allergy);
        assert_eq!(stored.len() + skipped("allergy"), allergies.len(), "{name}");
        for a in &stored {
            let RecordBody::Allergy(a) = a else { panic!() };
            let code = &a.code.as_ref().unwrap().code;
            assert!(
                allergies.iter().any(|x| x
                    .descendants()
                    .any(|d| d.tag_name().name() == "playingEntity"
                        && child(d, "code").and_then(|c| c.attribute("code")) == Some(code))),
                "{name}: allergy {code}"
            );
        }

        // Immunisations given: the same (day, lot) pairs.
        let given: Vec<(String, Option<String>)> = acts
            .iter()
            .filter(|a| has_template(**a, IMMUNISATION) && a.attribute("moodCode") == Some("EVN"))
            .map(|a| {
                let day = child(*a, "effectiveTime")
                    .and_then(|e| e.attribute("value"))
                    .unwrap();
                let lot = at(
                    *a,
                    &["consumable", "manufacturedProduct", "manufacturedMaterial"],
                )
                .and_then(|m| child(m, "lotNumberText"))
                .map(collapsed)
                .filter(|l| !l.is_empty());
                (day.to_owned(), lot)
            })
            .collect();
        let stored: Vec<(String, Option<String>)> = bodies(&t, &p.id, RecordKind::Immunisation)
            .into_iter()
            .map(|b| match b {
                RecordBody::Immunisation(i) => {
                    let day = i.date.format("%Y%m%d").to_string();
                    (day, i.lot)
                }
                _ => panic!(),
            })
            .collect();
        // A year or a month alone ("1975") is stored as its first day.
        let given: Vec<_> = given
            .into_iter()
            .map(|(d, l)| {
                let day = match d.len() {
                    4 => format!("{d}0101"),
                    6 => format!("{d}01"),
                    _ => d[..8].to_owned(),
                };
                (day, l)
            })
            .collect();
        assert_eq!(sorted(stored), sorted(given), "{name}");

        // Medications: every line by its written name, its renewals and its end.
        let medications: Vec<Node<'_>> = acts
            .iter()
            .copied()
            .filter(|a| {
                a.tag_name().name() == "substanceAdministration"
                    && has_template(*a, MEDICATION)
                    && what_happened(a)
            })
            .collect();
        let lines: Vec<Medication> = bodies(&t, &p.id, RecordKind::Prescription)
            .into_iter()
            .flat_map(|b| match b {
                RecordBody::Prescription(p) => p.medications,
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(lines.len(), medications.len(), "{name}");
        assert_eq!(report.count(ItemKind::Medication) as usize, lines.len());
        for m in &medications {
            // The product's name, else (a compounded preparation has none) the narrative its
            // code points at.
            let material = at(
                *m,
                &["consumable", "manufacturedProduct", "manufacturedMaterial"],
            )
            .unwrap();
            let written = child(material, "name")
                .map(collapsed)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    let id = at(material, &["code", "originalText", "reference"])
                        .and_then(|r| r.attribute("value"))
                        .unwrap()
                        .trim_start_matches('#');
                    collapsed(
                        xml.descendants()
                            .find(|n| n.attribute("ID") == Some(id))
                            .unwrap(),
                    )
                });
            let line = lines
                .iter()
                .find(|l| l.name == written)
                .unwrap_or_else(|| panic!("{name}: {written} is missing"));
            let renewals = child(*m, "repeatNumber")
                .and_then(|r| r.attribute("value"))
                .map_or(0, |v| v.parse::<u8>().unwrap());
            assert_eq!(line.renewals, renewals, "{name}: {written}");
            let end = m
                .children()
                .filter(|c| c.tag_name().name() == "effectiveTime")
                .find_map(|e| child(e, "high"))
                .and_then(|h| h.attribute("value"))
                .map(|v| chrono::NaiveDate::parse_from_str(&v[..8], "%Y%m%d").unwrap());
            assert_eq!(
                line.duration,
                end.map(MedicationDuration::Until),
                "{name}: {written}"
            );
            assert!(
                !line.instructions.is_empty(),
                "{name}: {written} has no posology"
            );
        }

        // Whatever was not kept is listed with a reason; the counts are the records'.
        assert!(report.skipped.iter().all(|s| !s.reason.is_empty()));
        let records = t.vault().records(Some(&p.id), None).unwrap();
        assert_eq!(report.records_added as usize, records.len(), "{name}");
        let again = import(&t, &p.id, &path).unwrap();
        assert_eq!(
            (again.records_added, again.records_updated),
            (0, 0),
            "{name}"
        );
    }

    // An unstructured posology arrives as the prescriber wrote it.
    let path = corpus("eP-MED-DM_2024.01_PosoNonStruct.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let xml = roxmltree::Document::parse(&text).unwrap();
    let written = xml
        .descendants()
        .find(|n| n.attribute("ID") == Some("med-001-posologie"))
        .map(collapsed)
        .unwrap();
    let t = TestVault::new();
    let p = profile_for(&t, &xml);
    import(&t, &p.id, &path).unwrap();
    let RecordBody::Prescription(rx) = &bodies(&t, &p.id, RecordKind::Prescription)[0] else {
        panic!()
    };
    assert_eq!(rx.medications[0].instructions, written);
    assert_eq!(
        rx.prescriber.rpps.as_ref().map(|r| r.as_str()),
        Some("01234567897")
    );
}

#[test]
fn a_summary_keeps_the_text_of_sections_it_has_no_record_for() {
    let path = corpus("VSM_1.4_2022.01.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let xml = roxmltree::Document::parse(&text).unwrap();
    let t = TestVault::new();
    let p = profile_for(&t, &xml);
    let report = import(&t, &p.id, &path).unwrap();
    let letters = bodies(&t, &p.id, RecordKind::Letter);
    let [RecordBody::Letter(letter)] = letters.as_slice() else {
        panic!("one letter for the summary's narrative")
    };
    // A section of narrative only (family history is coded as an organizer Carnet does not
    // keep, occupational risks are text) is in the letter, word for word.
    for code in ["10157-6", "10161-8"] {
        let section = xml
            .descendants()
            .find(|n| {
                n.tag_name().name() == "section"
                    && child(*n, "code").and_then(|c| c.attribute("code")) == Some(code)
            })
            .unwrap();
        let words = collapsed(child(section, "text").unwrap());
        assert!(letter.body.contains(&words), "{code}: {words}");
    }
    assert!(report.skipped.iter().any(|s| s.item_type == "procedure"));
}

#[test]
fn a_document_of_another_volet_is_refused_by_name() {
    let text = std::fs::read_to_string(corpus("VSM_1.4_2022.01.xml")).unwrap();
    let other = text
        .replace("1.2.250.1.213.1.1.1.13", "1.2.250.1.213.1.1.1.99")
        .replacen(
            "<code code=\"SYNTH\" displayName=\"Synthèse\"",
            "<code code=\"XX\" displayName=\"Volet imaginaire\"",
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autre.xml");
    std::fs::write(&path, other).unwrap();
    let xml_text = std::fs::read_to_string(&path).unwrap();
    let xml = roxmltree::Document::parse(&xml_text).unwrap();
    let t = TestVault::new();
    let p = profile_for(&t, &xml);
    match import(&t, &p.id, &path) {
        Err(CdaError::UnsupportedVolet { volet }) => {
            assert!(volet.contains("Volet imaginaire"), "{volet}");
            assert!(volet.contains("1.2.250.1.213.1.1.1.99"), "{volet}");
        }
        other => panic!("{other:?}"),
    }
    assert!(t.vault().records(None, None).unwrap().is_empty());
}

/// A CR-BIO of our own, with `value` as the TSH and `version` as its version.
fn tsh_document(dir: &Path, version: u32, value: &str, effective: &str) -> PathBuf {
    let text = std::fs::read_to_string(corpus("BIO-CR-BIO_2024.01_TSH_1.xml")).unwrap();
    let text = text
        .replacen(
            "<versionNumber value=\"1\"/>",
            &format!("<versionNumber value=\"{version}\"/>"),
            1,
        )
        .replacen(
            "<effectiveTime value=\"20210401171000+0100\"/>",
            &format!("<effectiveTime value=\"{effective}\"/>"),
            1,
        )
        .replacen("value=\"1.950\"", &format!("value=\"{value}\""), 1);
    let path = dir.join(format!("tsh-v{version}.xml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_newer_version_of_a_document_replaces_the_older() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestVault::new();
    let p = t
        .vault()
        .add_profile(NewProfile::new(
            "Patient",
            date("1979-03-28"),
            Relationship::Owner,
        ))
        .unwrap();
    let v1 = tsh_document(dir.path(), 1, "1.950", "20210401171000+0100");
    assert_eq!(import(&t, &p.id, &v1).unwrap().records_added, 1);
    let v2 = tsh_document(dir.path(), 2, "2.450", "20210402090000+0100");
    let second = import(&t, &p.id, &v2).unwrap();
    assert_eq!((second.records_added, second.records_updated), (0, 1));
    let results = stored_results(&t, &p.id);
    assert_eq!(results.len(), 2);
    assert!(results.iter().any(|r| r.value == LabValue::Numeric(2.45)));
    assert!(!results.iter().any(|r| r.value == LabValue::Numeric(1.95)));
    // The older one arriving late changes nothing.
    let late = import(&t, &p.id, &v1).unwrap();
    assert_eq!((late.records_added, late.records_updated), (0, 0));
}

fn refused(xml: &str, expected: fn(&CdaError) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.xml");
    std::fs::write(&path, xml).unwrap();
    let t = TestVault::new();
    let p = t
        .vault()
        .add_profile(NewProfile::new(
            "Patient",
            date("1979-03-28"),
            Relationship::Owner,
        ))
        .unwrap();
    let err = import(&t, &p.id, &path).expect_err("a hostile document was accepted");
    assert!(expected(&err), "unexpected error: {err}");
    assert!(
        t.vault().records(None, None).unwrap().is_empty(),
        "half an import"
    );
}

#[test]
fn hostile_documents_are_refused_whole() {
    // XXE and entity expansion start with a DOCTYPE: refused before anything is read.
    refused(
        r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument>&x;</ClinicalDocument>"#,
        |e| matches!(e, CdaError::DocumentTypeDeclaration),
    );
    let laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">{}]><ClinicalDocument>&lol9;</ClinicalDocument>"#,
        (1..10)
            .map(|i| format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&lol{};", i - 1).repeat(10)
            ))
            .collect::<String>()
    );
    refused(&laughs, |e| matches!(e, CdaError::DocumentTypeDeclaration));
    refused("<ClinicalDocument>&nbsp;</ClinicalDocument>", |e| {
        matches!(e, CdaError::UndeclaredEntity)
    });
    refused(
        &format!("{}{}", "<a>".repeat(200), "</a>".repeat(200)),
        |e| matches!(e, CdaError::TooDeep { .. }),
    );
    refused("<ClinicalDocument><unclosed></ClinicalDocument>", |e| {
        matches!(e, CdaError::NotXml)
    });
    refused("<Bundle/>", |e| matches!(e, CdaError::NotCda));
    // A document with no volet Carnet knows.
    refused(
        r#"<ClinicalDocument><effectiveTime value="20240101"/><component><structuredBody/></component></ClinicalDocument>"#,
        |e| matches!(e, CdaError::UnsupportedVolet { .. }),
    );
    // A good CR-BIO with one malformed date: nothing is stored.
    let text = std::fs::read_to_string(corpus("BIO-CR-BIO_2024.01_TSH_1.xml")).unwrap();
    refused(
        &text.replacen(
            "<effectiveTime value=\"20140402145521+0200\"/>",
            "<effectiveTime value=\"le 2 avril\"/>",
            1,
        ),
        |e| {
            matches!(
                e,
                CdaError::Invalid {
                    field: "effectiveTime",
                    ..
                }
            )
        },
    );
    // A value that is not a number.
    refused(
        &text.replacen("value=\"1.950\"", "value=\"un virgule neuf\"", 1),
        |e| matches!(e, CdaError::Invalid { field: "value", .. }),
    );
    // Someone else's report.
    refused(
        &text.replacen(
            "<birthTime value=\"19790328\"/>",
            "<birthTime value=\"19800101\"/>",
            1,
        ),
        |e| {
            matches!(
                e,
                CdaError::OtherPatient {
                    differs: "birth date"
                }
            )
        },
    );
}
