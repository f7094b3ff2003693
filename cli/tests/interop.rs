//! Interop with tools not written here: QR codes written by `carnet` decode byte-exact with
//! ZBar (`zbarimg`) and ZXing (`zxing-cpp`), their text fed to `carnet receive --text` gives the
//! same summary as the image, and the printable page renders in headless Chromium without a
//! console error; an INS datamatrix drawn by ZXing-C++ is read by `carnet profile set-ins`.
//! `scripts/install-test-deps.sh` installs the tools; the test command runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

const PASS: &str = "demo: not a real passphrase";

fn carnet(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(args)
        .env("CARNET_VAULT", dir.join("demo.carnet"))
        .env("CARNET_PASSPHRASE", PASS)
        .env("CARNET_DOCTOR_STATE", dir.join("doctor"))
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = carnet(dir, args);
    assert!(
        out.status.success(),
        "carnet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn tool(cmd: &mut Command, name: &str) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{name} is missing ({e}); run scripts/install-test-deps.sh"));
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn zbar(png: &Path) -> Vec<u8> {
    // QR codes only, as a reader at the desk is set: with every symbology on, ZBar now and
    // then also finds an EAN-13 among a large code's modules (seen on a 595-character frame
    // of version 15). Binary mode writes each symbol's bytes as they are, with no newline
    // after them, so that EAN's digits came straight after the QR text.
    tool(
        Command::new("zbarimg")
            .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary"])
            .arg(png),
        "zbarimg",
    )
}

fn zxing(png: &Path) -> Vec<u8> {
    let script = "import sys, zxingcpp, PIL.Image\n\
                  codes = zxingcpp.read_barcodes(PIL.Image.open(sys.argv[1]))\n\
                  assert len(codes) == 1, len(codes)\n\
                  sys.stdout.buffer.write(codes[0].bytes)";
    tool(
        Command::new("python3").args(["-c", script]).arg(png),
        "python3 zxing-cpp",
    )
}

fn demo_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    ok(&dir, &["demo", "--out", dir.to_str().unwrap()]);
    (tmp, dir)
}

