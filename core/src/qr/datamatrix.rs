//! Reading a DataMatrix from an image: the 2D code French health documents print the
//! patient's INS in (what it carries is [`crate::identity`]'s business).
//!
//! The decoder is `rxing`'s DataMatrix reader (ZXing's, ported to Rust): no other Rust crate
//! reads DataMatrix. It runs within the bounds [`super::scan`] sets for QR images: the file is
//! decoded within the same limits and the image shrunk to at most
//! [`super::scan::MAX_SCAN_SIDE`] pixels a side. ZXing's DataMatrix search follows the code's
//! borders from the centre out and tries a bounded set of candidates, so its work grows with
//! the pixels it is given, which are bounded; a panic in it is caught and reported as an
//! unreadable image.

use super::QrError;
use super::scan;
use image::GrayImage;

/// The text of the DataMatrix in an image file (PNG, JPEG…).
pub fn read_image(bytes: &[u8]) -> Result<String, QrError> {
    read_grey(&scan::decode(bytes)?)
}

/// The text of the DataMatrix in a grey image.
pub fn read_grey(grey: &GrayImage) -> Result<String, QrError> {
    let scaled = scan::shrunk(grey);
    let grey = scaled.as_ref().unwrap_or(grey);
    if grey.width() == 0 || grey.height() == 0 {
        return Err(QrError::BadImage);
    }
    scan::zxing(grey, rxing::BarcodeFormat::DATA_MATRIX)?.ok_or(QrError::NoDataMatrixInImage)
}
