//! A key used for one message only: 32 bytes of XChaCha20-Poly1305 key and its 24-byte nonce,
//! both expanded by HKDF-SHA256 from secret input keying material. Because the input is fresh
//! for every message (a new ephemeral key agreement, a new random share key), the derived
//! nonce never repeats under the same key. [`OneTimeKey::seal`] and [`OneTimeKey::open`]
//! consume the key, so it cannot be used twice by mistake.

use super::{CryptoError, xchacha};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Bytes of the AEAD tag a sealed message carries.
pub const TAG_LEN: usize = xchacha::TAG_LEN;

pub struct OneTimeKey {
    key: Zeroizing<[u8; 32]>,
    nonce: [u8; 24],
}

impl std::fmt::Debug for OneTimeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeKey(<redacted>)")
    }
}

impl OneTimeKey {
    /// `HKDF-SHA256(ikm, salt, info)` expanded to 56 bytes: the key, then the nonce.
    pub fn derive(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> Result<Self, CryptoError> {
        let mut okm = Zeroizing::new([0u8; 56]);
        Hkdf::<Sha256>::new(salt, ikm)
            .expand(info, okm.as_mut())
            .map_err(|_| CryptoError::Kdf("HKDF length"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&okm[..32]);
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&okm[32..]);
        Ok(Self { key, nonce })
    }

    /// Seals `plaintext`, bound to `ad`: the ciphertext followed by its 16-byte tag.
    pub fn seal(self, ad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        xchacha::seal(&self.key, &self.nonce, ad, plaintext)
    }

    /// Opens what [`OneTimeKey::seal`] made; any change to it or to `ad` is
    /// [`CryptoError::Authentication`], and no unauthenticated byte is returned.
    pub fn open(self, ad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        xchacha::open(&self.key, &self.nonce, ad, sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_once_and_detects_any_change() {
        let key = || OneTimeKey::derive(&[5u8; 32], None, b"test.v1");
        let sealed = key()
            .and_then(|k| k.seal(b"ad", b"pack"))
            .unwrap_or_default();
        assert_eq!(sealed.len(), 4 + TAG_LEN);
        let opened = key().and_then(|k| k.open(b"ad", &sealed));
        assert_eq!(opened.map(|p| p.to_vec()).ok(), Some(b"pack".to_vec()));
        assert!(matches!(
            key().and_then(|k| k.open(b"other ad", &sealed)),
            Err(CryptoError::Authentication)
        ));
        let other_info = OneTimeKey::derive(&[5u8; 32], None, b"test.v2");
        assert!(other_info.and_then(|k| k.open(b"ad", &sealed)).is_err());
    }
}