#[test]
fn codes_written_by_carnet_decode_byte_exact_with_zbar_and_zxing() {
    let (_tmp, dir) = demo_dir();
    let hello_png = dir.join("hello2.png");
    let hello: serde_json::Value = serde_json::from_slice(&ok(
        &dir,
        &[
            "--json",
            "doctor",
            "hello",
            "--out",
            hello_png.to_str().unwrap(),
        ],
    ))
    .unwrap();
    let hello_text = hello["hello"].as_str().unwrap().as_bytes().to_vec();
    assert_eq!(zbar(&hello_png), hello_text, "zbar: hello");
    assert_eq!(zxing(&hello_png), hello_text, "zxing: hello");

    let share_png = dir.join("share2.png");
    // Without the patient's choice, an unverified hello gets nothing.
    let refused = carnet(
        &dir,
        &[
            "share",
            "--profile",
            "Léa Martin",
            "--for",
            hello_png.to_str().unwrap(),
            "--out",
            share_png.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nothing was sealed"));
    assert!(!share_png.exists());
    let share: serde_json::Value = serde_json::from_slice(&ok(
        &dir,
        &[
            "--json",
            "share",
            // Léa's file holds nothing signed: her share is one code (Camille's carries the
            // cardiologist's proofs, in frames: the next test).
            "--profile",
            "Léa Martin",
            "--for",
            hello_png.to_str().unwrap(),
            // This hello has no certificate: the patient chose to share anyway.
            "--accept-unverified-doctor",
            "--out",
            share_png.to_str().unwrap(),
        ],
    ))
    .unwrap();
    let share_text = share["codes"][0].as_str().unwrap().to_owned();
    let from_zbar = zbar(&share_png);
    let from_zxing = zxing(&share_png);
    assert_eq!(from_zbar, share_text.as_bytes(), "zbar: share");
    assert_eq!(from_zxing, share_text.as_bytes(), "zxing: share");

    // The decoded text gives the same summary as the image.
    let from_image = ok(&dir, &["--json", "receive", share_png.to_str().unwrap()]);
    for decoded in [from_zbar, from_zxing] {
        let from_text = ok(
            &dir,
            &[
                "--json",
                "receive",
                "--text",
                std::str::from_utf8(&decoded).unwrap(),
            ],
        );
        assert_eq!(from_text, from_image);
    }

    let card_png = dir.join("card.png");
    let card: serde_json::Value = serde_json::from_slice(&ok(
        &dir,
        &[
            "--json",
            "emergency-card",
            "--profile",
            "Léa Martin",
            "--out",
            card_png.to_str().unwrap(),
        ],
    ))
    .unwrap();
    let card_text = card["text"].as_str().unwrap().as_bytes().to_vec();
    assert_eq!(zbar(&card_png), card_text, "zbar: emergency card");
    assert_eq!(zxing(&card_png), card_text, "zxing: emergency card");
    let checked: serde_json::Value = serde_json::from_slice(&ok(
        &dir,
        &["--json", "receive", card_png.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(checked["age_days"], 0);
}

#[test]
fn frames_decode_with_zbar_and_complete_through_receive_text() {
    let (_tmp, dir) = demo_dir();
    // Long letters with their full text make the share too big for one code.
    let letter = dir.join("letter.json");
    let body: String = (0..120u64)
        .map(|i| {
            format!(
                "Examen {i} de l'hospitalisation : mesure {} le jour {}. ",
                (i * 7_919) % 1_009,
                (i * 104_729) % 997
            )
        })
        .collect();
    std::fs::write(
        &letter,
        serde_json::json!({"kind": "letter", "author": "Dr Hôpital", "date": "2026-11-01", "subject": "Hospitalisation", "body": body}).to_string(),
    )
    .unwrap();
    ok(
        &dir,
        &[
            "add",
            "letter",
            "--profile",
            "Camille Martin",
            "--file",
            letter.to_str().unwrap(),
        ],
    );
    let frames_dir = dir.join("frames");
    let shared: serde_json::Value = serde_json::from_slice(&ok(
        &dir,
        &[
            "--json",
            "share",
            "--profile",
            "Camille Martin",
            "--open",
            "--letter-text",
            "--frames",
            frames_dir.to_str().unwrap(),
        ],
    ))
    .unwrap();
    let codes: Vec<String> = shared["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert!(codes.len() > 3, "expected frames, got {}", codes.len());
    let mut decoded = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let png = frames_dir.join(format!("frame-{:03}.png", i + 1));
        let text = zbar(&png);
        assert_eq!(text, code.as_bytes(), "frame {}", i + 1);
        decoded.push(String::from_utf8(text).unwrap());
    }
    // Every other frame dropped, the rest reversed: still complete.
    let mut args = vec!["--json".to_owned(), "receive".to_owned()];
    for (_, text) in decoded.iter().rev().enumerate().filter(|(i, _)| i % 4 != 1) {
        args.push("--text".into());
        args.push(text.clone());
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let received: serde_json::Value = serde_json::from_slice(&ok(&dir, &arg_refs)).unwrap();
    assert!(
        received["pack"]["letters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["body"]
                .as_str()
                .is_some_and(|b| b.contains("hospitalisation")))
    );
}

#[test]
fn printable_page_renders_in_headless_chromium_without_console_errors() {
    let (_tmp, dir) = demo_dir();
    let html = dir.join("summary.html");
    assert!(html.is_file());
    let shot = dir.join("summary-screenshot.png");
    let profile = dir.join("chromium-profile");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1100,1500",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| panic!("chromium is missing ({e}); run scripts/install-test-deps.sh"));
    assert!(out.status.success(), "chromium failed");
    let log = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Failed to load resource")
                || l.contains("Refused to")
        })
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot is {} bytes",
        png.len()
    );
    println!(
        "screenshot of the printable page: {} ({} bytes)",
        shot.display(),
        png.len()
    );
}

/// An INS datamatrix drawn by ZXing-C++ (`zxing-cpp`'s writer), as a PNG at `png`.
fn zxing_datamatrix(text: &str, png: &Path) {
    let script = "import sys, zxingcpp, PIL.Image\n\
                  code = zxingcpp.create_barcode(sys.argv[1], zxingcpp.BarcodeFormat.DataMatrix)\n\
                  img = zxingcpp.write_barcode_to_image(code, scale=5, add_quiet_zones=True)\n\
                  h, w = img.shape[:2]\n\
                  PIL.Image.frombytes('L', (w, h), bytes(memoryview(img))).save(sys.argv[2])";
    tool(
        Command::new("python3").args(["-c", script, text]).arg(png),
        "python3 zxing-cpp",
    );
}

#[test]
fn an_ins_datamatrix_drawn_by_zxing_is_read_confirmed_and_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["init"]);
    ok(
        dir,
        &[
            "profile",
            "add",
            "--name",
            "Sarah",
            "--birth-date",
            "1977-01-21",
        ],
    );
    let printed = "IS010000000000000000000000S1277010115400329S21.2.250.1.213.1.4.8\u{1d}S3SARAH-LOU ANNA\u{1d}S4GARCIA-HAMMADI\u{1d}S5FS621-01-1977S701154";
    let png = dir.join("ins.png");
    zxing_datamatrix(printed, &png);
    // Without a terminal to confirm on, and without --yes: shown, not stored.
    let asked = carnet(
        dir,
        &["profile", "set-ins", "--from-image", png.to_str().unwrap()],
    );
    assert_eq!(asked.status.code(), Some(2));
    let shown = String::from_utf8_lossy(&asked.stdout);
    assert!(shown.contains("2 77 01 01 154 003 29"), "{shown}");
    assert!(shown.contains("GARCIA-HAMMADI"), "{shown}");
    let profiles: serde_json::Value =
        serde_json::from_slice(&ok(dir, &["--json", "profile", "list"])).unwrap();
    assert!(profiles[0].get("ins").is_none());
    ok(
        dir,
        &[
            "profile",
            "set-ins",
            "--from-image",
            png.to_str().unwrap(),
            "--yes",
        ],
    );
    let profiles: serde_json::Value =
        serde_json::from_slice(&ok(dir, &["--json", "profile", "list"])).unwrap();
    assert_eq!(profiles[0]["ins"], "277010115400329");
    assert_eq!(profiles[0]["ins_origin"], "read_from_document");
    // A code whose key does not match its number is refused, and says why.
    let damaged = dir.join("damaged.png");
    zxing_datamatrix(&printed.replace("329S2", "328S2"), &damaged);
    let refused = carnet(
        dir,
        &[
            "profile",
            "set-ins",
            "--from-image",
            damaged.to_str().unwrap(),
            "--yes",
        ],
    );
    assert_eq!(refused.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("key does not match"));
}
