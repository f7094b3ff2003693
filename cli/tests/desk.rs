//! The consultation desk end to end, as a GP meets it: `carnet desk` runs as its own process,
//! the patient's shares are made by `carnet share` sealed to the hello the desk shows, and
//! Debian's headless Chromium, driven through `playwright-core` (`desk/drive.cjs`), reads them
//! the three ways a desk PC can: a webcam (Chromium's fake camera playing a video made here
//! from the PNGs `carnet share` wrote), a keyboard-wedge scanner typing on an AZERTY layout,
//! and an image file. Also: an expired share and one sealed to another desk each get their own
//! message; requests from another site, with a foreign Host or without the token are refused;
//! no request leaves 127.0.0.1. `scripts/install-test-deps.sh` installs Chromium and
//! playwright-core; without them these tests fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PASS: &str = "une phrase de passe assez longue";

/// A patient's vault, made and used through `carnet` as a person would.
struct Patient {
    dir: tempfile::TempDir,
}

impl Patient {
    fn carnet(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .args(args)
            .env("CARNET_VAULT", self.dir.path().join("family.carnet"))
            .env("CARNET_PASSPHRASE", PASS)
            .env("CARNET_TRUST_DIR", self.dir.path().join("trust"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "carnet {:?}: {}",
            args.first(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn new() -> Self {
        let patient = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        patient.carnet(&["init"]);
        patient.carnet(&[
            "profile",
            "add",
            "--name",
            "Camille Martin",
            "--birth-date",
            "1966-03-14",
            "--blood-group",
            "A+",
        ]);
        let today = chrono::Utc::now().date_naive();
        let prescription = serde_json::json!({
            "kind": "prescription",
            "prescriber": { "name": "Dr Anne Leroy", "specialty": "médecine générale" },
            "date": (today - chrono::Days::new(20)).to_string(),
            "medications": [
                { "name": "Metformine", "strength": "1000 mg, comprimé",
                  "instructions": "1 comprimé matin et soir", "duration": { "days": 90 } },
                { "name": "Bisoprolol", "strength": "2,5 mg",
                  "instructions": "1 comprimé le matin", "duration": { "days": 90 } }
            ]
        });
        // A long letter, of text that does not compress away: with it, the share needs
        // several frames.
        let mut body = String::from("Je réduis le bisoprolol de 5 mg à 2,5 mg le matin. ");
        for i in 0u32..120 {
            let (s, d, p) = (105 + i * 7 % 43, 58 + i * 5 % 31, 48 + i * 11 % 37);
            body.push_str(&format!(
                "Mesure {i} : tension {s}/{d} mmHg, pouls {p}/min. "
            ));
        }
        let letter = serde_json::json!({
            "kind": "letter", "author": "Dr Karim Benali", "specialty": "cardiologie",
            "date": (today - chrono::Days::new(10)).to_string(),
            "subject": "Consultation de cardiologie", "body": body
        });
        for (name, record) in [("prescription", prescription), ("letter", letter)] {
            let file = patient.dir.path().join(format!("{name}.json"));
            std::fs::write(&file, record.to_string()).unwrap();
            patient.carnet(&["add", name, "--file", file.to_str().unwrap()]);
        }
        let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/lab_report.json");
        patient.carnet(&["add", "lab", "--file", lab.to_str().unwrap()]);
        patient
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A share sealed to `hello`, as one PNG.
    fn share_png(&self, hello: &str, name: &str, extra: &[&str]) -> PathBuf {
        let png = self.path(name);
        let mut args = vec![
            "share",
            "--for-text",
            hello,
            "--accept-unverified-doctor",
            "--out",
            png.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.carnet(&args);
        png
    }

    /// A share sealed to `hello`, with the letters' text: the PNGs of its frames.
    fn share_frames(&self, hello: &str) -> Vec<PathBuf> {
        let dir = self.path("frames");
        self.carnet(&[
            "share",
            "--for-text",
            hello,
            "--accept-unverified-doctor",
            "--letter-text",
            "--frames",
            dir.to_str().unwrap(),
        ]);
        let mut pngs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pngs.sort();
        pngs
    }

    /// A share sealed to `hello`, as the text a scanner reads.
    fn share_text(&self, hello: &str) -> String {
        let out = self.carnet(&[
            "--json",
            "share",
            "--for-text",
            hello,
            "--accept-unverified-doctor",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let codes = v["codes"].as_array().unwrap();
        assert_eq!(codes.len(), 1, "a scanner reads a one-code share");
        codes[0].as_str().unwrap().to_owned()
    }
}

/// `carnet desk --no-browser`, stopped when dropped.
struct Desk {
    child: Child,
    url: String,
    port: u16,
    /// Kept open: the desk's output is read, as a terminal would.
    _output: BufReader<std::process::ChildStdout>,
}

impl Desk {
    fn start(patient: &Patient) -> Self {
        Self::start_with(patient.dir.path(), &[])
    }

    /// The desk with `args`; its trust store and doctor's state default to `dir`'s.
    fn start_with(dir: &Path, args: &[&str]) -> Self {
        // Started in a folder of its own, which must stay empty: nothing written unless saved.
        let cwd = dir.join("desk-cwd");
        std::fs::create_dir_all(&cwd).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_carnet"))
            .current_dir(&cwd)
            .args(["desk", "--no-browser"])
            .args(args)
            .env("CARNET_TRUST_DIR", dir.join("desk-trust"))
            .env("CARNET_DOCTOR_STATE", dir.join("desk-state"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("Carnet desk: ")
            .unwrap_or_else(|| panic!("the desk printed no address: {line:?}"))
            .to_owned();
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap();
        Self {
            child,
            url,
            port,
            _output: output,
        }
    }

    /// The path part of the address: `/t/<token>/`.
    fn prefix(&self) -> String {
        self.url[format!("http://127.0.0.1:{}", self.port).len()..].to_owned()
    }

    fn hello(&self) -> String {
        let (status, body) = http(
            self.port,
            "GET",
            &format!("{}hello.txt", self.prefix()),
            &[],
        );
        assert_eq!(status, 200);
        body
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request by hand, so the test chooses every header (Host included).
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let own_host = format!("127.0.0.1:{port}");
    let host = headers
        .iter()
        .find(|(n, _)| *n == "Host")
        .map_or(own_host.as_str(), |(_, v)| v);
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (name, value) in headers.iter().filter(|(n, _)| *n != "Host") {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A video for Chromium's fake camera (YUV4MPEG2, 4:2:0): each PNG drawn on a white 800×600
/// frame, its code 560 pixels wide, held for `hold` frames at 10 frames a second.
fn video(pngs: &[PathBuf], hold: usize, out: &Path) {
    const W: usize = 800;
    const H: usize = 600;
    const SIDE: usize = 560;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    writeln!(file, "YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg").unwrap();
    let chroma = vec![128u8; (W / 2) * (H / 2) * 2];
    for png in pngs {
        let code = image::open(png).unwrap().into_luma8();
        let mut luma = vec![255u8; W * H];
        let (x0, y0) = ((W - SIDE) / 2, (H - SIDE) / 2);
        for y in 0..SIDE {
            for x in 0..SIDE {
                let sx = x * code.width() as usize / SIDE;
                let sy = y * code.height() as usize / SIDE;
                luma[(y0 + y) * W + x0 + x] = code.get_pixel(sx as u32, sy as u32).0[0];
            }
        }
        for _ in 0..hold {
            file.write_all(b"FRAME\n").unwrap();
            file.write_all(&luma).unwrap();
            file.write_all(&chroma).unwrap();
        }
    }
    file.flush().unwrap();
}

/// What a scanner set to a US layout types on a French AZERTY keyboard, key for key (this
/// test's own table, written from the two layouts, not from the desk's).
fn typed_on_azerty(text: &str) -> String {
    let us = "1234567890AQZWM$%*-./:aqzwm";
    let azerty = "&é\"'(-è_çàQAWZ?458):!Mqawz,";
    text.chars()
        .map(|c| {
            us.chars()
                .position(|u| u == c)
                .map_or(c, |i| azerty.chars().nth(i).unwrap())
        })
        .collect()
}

/// Runs the browser through `config`; what it saw.
fn drive(dir: &Path, config: serde_json::Value) -> serde_json::Value {
    let file = dir.join(format!("drive-{}.json", rand_name()));
    std::fs::write(&file, config.to_string()).unwrap();
    let npm_root = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .unwrap_or_else(|e| panic!("npm is missing ({e}); run scripts/install-test-deps.sh"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/desk/drive.cjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(&file)
        .env(
            "NODE_PATH",
            String::from_utf8_lossy(&npm_root.stdout).trim(),
        )
        .output()
        .unwrap_or_else(|e| panic!("node is missing ({e}); run scripts/install-test-deps.sh"));
    assert!(
        out.status.success(),
        "the browser run failed (playwright-core and chromium come from scripts/install-test-deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rand_name() -> String {
    format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Every request the desk's pages made went to the desk.
fn only_to(desks: &[&Desk], seen: &serde_json::Value) {
    let requests = seen["requests"].as_array().unwrap();
    assert!(!requests.is_empty());
    for r in requests {
        let url = r.as_str().unwrap();
        assert!(
            desks
                .iter()
                .any(|d| url.starts_with(&format!("http://127.0.0.1:{}/", d.port))),
            "a request left the desk: {url}"
        );
    }
    println!("{} requests, all to 127.0.0.1", requests.len());
}

/// The summary shows the patient's medications with their doses and her latest results.
fn shows_the_treatment(summary: &str) {
    for expected in [
        "Camille Martin",
        "Metformine",
        "1000 mg, comprimé",
        "Bisoprolol",
        "2,5 mg",
        "HbA1c",
        "6.9",
        "Potassium",
        "4.4",
    ] {
        assert!(summary.contains(expected), "the summary lacks {expected:?}");
    }
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/desk-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_share_shown_to_the_webcam_ends_on_the_summary_in_one_code_or_many_frames() {
    let patient = Patient::new();

    let desk = Desk::start(&patient);
    let png = patient.share_png(&desk.hello(), "single.png", &[]);
    let single = patient.path("single.y4m");
    video(&[png], 10, &single);
    let shot = screenshots().join("desk-summary.png");
    let seen = drive(
        patient.dir.path(),
        serde_json::json!({
            "video": single,
            "visits": [{ "url": desk.url, "how": "camera", "screenshot": shot }],
        }),
    );
    let visit = &seen["visits"][0];
    shows_the_treatment(visit["summary"].as_str().unwrap());
    assert_eq!(visit["console"], serde_json::json!([]));
    only_to(&[&desk], &seen);
    let t = &visit["timings"];
    println!(
        "webcam, one code: {:.0} ms from the first frame shown to the summary on screen",
        t["summaryShown"].as_f64().unwrap() - t["firstFrame"].as_f64().unwrap()
    );
    println!("screenshot of the desk's summary: {}", shot.display());
    let html = &visit["html"];
    assert_eq!(html["type"], "text/html; charset=utf-8");
    assert!(
        html["disposition"]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"carnet-camille-martin-")
    );
    shows_the_treatment(html["text"].as_str().unwrap());

    let desk = Desk::start(&patient);
    let frames = patient.share_frames(&desk.hello());
    assert!(frames.len() > 1, "the letter's text makes several frames");
    let multi = patient.path("frames.y4m");
    video(&frames, 4, &multi);
    let seen = drive(
        patient.dir.path(),
        serde_json::json!({
            "video": multi,
            "visits": [{ "url": desk.url, "how": "camera" }],
        }),
    );
    let visit = &seen["visits"][0];
    let summary = visit["summary"].as_str().unwrap();
    shows_the_treatment(summary);
    assert!(summary.contains("Je réduis le bisoprolol de 5 mg à 2,5 mg le matin."));
    only_to(&[&desk], &seen);
    let t = &visit["timings"];
    println!(
        "webcam, {} frames: {:.0} ms from the first frame shown to the summary on screen",
        frames.len(),
        t["summaryShown"].as_f64().unwrap() - t["firstFrame"].as_f64().unwrap()
    );

    // The desks wrote nothing: no file where they ran, no doctor's state, no trust store.
    drop(desk);
    let dir = patient.dir.path();
    assert_eq!(std::fs::read_dir(dir.join("desk-cwd")).unwrap().count(), 0);
    assert!(!dir.join("desk-state").exists() && !dir.join("desk-trust").exists());
}

#[test]
fn a_scanner_on_azerty_a_photo_an_expired_share_another_desks_share_and_other_sites() {
    let patient = Patient::new();

    // The scanner: a one-code share typed as a US-layout scanner types it on AZERTY.
    let scanner = Desk::start(&patient);
    let text = patient.share_text(&scanner.hello());
    let mangled = typed_on_azerty(&text);
    assert_ne!(mangled, text);
    assert!(mangled.starts_with("CS&M"));

    // An image file, dragged onto the page.
    let photo_desk = Desk::start(&patient);
    let photo = patient.share_png(&photo_desk.hello(), "photo.png", &[]);

    // A share that expired before it was read.
    let expired_desk = Desk::start(&patient);
    let expired = patient.share_png(&expired_desk.hello(), "expired.png", &["--expires", "1s"]);
    std::thread::sleep(std::time::Duration::from_secs(2));

    // A share sealed to the expired desk's hello, shown to another desk.
    let other = patient.share_png(&expired_desk.hello(), "other.png", &[]);
    let other_desk = Desk::start(&patient);
    let other_hello = other_desk.hello();

    // A share sealed to a hello `carnet doctor hello` showed before the desk started (the
    // demo's case): the desk reads the doctor's state and opens it.
    let hello_png = patient.path("earlier-hello.png");
    let state = patient.path("desk-state");
    patient.carnet(&[
        "doctor",
        "hello",
        "--state",
        state.to_str().unwrap(),
        "--out",
        hello_png.to_str().unwrap(),
    ]);
    let earlier = patient.path("earlier.png");
    patient.carnet(&[
        "share",
        "--for",
        hello_png.to_str().unwrap(),
        "--accept-unverified-doctor",
        "--out",
        earlier.to_str().unwrap(),
    ]);
    let earlier_desk = Desk::start(&patient);

    let seen = drive(
        patient.dir.path(),
        serde_json::json!({
            "visits": [
                { "url": scanner.url, "how": "type", "text": mangled, "next_patient": true },
                { "url": earlier_desk.url, "how": "file", "file": earlier },
                { "url": photo_desk.url, "how": "drop", "file": photo },
                { "url": expired_desk.url, "how": "file", "file": expired, "expect_reason": "expired" },
                { "url": other_desk.url, "how": "file", "file": other, "expect_reason": "other_device" },
            ],
            "hostile": { "url": other_desk.url },
        }),
    );
    let mut visits = seen["visits"].as_array().unwrap().clone();
    shows_the_treatment(visits[0]["summary"].as_str().unwrap());
    // "Patient suivant" made a new hello and forgot the share it had read.
    let next = &visits[0];
    assert_ne!(next["hello_before"], next["hello_after"]);
    assert!(next["hello_after"].as_str().unwrap().starts_with("CH1:"));
    assert_eq!(next["after_next"]["complete"], false);
    assert_eq!(next["after_next"]["read"], serde_json::Value::Null);
    let earlier_read = visits.remove(1);
    shows_the_treatment(earlier_read["summary"].as_str().unwrap());
    shows_the_treatment(visits[1]["summary"].as_str().unwrap());
    let ips = &visits[1]["ips"];
    assert_eq!(ips["type"], "application/fhir+json");
    assert!(
        ips["disposition"]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"carnet-camille-martin-")
    );
    let bundle: serde_json::Value = serde_json::from_str(ips["text"].as_str().unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert!(visits[2]["status"].as_str().unwrap().contains("expiré"));
    assert!(
        visits[3]["status"]
            .as_str()
            .unwrap()
            .contains("autre poste")
    );
    for v in visits.iter().chain([&earlier_read]) {
        assert_eq!(v["console"], serde_json::json!([]), "console errors");
    }
    only_to(
        &[
            &scanner,
            &earlier_desk,
            &photo_desk,
            &expired_desk,
            &other_desk,
        ],
        &seen,
    );

    // Another site's page got nothing from the desk: its requests reached the desk (the
    // browser's own local-network guard is off in that run) and were refused (403), or the
    // answer was withheld from the page by the desk's Cross-Origin-Resource-Policy (0,
    // ERR_BLOCKED_BY_RESPONSE); the POST did not start a new visit (checked below).
    let hostile = seen["hostile"].as_array().unwrap();
    assert!(
        !hostile.is_empty(),
        "the other site's requests were not seen"
    );
    for r in hostile {
        let blocked = r["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("net::ERR_BLOCKED_BY_RESPONSE"));
        assert!(r["status"] == 403 || blocked, "{r}");
    }
    println!("another site's requests to the desk: {hostile:?}");
    // And by hand: every header a browser would not let a page choose.
    let prefix = other_desk.prefix();
    let port = other_desk.port;
    let hello = format!("{prefix}hello.txt");
    assert_eq!(http(port, "GET", &hello, &[]).0, 200);
    assert_eq!(
        http(
            port,
            "GET",
            &hello,
            &[("Host", &format!("evil.test:{port}"))]
        )
        .0,
        403
    );
    assert_eq!(http(port, "GET", "/hello.txt", &[]).0, 404);
    assert_eq!(
        http(
            port,
            "GET",
            "/t/00000000000000000000000000000000/hello.txt",
            &[]
        )
        .0,
        404
    );
    assert_eq!(
        http(
            port,
            "POST",
            &format!("{prefix}next"),
            &[("Origin", "http://evil.test")]
        )
        .0,
        403
    );
    assert_eq!(http(port, "POST", &format!("{prefix}next"), &[]).0, 403);
    assert_eq!(
        http(port, "GET", &hello, &[("Sec-Fetch-Site", "cross-site")]).0,
        403
    );
    // The hello those requests tried to replace is still the one shown.
    assert_eq!(other_desk.hello(), other_hello);
}

#[test]
fn a_desk_with_a_practitioners_key_says_who_it_is_and_hands_back_a_receipt() {
    use carnet_tests::pki;
    let patient = Patient::new();
    let root = pki::root();
    let inter = pki::intermediate(&root);
    let gp = pki::leaf(&inter);
    // Both the desk and the patient's phone trust the same authorities.
    for dir in ["trust", "desk-trust"] {
        std::fs::create_dir_all(patient.path(dir)).unwrap();
        std::fs::write(
            patient.path(dir).join("authorities.pem"),
            root.pem.clone() + &inter.pem,
        )
        .unwrap();
    }
    std::fs::write(patient.path("gp-cert.pem"), gp.pem.clone() + &inter.pem).unwrap();
    std::fs::write(patient.path("gp-key.pem"), &gp.key_pem).unwrap();
    let cert = patient.path("gp-cert.pem");
    let key = patient.path("gp-key.pem");
    let desk = Desk::start_with(
        patient.dir.path(),
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    // The patient's phone verifies the hello: no --accept-unverified-doctor.
    let png = patient.path("share.png");
    patient.carnet(&[
        "share",
        "--for-text",
        &desk.hello(),
        "--out",
        png.to_str().unwrap(),
    ]);
    let receipt = patient.path("receipt.png");
    let hello_shot = screenshots().join("desk-hello.png");
    let seen = drive(
        patient.dir.path(),
        serde_json::json!({
            "visits": [{
                "url": desk.url, "how": "file", "file": png, "receipt_shot": receipt,
                "hello_screenshot": hello_shot, "english": true, "print": true
            }],
        }),
    );
    let visit = &seen["visits"][0];
    // "Imprimer" prints the summary, not the desk page with its webcam and buttons; the
    // summary lays out as a PDF of at least one A4 page.
    assert_eq!(
        visit["printed"]["frame"], visit["summary_src"],
        "{}",
        visit["printed"]
    );
    assert_eq!(visit["printed"]["desk"], false);
    assert!(
        visit["pdf_pages"].as_u64().unwrap() >= 1,
        "{}",
        visit["pdf_pages"]
    );
    // The desk's own certificate, verified by its trust folder, in the page's language.
    let who = visit["hello_who"].as_str().unwrap();
    assert!(
        who.contains(", vérifié par ") && !who.contains("NON") && !who.contains("verified by"),
        "{who}"
    );
    let who_en = visit["hello_who_en"].as_str().unwrap();
    assert!(
        who_en.contains(", verified by ") && !who_en.contains("vérifié"),
        "{who_en}"
    );
    let summary = visit["summary"].as_str().unwrap();
    shows_the_treatment(summary);
    assert!(summary.contains("Traitement en cours"));
    let english = visit["summary_en"].as_str().unwrap();
    assert!(english.contains("Current medications") && english.contains("Metformine"));
    let read = visit["items_read"].as_str().unwrap();
    assert!(read.contains("2 médicaments"), "{read}");
    // One letter is "1 courrier", not "1 courriers".
    assert!(
        read.contains("1 courrier") && !read.contains("1 courriers"),
        "{read}"
    );
    assert!(
        visit["items_read_en"]
            .as_str()
            .unwrap()
            .contains("2 medications")
    );
    only_to(&[&desk], &seen);
    // The receipt on the desk's screen, scanned by the patient's phone, is kept as verified.
    patient.carnet(&["receipts", "--add", receipt.to_str().unwrap()]);
    let kept = patient.carnet(&["receipts"]);
    assert!(kept.contains("2 medications"), "{kept}");
    println!("screenshot of the desk's hello: {}", hello_shot.display());
}

#[test]
fn the_desk_command_the_demo_prints_reads_the_demos_share() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_carnet"))
        .args(["demo", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let command = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("carnet desk "))
        .expect("the demo prints the desk's command");
    let args: Vec<&str> = command.split(' ').collect();
    let desk = Desk::start_with(tmp.path(), &args);
    let frames_line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("then drop the "))
        .expect("the demo says which images to drop");
    let frames_dir = frames_line
        .split(" images of ")
        .nth(1)
        .and_then(|r| r.strip_suffix(" on the page"))
        .unwrap();
    let mut frames: Vec<PathBuf> = std::fs::read_dir(frames_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    frames.sort();
    // In any order: the last frames first.
    frames.reverse();
    let seen = drive(
        tmp.path(),
        serde_json::json!({ "visits": [{ "url": desk.url, "how": "file", "files": frames }] }),
    );
    let summary = seen["visits"][0]["summary"].as_str().unwrap();
    for expected in [
        "Camille Martin",
        "Bisoprolol",
        "2,5 mg",
        "Dr Karim Benali",
        // The cardiologist's signature, verified by the desk against the demo authorities.
        "signé par un praticien, vérifié sur ce poste",
    ] {
        assert!(
            summary.contains(expected),
            "the desk's summary lacks {expected:?}"
        );
    }
    only_to(&[&desk], &seen);
}
