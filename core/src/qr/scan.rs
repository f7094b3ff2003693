//! Reading QR codes from an image (a camera frame, a dropped file, a scan), within bounds an
//! image from outside cannot push: a hostile image must not freeze the doctor's PC.
//!
//! `rqrr`, the decoder, has no limit of its own: it looks for finder patterns ("capstones")
//! everywhere, pairs every one with every other, and copies the whole image for each candidate
//! group, so a PNG tiled with finder patterns ran for minutes with gigabytes in use. The
//! decoder cannot be bounded from outside, so it is run where it is bounded:
//!
//! 1. **Decoding the file**: at most [`MAX_DECODED_SIDE`] pixels a side and [`MAX_DECODE_ALLOC`]
//!    bytes (`image`'s limits).
//! 2. **Downscaling**: the grey image is shrunk to at most [`MAX_SCAN_SIDE`] pixels a side, so
//!    every later step works on at most that many pixels (a version 40 code still gets more
//!    than 8 pixels a module).
//! 3. **Counting first**: the image is binarised with rqrr's own rule, and the capstones rqrr
//!    would accept are counted in one pass (connected components, 1:1:3:1:1 runs, ring and
//!    stone areas). More than [`MAX_CAPSTONES`] is [`QrError::ImageTooComplex`], before rqrr
//!    runs. Real photos of codes show 3 per code (at most 12 in ZXing's test images, four codes
//!    in one).
//! 4. **Decoding**: rqrr gets that same bitmap (`prepare_from_bitmap`, no second threshold), so
//!    it sees exactly what was counted; its grouping then tests at most
//!    `MAX_CAPSTONES × (MAX_CAPSTONES - 1)²` candidates, each on a copy of the bitmap, one at a
//!    time. A panic in it is caught and reported as an unreadable image.
//!
//! 5. **A second reader**: when rqrr finds nothing, ZXing's QR reader (`rxing`) tries the same
//!    shrunk image: it reads photos of a phone screen that rqrr misses. ZXing's finder search
//!    scans rows with a bounded state machine and keeps a bounded list of candidates, so its
//!    work grows with the pixels, which are bounded.
//!
//! Memory stays below about `MAX_DECODE_ALLOC` for the file, then 7 bytes per pixel of the
//! downscaled image (grey copy, bitmap, labels, rqrr's image and its one copy).
//!
//! The capstone counter is our own code: no crate offers a bounded finder-pattern count, and it
//! must reproduce rqrr's acceptance rule to be a true bound (the rule is rqrr 0.11's; an rqrr
//! upgrade must check it).

use super::QrError;
use image::GrayImage;
use std::collections::HashSet;

/// The largest side of an image file decoded, in pixels.
pub const MAX_DECODED_SIDE: u32 = 8192;
/// The most memory decoding one image file may allocate.
pub const MAX_DECODE_ALLOC: u64 = 128 * 1024 * 1024;
/// The largest side the code search works on; larger images are shrunk to it.
pub const MAX_SCAN_SIDE: u32 = 1600;
/// The most finder-pattern candidates an image may show.
pub const MAX_CAPSTONES: usize = 12;

/// Decodes every QR code found in an image (PNG, or any format the `image` crate reads),
/// within the bounds of this module.
pub fn read_image(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let grey = decode(bytes)?;
    read_grey(&grey)
}

/// The image file as grey pixels, within the decoding limits.
pub(super) fn decode(bytes: &[u8]) -> Result<GrayImage, QrError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| QrError::BadImage)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    Ok(reader.decode().map_err(|_| QrError::BadImage)?.into_luma8())
}

/// Decodes the codes of a camera frame already in memory: `luma` holds `width × height` grey
/// bytes, row by row (a frame larger than [`MAX_DECODED_SIDE`] a side is refused).
pub fn read_luma(width: u32, height: u32, luma: Vec<u8>) -> Result<Vec<String>, QrError> {
    if width > MAX_DECODED_SIDE || height > MAX_DECODED_SIDE {
        return Err(QrError::BadImage);
    }
    let grey = GrayImage::from_raw(width, height, luma).ok_or(QrError::BadImage)?;
    read_grey(&grey)
}

