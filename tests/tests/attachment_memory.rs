//! A 50 MB scan goes in and out with bounded memory. This file is its own test binary so the
//! counting allocator sees only this test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::{Document, NewRecord, RecordBody};
use carnet_tests::alloc::{Counting, peak_during};
use carnet_tests::*;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn fifty_megabyte_scan_in_and_out_with_bounded_memory() {
    const SIZE: usize = 50 * 1024 * 1024;
    const LIMIT: usize = 8 * 1024 * 1024;
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let body = RecordBody::Document(Document {
        title: "IRM lombaire".into(),
        date: date("2026-07-07"),
        media_type: "application/pdf".into(),
    });
    let r = t
        .vault()
        .add_record(NewRecord::entered(p.id, body))
        .unwrap();
    let expected = Scan::digest(SIZE);

    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = rss_kib("VmRSS:");
    let (attachment, import_peak) = peak_during(|| {
        t.vault()
            .attach(&r.id, "irm.pdf", "application/pdf", &mut Scan::new(SIZE))
            .unwrap()
    });
    assert_eq!(attachment.size, SIZE as u64);
    let mut out = Hashing::default();
    let (written, read_peak) =
        peak_during(|| t.vault().read_attachment(&attachment.id, &mut out).unwrap());
    let rss_peak = rss_kib("VmHWM:");
    assert_eq!(written, SIZE as u64);
    assert!(
        out.finish() == expected,
        "content differs after the round trip"
    );

    println!(
        "50 MiB attachment: heap peak {} KiB on import, {} KiB on read; RSS {:?} KiB before, high-water {:?} KiB",
        import_peak / 1024,
        read_peak / 1024,
        rss_before,
        rss_peak
    );
    assert!(
        import_peak < LIMIT,
        "import used {import_peak} bytes of heap"
    );
    assert!(read_peak < LIMIT, "read used {read_peak} bytes of heap");
}
