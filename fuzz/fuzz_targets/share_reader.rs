//! Scanned text into the doctor's reader: any string, as a camera or a keyboard-wedge scanner
//! could hand it over. Must never panic; each call returns a typed result.
#![no_main]

use carnet_core::share::{DoctorSession, ReaderSession};
use carnet_core::time::from_unix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (Some(expiry), Some(now)) = (from_unix(2_000_000_000), from_unix(1_900_000_000)) else {
        return;
    };
    let session = DoctorSession::from_secret([7u8; 32], expiry);
    let mut reader = ReaderSession::new(vec![session], carnet_core::trust::TrustStore::new());
    // Several texts separated by newlines: frames arrive one after another.
    for line in String::from_utf8_lossy(data).split('\n') {
        let _ = reader.push_text(line, now);
    }
    let _ = reader.progress();
});
