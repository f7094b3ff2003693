//! QR codes for the screen and for paper: a module matrix (the apps draw it natively), PNG,
//! SVG and the terminal. Error correction level M throughout. Reading codes back from an image
//! is [`super::scan`].

use super::QrError;
use image::{GrayImage, ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode, Version};

/// Quiet zone around the code, in modules (the QR standard asks for 4).
const QUIET_ZONE: usize = 4;

/// A QR code as modules: `dark[y * width + x]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    pub version: i16,
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` at ECC M in the smallest version that holds it, refusing versions above
    /// `max_version`. Alphanumeric text is encoded in alphanumeric mode.
    pub fn encode(text: &str, max_version: i16) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|_| QrError::DoesNotFit { max_version })?;
        Self::from_code(&code, max_version)
    }

    /// Encodes text meant for any camera app (the emergency card) in byte mode, preceded by
    /// the ECI designator for UTF-8 (26) when it is not plain ASCII, so a reader that would
    /// otherwise guess the encoding shows "Léa", not "L矇a". The smallest version that holds
    /// it, up to `max_version`.
    pub fn encode_text(text: &str, max_version: i16) -> Result<Self, QrError> {
        if text.is_ascii() {
            return Self::encode(text, max_version);
        }
        const UTF8_ECI: u32 = 26;
        for v in 1..=max_version {
            let mut bits = qrcode::bits::Bits::new(Version::Normal(v));
            let fits = bits.push_eci_designator(UTF8_ECI).is_ok()
                && bits.push_byte_data(text.as_bytes()).is_ok()
                && bits.push_terminator(EcLevel::M).is_ok();
            if fits {
                if let Ok(code) = QrCode::with_bits(bits, EcLevel::M) {
                    return Self::from_code(&code, max_version);
                }
            }
        }
        Err(QrError::DoesNotFit { max_version })
    }

    fn from_code(code: &QrCode, max_version: i16) -> Result<Self, QrError> {
        let version = match code.version() {
            Version::Normal(v) => v,
            Version::Micro(v) => v,
        };
        if version > max_version {
            return Err(QrError::DoesNotFit { max_version });
        }
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Self {
            version,
            width: code.width(),
            dark,
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    fn image(&self, scale: usize) -> GrayImage {
        let scale = scale.max(1);
        let side = (self.width + 2 * QUIET_ZONE) * scale;
        let side32 = u32::try_from(side).unwrap_or(u32::MAX);
        GrayImage::from_fn(side32, side32, |px, py| {
            let x = (px as usize / scale).checked_sub(QUIET_ZONE);
            let y = (py as usize / scale).checked_sub(QUIET_ZONE);
            match (x, y) {
                (Some(x), Some(y)) if x < self.width && y < self.width && self.is_dark(x, y) => {
                    Luma([0u8])
                }
                _ => Luma([255u8]),
            }
        })
    }

    /// A PNG, `scale` pixels per module, with the quiet zone.
    pub fn to_png(&self, scale: usize) -> Vec<u8> {
        let img = self.image(scale);
        let mut out = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new(&mut out);
        let _ = encoder.write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        );
        out
    }

    /// A standalone SVG, one unit per module, with the quiet zone.
    pub fn to_svg(&self) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// Two modules per character cell with half blocks, dark on light, for a terminal.
    pub fn to_terminal(&self) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let dark = |x: usize, y: usize| -> bool {
            x >= QUIET_ZONE && y >= QUIET_ZONE && self.is_dark(x - QUIET_ZONE, y - QUIET_ZONE)
        };
        let mut out = String::new();
        for row in (0..side).step_by(2) {
            for x in 0..side {
                let top = dark(x, row);
                let bottom = row + 1 < side && dark(x, row + 1);
                out.push(match (top, bottom) {
                    (false, false) => '█',
                    (true, false) => '▄',
                    (false, true) => '▀',
                    (true, true) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}

/// The QR version `text` needs at ECC M.
pub fn version_for(text: &str) -> Option<i16> {
    QrMatrix::encode(text, 40).ok().map(|m| m.version)
}
