//! How big the same consultation pack is as a QR code three ways: Carnet's share, a SMART
//! Health Card and the EU DCC pipeline. `cargo bench -p carnet-share-size` prints the table;
//! README.md explains the pipelines and the fairness choices.
//!
//! Every pipeline starts from the same [`ConsultationPack`], built by Carnet's own
//! `pack::build` from the vault's summary with the default selection, so the three carry the
//! same content by construction.

pub mod carnet;
pub mod dcc;
pub mod fhir;
pub mod fixture;
pub mod qr;
pub mod shc;

use carnet_core::model::PatientSummary;
use carnet_core::share::ConsultationPack;
use flate2::Compression;
use flate2::write::{DeflateEncoder, ZlibEncoder};
use p256::ecdsa::SigningKey;
use std::io::Write;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One encoding of a pack, from content to QR text.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The content before compression: the pack CBOR, the SHC's JWT payload JSON, the DCC's
    /// `hcert` content CBOR.
    pub content_bytes: usize,
    /// After compression (for the DCC, of the whole signed COSE message).
    pub compressed_bytes: usize,
    /// What the QR text encodes: the sealed share, the JWS, the zlib'd COSE message.
    pub payload_bytes: usize,
    /// The text in the (single) QR code.
    pub text: String,
    /// Its QR version at ECC M; `None` past version 40.
    pub version: Option<i16>,
    pub mode: &'static str,
}

/// Raw DEFLATE (RFC 1951), best compression, no dictionary.
pub fn raw_deflate(data: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::best());
    e.write_all(data)?;
    Ok(e.finish()?)
}

/// zlib (RFC 1950), best compression.
pub fn zlib(data: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data)?;
    Ok(e.finish()?)
}

/// The three encodings of one pack, and the DCC envelope around Carnet's own pack CBOR.
#[derive(Debug)]
pub struct PackReport {
    pub name: &'static str,
    pub pack: ConsultationPack,
    pub carnet: carnet::CarnetShare,
    pub shc: shc::HealthCard,
    pub dcc: dcc::DccCode,
    /// Informative: Carnet's pack CBOR through the DCC pipeline (COSE_Sign1, zlib, base45).
    pub dcc_carrying_pack_cbor: dcc::DccCode,
}

impl PackReport {
    /// What the pack holds, in words.
    pub fn contents(&self) -> String {
        let p = &self.pack;
        let n =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}, {}, {} ({} with a previous value), {}",
            n(p.allergies.len(), "allergy", "allergies"),
            n(p.conditions.len(), "condition", "conditions"),
            n(p.medications.len(), "medication", "medications"),
            n(p.labs.len(), "analyte", "analytes"),
            p.labs.iter().filter(|l| !l.previous.is_empty()).count(),
            n(p.letters.len(), "letter heading", "letter headings"),
        )
    }

    /// SHC's version minus Carnet's: how many versions smaller Carnet's code is. A code
    /// beyond version 40 counts as 41.
    pub fn versions_fewer_than_shc(&self) -> i16 {
        let v = |x: Option<i16>| x.unwrap_or(qr::MAX_VERSION + 1);
        v(self.shc.encoded.version) - v(self.carnet.encoded.version)
    }

    /// The aim: Carnet needs at least 3 versions fewer than the SMART Health Card.
    pub fn aim_met(&self) -> bool {
        self.versions_fewer_than_shc() >= 3
    }
}

/// Encodes `summary` three ways at `now` (Unix seconds); SHC and DCC sign with `key`.
pub fn measure(
    name: &'static str,
    summary: &PatientSummary,
    now: u64,
    key: &SigningKey,
) -> Result<PackReport, BoxError> {
    let (pack, carnet) = carnet::encode(summary, now)?;
    let expires_at = now + carnet_core::share::DEFAULT_SHARE_LIFETIME.as_secs();
    let shc = shc::encode(&pack, key, now, expires_at)?;
    let dcc = dcc::encode(&dcc::pack_content(&pack)?, key, now, expires_at)?;
    let dcc_carrying_pack_cbor = dcc::encode(
        &carnet_core::share::pack::encode(&pack),
        key,
        now,
        expires_at,
    )?;
    Ok(PackReport {
        name,
        pack,
        carnet,
        shc,
        dcc,
        dcc_carrying_pack_cbor,
    })
}
