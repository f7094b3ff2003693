//! The `carnet` program, run as a separate process each time, as a person or a script would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: &str = "une phrase de passe assez longue";

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("family.carnet")
    }

    fn carnet(&self, args: &[&str], passphrase: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carnet"));
        cmd.arg("--vault")
            .arg(self.vault())
            .args(args)
            .env_remove("CARNET_PASSPHRASE")
            .env_remove("CARNET_VAULT");
        cmd.env_remove("CARNET_NEW_PASSPHRASE")
            .env_remove("CARNET_RECOVERY_KEY");
        if let Some(p) = passphrase {
            cmd.env("CARNET_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.carnet(args, Some(PASS));
        assert!(
            out.status.success(),
            "carnet {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    fn init(&self) -> String {
        let v = self.json(&["init"]);
        v["recovery_key"].as_str().unwrap().to_owned()
    }

    /// A new vault holding one profile, the patient's.
    fn init_with_patient(&self) {
        self.init();
        self.ok(&[
            "profile",
            "add",
            "--name",
            "Camille Martin",
            "--birth-date",
            "1966-03-14",
        ]);
    }
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_record_added_in_one_process_is_read_in_another() {
    let run = Run::new();
    let recovery = run.init();
    assert_eq!(recovery.len(), 39);
    run.ok(&[
        "profile",
        "add",
        "--name",
        "Camille Martin",
        "--birth-date",
        "1966-03-14",
        "--blood-group",
        "A+",
    ]);
    run.ok(&[
        "add",
        "prescription",
        "--prescriber",
        "Dr Anne Leroy",
        "--drug",
        "Metformine",
        "--strength",
        "1000 mg",
        "--instructions",
        "1 cp matin et soir",
        "--days",
        "90",
        "--renewals",
        "3",
        "--date",
        "2026-11-01",
    ]);
    let list = run.ok(&["list"]);
    assert!(list.contains("Metformine"), "{list}");
    let summary = run.json(&["summary", "--as-of", "2026-11-28"]);
    assert_eq!(
        summary["current_medications"][0]["medication"]["name"],
        "Metformine"
    );
    assert_eq!(summary["profile"]["blood_group"], "A+");
}

#[test]
fn every_example_file_is_accepted() {
    let run = Run::new();
    run.init_with_patient();
    for (kind, file) in [
        ("prescription", "prescription.json"),
        ("lab", "lab_report.json"),
        ("letter", "letter.json"),
        ("allergy", "allergy.json"),
        ("condition", "condition.json"),
        ("immunisation", "immunisation.json"),
        ("document", "document.json"),
    ] {
        let record = run.json(&["add", kind, "--file", &example(file)]);
        assert_eq!(
            record["provenance"]["source"], "imported_from_file",
            "{file}"
        );
    }
    let records = run.json(&["list"]);
    assert_eq!(records.as_array().unwrap().len(), 7);
    let found = run.json(&["search", "bradycardie"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["body"]["kind"], "letter");
}

#[test]
fn wrong_passphrase_exits_3_and_says_so_in_one_line() {
    let run = Run::new();
    run.init();
    let out = run.carnet(&["list"], Some("not the right passphrase"));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out).trim(), "carnet: error: wrong passphrase");
    assert!(out.stdout.is_empty());
}

#[test]
fn passwd_changes_the_passphrase_and_the_recovery_key_still_opens() {
    let run = Run::new();
    let recovery = run.init();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carnet"));
    let out = cmd
        .arg("--vault")
        .arg(run.vault())
        .arg("passwd")
        .env("CARNET_PASSPHRASE", PASS)
        .env("CARNET_NEW_PASSPHRASE", "the new passphrase")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(run.carnet(&["list"], Some(PASS)).status.code(), Some(3));
    assert!(
        run.carnet(&["list"], Some("the new passphrase"))
            .status
            .success()
    );
    // Forgot it: reset through the recovery key.
    let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--vault")
        .arg(run.vault())
        .args(["passwd", "--recovery"])
        .env("CARNET_RECOVERY_KEY", recovery.to_lowercase())
        .env("CARNET_NEW_PASSPHRASE", "third passphrase here")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        run.carnet(&["list"], Some("third passphrase here"))
            .status
            .success()
    );
}

#[test]
fn bad_input_gives_a_one_line_error_without_echoing_content() {
    let run = Run::new();
    run.init_with_patient();
    let bad = run.dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"kind": "prescription", "prescriber": {"name": "Dr Secretname"}, "date": "2026-13-45", "medications": []}"#).unwrap();
    let out = run.carnet(
        &["add", "prescription", "--file", bad.to_str().unwrap()],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("does not match the record format"), "{err}");
    assert!(!err.contains("Secretname"));

    std::fs::write(&bad, "{ not json").unwrap();
    let out = run.carnet(
        &["add", "allergy", "--file", bad.to_str().unwrap()],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("is not valid JSON"));

    let out = run.carnet(
        &["add", "letter", "--file", &example("allergy.json")],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("holds a allergy, not a letter")
            || stderr(&out).contains("not a letter")
    );

    let out = run.carnet(
        &[
            "profile",
            "add",
            "--name",
            "X",
            "--birth-date",
            "2000-01-01",
            "--ins",
            "255081416802539",
        ],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("INS control key"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    let out = run.carnet(&["show", "ffffffff"], Some(PASS));
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn missing_and_newer_vaults_have_their_exit_codes() {
    let run = Run::new();
    let out = run.carnet(&["list"], Some(PASS));
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("no vault at"));
    run.init();
    rusqlite::Connection::open(run.vault())
        .unwrap()
        .pragma_update(None, "user_version", 42)
        .unwrap();
    let out = run.carnet(&["list"], Some(PASS));
    assert_eq!(out.status.code(), Some(7));
    assert!(stderr(&out).contains("newer version of Carnet"));
}

#[test]
fn attach_and_extract_round_trip() {
    let run = Run::new();
    run.init_with_patient();
    let scan = run.dir.path().join("irm.pdf");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&scan, &content).unwrap();
    let record = run.json(&[
        "add",
        "document",
        "--title",
        "IRM lombaire",
        "--date",
        "2026-07-07",
        "--attach",
        scan.to_str().unwrap(),
    ]);
    let attachment = record["attachments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(record["attachments"][0]["media_type"], "application/pdf");
    let out = run.dir.path().join("copy.pdf");
    run.ok(&["extract", &attachment, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), content);
    // Refuses to overwrite.
    assert_eq!(
        run.carnet(
            &["extract", &attachment, "--out", out.to_str().unwrap()],
            Some(PASS)
        )
        .status
        .code(),
        Some(5)
    );
}

#[test]
fn demo_builds_the_family_and_prints_the_adult_summary() {
    let run = Run::new();
    let dir = run.dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(["demo", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "CURRENT MEDICATIONS",
        "Bisoprolol 2,5 mg",
        "Hémoglobine glyquée",
        "was 7.4 %",
        "cardiologie",
        "2 with the cardiologist's signature; ",
        "frames to animate",
        "the cardiologist's signatures verified on the GP's device, against its own trust store: 2",
        "both screens show the comparison code ",
        "record by record: identical",
        "the cardiologist's 2 signed records verified again on the new phone",
        "[signed, verified]",
        "Camille's phone shows: Anne Leroy, Médecin, RPPS 10003456786, verified by AC RACINE CARNET DEMO",
        "the GP's signed receipt, kept in Camille's vault",
        "(FHIR R4 International Patient Summary)",
        "2 results imported from the document, not signature-verified",
        "[imported, not verified]",
        // The cardiologist's dose change, said as such, and the father's stopped drug.
        "changed from 5 mg, comprimé to 2,5 mg, comprimé on ",
        "by Dr Karim Benali (cardiologie) [signed, verified]",
        "Oméprazole stopped on ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The GP's IPS copy marks the same two items, and only them, as verified.
    let ips: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary-ips.json")).unwrap()).unwrap();
    let verified: Vec<&serde_json::Value> = ips["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["activity"]["coding"][0]["code"] == "practitioner-verified")
        .collect();
    assert_eq!(verified.len(), 1);
    assert_eq!(
        verified[0]["resource"]["target"].as_array().unwrap().len(),
        2
    );
    // The printable page marks the cardiologist's signed items as verified on the GP's
    // device (the letter and the dose change), lists both signatures, and the typed items not.
    let page = std::fs::read_to_string(dir.join("summary.html")).unwrap();
    assert_eq!(
        page.matches("src-verified\">signé par un praticien, vérifié sur ce poste</span></td>")
            .count()
            + page
                .matches("src-verified\">signé par un praticien, vérifié sur ce poste</span></p>")
                .count(),
        2,
        "the letter and the dose change"
    );
    assert_eq!(
        page.matches("vérifié sur ce poste</span> Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE CARNET DEMO").count(),
        2
    );
    assert!(page.contains("src-patient\">saisi par le patient"));
    // The doctor's page says the cardiologist changed the dose, from what to what.
    assert!(
        page.contains("Dose modifiée le ")
            && page
                .contains("par Dr Karim Benali (cardiologie) : 5 mg, comprimé → 2,5 mg, comprimé"),
        "the dose change is missing from the page"
    );
    assert!(
        !text.contains("Bisoprolol 5 mg"),
        "the cardiologist's dose change must win"
    );

    let summary = |profile: &str| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--vault")
            .arg(dir.join("demo.carnet"))
            .args(["--json", "summary", "--profile", profile])
            .env("CARNET_PASSPHRASE", "demo: not a real passphrase")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let adult = summary("Camille Martin");
    let meds = adult["current_medications"].as_array().unwrap().len();
    assert!(
        (4..=6).contains(&meds),
        "adult has {meds} current medications"
    );
    let analytes: Vec<_> = adult["lab_trends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["analyte"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "HbA1c",
        "Créatinine",
        "DFG",
        "Potassium",
        "LDL",
        "TSH",
        "Ferritine",
    ] {
        assert!(
            analytes.iter().any(|x| x.contains(a)),
            "{a} missing from {analytes:?}"
        );
    }
    assert!(
        adult["lab_trends"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["latest"]["provenance"]["source"] != "imported_from_file")
            .all(|t| t["previous"].as_array().unwrap().len() == 2)
    );
    let child = summary("Léa Martin");
    assert_eq!(child["allergies"][0]["item"]["substance"], "Arachide");
    let parent = summary("jean martin");
    assert!(parent["current_medications"].as_array().unwrap().len() >= 8);
    // The stopped drug left the current list; its history ends with the stop.
    assert!(
        parent["current_medications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["medication"]["name"] != "Oméprazole")
    );
    let omeprazole = parent["medication_history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Oméprazole")
        .unwrap();
    let stop = omeprazole["events"].as_array().unwrap().last().unwrap();
    assert_eq!(stop["change"]["event"], "stopped");
    let stop_day: chrono::NaiveDate = stop["date"].as_str().unwrap().parse().unwrap();
    // "Since" at its boundaries: the stop's own day shows it, the day after shows nothing.
    let since = |day: chrono::NaiveDate| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .arg("--vault")
            .arg(dir.join("demo.carnet"))
            .args(["summary", "--profile", "Jean Martin", "--since"])
            .arg(day.to_string())
            .env("CARNET_PASSPHRASE", "demo: not a real passphrase")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let on_the_day = since(stop_day);
    let section = on_the_day
        .split("\n\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(section.starts_with("SINCE "), "{on_the_day}");
    assert!(section.contains("Oméprazole"), "{section}");
    assert!(section.contains("stopped (8 semaines"), "{section}");
    let after = since(stop_day + chrono::Days::new(1));
    assert!(after.contains("nothing new, changed or stopped"), "{after}");
    // Everything since long ago: the first prescriptions are there as starts.
    assert!(
        since(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
            .contains("Apixaban                           started on")
    );

    // A second demo into the same place is refused rather than overwriting.
    let again = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(["demo", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(5));
}

#[test]
fn no_passphrase_and_no_terminal_is_a_usage_error_not_a_hang() {
    let run = Run::new();
    run.init();
    let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--vault")
        .arg(run.vault())
        .arg("list")
        .env_remove("CARNET_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("CARNET_PASSPHRASE"));
}

fn carnet_env(run: &Run, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carnet"));
    cmd.arg("--vault").arg(run.vault()).args(args);
    for var in [
        "CARNET_PASSPHRASE",
        "CARNET_VAULT",
        "CARNET_NEW_PASSPHRASE",
        "CARNET_RECOVERY_KEY",
        "CARNET_BACKUP_PASSPHRASE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null()).output().unwrap()
}

#[test]
fn backup_restore_merge_recovery_sheet_and_erase() {
    let run = Run::new();
    let recovery = run.init();
    run.ok(&[
        "profile",
        "add",
        "--name",
        "Camille Martin",
        "--birth-date",
        "1966-03-14",
    ]);
    run.ok(&[
        "add",
        "allergy",
        "--substance",
        "Pénicilline",
        "--severity",
        "severe",
    ]);
    let archive = run.dir.path().join("family.carnet-backup");
    let archive_s = archive.to_str().unwrap();

    // Backup with the recovery key; a wrong key is refused with exit 3.
    let out = carnet_env(
        &run,
        &["backup", "--out", archive_s],
        &[
            ("CARNET_PASSPHRASE", PASS),
            (
                "CARNET_RECOVERY_KEY",
                "0000-0000-0000-0000-0000-0000-0000-0000",
            ),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = carnet_env(
        &run,
        &["backup", "--out", archive_s],
        &[
            ("CARNET_PASSPHRASE", PASS),
            ("CARNET_RECOVERY_KEY", &recovery),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // Restore on a "new phone".
    let new_vault = run.dir.path().join("new.carnet");
    let out = carnet_env(
        &run,
        &[
            "--json",
            "restore",
            archive_s,
            "--into",
            new_vault.to_str().unwrap(),
        ],
        &[
            ("CARNET_RECOVERY_KEY", &recovery),
            ("CARNET_NEW_PASSPHRASE", "new phone passphrase"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let restored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(restored["report"]["records_added"], 1);
    assert_eq!(restored["recovery_key"].as_str().unwrap().len(), 39);
    let list = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(["--vault", new_vault.to_str().unwrap(), "--json", "list"])
        .env("CARNET_PASSPHRASE", "new phone passphrase")
        .output()
        .unwrap();
    let records: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(records[0]["body"]["substance"], "Pénicilline");

    // A passphrase-protected handover merged into the new vault: nothing duplicated.
    let handover = run.dir.path().join("handover.carnet-backup");
    let out = carnet_env(
        &run,
        &[
            "backup",
            "--passphrase",
            "--out",
            handover.to_str().unwrap(),
        ],
        &[
            ("CARNET_PASSPHRASE", PASS),
            ("CARNET_BACKUP_PASSPHRASE", "handover passphrase"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = carnet_env(
        &run,
        &[
            "--json",
            "restore",
            handover.to_str().unwrap(),
            "--merge",
            "--passphrase",
            "--into",
            new_vault.to_str().unwrap(),
        ],
        &[
            ("CARNET_PASSPHRASE", "new phone passphrase"),
            ("CARNET_BACKUP_PASSPHRASE", "handover passphrase"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            report["records_added"].as_u64(),
            report["records_skipped"].as_u64()
        ),
        (Some(0), Some(1))
    );

    // The recovery sheet: the key, no health data.
    let sheet = run.dir.path().join("sheet.html");
    let out = carnet_env(
        &run,
        &["recovery-sheet", "--out", sheet.to_str().unwrap()],
        &[
            ("CARNET_PASSPHRASE", PASS),
            ("CARNET_RECOVERY_KEY", &recovery),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&sheet).unwrap();
    assert!(page.contains(&recovery) && !page.contains("Pénicilline") && !page.contains("Camille"));

    // Erase needs a confirmation; then nothing is left.
    let out = carnet_env(&run, &["erase"], &[("CARNET_PASSPHRASE", PASS)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(run.vault().exists());
    let out = carnet_env(&run, &["erase", "--yes"], &[("CARNET_PASSPHRASE", PASS)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!run.vault().exists());
    assert!(!Path::new(&format!("{}-wal", run.vault().display())).exists());
}

#[test]
fn help_prints_every_exit_code_once_and_they_are_the_codes_used() {
    let run = Run::new();
    let help = run.ok(&["--help"]);
    let table: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let codes: Vec<u8> = table
        .iter()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(codes, (0..=8).collect::<Vec<u8>>(), "{help}");
    // The table says what the program does: a wrong passphrase is 3, a missing vault 4.
    assert!(table.iter().any(|l| l.starts_with("  3  wrong passphrase")));
    assert_eq!(run.carnet(&["list"], Some(PASS)).status.code(), Some(4));
    assert!(table.iter().any(|l| l.starts_with("  4  vault, profile")));
}

#[test]
fn escape_sequences_in_a_record_and_a_share_print_inert() {
    let run = Run::new();
    run.init();
    run.ok(&[
        "profile",
        "add",
        "--name",
        "Camille\u{1b}]0;pwned\u{7} Martin",
        "--birth-date",
        "1966-03-14",
    ]);
    // A record that tries to erase its own line and claim a signature, and to hide text with
    // a right-to-left override.
    let record = run.dir.path().join("hostile.json");
    std::fs::write(
        &record,
        serde_json::json!({
            "kind": "allergy",
            "substance": "Arachide\u{1b}[2K\r  Aspirine [signed, verified]",
            "reaction": "\u{202e}sixalyhpana",
            "severity": "mild"
        })
        .to_string(),
    )
    .unwrap();
    run.ok(&["add", "allergy", "--file", record.to_str().unwrap()]);
    let share = run.json(&["share", "--open"]);
    let code = share["codes"][0].as_str().unwrap().to_owned();
    let outputs = [
        run.ok(&["list"]),
        run.ok(&["summary"]),
        run.ok(&["log"]),
        run.ok(&["profile", "list"]),
        run.ok(&["receive", "--text", &code]),
    ];
    for out in &outputs {
        for c in ['\u{1b}', '\r', '\u{7}', '\u{202e}'] {
            assert!(!out.contains(c), "{c:?} reached the terminal:\n{out}");
        }
    }
    let received = &outputs[4];
    assert!(received.contains("Arachide\\u{1b}[2K\\u{d}  Aspirine [signed, verified]"));
    // The label the reader puts there is still its own, after the content.
    assert!(received.contains("[imported from file]"), "{received}");
}

/// The mode bits of a file or directory.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
#[test]
fn outputs_are_private_never_overwrite_and_never_follow_links() {
    let run = Run::new();
    let dir = run.dir.path();
    run.init_with_patient();
    run.ok(&["add", "allergy", "--file", &example("allergy.json")]);
    assert_eq!(mode(&run.vault()), 0o600, "the vault");

    // Written private.
    let card = dir.join("card.png");
    run.ok(&["emergency-card", "--out", card.to_str().unwrap()]);
    let share = dir.join("share.png");
    let shared = run.json(&["share", "--open", "--out", share.to_str().unwrap()]);
    let code = shared["codes"][0].as_str().unwrap().to_owned();
    let page = dir.join("page.html");
    run.ok(&["receive", "--text", &code, "--html", page.to_str().unwrap()]);
    for file in [&card, &share, &page] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // An existing file, and a link to someone else's file, are refused and left as they were.
    let theirs = dir.join("theirs.txt");
    std::fs::write(&theirs, "not Carnet's").unwrap();
    let link = dir.join("link.png");
    std::os::unix::fs::symlink(&theirs, &link).unwrap();
    for target in [&card, &link] {
        let out = run.carnet(
            &["emergency-card", "--out", target.to_str().unwrap()],
            Some(PASS),
        );
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
        let out = run.carnet(
            &[
                "receive",
                "--text",
                &code,
                "--html",
                target.to_str().unwrap(),
            ],
            Some(PASS),
        );
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "not Carnet's");
    // --force replaces the link itself, never what it points to.
    run.ok(&["--force", "emergency-card", "--out", link.to_str().unwrap()]);
    assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "not Carnet's");

    // A frames directory is Carnet's own: a new share replaces every frame of the last one;
    // one that holds anything else is refused.
    let letter = dir.join("letter.json");
    let body: String = (0..120u64)
        .map(|i| {
            format!(
                "Examen {i} : mesure {} le jour {}. ",
                (i * 7_919) % 1_009,
                (i * 104_729) % 997
            )
        })
        .collect();
    std::fs::write(
        &letter,
        serde_json::json!({"kind": "letter", "author": "Dr H", "date": "2026-11-01", "subject": "S", "body": body}).to_string(),
    )
    .unwrap();
    run.ok(&["add", "letter", "--file", letter.to_str().unwrap()]);
    let frames = dir.join("frames");
    let big = run.json(&[
        "share",
        "--open",
        "--letter-text",
        "--frames",
        frames.to_str().unwrap(),
    ]);
    let many = big["codes"].as_array().unwrap().len();
    assert!(many > 2);
    assert_eq!(mode(&frames), 0o700);
    let small = run.json(&["share", "--open", "--frames", frames.to_str().unwrap()]);
    let now: Vec<_> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        now.len(),
        small["codes"].as_array().unwrap().len() + 1,
        "{now:?}"
    );
    std::fs::write(frames.join("notes.txt"), "mine").unwrap();
    let out = run.carnet(
        &["share", "--open", "--frames", frames.to_str().unwrap()],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(frames.join("notes.txt").exists());

    // The doctor's state directory: an existing one keeps its mode, and nothing of anyone
    // else's in it is read or deleted.
    let state = dir.join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    run.ok(&["doctor", "hello", "--state", state.to_str().unwrap()]);
    assert_eq!(mode(&state), 0o1777);
    std::fs::write(state.join("session-notes.txt"), "mine").unwrap();
    let _ = run.carnet(
        &[
            "receive",
            "--state",
            state.to_str().unwrap(),
            "--text",
            &code,
        ],
        Some(PASS),
    );
    assert!(state.join("session-notes.txt").exists());
    let out = run.carnet(
        &["doctor", "hello", "--state", state.to_str().unwrap()],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}

#[test]
fn wrapped_durations_blank_passphrases_and_endless_files_are_refused() {
    let run = Run::new();
    // 307445734561825861 minutes wraps to 44 seconds in 64 bits.
    run.init_with_patient();
    let out = run.carnet(
        &["share", "--open", "--expires", "307445734561825861m"],
        Some(PASS),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run.carnet(&["doctor", "hello", "--minutes", "99999999999"], Some(PASS));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // Passphrases that are not there.
    for blank in [
        "            ",
        "\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}",
        "\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
    ] {
        let other = Run::new();
        let out = carnet_env(&other, &["init"], &[("CARNET_NEW_PASSPHRASE", blank)]);
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        assert!(stderr(&out).contains("invisible"), "{}", stderr(&out));
        assert!(!other.vault().exists());
    }
    // `init` reads the variable its help names.
    let other = Run::new();
    let out = carnet_env(&other, &["init"], &[("CARNET_NEW_PASSPHRASE", PASS)]);
    assert!(out.status.success(), "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carnet"));
        let out = cmd
            .arg("--vault")
            .arg(other.vault())
            .arg("list")
            .env(
                "CARNET_PASSPHRASE",
                std::ffi::OsStr::from_bytes(b"\xff\xfe not utf-8"),
            )
            .output()
            .unwrap();
        assert!(
            stderr(&out).contains("CARNET_PASSPHRASE is not valid UTF-8"),
            "{}",
            stderr(&out)
        );

        // A device that never ends is not a file to attach.
        let list = run.json(&["list"]);
        assert!(list.as_array().unwrap().is_empty());
        run.ok(&["add", "allergy", "--file", &example("allergy.json")]);
        let id = run.json(&["list"])[0]["id"].as_str().unwrap().to_owned();
        let out = run.carnet(&["attach", "--record", &id, "/dev/zero"], Some(PASS));
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
}

#[cfg(unix)]
#[test]
fn erase_through_a_link_destroys_the_vault_it_points_to() {
    let run = Run::new();
    run.init();
    let link = run.dir.path().join("link.carnet");
    std::os::unix::fs::symlink(run.vault(), &link).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .arg("--vault")
        .arg(&link)
        .args(["erase", "--yes"])
        .env("CARNET_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!run.vault().exists(), "the vault itself is gone");
    assert!(std::fs::symlink_metadata(&link).is_err(), "and the link");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// The terminal's summary and its reading of a share show each strength as recorded (the
    /// card, the pack and the page are checked the same way in `tests/tests/views.rs`).
    #[test]
    fn the_terminal_shows_a_strength_verbatim(
        strengths in proptest::collection::vec(
            proptest::prop_oneof![
                "[0-9]{1,4}(,[0-9]{1,3})? (mg|µg|UI|ml)(, (comprimé|gélule))?",
                "[^;\\p{C}\\s][^;\\p{C}]{0,20}[^;\\p{C}\\s]",
            ],
            1..5,
        ),
    ) {
        let run = Run::new();
        run.init();
        run.ok(&["profile", "add", "--name", "Camille Martin", "--birth-date", "1966-03-14"]);
        let name = |i: usize| format!("Médicament {}", char::from(b'A' + i as u8));
        let medications: Vec<serde_json::Value> = strengths
            .iter()
            .enumerate()
            .map(|(i, s)| serde_json::json!({
                "name": name(i),
                "strength": s,
                "instructions": "1 par jour",
                "duration": { "days": 90 },
            }))
            .collect();
        let file = run.dir.path().join("prescription.json");
        let today = chrono::Utc::now().date_naive().to_string();
        std::fs::write(
            &file,
            serde_json::json!({
                "kind": "prescription",
                "prescriber": { "name": "Dr Anne Leroy" },
                "date": today,
                "medications": medications,
            })
            .to_string(),
        )
        .unwrap();
        run.ok(&["add", "prescription", "--file", file.to_str().unwrap()]);
        let summary = run.ok(&["summary"]);
        let share = run.json(&["share", "--open"]);
        let code = share["codes"][0].as_str().unwrap().to_owned();
        let received = run.ok(&["receive", "--text", &code]);
        for (i, s) in strengths.iter().enumerate() {
            let shown = format!("{} {s}", name(i));
            proptest::prop_assert!(summary.contains(&shown), "summary altered strength {}", i);
            proptest::prop_assert!(received.contains(&shown), "reading altered strength {}", i);
        }
    }
}

#[test]
fn the_summary_shows_the_three_latest_letters_and_says_how_many_more() {
    let run = Run::new();
    run.init_with_patient();
    for (i, day) in [
        "2026-09-01",
        "2026-10-01",
        "2026-10-15",
        "2026-11-01",
        "2026-11-10",
    ]
    .iter()
    .enumerate()
    {
        let file = run.dir.path().join(format!("letter-{i}.json"));
        std::fs::write(
            &file,
            serde_json::json!({"kind": "letter", "author": format!("Dr Lettre{i}"),
                               "date": day, "subject": "Suivi", "body": "Texte."})
            .to_string(),
        )
        .unwrap();
        run.ok(&["add", "letter", "--file", file.to_str().unwrap()]);
    }
    let summary = run.ok(&["summary", "--as-of", "2026-11-28"]);
    for shown in ["Dr Lettre4", "Dr Lettre3", "Dr Lettre2"] {
        assert!(summary.contains(shown), "{shown} missing:\n{summary}");
    }
    assert!(!summary.contains("Dr Lettre1") && !summary.contains("Dr Lettre0"));
    assert!(
        summary.contains("… and 2 earlier letters (carnet list --kind letter)"),
        "{summary}"
    );
}
