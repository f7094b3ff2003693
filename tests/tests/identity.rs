//! The INS datamatrix of a French health document, drawn here with ZXing's DataMatrix writer
//! (rxing) from a text written in the test, read back by Carnet from the image; a damaged
//! code and hostile images refused; the INS stored on the profile marked as read from a
//! document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::identity::{IdentityError, InsIdentity, Sex};
use carnet_core::model::*;
use carnet_core::qr::QrError;
use carnet_tests::*;
use image::{GrayImage, Luma};
use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::{BarcodeFormat, EncodeHints, Writer};

/// The ANS's layout, a test identity: the header, S1 INS, S2 OID + GS, S3 given names + GS,
/// S4 birth name + GS, S5 sex, S6 birth date, S7 birth place.
const PRINTED: &str = "IS010000000000000000000000S1279035121518989S21.2.250.1.213.1.4.8\u{1d}S3DOMINIQUE MARIE-LOUISE\u{1d}S4PAT-TROIS\u{1d}S5FS628-03-1979S751215";

/// A square ECC200 DataMatrix of `text` as a PNG: `scale` pixels a module, a quiet zone of
/// two modules, placed at (`x`, `y`) on a white page of `page` pixels a side when given.
fn datamatrix_png(text: &str, scale: u32, page: Option<(u32, u32, u32)>) -> Vec<u8> {
    let hints = EncodeHints {
        DataMatrixShape: Some(SymbolShapeHint::FORCE_SQUARE),
        ..EncodeHints::default()
    };
    let bits = rxing::datamatrix::DataMatrixWriter
        .encode_with_hints(text, &BarcodeFormat::DATA_MATRIX, 0, 0, &hints)
        .unwrap();
    let quiet = 2;
    let side = (bits.width() + 2 * quiet) * scale;
    let code = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx - quiet < bits.width()
            && my - quiet < bits.height()
            && bits.get(mx - quiet, my - quiet);
        Luma([if dark { 0 } else { 255 }])
    });
    let image = match page {
        None => code,
        Some((page, x, y)) => {
            let mut sheet = GrayImage::from_pixel(page, page, Luma([250]));
            image::imageops::overlay(&mut sheet, &code, i64::from(x), i64::from(y));
            sheet
        }
    };
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn a_printed_ins_datamatrix_reads_back_to_its_fields() {
    let id = InsIdentity::read_image(&datamatrix_png(PRINTED, 4, None)).unwrap();
    assert_eq!(id.ins.as_str(), "279035121518989");
    assert_eq!(id.oid, "1.2.250.1.213.1.4.8");
    assert_eq!(id.given_names, "DOMINIQUE MARIE-LOUISE");
    assert_eq!(id.birth_name, "PAT-TROIS");
    assert_eq!(id.sex, Sex::Female);
    assert_eq!(id.birth_date, date("1979-03-28"));
    assert_eq!(id.birth_place.as_deref(), Some("51215"));
    assert_eq!(id.to_text(), PRINTED);
    // A page scanned at 3000 pixels a side, the code in one corner: shrunk, still read.
    let page = datamatrix_png(PRINTED, 14, Some((3000, 2200, 2300)));
    assert_eq!(InsIdentity::read_image(&page).unwrap(), id);
}

#[test]
fn a_datamatrix_with_a_wrong_key_or_no_datamatrix_is_refused() {
    let wrong_key = PRINTED.replace("279035121518989", "279035121518988");
    assert_eq!(
        InsIdentity::read_image(&datamatrix_png(&wrong_key, 4, None)),
        Err(IdentityError::InsKey)
    );
    // Another DataMatrix (a 2D-Doc) is not an INS datamatrix.
    assert_eq!(
        InsIdentity::read_image(&datamatrix_png("DC04FR000001", 4, None)),
        Err(IdentityError::NotInsDatamatrix)
    );
    // A blank page, a QR code, bytes that are no image, an image too large to decode.
    let mut blank = Vec::new();
    image::DynamicImage::ImageLuma8(GrayImage::from_pixel(400, 400, Luma([255])))
        .write_to(
            &mut std::io::Cursor::new(&mut blank),
            image::ImageFormat::Png,
        )
        .unwrap();
    assert_eq!(
        InsIdentity::read_image(&blank),
        Err(IdentityError::Image(QrError::NoDataMatrixInImage))
    );
    let qr = carnet_core::qr::QrMatrix::encode(PRINTED, 10)
        .unwrap()
        .to_png(4);
    assert_eq!(
        InsIdentity::read_image(&qr),
        Err(IdentityError::Image(QrError::NoDataMatrixInImage))
    );
    assert_eq!(
        InsIdentity::read_image(b"not an image"),
        Err(IdentityError::Image(QrError::BadImage))
    );
    assert_eq!(
        InsIdentity::read_image(&huge_png_header()),
        Err(IdentityError::Image(QrError::BadImage))
    );
}

/// A PNG that claims to be 100 000 pixels a side (its pixels are never there).
fn huge_png_header() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn the_ins_is_stored_marked_as_read_from_a_document_for_the_right_person_only() {
    let t = TestVault::new();
    let mut someone_else = t
        .vault()
        .add_profile(NewProfile::new(
            "Lucas",
            date("2015-06-01"),
            Relationship::Child,
        ))
        .unwrap();
    let id = InsIdentity::parse(PRINTED).unwrap();
    assert_eq!(
        id.apply_to(&mut someone_else),
        Err(IdentityError::OtherBirthDate)
    );
    assert_eq!(someone_else.ins, None);
    let mut patient = t
        .vault()
        .add_profile(NewProfile::new(
            "Dominique",
            date("1979-03-28"),
            Relationship::Owner,
        ))
        .unwrap();
    id.apply_to(&mut patient).unwrap();
    t.vault().update_profile(&patient).unwrap();
    let stored = t.vault().profile(&patient.id).unwrap();
    assert_eq!(stored.ins, Some(id.ins.clone()));
    assert_eq!(stored.ins_origin, Some(InsOrigin::ReadFromDocument));
    assert!(!format!("{id:?}{stored:?}").contains("279035121518989"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Whatever a scanner types, the parser answers with a typed error or an identity that
    /// writes back to a text reading the same: never a panic.
    #[test]
    fn any_scanned_text_is_refused_or_read_consistently(
        text in proptest::string::string_regex("IS01[0 ]{0,30}(S[1-9][A-Z0-9 .'\\-\u{1d}]{0,24}){0,9}").unwrap(),
        noise in ".{0,40}",
    ) {
        for candidate in [text.clone(), format!("{text}{noise}"), noise.clone()] {
            if let Ok(id) = InsIdentity::parse(&candidate) {
                proptest::prop_assert_eq!(InsIdentity::parse(&id.to_text()), Ok(id));
            }
        }
    }

    /// One character of a good code changed anywhere: refused with a reason, or (a letter of a
    /// name) read with that letter; the INS never changes silently.
    #[test]
    fn one_damaged_character_never_changes_the_ins_silently(at in 0usize..140, c in proptest::char::range('\u{1c}', 'Z')) {
        let mut chars: Vec<char> = PRINTED.chars().collect();
        let at = at % chars.len();
        chars[at] = c;
        let damaged: String = chars.into_iter().collect();
        if let Ok(id) = InsIdentity::parse(&damaged) {
            proptest::prop_assert_eq!(id.ins.as_str(), "279035121518989");
        }
    }
}
