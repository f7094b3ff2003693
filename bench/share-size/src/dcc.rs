//! (c) The EU Digital COVID Certificate pipeline: the content as CBOR under the `hcert`
//! claim (-260, key 1) of a CWT, COSE_Sign1 with ES256, zlib, base45, `HC1:`.
//!
//! The content follows the DCC's own conventions: a map with short text keys (`nam`, `dob`…),
//! dates as ISO strings, values as text. [`pack_content`] is that schema for the pack, field
//! for field; [`encode`] also accepts Carnet's own pack CBOR as the content, to show what the
//! envelope alone costs.

use crate::{BoxError, Encoded, qr};
use carnet_core::share::ConsultationPack;
use carnet_core::share::pack::{Day, PackLabPoint};
use flate2::read::ZlibDecoder;
use minicbor::Encoder;
use minicbor::data::Tag;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::io::Read;

/// The CWT `iss` claim: the DCC puts the issuing country there.
pub const ISSUER: &str = "FR";
/// COSE header label `alg`, and ES256.
const ALG: i64 = 1;
const ES256: i64 = -7;
/// COSE header label `kid`.
const KID: i64 = 4;
/// CWT claims: issuer, expiry, issued at; the DCC's `hcert`.
const CWT_ISS: i64 = 1;
const CWT_EXP: i64 = 4;
const CWT_IAT: i64 = 6;
const CWT_HCERT: i64 = -260;
/// CBOR tag of a COSE_Sign1 message.
const COSE_SIGN1: u64 = 18;

/// What the DCC-style code of one pack measures.
#[derive(Debug)]
pub struct DccCode {
    pub encoded: Encoded,
    /// The whole COSE_Sign1 message, before zlib.
    pub cose_bytes: usize,
}

type Enc = Encoder<Vec<u8>>;

fn err<E: std::fmt::Display>(e: E) -> BoxError {
    format!("CBOR: {e}").into()
}

fn day(d: Day) -> String {
    d.to_date().format("%Y-%m-%d").to_string()
}

/// A CBOR map with text keys whose absent values are left out.
struct MapBuilder<'a> {
    entries: Vec<(&'a str, Vec<u8>)>,
}

impl<'a> MapBuilder<'a> {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    fn text(mut self, key: &'a str, value: Option<&str>) -> Result<Self, BoxError> {
        if let Some(v) = value {
            let mut e = Enc::new(Vec::new());
            e.str(v).map_err(err)?;
            self.entries.push((key, e.into_writer()));
        }
        Ok(self)
    }

    fn uint(mut self, key: &'a str, value: Option<u64>) -> Result<Self, BoxError> {
        if let Some(v) = value {
            let mut e = Enc::new(Vec::new());
            e.u64(v).map_err(err)?;
            self.entries.push((key, e.into_writer()));
        }
        Ok(self)
    }

    fn flag(mut self, key: &'a str, value: bool) -> Result<Self, BoxError> {
        if value {
            let mut e = Enc::new(Vec::new());
            e.bool(true).map_err(err)?;
            self.entries.push((key, e.into_writer()));
        }
        Ok(self)
    }

    /// An array of already encoded items; left out when empty.
    fn list(mut self, key: &'a str, items: Vec<Vec<u8>>) -> Result<Self, BoxError> {
        if !items.is_empty() {
            let mut e = Enc::new(Vec::new());
            e.array(items.len() as u64).map_err(err)?;
            let mut bytes = e.into_writer();
            for item in items {
                bytes.extend_from_slice(&item);
            }
            self.entries.push((key, bytes));
        }
        Ok(self)
    }

    fn finish(self) -> Result<Vec<u8>, BoxError> {
        let mut e = Enc::new(Vec::new());
        e.map(self.entries.len() as u64).map_err(err)?;
        let mut bytes = e.into_writer();
        for (key, value) in self.entries {
            let mut k = Enc::new(Vec::new());
            k.str(key).map_err(err)?;
            bytes.extend_from_slice(&k.into_writer());
            bytes.extend_from_slice(&value);
        }
        Ok(bytes)
    }
}

