//! Raw frame bytes into the fountain-code collector, below the text layer, so the fuzzer
//! reaches the RaptorQ decoder with well-formed base45 already stripped.
#![no_main]

use carnet_core::qr::frames::FrameCollector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut collector = FrameCollector::new();
    // The input is a sequence of length-prefixed frames.
    let mut rest = data;
    while let [len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, next) = tail.split_at(n);
        let _ = collector.push(frame);
        rest = next;
    }
    let _ = collector.progress();
});
