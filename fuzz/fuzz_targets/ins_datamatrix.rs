//! Arbitrary bytes as an INS datamatrix: as the text a scanner types (`InsIdentity::parse`) and
//! as an image file (`InsIdentity::read_image`, the bounded DataMatrix search). A typed error
//! or an identity that writes back to the same, never a panic.
#![no_main]

use carnet_core::identity::InsIdentity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(id) = InsIdentity::parse(text) {
            assert_eq!(InsIdentity::parse(&id.to_text()).ok(), Some(id));
        }
    }
    let _ = InsIdentity::read_image(data);
});
