//! What lies behind the AEAD once it opened: decompression (with its size cap) and the CBOR
//! pack decoder. Reached directly, since the fuzzer cannot forge a tag.
#![no_main]

use carnet_core::share::{compress, pack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cbor) = compress::decompress(data) {
        let _ = pack::decode(&cbor);
    }
    let _ = pack::decode(data);
});
