//! Arbitrary bytes into the CDA reader (`cda::xml::read`, `cda::read::read`): the XML bounds,
//! the DOCTYPE and entity refusals, the binary elision and every volet's mapping, and the
//! streaming base64 decoder of an embedded file. The reader takes a path (a large PDF streams
//! from the file), so each input is written to one temporary file first. Whatever the bytes: a
//! typed error or an intake, never a panic.
#![no_main]

use carnet_core::import::FileData;
use carnet_core::model::{NewProfile, Profile, ProfileId, Relationship};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("carnet-fuzz-cda-{}.xml", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let born = chrono::NaiveDate::from_ymd_opt(1979, 3, 28).unwrap_or_default();
    let profile = Profile::from_new(
        ProfileId::random(),
        NewProfile::new("Fuzz", born, Relationship::Owner),
    );
    if let Ok(tree) = carnet_core::cda::xml::read(&path) {
        if let Ok(doc) = carnet_core::cda::document_in(&tree) {
            if let Ok(intake) = carnet_core::cda::read::read(doc, &profile, "fuzz.xml") {
                for record in intake.records {
                    if let Some(FileData::Stream(source)) = record.attachment.map(|f| f.data) {
                        let _ = source.size();
                        if let Ok(mut r) = source.open() {
                            let _ = std::io::copy(&mut r.by_ref().take(1 << 20), &mut std::io::sink());
                        }
                    }
                }
            }
        }
    }
});
