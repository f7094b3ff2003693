//! Certificate bytes into chain validation and identity reading: the first bytes say how to
//! cut the input into a chain; the trust store holds a fixed anchor when the input starts
//! with one. Typed errors only, never a panic.
#![no_main]

use carnet_core::trust::{TrustStore, certificates_from_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(now) = carnet_core::time::from_unix(1_795_000_000) else {
        return;
    };
    let _ = certificates_from_file(data);
    let Some((&cuts, rest)) = data.split_first() else { return };
    let parts = usize::from(cuts % 4) + 1;
    let size = rest.len() / parts;
    let chain: Vec<Vec<u8>> = (0..parts).map(|i| rest[i * size..(i + 1) * size].to_vec()).collect();
    let mut store = TrustStore::new();
    if let Some(first) = chain.last() {
        let _ = store.add(first);
    }
    let _ = store.verify(&chain, now);
});
