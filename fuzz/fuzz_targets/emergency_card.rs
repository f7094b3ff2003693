//! Text scanned from an emergency card into the checker.
#![no_main]

use carnet_core::share::emergency;
use carnet_core::share::pack::Day;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = emergency::looks_like_card(&text);
    let _ = emergency::verify(&text, Day(20_600).to_date());
});
