//! Images made to hang the code reader: PNGs tiled with QR finder patterns, large and small,
//! as the attack on `carnet receive` used them. Each is refused or read within the bounds of
//! `qr::scan` (peak heap measured, not time), and a real code still reads, large or small.
//! Its own test binary: the counting allocator sees only these tests, run one at a time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::qr::{QrError, QrMatrix, scan};
use carnet_core::share::{ReaderSession, ShareError};
use carnet_core::trust::TrustStore;
use carnet_tests::alloc::{Counting, peak_during};
use image::{GrayImage, ImageEncoder, Luma};
use std::sync::Mutex;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time, so each peak is its own.
static SERIAL: Mutex<()> = Mutex::new(());

/// What reading one image may use: the file's decoding limit, then a few bytes a pixel of the
/// downscaled image.
const HEAP_BOUND: usize =
    scan::MAX_DECODE_ALLOC as usize + 12 * (scan::MAX_SCAN_SIDE as usize).pow(2);

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    out
}

/// A `side`-pixel square tiled with finder patterns of `module`-pixel modules, every `pitch`
/// modules.
fn finder_tiling(side: u32, module: u32, pitch: u32) -> GrayImage {
    finder_tiling_of(side, side, module, pitch)
}

fn finder_tiling_of(width: u32, height: u32, module: u32, pitch: u32) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        let (mx, my) = ((x / module) % pitch, (y / module) % pitch);
        let ring = (mx == 0 || mx == 6 || my == 0 || my == 6) && mx < 7 && my < 7;
        let stone = (2..=4).contains(&mx) && (2..=4).contains(&my);
        Luma([if ring || stone { 0 } else { 255 }])
    })
}

fn read_bounded(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (result, peak) = peak_during(|| scan::read_image(bytes));
    assert!(
        peak < HEAP_BOUND,
        "reading used {peak} bytes of heap, above {HEAP_BOUND}"
    );
    result
}

#[test]
fn finder_tilings_of_every_size_are_refused_within_the_memory_bound() {
    for (side, module, pitch) in [
        (480, 3, 8),  // the 480 px image that held `share --for` for 6 s
        (1200, 2, 8), // a few KB of PNG
        (1600, 4, 9), // at the scan side exactly
        (4096, 1, 8), // the 157 KB image that ran past 60 s with 21 GB
        (4096, 6, 8), // large patterns that survive the downscale
    ] {
        let file = png(&finder_tiling(side, module, pitch));
        let result = read_bounded(&file);
        assert!(
            matches!(
                result,
                Err(QrError::ImageTooComplex | QrError::NoCodeInImage)
            ),
            "{side} px, {module} px modules: {result:?} ({} KB of PNG)",
            file.len() / 1024
        );
    }
    // The largest side a file may have.
    let widest = png(&finder_tiling_of(scan::MAX_DECODED_SIDE, 1024, 8, 10));
    assert!(matches!(
        read_bounded(&widest),
        Err(QrError::ImageTooComplex | QrError::NoCodeInImage)
    ));
    // Larger than a file may announce: refused while decoding.
    let too_wide = png(&GrayImage::from_pixel(9000, 4, Luma([255])));
    assert_eq!(read_bounded(&too_wide), Err(QrError::BadImage));
}

#[test]
fn the_refusal_is_typed_for_the_doctor() {
    let file = png(&finder_tiling(480, 3, 8));
    let mut reader = ReaderSession::new(vec![], TrustStore::new());
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(
        reader
            .push_image(&file, carnet_core::time::now())
            .unwrap_err(),
        ShareError::Code(QrError::ImageTooComplex)
    );
}

#[test]
fn real_codes_still_read_small_and_large() {
    let text = "CH1:".to_owned() + &"0123456789ABCDEF".repeat(20);
    let matrix = QrMatrix::encode(&text, 25).unwrap();
    // Drawn small, and drawn huge (downscaled to the scan side before the search).
    for scale in [3, 40] {
        let read = read_bounded(&matrix.to_png(scale)).unwrap();
        assert_eq!(read, vec![text.clone()], "scale {scale}");
    }
    // A code in a photo-sized frame beside a few stray patterns still reads.
    let code = image::load_from_memory(&matrix.to_png(6))
        .unwrap()
        .into_luma8();
    let mut frame = finder_tiling(1280, 4, 200);
    image::imageops::replace(&mut frame, &code, 500, 300);
    assert_eq!(read_bounded(&png(&frame)).unwrap(), vec![text]);
}
