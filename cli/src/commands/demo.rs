//! `carnet demo`: a fresh vault with the demo family (`carnet_core::demo`), the adult's
//! summary, then the whole QR exchange: the doctor's hello, the patient's share, the doctor
//! reading the PNG, and the printable page.

use super::{demo_pki, doctor, share as share_cmd};
use crate::exit::{CliError, Exit};
use crate::{files, output};
use carnet_core::crypto::Passphrase;
use carnet_core::qr::{self, QrMatrix};
use carnet_core::share::{self, Selection};
use carnet_core::time::{Clock, SystemClock};
use carnet_core::{Vault, VaultOptions};
use chrono::TimeDelta;
use std::path::PathBuf;

/// The demo vault's passphrase, printed so the person can explore it with other commands.
pub const DEMO_PASSPHRASE: &str = "demo: not a real passphrase";

pub fn run(out: Option<PathBuf>, json: bool) -> Result<(), CliError> {
    let dir = match out {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("carnet-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("demo.carnet");
    if path.exists() {
        return Err(CliError::invalid(format!(
            "{} already exists; choose another --out",
            path.display()
        )));
    }
    let today = SystemClock.today();
    let (vault, recovery) = Vault::create(
        &path,
        &Passphrase::new(DEMO_PASSPHRASE),
        &VaultOptions::default(),
    )?;
    let family = carnet_core::demo::populate_family(&vault, today)?;

    // The cardiologist hands Camille his letter and the prescription that changed her dose,
    // signed, by QR code; her phone verifies them against the demo's authorities.
    let pki = demo_pki::create(&dir.join("pki"), today)?;
    let now = SystemClock.now();
    let visit_at = now - TimeDelta::days(36);
    let mut signed_items = 0;
    for body in carnet_core::demo::cardiology_visit(today) {
        let signed = carnet_core::trust::sign_record(
            &body,
            &carnet_core::trust::Patient::of(&family.adult),
            &pki.cardiologist,
            visit_at,
        )?;
        let scanned = signed_code_round_trip(&signed)?;
        carnet_core::trust::import_signed(
            &vault,
            &family.adult.id,
            &scanned,
            &pki.store,
            // Scanned in his office, minutes after he signed.
            visit_at + TimeDelta::minutes(5),
            Default::default(),
        )?;
        signed_items += 1;
    }
    // Her laboratory's report came by MSSanté as a CR-BIO document: she imports the file.
    let cr_bio = dir.join("cr-bio-thyroide.xml");
    files::write_output(
        &cr_bio,
        carnet_core::demo::laboratory_report_cda(&family.adult, today).as_bytes(),
        carnet_core::files::Existing::Refuse,
    )?;
    let lab_import = carnet_core::cda::import_document(
        &vault,
        &family.adult.id,
        &cr_bio,
        &carnet_core::vault::ImportOptions::trusting_no_one(now),
        false,
    )?;
    let summary = vault.summary(&family.adult.id, today)?;
    // Her father's GP stopped a medication: what his summary says of it.
    let father = vault.summary(&family.parent.id, today)?;
    let stopped: Vec<String> = father
        .stopped_since(father.recent())
        .into_iter()
        .filter_map(|h| {
            let e = h.events.last()?;
            Some(format!(
                "{} stopped on {} by {}",
                h.name, e.date, e.prescriber
            ))
        })
        .collect();

    // The consultation: the GP's device shows a hello signed with her certificate; Camille's
    // phone sees who she is sharing with, seals her pack to it; the GP's device reads the code
    // from the image, prints the page and hands back a signed receipt.
    let state = dir.join("doctor-state");
    let hello_png = dir.join("hello.png");
    let share_png = dir.join("share.png");
    let share_frames = dir.join("share-frames");
    let receipt_png = dir.join("receipt.png");
    let html = dir.join("summary.html");
    let ips = dir.join("summary-ips.json");
    let session = doctor::new_session(
        &state,
        carnet_core::share::hello::DEFAULT_HELLO_LIFETIME,
        Some(&pki.gp),
    )?;
    files::write_code_text(
        &session.hello().to_text(),
        qr::MAX_SINGLE_VERSION,
        &hello_png,
        carnet_core::files::Existing::Refuse,
    )?;
    let hello = share_cmd::read_hello(Some(&hello_png), None)?
        .ok_or_else(|| CliError::other("no hello"))?;
    let prepared = share::share_profile(
        &vault,
        &share::ShareRequest {
            profile: family.adult.id,
            selection: &Selection::default(),
            hello: Some(&hello),
            trust: &pki.store,
            unverified_hello_accepted: false,
            today,
            now: SystemClock.now(),
            lifetime: share::DEFAULT_SHARE_LIFETIME,
        },
    )?;
    let recipient = prepared
        .recipient
        .clone()
        .ok_or_else(|| CliError::other("no recipient"))?;
    // One code, or the frames an app would animate (the cardiologist's proofs make the demo
    // share larger than one code).
    let share_images: Vec<PathBuf> = if prepared.is_animated() {
        std::fs::create_dir_all(&share_frames)?;
        prepared
            .codes
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let path = share_frames.join(format!("frame-{:03}.png", i + 1));
                files::write_code_text(
                    code,
                    qr::MAX_SINGLE_VERSION,
                    &path,
                    carnet_core::files::Existing::Refuse,
                )
                .map(|()| path)
            })
            .collect::<Result<_, _>>()?
    } else {
        let code = prepared
            .codes
            .first()
            .ok_or_else(|| CliError::other("empty share"))?;
        files::write_code_text(
            code,
            qr::MAX_SINGLE_VERSION,
            &share_png,
            carnet_core::files::Existing::Refuse,
        )?;
        vec![share_png.clone()]
    };
    // The GP's device checks the cardiologist's signatures against its own trust store.
    let received = doctor::receive_files(&state, pki.store.clone(), &share_images)?;
    if received.comparison_code != prepared.comparison_code {
        return Err(CliError::new(
            Exit::Integrity,
            "the two screens show different comparison codes",
        ));
    }
    let verified_here = received
        .proofs
        .iter()
        .filter(|p| p.outcome == share::ProofOutcome::VerifiedHere)
        .count();
    let printed = now
        .with_timezone(&chrono::Local)
        .format("%d/%m/%Y %H:%M")
        .to_string();
    files::write_output(
        &html,
        share::printable::render(&received, today, &printed, Default::default()).as_bytes(),
        carnet_core::files::Existing::Refuse,
    )?;
    // What the GP read, saved for the practice software once it is back.
    files::write_output(
        &ips,
        carnet_core::fhir::export_share(&received, now).as_bytes(),
        carnet_core::files::Existing::Refuse,
    )?;
    let receipt_code = share::receipt::receipt_code(&received, &pki.gp, now)?;
    files::write_code_text(
        &receipt_code,
        qr::MAX_SINGLE_VERSION,
        &receipt_png,
        carnet_core::files::Existing::Refuse,
    )?;
    let scanned_receipt = files::read_codes(std::slice::from_ref(&receipt_png))?
        .into_iter()
        .next()
        .ok_or(qr::QrError::NoCodeInImage)?;
    let kept = share::receipt::keep_receipt(&vault, &scanned_receipt, &pki.store)?;

    // Keeping it safe: a backup with the recovery key, restored into a second vault (a new
    // phone), compared with the first record by record.
    let archive = dir.join("family.carnet-backup");
    let restored_path = dir.join("restored.carnet");
    let backup = carnet_core::backup::write_file(
        &vault,
        &archive,
        carnet_core::backup::Protection::RecoveryKey(&recovery),
        &Default::default(),
    )?;
    // The new phone trusts the same authorities: the cardiologist's records stay verified
    // because their signatures verify there again, not because the archive says so.
    let check = carnet_core::trust::SignatureCheck {
        store: &pki.store,
        now,
    };
    let choices = carnet_core::vault::MergeChoices::default();
    let (restored, _, report) = carnet_core::backup::restore_new(
        &archive,
        carnet_core::backup::Protection::RecoveryKey(&recovery),
        &restored_path,
        &Passphrase::new(DEMO_PASSPHRASE),
        &VaultOptions::default(),
        &Default::default(),
        &carnet_core::vault::ImportOptions {
            now,
            check: &check,
            choices: &choices,
        },
    )?;
    if !same_content(&vault, &restored)? {
        return Err(CliError::new(
            Exit::Integrity,
            "the restored vault differs from the original",
        ));
    }

    if json {
        return output::json(&serde_json::json!({
            "backup": archive, "restored": restored_path, "restored_records": report.records_added, "signatures_verified_again": report.signatures_verified, "identical": true,
            "vault": path, "passphrase": DEMO_PASSPHRASE, "summary": summary,
            "hello": hello_png, "share": share_images, "share_qr_version": prepared.version, "verified_on_the_gp_side": verified_here, "summary_html": html, "summary_ips": ips, "cda_lab_report": cr_bio, "cda_lab_results": lab_import.count(carnet_core::import::ItemKind::LabResult), "stopped_for_the_parent": stopped,
        }));
    }
    say!("Demo vault: {}", path.display());
    say!(
        "Profiles: {}, {}, {}",
        family.adult.display_name,
        family.child.display_name,
        family.parent.display_name
    );
    say!(
        "Explore it with: CARNET_PASSPHRASE='{DEMO_PASSPHRASE}' carnet --vault {} list",
        path.display()
    );
    println!();
    output::summary(&summary, None);
    println!();
    say!(
        "From the cardiologist, by QR code: {signed_items} signed records, verified against the demo authorities in {}",
        pki.trust_dir.display()
    );
    say!(
        "From her laboratory, by MSSanté: a CR-BIO document ({}), {} results imported from the document, not signature-verified",
        cr_bio.display(),
        lab_import.count(carnet_core::import::ItemKind::LabResult)
    );
    for line in &stopped {
        say!(
            "Her father {}'s GP: {line}; his summary lists it as stopped, no longer current",
            family.parent.display_name
        );
    }
    println!();
    say!("The consultation, by QR code:");
    say!(
        "  1. the GP's hello ({}): {}",
        hello.fingerprint(),
        hello_png.display()
    );
    say!("     Camille's phone shows: {}", recipient.describe());
    say!(
        "  2. Camille's share, sealed to it ({} items, {} with the cardiologist's signature; {}): {}",
        prepared.items.len(),
        prepared.proved_items,
        match prepared.version {
            Some(v) => format!("one QR code, version {v}"),
            None => format!("{} frames to animate", prepared.codes.len()),
        },
        share_images
            .first()
            .and_then(|p| p.parent())
            .unwrap_or(&dir)
            .display()
    );
    say!(
        "     both screens show the comparison code {}",
        received.comparison_code.as_deref().unwrap_or("-")
    );
    say!(
        "  3. read back from the images by the doctor's device: {} medications, {} lab results, {} allergy;",
        received.pack.medications.len(),
        received.pack.labs.len(),
        received.pack.allergies.len()
    );
    say!(
        "     the cardiologist's signatures verified on the GP's device, against its own trust store: {verified_here}"
    );
    say!("  4. the printable page:          {}", html.display());
    say!(
        "     and the same, for the practice's software (FHIR R4 International Patient Summary): {}",
        ips.display()
    );
    say!(
        "  5. the GP's signed receipt, kept in Camille's vault: {} ({})",
        receipt_png.display(),
        kept.practitioner
    );
    // The same share read at a desk PC with only a browser: the desk knows the demo GP's hello
    // (the state) and key, and trusts the demo authorities.
    let pki_dir = dir.join("pki");
    say!(
        "  6. or at the GP's desk PC, in a browser (within {} minutes, while the hello is valid):",
        carnet_core::share::hello::DEFAULT_HELLO_LIFETIME.as_secs() / 60
    );
    say!(
        "     carnet desk --state {} --trust-dir {} --cert {} --key {}",
        state.display(),
        pki.trust_dir.display(),
        pki_dir.join("gp-cert.pem").display(),
        pki_dir.join("gp-key.pem").display()
    );
    match share_images.as_slice() {
        [one] => say!("     then drop {} on the page", one.display()),
        frames => say!(
            "     then drop the {} images of {} on the page",
            frames.len(),
            share_images
                .first()
                .and_then(|p| p.parent())
                .unwrap_or(&dir)
                .display()
        ),
    }
    println!();
    say!("Keeping it safe:");
    say!(
        "  backup with the recovery key: {} ({} records, {} KiB)",
        archive.display(),
        backup.records,
        backup.bytes / 1024
    );
    say!(
        "  restored into a second vault: {} ({} records); compared profile by profile, record by record: identical",
        restored_path.display(),
        report.records_added
    );
    say!(
        "  the cardiologist's {} signed records verified again on the new phone, not taken on the backup's word",
        report.signatures_verified
    );
    Ok(())
}

