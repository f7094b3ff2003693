//! Arbitrary bytes into the FHIR importer (`fhir::read_bundle`): the bounds checks, the JSON
//! parser, the reference index and every resource mapping. Whatever the bytes: a typed error
//! or an intake, never a panic. Seed it with `../shared/corpus/ips` as a second corpus folder (fuzz/README.md).
#![no_main]

use carnet_core::model::{NewProfile, Profile, ProfileId, Relationship};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let born = chrono::NaiveDate::from_ymd_opt(1966, 3, 14).unwrap_or_default();
    let profile = Profile::from_new(
        ProfileId::random(),
        NewProfile::new("Fuzz", born, Relationship::Owner),
    );
    let _ = carnet_core::fhir::read_bundle(data, &profile, "fuzz.json");
});
