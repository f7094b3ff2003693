//! A cardiologist signs a prescription with `carnet practitioner issue`, the patient imports
//! it with `carnet import`, and it shows as verified; a record from an untrusted authority is
//! refused unless the patient accepts it as NOT verified.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_tests::pki;
use std::path::Path;
use std::process::{Command, Output};

const PASS: &str = "une phrase de passe assez longue";

fn carnet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(args)
        .env("CARNET_VAULT", dir.join("v.carnet"))
        .env("CARNET_PASSPHRASE", PASS)
        .env("CARNET_TRUST_DIR", dir.join("trust"))
        .env_remove("CARNET_NEW_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = carnet(dir, args);
    assert!(
        out.status.success(),
        "carnet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn signed_prescription_from_cardiologist_to_patient() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let leaf = pki::leaf(&inter);
    std::fs::write(dir.join("root.pem"), root.pem.clone() + &inter.pem).unwrap();
    std::fs::write(dir.join("cert.pem"), leaf.pem.clone() + &inter.pem).unwrap();
    std::fs::write(dir.join("key.pem"), &leaf.key_pem).unwrap();
    let record = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/prescription.json");

    // The cardiologist's side.
    ok(
        dir,
        &[
            "practitioner",
            "issue",
            "prescription",
            "--cert",
            dir.join("cert.pem").to_str().unwrap(),
            "--key",
            dir.join("key.pem").to_str().unwrap(),
            "--file",
            record.to_str().unwrap(),
            "--out",
            dir.join("signed.png").to_str().unwrap(),
        ],
    );
    let pngs: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("signed")
        })
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert!(!pngs.is_empty());

    // The patient's side, before trusting the authority: refused, then accepted as unverified.
    let init = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(["--vault", dir.join("v.carnet").to_str().unwrap(), "init"])
        .env("CARNET_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(init.status.success());
    ok(
        dir,
        &[
            "profile",
            "add",
            "--name",
            "Camille Martin",
            "--birth-date",
            "1966-03-14",
        ],
    );
    let mut import: Vec<&str> = vec!["import"];
    import.extend(pngs.iter().map(String::as_str));
    let refused = carnet(dir, &import);
    assert_eq!(
        refused.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no trusted authority"));

    ok(
        dir,
        &[
            "trust",
            "add-anchor",
            dir.join("root.pem").to_str().unwrap(),
        ],
    );
    assert!(ok(dir, &["trust", "list"]).contains("AC RACINE IGC-SANTE TEST"));
    let imported = ok(dir, &import);
    assert!(
        imported.contains("signed by practitioner, verified"),
        "{imported}"
    );
    assert!(
        imported.contains("Karim Benali, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"),
        "{imported}"
    );

    let summary = ok(dir, &["summary", "--as-of", "2026-11-28"]);
    assert!(summary.contains("[signed, verified]"), "{summary}");

    // The GP's device shows a signed hello; the patient sees who they share with, and the
    // audit log keeps it.
    let hello = dir.join("hello.png");
    ok(
        dir,
        &[
            "doctor",
            "hello",
            "--state",
            dir.join("doctor").to_str().unwrap(),
            "--cert",
            dir.join("cert.pem").to_str().unwrap(),
            "--key",
            dir.join("key.pem").to_str().unwrap(),
            "--out",
            hello.to_str().unwrap(),
        ],
    );
    let shared = ok(
        dir,
        &[
            "share",
            "--for",
            hello.to_str().unwrap(),
            "--out",
            dir.join("share.png").to_str().unwrap(),
        ],
    );
    assert!(shared.contains("Recipient: Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"), "{shared}");
    let log = ok(dir, &["log"]);
    assert!(
        log.contains("verified by AC RACINE IGC-SANTE TEST"),
        "{log}"
    );
    let read = ok(
        dir,
        &[
            "receive",
            "--state",
            dir.join("doctor").to_str().unwrap(),
            dir.join("share.png").to_str().unwrap(),
        ],
    );
    assert!(read.contains("signed by practitioner, verified"), "{read}");

    // The GP's device signs an access receipt; the patient keeps it and lists who read what.
    let receipt = dir.join("receipt.png");
    ok(
        dir,
        &[
            "receipt",
            dir.join("share.png").to_str().unwrap(),
            "--state",
            dir.join("doctor").to_str().unwrap(),
            "--cert",
            dir.join("cert.pem").to_str().unwrap(),
            "--key",
            dir.join("key.pem").to_str().unwrap(),
            "--out",
            receipt.to_str().unwrap(),
        ],
    );
    let listed = ok(dir, &["receipts", "--add", receipt.to_str().unwrap()]);
    assert!(
        listed.contains(
            "Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"
        ),
        "{listed}"
    );
    assert!(listed.contains("medications"), "{listed}");

    // An unsigned hello gets a warning.
    let plain = dir.join("plain-hello.png");
    ok(
        dir,
        &[
            "doctor",
            "hello",
            "--state",
            dir.join("doctor").to_str().unwrap(),
            "--out",
            plain.to_str().unwrap(),
        ],
    );
    let warned = ok(
        dir,
        &[
            "share",
            "--for",
            plain.to_str().unwrap(),
            "--out",
            dir.join("share2.png").to_str().unwrap(),
        ],
    );
    assert!(warned.contains("WARNING: UNVERIFIED recipient"), "{warned}");
}
