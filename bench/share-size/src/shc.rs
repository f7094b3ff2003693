//! (b) SMART Health Card: the FHIR bundle in a verifiable-credential JWT payload, minified,
//! raw DEFLATE, JWS compact with ES256 (`{"alg":"ES256","zip":"DEF","kid":…}`), then
//! `shc:/` and two digits per JWS character (its code minus 45), which QR encodes in numeric
//! mode.
//!
//! SHC limits a code to QR version 22. Its older chunking protocol (`shc:/i/N/…`, deprecated
//! since SHC 1.3.0) split a longer JWS across several codes; [`chunks_within_v22`] says how
//! many that would take at ECC M.

use crate::{BoxError, Encoded, fhir, qr};
use carnet_core::share::ConsultationPack;
use data_encoding::BASE64URL_NOPAD;
use flate2::read::DeflateDecoder;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Read;

/// The issuer URL in the payload. SHC requires one; a short one, to be fair to SHC.
pub const ISSUER: &str = "https://carnet.example";
/// The largest QR version SHC allows for one code.
pub const SHC_MAX_VERSION: i16 = 22;

/// What the SMART Health Card of one pack measures.
#[derive(Debug)]
pub struct HealthCard {
    pub encoded: Encoded,
    /// The minified FHIR bundle alone.
    pub bundle_bytes: usize,
    /// The JWS compact serialisation.
    pub jws: String,
    /// Codes the deprecated chunking would need to stay within version 22 at ECC M.
    pub chunks_within_v22: usize,
}

/// The key id SHC asks for: the base64url SHA-256 JWK thumbprint (RFC 7638) of the key.
pub fn kid(key: &VerifyingKey) -> Result<String, BoxError> {
    let point = key.to_encoded_point(false);
    let (x, y) = point
        .x()
        .zip(point.y())
        .ok_or("SHC: the public key has no affine coordinates")?;
    let jwk = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        BASE64URL_NOPAD.encode(x),
        BASE64URL_NOPAD.encode(y)
    );
    Ok(BASE64URL_NOPAD.encode(&Sha256::digest(jwk.as_bytes())))
}

/// The JWT payload: issuer, issuance and expiry, and the bundle as a health card.
pub fn payload(bundle: Value, issued_at: u64, expires_at: u64) -> Value {
    json!({
        "iss": ISSUER,
        "nbf": issued_at,
        "exp": expires_at,
        "vc": {
            "type": ["https://smarthealth.cards#health-card"],
            "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": bundle},
        },
    })
}

/// `shc:/` then each character as two digits of its code minus 45.
pub fn numeric(jws: &str) -> String {
    let mut out = String::with_capacity(5 + 2 * jws.len());
    out.push_str("shc:/");
    for b in jws.bytes() {
        let v = b.saturating_sub(45);
        out.push(char::from(b'0' + v / 10));
        out.push(char::from(b'0' + v % 10));
    }
    out
}

/// How many `shc:/i/N/` codes, each at most version 22 at ECC M, the JWS would take with
/// SHC's (deprecated) balanced chunking.
pub fn chunks_within_v22(jws: &str) -> usize {
    let bytes = jws.as_bytes();
    (1..=bytes.len().max(1))
        .find(|&n| {
            let size = bytes.len().div_ceil(n);
            bytes.chunks(size.max(1)).enumerate().all(|(i, chunk)| {
                let body = numeric(std::str::from_utf8(chunk).unwrap_or_default());
                let text = if n == 1 {
                    body
                } else {
                    format!("shc:/{}/{n}/{}", i + 1, &body[5..])
                };
                qr::version_at_m(&text).is_some_and(|v| v <= SHC_MAX_VERSION)
            })
        })
        .unwrap_or(bytes.len())
}

/// Builds, signs and encodes the card, then checks it: the signature verifies and the
/// payload inflates back to the same JSON.
pub fn encode(
    pack: &ConsultationPack,
    key: &SigningKey,
    issued_at: u64,
    expires_at: u64,
) -> Result<HealthCard, BoxError> {
    let bundle = fhir::bundle(pack);
    let bundle_bytes = serde_json::to_vec(&bundle)?.len();
    let payload = payload(bundle, issued_at, expires_at);
    let json = serde_json::to_vec(&payload)?;
    let deflated = crate::raw_deflate(&json)?;
    let header = format!(
        r#"{{"alg":"ES256","zip":"DEF","kid":"{}"}}"#,
        kid(key.verifying_key())?
    );
    let signing_input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header.as_bytes()),
        BASE64URL_NOPAD.encode(&deflated)
    );
    let signature: Signature = key.sign(signing_input.as_bytes());
    let jws = format!(
        "{signing_input}.{}",
        BASE64URL_NOPAD.encode(&signature.to_bytes())
    );
    verify(&jws, key.verifying_key(), &payload)?;
    let text = numeric(&jws);
    Ok(HealthCard {
        encoded: Encoded {
            content_bytes: json.len(),
            compressed_bytes: deflated.len(),
            payload_bytes: jws.len(),
            version: qr::version_at_m(&text),
            mode: qr::mode_of(&text),
            text,
        },
        bundle_bytes,
        chunks_within_v22: chunks_within_v22(&jws),
        jws,
    })
}

/// What a verifier does: check the ES256 signature, inflate, parse.
fn verify(jws: &str, key: &VerifyingKey, expected: &Value) -> Result<(), BoxError> {
    let (signing_input, signature) = jws.rsplit_once('.').ok_or("SHC: not a JWS")?;
    let signature = Signature::from_slice(&BASE64URL_NOPAD.decode(signature.as_bytes())?)?;
    key.verify(signing_input.as_bytes(), &signature)?;
    let (_, body) = signing_input.split_once('.').ok_or("SHC: not a JWS")?;
    let mut json = Vec::new();
    DeflateDecoder::new(BASE64URL_NOPAD.decode(body.as_bytes())?.as_slice())
        .read_to_end(&mut json)?;
    if serde_json::from_slice::<Value>(&json)? != *expected {
        return Err("SHC: the payload did not survive the round trip".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_encoding_follows_the_spec() {
        // '-' is 45 -> "00", 'e' is 101 -> "56", 'z' is 122 -> "77".
        assert_eq!(numeric("-ez."), "shc:/00567701");
    }

    #[test]
    fn short_jws_is_one_chunk() {
        assert_eq!(chunks_within_v22("eyJhbGciOiJFUzI1NiJ9"), 1);
        assert!(chunks_within_v22(&"a".repeat(3000)) >= 4);
    }
}