/// A grey image shrunk to at most [`MAX_SCAN_SIDE`] pixels a side (`None`: it already fits).
pub(super) fn shrunk(grey: &GrayImage) -> Option<GrayImage> {
    if grey.width().max(grey.height()) <= MAX_SCAN_SIDE {
        return None;
    }
    let longest = f64::from(grey.width().max(grey.height()));
    let scale = f64::from(MAX_SCAN_SIDE) / longest;
    let side = |n: u32| ((f64::from(n) * scale) as u32).clamp(1, MAX_SCAN_SIDE);
    Some(image::imageops::thumbnail(
        grey,
        side(grey.width()),
        side(grey.height()),
    ))
}

/// Decodes the codes of a grey image.
pub fn read_grey(grey: &GrayImage) -> Result<Vec<String>, QrError> {
    let scaled = shrunk(grey);
    let grey = scaled.as_ref().unwrap_or(grey);
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    if w == 0 || h == 0 {
        return Err(QrError::BadImage);
    }
    let bits = binarize(grey.as_raw(), w, h);
    if count_capstones(&bits, w, h, MAX_CAPSTONES).is_none() {
        return Err(QrError::ImageTooComplex);
    }
    let texts = std::panic::catch_unwind(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| bits[y * w + x]);
        prepared
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, text)| text))
            .collect::<Vec<String>>()
    })
    .map_err(|_| QrError::BadImage)?;
    if !texts.is_empty() {
        return Ok(texts);
    }
    second_reader(grey)
        .map(|t| vec![t])
        .ok_or(QrError::NoCodeInImage)
}

/// ZXing's QR reader (`rxing`), for what rqrr misses: a photo of a phone screen, blurred,
/// tilted or unevenly lit, which ZXing's local binariser and finder search still read. It
/// reads one code, on the same bounded image, after the capstone count has let it through; a
/// panic in it is an unread image.
fn second_reader(grey: &GrayImage) -> Option<String> {
    zxing(grey, rxing::BarcodeFormat::QR_CODE).ok().flatten()
}

/// ZXing's reader (`rxing`) for one `format`, trying hard, on a grey image the caller has
/// already bounded. `Err` when the reader panicked (caught: hostile pixels must not take the
/// app down), `Ok(None)` when it found no such code.
pub(super) fn zxing(
    grey: &GrayImage,
    format: rxing::BarcodeFormat,
) -> Result<Option<String>, QrError> {
    use rxing::{BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
    let (width, height) = grey.dimensions();
    let luma = grey.as_raw().clone();
    std::panic::catch_unwind(move || {
        let hints = DecodeHints {
            PossibleFormats: Some(HashSet::from([format])),
            TryHarder: Some(true),
            ..DecodeHints::default()
        };
        let source = Luma8LuminanceSource::new(luma, width, height);
        let mut bitmap = BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
        let found = match format {
            rxing::BarcodeFormat::DATA_MATRIX => {
                rxing::datamatrix::DataMatrixReader.decode_with_hints(&mut bitmap, &hints)
            }
            _ => rxing::qrcode::QRCodeReader.decode_with_hints(&mut bitmap, &hints),
        };
        found.ok().map(|r| r.getText().to_owned())
    })
    .map_err(|_| QrError::BadImage)
}

/// rqrr 0.11's threshold: a pixel is dark when below 95 % of a running average over an eighth
/// of the row, taken in both directions (`PreparedImage::prepare`).
fn binarize(px: &[u8], w: usize, h: usize) -> Vec<bool> {
    let s = (w / 8).max(1);
    let mut out = vec![false; w * h];
    let mut row_avg = vec![0usize; w];
    let (mut av, mut au) = (0usize, 0usize);
    for y in 0..h {
        row_avg.fill(0);
        for x in 0..w {
            let (v, u) = if y % 2 == 0 {
                (w - 1 - x, x)
            } else {
                (x, w - 1 - x)
            };
            av = av * (s - 1) / s + usize::from(px[y * w + v]);
            au = au * (s - 1) / s + usize::from(px[y * w + u]);
            row_avg[v] += av;
            row_avg[u] += au;
        }
        for x in 0..w {
            out[y * w + x] = usize::from(px[y * w + x]) < row_avg[x] * 95 / (200 * s);
        }
    }
    out
}

/// Labels the 4-connected dark components: (label per pixel, area per label); 0 is light.
fn label_dark(bits: &[bool], w: usize, h: usize) -> (Vec<u32>, Vec<u32>) {
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let mut parent: Vec<u32> = vec![0];
    let mut labels = vec![0u32; w * h];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !bits[i] {
                continue;
            }
            let left = if x > 0 { labels[i - 1] } else { 0 };
            let up = if y > 0 { labels[i - w] } else { 0 };
            labels[i] = match (left, up) {
                (0, 0) => {
                    let n = u32::try_from(parent.len()).unwrap_or(u32::MAX);
                    parent.push(n);
                    n
                }
                (a, 0) | (0, a) => a,
                (a, b) => {
                    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                    if ra != rb {
                        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
                        parent[hi as usize] = lo;
                    }
                    a
                }
            };
        }
    }
    let mut area = vec![0u32; parent.len()];
    for l in labels.iter_mut() {
        if *l != 0 {
            *l = find(&mut parent, *l);
            area[*l as usize] += 1;
        }
    }
    (labels, area)
}

