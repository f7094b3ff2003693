//! Arbitrary bytes into the bounded image reader (`qr::scan`), twice: as an image file (any
//! format `image` guesses), and as the grey pixels of a small camera frame, so the fuzzer
//! reaches the binariser, the capstone count and rqrr's search directly. Whatever the bytes: a
//! typed error or the codes found, never a panic, and never more than the module's bounds.
#![no_main]

use carnet_core::qr::scan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = scan::read_image(data);
    if let [w, h, pixels @ ..] = data {
        let (w, h) = (u32::from(*w).max(1), u32::from(*h).max(1));
        let needed = (w * h) as usize;
        if pixels.len() >= needed {
            let _ = scan::read_luma(w, h, pixels[..needed].to_vec());
        }
    }
});
