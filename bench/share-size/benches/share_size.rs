//! `cargo bench -p carnet-share-size`: the same consultation pack as a Carnet share, a SMART
//! Health Card and an EU DCC-style code, with bytes and QR version at ECC M for each.

use carnet_core::share::pack;
use carnet_share_size::{BoxError, Encoded, PackReport, fixture, measure, qr, shc};
use chrono::NaiveDate;
use p256::ecdsa::SigningKey;

/// A fixed day, so the dates (and so the figures) are the same from run to run.
const TODAY: &str = "2026-01-15";

fn version(v: Option<i16>) -> String {
    v.map_or_else(|| ">40".into(), |v| v.to_string())
}

/// A code's version relative to the SMART Health Card's; a code past version 40 has no
/// version, so the difference is then a bound, or unknown when both are past it.
fn vs_shc(v: Option<i16>, shc: Option<i16>) -> String {
    match (v, shc) {
        (Some(v), Some(s)) => format!("{:+}", v - s),
        (Some(v), None) => format!("<={:+}", v - 41),
        (None, Some(s)) => format!(">={:+}", 41 - s),
        (None, None) => "both>40".into(),
    }
}

fn row(pack: &str, method: &str, e: &Encoded, vs_shc: &str) {
    println!(
        "| {pack:<6} | {method:<28} | {:>7} | {:>10} | {:>7} | {:>8} | {:<14} | {:>7} | {vs_shc:>7} |",
        e.content_bytes,
        e.compressed_bytes,
        e.payload_bytes,
        e.text.len(),
        e.mode,
        version(e.version),
    );
}

fn print_table(reports: &[PackReport]) {
    println!(
        "| pack   | method                       | content | compressed | payload | QR chars | QR mode        | version |  vs SHC |"
    );
    println!(
        "|--------|------------------------------|--------:|-----------:|--------:|---------:|----------------|--------:|--------:|"
    );
    for r in reports {
        let shc = r.shc.encoded.version;
        let carnet = &r.carnet.encoded;
        let dcc = &r.dcc.encoded;
        row(
            r.name,
            "(a) Carnet (sealed to hello)",
            carnet,
            &vs_shc(carnet.version, shc),
        );
        row(r.name, "(b) SMART Health Card", &r.shc.encoded, "0");
        row(
            r.name,
            "(c) EU DCC pipeline",
            dcc,
            &vs_shc(dcc.version, shc),
        );
    }
}

fn print_notes(reports: &[PackReport]) {
    for r in reports {
        println!();
        println!("{} pack: {}", r.name, r.contents());
        let c = &r.carnet;
        match c.frames {
            0 => println!(
                "  Carnet: one code, version {} (the app shows one code up to version {})",
                version(c.encoded.version),
                carnet_core::qr::MAX_SINGLE_VERSION
            ),
            n => println!(
                "  Carnet: the app shows {n} animated frames of version {} at most; as one code it would be version {}",
                version(c.frame_version),
                version(c.encoded.version)
            ),
        }
        println!(
            "  Carnet: pack CBOR {} B -> DEFLATE with the dictionary {} B (without it {} B) -> sealed {} B",
            c.encoded.content_bytes,
            c.encoded.compressed_bytes,
            c.deflated_without_dictionary,
            c.encoded.payload_bytes
        );
        println!(
            "  Carnet with pack version 1 (no codebook): {} B compressed, version {}",
            c.version_1_compressed,
            version(c.version_1_version)
        );
        println!(
            "  Carnet without the dictionary: version {} ({} versions vs SHC)",
            version(c.version_without_dictionary),
            vs_shc(c.version_without_dictionary, r.shc.encoded.version)
        );
        let s = &r.shc;
        println!(
            "  SHC: FHIR bundle {} B, JWT payload {} B -> DEFLATE {} B -> JWS {} B -> {} digits",
            s.bundle_bytes,
            s.encoded.content_bytes,
            s.encoded.compressed_bytes,
            s.encoded.payload_bytes,
            s.encoded.text.len() - 5
        );
        let v = s.encoded.version.unwrap_or(41);
        if v > shc::SHC_MAX_VERSION {
            println!(
                "  SHC: version {} is beyond SHC's own limit of version {}; the deprecated chunking would need {} codes of version <= {} at ECC M",
                version(s.encoded.version),
                shc::SHC_MAX_VERSION,
                s.chunks_within_v22,
                shc::SHC_MAX_VERSION
            );
        } else {
            println!(
                "  SHC: fits SHC's limit of version {} in one code",
                shc::SHC_MAX_VERSION
            );
        }
        println!(
            "  DCC: content CBOR {} B -> COSE_Sign1 {} B -> zlib {} B -> {} base45 chars",
            r.dcc.encoded.content_bytes,
            r.dcc.cose_bytes,
            r.dcc.encoded.compressed_bytes,
            r.dcc.encoded.text.len() - 4
        );
        let used = |e: &Encoded| qr::v40_capacity_used(&e.text);
        println!(
            "  Data as a fraction of one version 40 code (above 1 fits no QR code): Carnet {:.2}, SHC {:.2} ({:.1}x Carnet), DCC {:.2}",
            used(&c.encoded),
            used(&s.encoded),
            used(&s.encoded) / used(&c.encoded),
            used(&r.dcc.encoded)
        );
        let d = &r.dcc_carrying_pack_cbor;
        println!(
            "  (informative) DCC pipeline carrying Carnet's pack CBOR: zlib {} B, {} chars, version {}",
            d.encoded.payload_bytes,
            d.encoded.text.len(),
            version(d.encoded.version)
        );
        let bound = if s.encoded.version.is_none() {
            "at least "
        } else {
            ""
        };
        println!(
            "  Aim (Carnet at least 3 versions fewer than SHC): {} (Carnet v{}, SHC v{}: {bound}{} fewer)",
            if r.aim_met() { "MET" } else { "NOT MET" },
            version(c.encoded.version),
            version(s.encoded.version),
            r.versions_fewer_than_shc()
        );
    }
}