/// How many capstones rqrr 0.11 would accept in `bits`: a row run of 1:1:3:1:1 within its
/// tolerance, whose ring joins left and right, whose stone is another component, with a
/// stone-to-ring area ratio between 10 % and 70 %; each ring counted once. `None` as soon as
/// there are more than `cap`.
fn count_capstones(bits: &[bool], w: usize, h: usize, cap: usize) -> Option<usize> {
    let (labels, area) = label_dark(bits, w, h);
    let mut rings: HashSet<u32> = HashSet::new();
    let mut runs: Vec<(bool, usize)> = Vec::with_capacity(w);
    for y in 0..h {
        runs.clear();
        for &b in &bits[y * w..(y + 1) * w] {
            match runs.last_mut() {
                Some((c, n)) if *c == b => *n += 1,
                _ => runs.push((b, 1)),
            }
        }
        let mut start = 0usize;
        for i in 0..runs.len() {
            if i + 5 <= runs.len() && runs[i].0 {
                let r = [
                    runs[i].1,
                    runs[i + 1].1,
                    runs[i + 2].1,
                    runs[i + 3].1,
                    runs[i + 4].1,
                ];
                let avg = (r[0] + r[1] + r[3] + r[4]) / 4;
                let err = avg * 3 / 4;
                let proportioned = [1usize, 1, 3, 1, 1]
                    .iter()
                    .zip(r.iter())
                    .all(|(&k, &n)| n + err >= k * avg && n <= k * avg + err);
                if proportioned {
                    let left = start;
                    let stone = start + r[0] + r[1];
                    let right = start + r[0] + r[1] + r[2] + r[3];
                    let ring = labels[y * w + left];
                    let stone_label = labels[y * w + stone];
                    if ring == labels[y * w + right] && ring != stone_label {
                        let ratio = u64::from(area[stone_label as usize]) * 100
                            / u64::from(area[ring as usize]).max(1);
                        if ratio > 10 && ratio < 70 && rings.insert(ring) && rings.len() > cap {
                            return None;
                        }
                    }
                }
            }
            start += runs[i].1;
        }
    }
    Some(rings.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::QrMatrix;

    /// A finder pattern (7×7 modules) at `(x, y)` of `size`-pixel modules, dark on light.
    fn finder(img: &mut GrayImage, x: u32, y: u32, size: u32) {
        for my in 0..7 {
            for mx in 0..7 {
                let ring = mx == 0 || mx == 6 || my == 0 || my == 6;
                let stone = (2..=4).contains(&mx) && (2..=4).contains(&my);
                if ring || stone {
                    for dy in 0..size {
                        for dx in 0..size {
                            img.put_pixel(x + mx * size + dx, y + my * size + dy, image::Luma([0]));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_code_counts_its_three_capstones_and_reads() {
        let png = QrMatrix::encode("CH1:TEST", 10)
            .unwrap_or_else(|_| unreachable!())
            .to_png(4);
        let grey = decode(&png).unwrap_or_else(|_| unreachable!());
        let (w, h) = (grey.width() as usize, grey.height() as usize);
        let bits = binarize(grey.as_raw(), w, h);
        assert_eq!(count_capstones(&bits, w, h, MAX_CAPSTONES), Some(3));
        assert_eq!(read_grey(&grey).ok(), Some(vec!["CH1:TEST".to_owned()]));
    }

    #[test]
    fn a_tiling_of_finder_patterns_is_refused_before_the_search() {
        let mut img = GrayImage::from_pixel(800, 800, image::Luma([255]));
        for ty in 0..8 {
            for tx in 0..8 {
                finder(&mut img, 10 + tx * 95, 10 + ty * 95, 9);
            }
        }
        let (w, h) = (800, 800);
        let bits = binarize(img.as_raw(), w, h);
        assert_eq!(count_capstones(&bits, w, h, 100), Some(64));
        assert_eq!(read_grey(&img), Err(QrError::ImageTooComplex));
    }
}
