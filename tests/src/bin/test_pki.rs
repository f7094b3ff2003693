//! Writes a test PKI in the shape of IGC-Santé for the Kotlin and Python tests
//! (`scripts/ffi-tests.sh`), which have no certificate builder of their own. Validity is
//! relative to today, so the files never go stale. Test keys only; never for production.
//!
//! Usage: test_pki DIR
//!
//! - `authorities.pem`: the root (an anchor) and its intermediate, to add to a trust store;
//! - `practitioner.pem`, `practitioner.key.pem`, `practitioner.key.der`: Dr Karim Benali,
//!   Médecin, RPPS 10101234564, issued by the intermediate; the key as PKCS#8;
//! - `expired.pem`, `expired.key.der`: the same practitioner, with a certificate that expired
//!   last year;
//! - `stranger.pem`, `stranger.key.der`: a practitioner from a root no test trusts.

use carnet_tests::pki;
use chrono::Datelike;
use rcgen::date_time_ymd;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: test_pki DIR");
        return ExitCode::from(2);
    };
    match write(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("test_pki: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(dir: &std::path::Path) -> std::io::Result<()> {
    let year = chrono::Utc::now().year();
    let (root, intermediate, practitioner) = pki::around_today();

    let mut old = pki::practitioner_params();
    old.not_before = date_time_ymd(year - 2, 1, 1);
    old.not_after = date_time_ymd(year - 1, 1, 1);
    let expired = pki::leaf_with(old, &intermediate);

    let mut other_root_params = pki::ca_params("AC RACINE INCONNUE", None);
    other_root_params.not_before = date_time_ymd(year - 3, 1, 1);
    other_root_params.not_after = date_time_ymd(year + 10, 1, 1);
    let other_root = pki::root_with(other_root_params);
    let mut stranger_params = pki::practitioner_params();
    stranger_params.not_before = date_time_ymd(year - 1, 1, 1);
    stranger_params.not_after = date_time_ymd(year + 3, 1, 1);
    let stranger = pki::leaf_with(stranger_params, &other_root);

    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("authorities.pem"),
        format!("{}{}", root.pem, intermediate.pem),
    )?;
    std::fs::write(dir.join("practitioner.pem"), &practitioner.pem)?;
    std::fs::write(dir.join("practitioner.key.pem"), &practitioner.key_pem)?;
    std::fs::write(dir.join("practitioner.key.der"), &practitioner.key_der)?;
    std::fs::write(dir.join("expired.pem"), &expired.pem)?;
    std::fs::write(dir.join("expired.key.der"), &expired.key_der)?;
    std::fs::write(dir.join("stranger.pem"), &stranger.pem)?;
    std::fs::write(dir.join("stranger.key.der"), &stranger.key_der)?;
    Ok(())
}