/// Writes what each pipeline carries, to check the fairness by eye: the pack as JSON, the
/// FHIR bundle, and the three QR texts.
fn dump(dir: &std::path::Path, reports: &[PackReport]) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    for r in reports {
        let file = |suffix: &str| dir.join(format!("{}-{suffix}", r.name));
        std::fs::write(file("pack.json"), serde_json::to_vec_pretty(&r.pack)?)?;
        std::fs::write(file("pack-v1.cbor"), pack::encode_v1(&r.pack))?;
        std::fs::write(file("pack-v2.cbor"), pack::encode(&r.pack))?;
        std::fs::write(
            file("fhir-bundle.json"),
            serde_json::to_vec_pretty(&carnet_share_size::fhir::bundle(&r.pack))?,
        )?;
        std::fs::write(file("carnet.txt"), &r.carnet.encoded.text)?;
        std::fs::write(file("shc.jws"), &r.shc.jws)?;
        std::fs::write(file("shc.txt"), &r.shc.encoded.text)?;
        std::fs::write(file("dcc.txt"), &r.dcc.encoded.text)?;
    }
    eprintln!(
        "wrote the pipelines' inputs and outputs to {}",
        dir.display()
    );
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let today: NaiveDate = TODAY.parse()?;
    let now = u64::try_from(
        today
            .and_hms_opt(9, 0, 0)
            .ok_or("no such time")?
            .and_utc()
            .timestamp(),
    )?;
    eprintln!("creating the vault (production Argon2id settings) and the demo family…");
    let fixture = fixture::build(today)?;
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let reports = [
        measure("demo", &fixture.adult, now, &key)?,
        measure("heavy", &fixture.heavy, now, &key)?,
    ];
    // The heavy patient again, sharing the three letters' full text (a choice the patient
    // makes; off by default): the app shows it as frames.
    let with_text = carnet_core::share::Selection {
        letter_text: true,
        ..Default::default()
    };
    let (text_pack, letters) =
        carnet_share_size::carnet::encode_with(&fixture.heavy, now, &with_text)?;
    if let Some(dir) = std::env::var_os("SHARE_SIZE_DUMP") {
        dump(std::path::Path::new(&dir), &reports)?;
    }
    println!();
    println!(
        "Share size: the same consultation pack three ways, QR version at ECC M (as of {TODAY})"
    );
    println!();
    print_table(&reports);
    print_notes(&reports);
    println!();
    let text_chars: usize = text_pack
        .letters
        .iter()
        .filter_map(|l| l.body.as_ref())
        .map(|b| b.chars().count())
        .sum();
    println!(
        "heavy pack with letter text ({} letters, {text_chars} characters of text): pack CBOR {} B -> DEFLATE with the dictionary {} B -> sealed {} B; as one code version {}; the app shows {} frames of version {} at most",
        text_pack.letters.len(),
        letters.encoded.content_bytes,
        letters.encoded.compressed_bytes,
        letters.encoded.payload_bytes,
        version(letters.encoded.version),
        letters.frames.max(1),
        version(letters.frame_version.or(letters.encoded.version)),
    );
    println!();
    println!(
        "Columns: content = pack CBOR / JWT payload JSON / hcert CBOR; compressed = after DEFLATE / DEFLATE / zlib (of the COSE message); payload = sealed share / JWS / zlib'd COSE; vs SHC = versions relative to the SMART Health Card."
    );
    Ok(())
}
