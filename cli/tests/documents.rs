//! Documents in and out, as a person would run them: `carnet export --ips` (a summary written
//! for the doctor's software), `carnet import FILE.json` (a bundle read back into another vault)
//! and `carnet import FILE.xml` (a laboratory's CDA report), with the report on screen and
//! nothing stored twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: &str = "une phrase de passe assez longue";

fn carnet(vault: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("CARNET_PASSPHRASE", PASS)
        .env_remove("CARNET_NEW_PASSPHRASE")
        .env_remove("CARNET_VAULT")
        .output()
        .unwrap()
}

fn ok(vault: &Path, args: &[&str]) -> String {
    let out = carnet(vault, args);
    assert!(
        out.status.success(),
        "carnet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn family(dir: &Path, name: &str) -> PathBuf {
    let vault = dir.join(name);
    ok(&vault, &["init"]);
    ok(
        &vault,
        &[
            "profile",
            "add",
            "--name",
            "Camille Martin",
            "--birth-date",
            "1966-03-14",
        ],
    );
    vault
}

#[test]
fn a_summary_exported_here_is_imported_there_once_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let mine = family(dir.path(), "mine.carnet");
    for (kind, file) in [
        ("prescription", "prescription.json"),
        ("lab", "lab_report.json"),
        ("letter", "letter.json"),
        ("allergy", "allergy.json"),
        ("condition", "condition.json"),
        ("immunisation", "immunisation.json"),
    ] {
        ok(&mine, &["add", kind, "--file", &example(file)]);
    }
    let ips = dir.path().join("summary.json");
    let said = ok(&mine, &["export", "--ips", "--out", ips.to_str().unwrap()]);
    assert!(said.contains("FHIR R4 IPS"), "{said}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&ips).unwrap()).unwrap();
    assert_eq!(doc["type"], "document");
    // Never over an existing file without --force.
    let again = carnet(&mine, &["export", "--ips", "--out", ips.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let refused = carnet(&mine, &["export", "--out", ips.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));

    let theirs = family(dir.path(), "theirs.carnet");
    let dry = ok(&theirs, &["import", ips.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("dry run, nothing stored"), "{dry}");
    assert!(!ok(&theirs, &["list"]).contains("Prescription"));
    let first = ok(&theirs, &["import", ips.to_str().unwrap()]);
    assert!(
        first.contains("Imported from a FHIR R4 Bundle (document)"),
        "{first}"
    );
    assert!(first.contains("6 new"), "{first}");
    assert!(first.contains("lab results"), "{first}");
    let list: serde_json::Value = serde_json::from_str(&ok(&theirs, &["--json", "list"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        6,
        "the two-line prescription is one prescription again"
    );
    for record in list {
        assert_eq!(record["provenance"]["source"], "imported_from_file");
        assert_eq!(record["provenance"]["file_name"], "summary.json");
    }
    let second = ok(&theirs, &["import", ips.to_str().unwrap()]);
    assert!(
        second.contains("0 new, 0 replaced by a newer version, 6 already here"),
        "{second}"
    );
    let report = ok(&theirs, &["--json", "import", ips.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["records_unchanged"], 6);
}

#[test]
fn a_hostile_bundle_is_refused_with_exit_5_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let vault = family(dir.path(), "v.carnet");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        br#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"DTP"},"occurrenceDateTime":"le 3 mai"}}]}"#,
    )
    .unwrap();
    let out = carnet(&vault, &["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("entry 0: occurrenceDateTime is not a FHIR date"),
        "{err}"
    );
    assert!(!err.contains("DTP"), "{err}");
    let list = ok(&vault, &["list"]);
    assert!(!list.contains("Immunisation"), "{list}");
}

#[test]
fn a_laboratorys_cda_report_and_a_medical_summary_are_imported_with_their_reports() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.carnet");
    ok(&vault, &["init"]);
    ok(
        &vault,
        &[
            "profile",
            "add",
            "--name",
            "Patiente",
            "--birth-date",
            "1979-03-28",
        ],
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/cda");
    let tsh = corpus.join("BIO-CR-BIO_2024.01_TSH_1.xml");
    assert!(tsh.is_file(), "{} is missing", tsh.display());
    let dry = ok(&vault, &["import", tsh.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("CDA R2 CR-BIO"), "{dry}");
    assert!(dry.contains("dry run, nothing stored"), "{dry}");
    let done = ok(&vault, &["import", tsh.to_str().unwrap()]);
    assert!(done.contains("2 lab results"), "{done}");
    let list: serde_json::Value = serde_json::from_str(&ok(&vault, &["--json", "list"])).unwrap();
    let report = &list.as_array().unwrap()[0];
    assert_eq!(report["body"]["kind"], "lab_report");
    assert_eq!(report["attachments"][0]["media_type"], "application/pdf");
    assert_eq!(report["provenance"]["document"]["format"], "CDA R2 CR-BIO");
    let vsm = carnet(
        &vault,
        &[
            "import",
            corpus.join("VSM_1.4_2022.01.xml").to_str().unwrap(),
        ],
    );
    // A medical summary: its problems and medications, and the rest of its text as a letter.
    assert!(
        vsm.status.success(),
        "{}",
        String::from_utf8_lossy(&vsm.stderr)
    );
    let vsm = String::from_utf8(vsm.stdout).unwrap();
    assert!(vsm.contains("CDA R2 VSM"), "{vsm}");
    assert!(vsm.contains("4 conditions"), "{vsm}");
    assert!(vsm.contains("2 medications"), "{vsm}");
    assert!(vsm.contains("Not imported"), "{vsm}");
    // Its problems show in the summary; its medications, listed in 2020 with no end, are no
    // longer counted as current six years on.
    let summary = ok(&vault, &["summary"]);
    assert!(summary.contains("Angine de poitrine instable"), "{summary}");
    assert!(summary.contains("Synthèse Médicale"), "{summary}");
    assert!(!summary.contains("PLAVIX"), "{summary}");
}

#[test]
fn a_cda_document_larger_than_any_input_held_in_memory_still_imports() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.carnet");
    ok(&vault, &["init"]);
    ok(
        &vault,
        &[
            "profile",
            "add",
            "--name",
            "Patiente",
            "--birth-date",
            "1979-03-28",
        ],
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/cda");
    let text = std::fs::read_to_string(corpus.join("BIO-CR-BIO_2024.01_TSH_1.xml")).unwrap();
    let open = r#"<value mediaType="application/pdf" representation="B64">"#;
    let start = text.find(open).unwrap() + open.len();
    let end = start + text[start..].find("</value>").unwrap();
    // 70 MiB of base64 ("QUJD" is "ABC"): more than the 64 MiB the program reads whole.
    let big = dir.path().join("big.xml");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    file.write_all(&text.as_bytes()[..start]).unwrap();
    let line = "QUJD".repeat(19);
    for _ in 0..(70 * 1024 * 1024 / 77) {
        file.write_all(line.as_bytes()).unwrap();
        file.write_all(b"\n").unwrap();
    }
    file.write_all(&text.as_bytes()[end..]).unwrap();
    drop(file);
    assert!(std::fs::metadata(&big).unwrap().len() > 64 * 1024 * 1024);
    let done = ok(&vault, &["import", big.to_str().unwrap()]);
    assert!(done.contains("2 lab results"), "{done}");
    let list: serde_json::Value = serde_json::from_str(&ok(&vault, &["--json", "list"])).unwrap();
    let size = list[0]["attachments"][0]["size"].as_u64().unwrap();
    assert_eq!(size, (70 * 1024 * 1024 / 77) as u64 * 19 * 3);
}
