//! Bytes into the backup reader, twice: as an archive file (magic, header, key check), and as
//! the plaintext entry stream of an archive sealed under a fixed key, so the fuzzer reaches
//! the entry parser behind the AEAD. Whatever the bytes: a typed error or a clean end, never a
//! panic and never unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    carnet_core::backup::archive::fuzz_read(data);
});
