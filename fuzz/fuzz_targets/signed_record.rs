//! A practitioner's signed record, as scanned, into the verifier: typed errors only.
#![no_main]

use carnet_core::trust::{TrustStore, verify_record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(now) = carnet_core::time::from_unix(1_795_000_000) else {
        return;
    };
    let _ = verify_record(data, &TrustStore::new(), now);
    let mut prefixed = vec![0xC5, 0x01];
    prefixed.extend_from_slice(data);
    let _ = verify_record(&prefixed, &TrustStore::new(), now);
});