fn point(p: &PackLabPoint) -> Result<Vec<u8>, BoxError> {
    MapBuilder::new()
        .text("d", Some(&day(p.date)))?
        .text("v", Some(&p.value))?
        .flag("ab", p.abnormal)?
        .finish()
}

/// The pack in DCC style: short text keys, ISO dates, text values; absent fields left out.
pub fn pack_content(pack: &ConsultationPack) -> Result<Vec<u8>, BoxError> {
    let p = &pack.patient;
    let allergies = pack
        .allergies
        .iter()
        .map(|a| {
            MapBuilder::new()
                .text("s", Some(&a.substance))?
                .text("r", a.reaction.as_deref())?
                .uint("sv", a.severity.map(u64::from))?
                .text("d", a.date.map(day).as_deref())?
                .finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conditions = pack
        .conditions
        .iter()
        .map(|c| {
            MapBuilder::new()
                .text("n", Some(&c.name))?
                .text("co", c.code.as_deref())?
                .text("on", c.since.map(day).as_deref())?
                .text("rd", Some(&day(c.recorded)))?
                .finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let medications = pack
        .medications
        .iter()
        .map(|m| {
            MapBuilder::new()
                .text("n", Some(&m.name))?
                .text("st", m.strength.as_deref())?
                .text("in", Some(&m.instructions))?
                .text("df", Some(&day(m.prescribed_on)))?
                .text("du", Some(&day(m.ends_on)))?
                .text("pr", Some(&m.prescriber))?
                .text("co", m.code.as_deref())?
                .text("nt", m.notes.as_deref())?
                .finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let labs = pack
        .labs
        .iter()
        .map(|l| {
            let points = std::iter::once(&l.latest)
                .chain(&l.previous)
                .map(point)
                .collect::<Result<Vec<_>, _>>()?;
            MapBuilder::new()
                .text("n", Some(&l.analyte))?
                .text("lc", l.loinc.as_deref())?
                .text("u", l.unit.as_deref())?
                .text("rr", l.reference_range.as_deref())?
                .list("v", points)?
                .finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let letters = pack
        .letters
        .iter()
        .map(|l| {
            MapBuilder::new()
                .text("au", Some(&l.author))?
                .text("sp", l.specialty.as_deref())?
                .text("d", Some(&day(l.date)))?
                .text("t", Some(&l.subject))?
                .text("b", l.body.as_deref())?
                .finish()
        })
        .collect::<Result<Vec<_>, _>>()?;
    MapBuilder::new()
        .text("nam", Some(&p.name))?
        .text("dob", Some(&day(p.birth_date)))?
        .text("bg", p.blood_group.as_deref())?
        .text("ins", p.ins.as_deref())?
        .text("ec", p.emergency_contact.as_deref())?
        .text("cs", pack.changes_since.map(day).as_deref())?
        .list("a", allergies)?
        .list("c", conditions)?
        .list("m", medications)?
        .list("l", labs)?
        .list("lt", letters)?
        .finish()
}

/// The DCC's key id: the first 8 bytes of SHA-256 of the signer's certificate. There is no
/// certificate here, so of the public key (the same length).
pub fn kid(key: &VerifyingKey) -> [u8; 8] {
    let digest = Sha256::digest(key.to_encoded_point(false).as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    id
}

/// The CWT claims: issuer, expiry, issued at, and `hcert` {1: content}.
fn cwt(content: &[u8], issued_at: u64, expires_at: u64) -> Result<Vec<u8>, BoxError> {
    let mut e = Enc::new(Vec::new());
    e.map(4)
        .map_err(err)?
        .i64(CWT_ISS)
        .map_err(err)?
        .str(ISSUER)
        .map_err(err)?
        .i64(CWT_EXP)
        .map_err(err)?
        .u64(expires_at)
        .map_err(err)?
        .i64(CWT_IAT)
        .map_err(err)?
        .u64(issued_at)
        .map_err(err)?
        .i64(CWT_HCERT)
        .map_err(err)?
        .map(1)
        .map_err(err)?
        .u64(1)
        .map_err(err)?;
    let mut bytes = e.into_writer();
    bytes.extend_from_slice(content);
    Ok(bytes)
}

/// The Sig_structure of RFC 8152 §4.4 for a COSE_Sign1.
fn sig_structure(protected: &[u8], payload: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut e = Enc::new(Vec::new());
    e.array(4)
        .map_err(err)?
        .str("Signature1")
        .map_err(err)?
        .bytes(protected)
        .map_err(err)?
        .bytes(&[])
        .map_err(err)?
        .bytes(payload)
        .map_err(err)?;
    Ok(e.into_writer())
}

/// COSE_Sign1 over the CWT: protected {1: -7}, unprotected {4: kid}, ES256.
pub fn sign(key: &SigningKey, payload: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut p = Enc::new(Vec::new());
    p.map(1)
        .map_err(err)?
        .i64(ALG)
        .map_err(err)?
        .i64(ES256)
        .map_err(err)?;
    let protected = p.into_writer();
    let signature: Signature = key.sign(&sig_structure(&protected, payload)?);
    let mut e = Enc::new(Vec::new());
    e.tag(Tag::new(COSE_SIGN1))
        .map_err(err)?
        .array(4)
        .map_err(err)?
        .bytes(&protected)
        .map_err(err)?
        .map(1)
        .map_err(err)?
        .i64(KID)
        .map_err(err)?
        .bytes(&kid(key.verifying_key()))
        .map_err(err)?
        .bytes(payload)
        .map_err(err)?
        .bytes(&signature.to_bytes())
        .map_err(err)?;
    Ok(e.into_writer())
}

/// What a verifier does: base45, inflate, take the COSE_Sign1 apart, check the signature.
/// Returns the CWT payload.
pub fn verify(text: &str, key: &VerifyingKey) -> Result<Vec<u8>, BoxError> {
    let body = text.strip_prefix("HC1:").ok_or("DCC: no HC1: prefix")?;
    let zipped = base45::decode(body).map_err(|e| format!("DCC: base45: {e:?}"))?;
    let mut cose = Vec::new();
    ZlibDecoder::new(zipped.as_slice()).read_to_end(&mut cose)?;
    let mut d = minicbor::Decoder::new(&cose);
    if d.tag().map_err(err)? != Tag::new(COSE_SIGN1) || d.array().map_err(err)? != Some(4) {
        return Err("DCC: not a COSE_Sign1".into());
    }
    let protected = d.bytes().map_err(err)?.to_vec();
    d.skip().map_err(err)?;
    let payload = d.bytes().map_err(err)?.to_vec();
    let signature = Signature::from_slice(d.bytes().map_err(err)?)?;
    key.verify(&sig_structure(&protected, &payload)?, &signature)?;
    Ok(payload)
}

/// Signs `content` as a DCC would, zlib, base45, `HC1:`; then verifies it.
pub fn encode(
    content: &[u8],
    key: &SigningKey,
    issued_at: u64,
    expires_at: u64,
) -> Result<DccCode, BoxError> {
    let claims = cwt(content, issued_at, expires_at)?;
    let cose = sign(key, &claims)?;
    let zipped = crate::zlib(&cose)?;
    let text = format!("HC1:{}", base45::encode(&zipped));
    if verify(&text, key.verifying_key())? != claims {
        return Err("DCC: the claims did not survive the round trip".into());
    }
    Ok(DccCode {
        encoded: Encoded {
            content_bytes: content.len(),
            compressed_bytes: zipped.len(),
            payload_bytes: zipped.len(),
            version: qr::version_at_m(&text),
            mode: qr::mode_of(&text),
            text,
        },
        cose_bytes: cose.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_builder_leaves_absent_fields_out() {
        let bytes = MapBuilder::new()
            .text("a", Some("x"))
            .unwrap()
            .text("b", None)
            .unwrap()
            .flag("c", false)
            .unwrap()
            .finish()
            .unwrap();
        // {"a": "x"}
        assert_eq!(bytes, [0xa1, 0x61, b'a', 0x61, b'x']);
    }

    #[test]
    fn signs_and_verifies() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let code = encode(&[0xa0], &key, 1_700_000_000, 1_700_001_800).unwrap();
        assert!(code.encoded.text.starts_with("HC1:"));
        let other = SigningKey::random(&mut rand::rngs::OsRng);
        assert!(verify(&code.encoded.text, other.verifying_key()).is_err());
    }
}
