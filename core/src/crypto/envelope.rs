//! The sealed-value envelope used for every encrypted field at rest.
//!
//! Format, version 1 (`SEALED_V1`):
//!
//! ```text
//! [0]      format version = 1
//! [1..25]  random 24-byte XChaCha20 nonce
//! [25..]   XChaCha20-Poly1305 ciphertext and 16-byte tag
//! ```
//!
//! The AEAD's associated data is `"carnet.sealed"`, the version byte, then the caller's
//! [`AssociatedData`]: length-prefixed parts naming the purpose, the vault, the table and the
//! row. A ciphertext copied to another row, table or vault fails authentication.
//! Random 192-bit nonces make collisions negligible for any number of rows a phone holds.

use super::{CryptoError, SecretKey, xchacha};
use rand::RngCore;
use rand::rngs::OsRng;

pub const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = xchacha::NONCE_LEN;
const TAG_LEN: usize = xchacha::TAG_LEN;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// Associated data: an unambiguous, length-prefixed list of parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssociatedData(Vec<u8>);

impl AssociatedData {
    /// Starts with the purpose, e.g. `"vault.record"`.
    pub fn new(purpose: &str) -> Self {
        // Room for a row's address (vault, record, profile, kind) without growing.
        Self(Vec::with_capacity(128)).with(purpose.as_bytes())
    }

    pub fn with(mut self, part: &[u8]) -> Self {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(part);
        self
    }

    fn for_version(&self, version: u8) -> Vec<u8> {
        let mut ad = Vec::with_capacity(self.0.len() + 16);
        ad.extend_from_slice(b"carnet.sealed");
        ad.push(version);
        ad.extend_from_slice(&self.0);
        ad
    }
}

/// Seals `plaintext` under `key` with a fresh random nonce.
pub fn seal(
    key: &SecretKey,
    ad: &AssociatedData,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    seal_under(key, ad, plaintext, nonce)
}

/// Seals with a caller-chosen nonce. Only for test vectors, where the output must be fixed;
/// production code calls [`seal`].
#[cfg(any(test, feature = "test-support"))]
pub fn seal_with_nonce(
    key: &SecretKey,
    ad: &AssociatedData,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, CryptoError> {
    seal_under(key, ad, plaintext, nonce)
}

fn seal_under(
    key: &SecretKey,
    ad: &AssociatedData,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, CryptoError> {
    let aad = ad.for_version(SEALED_V1);
    let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
    out.push(SEALED_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    xchacha::seal_appending(key.as_bytes(), &nonce, &aad, &mut out, 1 + NONCE_LEN)?;
    Ok(out)
}

/// Opens an envelope. Any change to it, to the key or to the associated data is an
/// [`CryptoError::Authentication`] error; no unauthenticated plaintext is ever returned.
pub fn open(
    key: &SecretKey,
    ad: &AssociatedData,
    sealed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, CryptoError> {
    let (&version, rest) = sealed
        .split_first()
        .ok_or(CryptoError::Malformed("empty"))?;
    if version != SEALED_V1 {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed("too short"));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: &[u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| CryptoError::Malformed("too short"))?;
    xchacha::open(key.as_bytes(), nonce, &ad.for_version(version), ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = SecretKey::random();
        let ad = AssociatedData::new("test").with(b"row-1");
        let sealed = seal(&key, &ad, b"metformine 1000 mg").unwrap();
        assert_eq!(sealed.len(), OVERHEAD + 18);
        assert_eq!(
            &open(&key, &ad, &sealed).unwrap()[..],
            b"metformine 1000 mg"
        );
        let other_row = AssociatedData::new("test").with(b"row-2");
        assert_eq!(
            open(&key, &other_row, &sealed),
            Err(CryptoError::Authentication)
        );
        assert_eq!(
            open(&SecretKey::random(), &ad, &sealed),
            Err(CryptoError::Authentication)
        );
    }

    #[test]
    fn parts_are_unambiguous() {
        let a = AssociatedData::new("x").with(b"ab").with(b"c");
        let b = AssociatedData::new("x").with(b"a").with(b"bc");
        assert_ne!(a, b);
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let key = SecretKey::random();
        let ad = AssociatedData::new("test");
        let sealed = seal(&key, &ad, b"allergie penicilline").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(open(&key, &ad, &bad).is_err(), "flip at {i} accepted");
        }
        assert!(matches!(
            open(&key, &ad, &sealed[..10]),
            Err(CryptoError::Malformed(_))
        ));
        assert_eq!(
            open(&key, &ad, &[2u8; 60]),
            Err(CryptoError::UnsupportedVersion(2))
        );
    }

    /// A fixed vector: every later version must still open it.
    #[test]
    fn test_vector_v1() {
        let key = SecretKey::from_bytes([7u8; 32]);
        let ad = AssociatedData::new("vector");
        let sealed = seal_with_nonce(&key, &ad, b"carnet", [9u8; 24]).unwrap();
        let hex: String = sealed.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, VECTOR_V1);
        assert_eq!(&open(&key, &ad, &sealed).unwrap()[..], b"carnet");
    }

    const VECTOR_V1: &str = "01090909090909090909090909090909090909090909090909dd1390e419de17394c87db203e94716c2e4e8955b493";
}
