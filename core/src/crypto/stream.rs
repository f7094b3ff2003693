//! Streamed encryption for large attachments: the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway, Vizár), as in the age format, from the `aead` crate's `stream` module.
//!
//! Each attachment has its own random key and a random 19-byte nonce prefix; each 64 KiB chunk
//! is sealed with XChaCha20-Poly1305 under the nonce `prefix || counter (32-bit BE) || last`,
//! where `last` is 1 only for the final chunk. So:
//! - reordered chunks fail (wrong counter),
//! - a truncated stream fails (the chunk read last was not sealed as last),
//! - an extended stream fails (a chunk after the last one cannot exist),
//! - a flipped bit fails (the tag),
//!
//! Each chunk is verified before its plaintext is released.

use super::{CryptoError, SecretKey};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::generic_array::GenericArray;
use chacha20poly1305::aead::stream::{
    DecryptorBE32, EncryptorBE32, NewStream, StreamBE32, StreamPrimitive,
};
use chacha20poly1305::aead::{KeyInit, Payload};
use rand::RngCore;
use rand::rngs::OsRng;
use std::fmt;

/// Plaintext bytes per chunk.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Bytes of the nonce prefix (24-byte XChaCha nonce minus 4 counter bytes and the last flag).
pub const NONCE_PREFIX_LEN: usize = 19;

/// The per-attachment secret: its key and nonce prefix.
#[derive(Clone)]
pub struct StreamKey {
    pub key: SecretKey,
    pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
}

impl StreamKey {
    pub fn random() -> Self {
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        OsRng.fill_bytes(&mut nonce_prefix);
        Self {
            key: SecretKey::random(),
            nonce_prefix,
        }
    }
}

impl fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamKey(<redacted>)")
    }
}

/// Seals chunks in order; the final one with [`ChunkSealer::seal_last`].
pub struct ChunkSealer {
    stream: EncryptorBE32<XChaCha20Poly1305>,
    ad: Vec<u8>,
}

impl ChunkSealer {
    pub fn new(stream_key: &StreamKey) -> Self {
        Self::with_associated_data(stream_key, Vec::new())
    }

    /// Every chunk is also bound to `ad` (a backup binds its header this way). Empty `ad` is
    /// the same as none, so attachments written with [`ChunkSealer::new`] are unchanged.
    pub fn with_associated_data(stream_key: &StreamKey, ad: Vec<u8>) -> Self {
        let cipher = XChaCha20Poly1305::new(stream_key.key.as_bytes().into());
        let stream =
            EncryptorBE32::from_aead(cipher, GenericArray::from_slice(&stream_key.nonce_prefix));
        Self { stream, ad }
    }

    pub fn seal_next(&mut self, chunk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .encrypt_next(Payload {
                msg: chunk,
                aad: &self.ad,
            })
            .map_err(|_| CryptoError::Malformed("stream too long"))
    }

    pub fn seal_last(self, chunk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .encrypt_last(Payload {
                msg: chunk,
                aad: &self.ad,
            })
            .map_err(|_| CryptoError::Malformed("stream too long"))
    }
}

impl fmt::Debug for ChunkSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChunkSealer")
    }
}

/// Opens chunks in order; the final one with [`ChunkOpener::open_last`].
pub struct ChunkOpener {
    stream: DecryptorBE32<XChaCha20Poly1305>,
    ad: Vec<u8>,
}

impl ChunkOpener {
    pub fn new(stream_key: &StreamKey) -> Self {
        Self::with_associated_data(stream_key, Vec::new())
    }

    pub fn with_associated_data(stream_key: &StreamKey, ad: Vec<u8>) -> Self {
        let cipher = XChaCha20Poly1305::new(stream_key.key.as_bytes().into());
        let stream =
            DecryptorBE32::from_aead(cipher, GenericArray::from_slice(&stream_key.nonce_prefix));
        Self { stream, ad }
    }

    pub fn open_next(&mut self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .decrypt_next(Payload {
                msg: sealed,
                aad: &self.ad,
            })
            .map_err(|_| CryptoError::Authentication)
    }

    pub fn open_last(self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .decrypt_last(Payload {
                msg: sealed,
                aad: &self.ad,
            })
            .map_err(|_| CryptoError::Authentication)
    }
}

impl fmt::Debug for ChunkOpener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChunkOpener")
    }
}

/// The same STREAM construction with random access: seal or open chunk `position`, saying
/// whether it is the last. A reader that meets the end of its input can then tell a stream
/// cut at a chunk boundary (the chunk opens as "not last") from one that was modified.
pub struct StreamChunks {
    stream: StreamBE32<XChaCha20Poly1305>,
    ad: Vec<u8>,
}

impl StreamChunks {
    pub fn new(stream_key: &StreamKey, ad: Vec<u8>) -> Self {
        let cipher = XChaCha20Poly1305::new(stream_key.key.as_bytes().into());
        Self {
            stream: StreamBE32::from_aead(
                cipher,
                GenericArray::from_slice(&stream_key.nonce_prefix),
            ),
            ad,
        }
    }

    pub fn seal(&self, position: u32, last: bool, chunk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .encrypt(
                position,
                last,
                Payload {
                    msg: chunk,
                    aad: &self.ad,
                },
            )
            .map_err(|_| CryptoError::Malformed("stream too long"))
    }

    pub fn open(&self, position: u32, last: bool, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.stream
            .decrypt(
                position,
                last,
                Payload {
                    msg: sealed,
                    aad: &self.ad,
                },
            )
            .map_err(|_| CryptoError::Authentication)
    }
}

impl fmt::Debug for StreamChunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamChunks")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed_chunks(key: &StreamKey, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut sealer = ChunkSealer::new(key);
        let (last, rest) = chunks.split_last().unwrap();
        let mut out: Vec<Vec<u8>> = rest.iter().map(|c| sealer.seal_next(c).unwrap()).collect();
        out.push(sealer.seal_last(last).unwrap());
        out
    }

    fn open_all(key: &StreamKey, sealed: &[Vec<u8>]) -> Result<Vec<u8>, CryptoError> {
        let mut opener = ChunkOpener::new(key);
        let (last, rest) = sealed.split_last().ok_or(CryptoError::Malformed("empty"))?;
        let mut out = Vec::new();
        for c in rest {
            out.extend(opener.open_next(c)?);
        }
        out.extend(opener.open_last(last)?);
        Ok(out)
    }

    #[test]
    fn detects_truncation_reordering_extension_and_flips() {
        let key = StreamKey::random();
        let sealed = sealed_chunks(&key, &[b"chunk one", b"chunk two", b"chunk three"]);
        assert_eq!(
            open_all(&key, &sealed).unwrap(),
            b"chunk onechunk twochunk three"
        );
        // Truncated: the last remaining chunk was not sealed as last.
        assert!(open_all(&key, &sealed[..2]).is_err());
        // Reordered.
        let mut swapped = sealed.clone();
        swapped.swap(0, 1);
        assert!(open_all(&key, &swapped).is_err());
        // Extended with a copy of the last chunk.
        let mut extended = sealed.clone();
        extended.push(sealed[2].clone());
        assert!(open_all(&key, &extended).is_err());
        // A flipped bit anywhere.
        for i in 0..sealed[1].len() {
            let mut flipped = sealed.clone();
            flipped[1][i] ^= 0x80;
            assert!(open_all(&key, &flipped).is_err());
        }
        // Another key.
        assert!(open_all(&StreamKey::random(), &sealed).is_err());
    }
}
