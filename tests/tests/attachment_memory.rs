//! A 50 MB scan goes in and out with bounded memory. This file is its own test binary so the
//! counting allocator below sees only this test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::{Document, NewRecord, RecordBody};
use carnet_tests::*;
use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// 50 MB of deterministic bytes, produced on the fly.
struct Scan {
    left: usize,
    state: u64,
}

impl std::io::Read for Scan {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left).min(8192);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n;
        Ok(n)
    }
}

struct HashingWriter(Sha256, u64);
impl std::io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

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

    let mut expected = Sha256::new();
    std::io::copy(
        &mut Scan {
            left: SIZE,
            state: 0x9E3779B97F4A7C15,
        },
        &mut HashingWriterRef(&mut expected),
    )
    .unwrap();
    let expected = expected.finalize();

    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = rss_kib("VmRSS:");
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let attachment = t
        .vault()
        .attach(
            &r.id,
            "irm.pdf",
            "application/pdf",
            &mut Scan {
                left: SIZE,
                state: 0x9E3779B97F4A7C15,
            },
        )
        .unwrap();
    let import_peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(attachment.size, SIZE as u64);

    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut out = HashingWriter(Sha256::new(), 0);
    let written = t.vault().read_attachment(&attachment.id, &mut out).unwrap();
    let read_peak = PEAK.load(Ordering::Relaxed) - base;
    let rss_peak = rss_kib("VmHWM:");
    assert_eq!(written, SIZE as u64);
    assert_eq!(
        out.0.finalize(),
        expected,
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

struct HashingWriterRef<'a>(&'a mut Sha256);
impl std::io::Write for HashingWriterRef<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