/// Whether two vaults hold the same profiles and records (attachments included).
fn same_content(a: &Vault, b: &Vault) -> Result<bool, CliError> {
    let (pa, pb) = (a.profiles()?, b.profiles()?);
    if pa != pb {
        return Ok(false);
    }
    for profile in &pa {
        let mut ra = a.records(Some(&profile.id), None)?;
        let mut rb = b.records(Some(&profile.id), None)?;
        ra.sort_by_key(|r| r.id);
        rb.sort_by_key(|r| r.id);
        // A practitioner's record was verified again on the new phone, so when it was checked
        // differs; everything else, verified or not included, must be the same.
        let checked_now = |mut r: carnet_core::model::Record| {
            if let carnet_core::model::Provenance::Practitioner { checked_at, .. } =
                &mut r.provenance
            {
                *checked_at = chrono::DateTime::UNIX_EPOCH;
            }
            r
        };
        let ra: Vec<_> = ra.into_iter().map(checked_now).collect();
        let rb: Vec<_> = rb.into_iter().map(checked_now).collect();
        if ra != rb {
            return Ok(false);
        }
        for attachment in ra.iter().flat_map(|r| r.attachments.iter()) {
            let (mut xa, mut xb) = (Vec::new(), Vec::new());
            a.read_attachment(&attachment.id, &mut xa)?;
            b.read_attachment(&attachment.id, &mut xb)?;
            if xa != xb {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A signed record goes through its QR code and back, as the patient's phone would scan it.
fn signed_code_round_trip(signed: &[u8]) -> Result<Vec<u8>, CliError> {
    let mut scanner = carnet_core::trust::transport::SignedRecordScanner::new();
    for code in carnet_core::trust::transport::qr_codes(signed)? {
        let png = QrMatrix::encode(&code, qr::MAX_SINGLE_VERSION)?.to_png(4);
        for text in qr::scan::read_image(&png)? {
            scanner.push_text(&text)?;
        }
    }
    scanner
        .result()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| CliError::other("the signed record did not scan back"))
}
