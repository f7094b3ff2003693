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
    // The cardiologist prescribes in his own name.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/prescription.json");
    let mut own: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    own["prescriber"] = serde_json::json!({
        "name": "Dr Karim Benali", "specialty": "cardiologie", "rpps": "10101234564"
    });
    let record = dir.join("prescription.json");
    std::fs::write(&record, own.to_string()).unwrap();
    let issue = |file: &Path, out: &str| {
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
                file.to_str().unwrap(),
                "--patient",
                "MARTIN Camille",
                "--patient-birth-date",
                "1966-03-14",
                "--out",
                dir.join(out).to_str().unwrap(),
            ],
        )
    };

    // The cardiologist's side.
    issue(&record, "signed.png");
    // The GP's prescription (examples/prescription.json, by Dr Anne Leroy) signed with the
    // cardiologist's certificate: it will be refused.
    issue(&example, "forged.png");
    // One code, or frames named -001, -002…
    let codes_of = |stem: &str| -> Vec<String> {
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name == format!("{stem}.png") || name.starts_with(&format!("{stem}-"))
            })
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        found.sort();
        found
    };
    let pngs = codes_of("signed");
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
    // The same record again adds nothing; the forged one is refused.
    let again = carnet(dir, &import);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already in the vault"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let mut forged_import = vec!["import".to_owned()];
    forged_import.extend(codes_of("forged"));
    let forged_args: Vec<&str> = forged_import.iter().map(String::as_str).collect();
    let forged = carnet(dir, &forged_args);
    assert_eq!(forged.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&forged.stderr).contains("not the one who signed it"),
        "{}",
        String::from_utf8_lossy(&forged.stderr)
    );

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
    // The signed prescription travels with its proof: frames.
    let frames = dir.join("share");
    let shared = ok(
        dir,
        &[
            "share",
            "--for",
            hello.to_str().unwrap(),
            "--frames",
            frames.to_str().unwrap(),
        ],
    );
    assert!(
        shared.contains("2 item(s) carry their practitioner's signature"),
        "{shared}"
    );
    let mut frame_files: Vec<String> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    frame_files.sort();
    assert!(shared.contains("Recipient: Karim Benali, Médecin, RPPS 10101234564, verified by AC RACINE IGC-SANTE TEST"), "{shared}");
    let log = ok(dir, &["log"]);
    assert!(
        log.contains("verified by AC RACINE IGC-SANTE TEST"),
        "{log}"
    );
    let frame_args: Vec<&str> = frame_files.iter().map(String::as_str).collect();
    let read = ok(
        dir,
        &[
            &["receive", "--state", dir.join("doctor").to_str().unwrap()][..],
            &frame_args,
        ]
        .concat(),
    );
    // Checked on the GP's device, against its own trust store (CARNET_TRUST_DIR).
    assert!(
        read.contains("signed by practitioner, verified here"),
        "{read}"
    );
    assert!(read.contains("[verified here] Karim Benali"), "{read}");

    // The GP's device signs an access receipt; the patient keeps it and lists who read what.
    let receipt = dir.join("receipt.png");
    ok(
        dir,
        &[
            &["receipt"][..],
            &frame_args,
            &[
                "--state",
                dir.join("doctor").to_str().unwrap(),
                "--cert",
                dir.join("cert.pem").to_str().unwrap(),
                "--key",
                dir.join("key.pem").to_str().unwrap(),
                "--out",
                receipt.to_str().unwrap(),
            ],
        ]
        .concat(),
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
    // An unsigned hello: nothing is sealed until the patient chooses to, then a warning and
    // the comparison code to check against the doctor's screen.
    let refused = carnet(
        dir,
        &[
            "share",
            "--for",
            plain.to_str().unwrap(),
            "--frames",
            dir.join("share2").to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(!dir.join("share2").exists());
    let warned = ok(
        dir,
        &[
            "share",
            "--for",
            plain.to_str().unwrap(),
            "--accept-unverified-doctor",
            "--frames",
            dir.join("share2").to_str().unwrap(),
        ],
    );
    assert!(warned.contains("WARNING: UNVERIFIED recipient"), "{warned}");
    assert!(warned.contains("Comparison code: "), "{warned}");
}

#[test]
fn a_receipt_from_a_self_made_certificate_cannot_rewrite_its_label() {
    // The attack: a certificate of one's own making, its name erasing the "NOT verified:"
    // prefix Carnet prints before it, and claiming an authority.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let root = pki::root();
    let mut params = pki::practitioner_params();
    params.distinguished_name.push(
        rcgen::DnType::CustomDnType(vec![2, 5, 4, 4]),
        "\u{1b}[2K\rKarim Benali, verified by AC RACINE IGC-SANTE",
    );
    let leaf = pki::leaf_with(params, &root);
    std::fs::write(dir.join("cert.pem"), &leaf.pem).unwrap();
    std::fs::write(dir.join("key.pem"), &leaf.key_pem).unwrap();
    ok(dir, &["init"]);
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
    let hello = dir.join("hello.png");
    let (state, cert, key) = (
        dir.join("doctor"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    let signed_hello = [
        "--state",
        state.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    ok(
        dir,
        &[
            &["doctor", "hello"][..],
            &signed_hello,
            &["--out", hello.to_str().unwrap()],
        ]
        .concat(),
    );
    let shared = ok(
        dir,
        &[
            "share",
            "--for",
            hello.to_str().unwrap(),
            "--accept-unverified-doctor",
            "--out",
            dir.join("share.png").to_str().unwrap(),
        ],
    );
    let receipt = dir.join("receipt.png");
    ok(
        dir,
        &[
            &["receipt", dir.join("share.png").to_str().unwrap()][..],
            &signed_hello,
            &["--out", receipt.to_str().unwrap()],
        ]
        .concat(),
    );
    let listed = ok(dir, &["receipts", "--add", receipt.to_str().unwrap()]);
    for out in [&shared, &listed] {
        assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out}");
    }
    // The warning stays first on the line, whatever the name holds.
    assert!(listed.contains("UTC  NOT verified: Karim "), "{listed}");
}

#[test]
fn the_trust_folder_keeps_every_anchor_and_skips_what_is_not_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let trust = dir.join("trust");
    let roots: Vec<_> = (0..3).map(|_| pki::root()).collect();
    for (i, root) in roots.iter().enumerate() {
        std::fs::write(dir.join(format!("root{i}.pem")), &root.pem).unwrap();
    }
    let add = |i: usize| {
        ok(
            dir,
            &[
                "trust",
                "add-anchor",
                dir.join(format!("root{i}.pem")).to_str().unwrap(),
            ],
        )
    };
    add(0);
    add(1);
    // The first one is removed by hand; adding the third must not replace the second.
    let first = std::fs::read_dir(&trust)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&first).unwrap();
    add(2);
    assert_eq!(std::fs::read_dir(&trust).unwrap().count(), 2);
    // A stray file is reported and skipped; the anchors still load.
    std::fs::write(trust.join("notes.pem"), "not a certificate").unwrap();
    let out = carnet(dir, &["trust", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("AC RACINE IGC-SANTE TEST")
            .count(),
        2
    );
}
