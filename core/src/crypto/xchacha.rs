//! XChaCha20-Poly1305 for short messages (draft-irtf-cfrg-xchacha-03 §2.3): HChaCha20 from
//! RustCrypto's `chacha20` turns the key and the nonce's first 16 bytes into a subkey, and
//! ring's ChaCha20-Poly1305 (RFC 8439) seals under that subkey with the nonce's last 8 bytes
//! behind 4 zero bytes. The output is byte for byte what `chacha20poly1305::XChaCha20Poly1305`
//! writes (the tests check the draft's vector and RustCrypto's output at every length up to
//! 300 bytes), so no stored value or vector changes.
//!
//! Why not RustCrypto's AEAD here: each vault row is one short message (about 1 KB), and the
//! `poly1305` crate's AVX2 backend pays a fixed set-up of about 1.7 µs per message on x86-64
//! (its intrinsics are not inlined): 3.6 µs to seal a 920-byte row, against 0.8 µs through
//! ring's assembly, measured on the test machine. Long messages (attachments, backups) keep
//! RustCrypto's STREAM construction in [`super::stream`], where the set-up is amortised.
//!
//! ring keeps the subkey in its own key type, which it does not zeroize on drop; the subkey
//! opens that one message only, whose plaintext the caller holds anyway.

use super::CryptoError;
use chacha20::cipher::consts::U10;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::{Zeroize, Zeroizing};

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;

/// The RFC 8439 key and nonce that stand for `key` and the extended `nonce`.
fn subkey(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
) -> Result<(LessSafeKey, Nonce), CryptoError> {
    let (head, tail) = nonce.split_at(16);
    let mut derived = chacha20::hchacha::<U10>(key.into(), head.into());
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, derived.as_slice());
    derived.as_mut_slice().zeroize();
    let unbound = unbound.map_err(|_| CryptoError::Malformed("AEAD key"))?;
    let mut short = [0u8; 12];
    short[4..].copy_from_slice(tail);
    Ok((
        LessSafeKey::new(unbound),
        Nonce::assume_unique_for_key(short),
    ))
}

/// Seals `plaintext` bound to `aad`: the ciphertext followed by its 16-byte tag.
pub fn seal(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    out.extend_from_slice(plaintext);
    seal_appending(key, nonce, aad, &mut out, 0)?;
    Ok(out)
}

/// Seals in place the bytes of `buffer` from `start` on, and appends the tag; the bytes
/// before `start` (a header) are left as they are.
pub fn seal_appending(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut Vec<u8>,
    start: usize,
) -> Result<(), CryptoError> {
    let (sealing, short) = subkey(key, nonce)?;
    let tag = sealing
        .seal_in_place_separate_tag(
            short,
            Aad::from(aad),
            buffer
                .get_mut(start..)
                .ok_or(CryptoError::Malformed("header longer than buffer"))?,
        )
        .map_err(|_| CryptoError::Malformed("plaintext too long"))?;
    buffer.extend_from_slice(tag.as_ref());
    Ok(())
}

/// Opens what [`seal`] made. Any change to it, to the key, the nonce or `aad` is
/// [`CryptoError::Authentication`]; no unauthenticated byte is returned (the working buffer
/// is wiped when authentication fails).
pub fn open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < TAG_LEN {
        return Err(CryptoError::Authentication);
    }
    let (opening, short) = subkey(key, nonce)?;
    let mut buffer = Zeroizing::new(sealed.to_vec());
    let len = opening
        .open_in_place(short, Aad::from(aad), buffer.as_mut_slice())
        .map_err(|_| CryptoError::Authentication)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_default())
            .collect()
    }

    /// draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    #[test]
    fn the_drafts_vector() {
        let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let nonce: [u8; 24] = std::array::from_fn(|i| 0x40 + i as u8);
        let aad = unhex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only \
one tip for the future, sunscreen would be it.";
        let expected = unhex(concat!(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb",
            "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452",
            "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9",
            "21f9664c97637da9768812f615c68b13b52e",
            "c0875924c1c7987947deafd8780acf49",
        ));
        assert_eq!(
            seal(&key, &nonce, &aad, plaintext).ok(),
            Some(expected.clone())
        );
        let opened = open(&key, &nonce, &aad, &expected).map(|p| p.to_vec());
        assert_eq!(opened.ok(), Some(plaintext.to_vec()));
    }

    /// The same bytes as RustCrypto's XChaCha20-Poly1305, both ways, at every length.
    #[test]
    fn the_same_as_rustcrypto_at_every_length() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 7 + 3) as u8);
        let reference = XChaCha20Poly1305::new((&key).into());
        for len in 0..300usize {
            let nonce: [u8; 24] = std::array::from_fn(|i| (i + len) as u8);
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
            let aad: Vec<u8> = (0..len % 40).map(|i| i as u8).collect();
            let theirs = reference
                .encrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &plaintext,
                        aad: &aad,
                    },
                )
                .unwrap_or_default();
            let ours = seal(&key, &nonce, &aad, &plaintext).unwrap_or_default();
            assert_eq!(ours, theirs, "length {len}");
            let opened = open(&key, &nonce, &aad, &theirs).map(|p| p.to_vec());
            assert_eq!(opened.ok(), Some(plaintext), "length {len}");
        }
    }

    #[test]
    fn any_change_is_refused() {
        let key = [9u8; 32];
        let nonce = [4u8; 24];
        let sealed = seal(&key, &nonce, b"ad", b"bisoprolol 2,5 mg").unwrap_or_default();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                open(&key, &nonce, b"ad", &bad),
                Err(CryptoError::Authentication)
            ));
        }
        let mut other_nonce = nonce;
        other_nonce[23] ^= 1;
        assert!(open(&key, &other_nonce, b"ad", &sealed).is_err());
        assert!(open(&key, &nonce, b"ae", &sealed).is_err());
        assert!(open(&[8u8; 32], &nonce, b"ad", &sealed).is_err());
        assert!(open(&key, &nonce, b"ad", &sealed[..15]).is_err());
        assert!(open(&key, &nonce, b"ad", &[]).is_err());
    }

    #[test]
    fn a_header_before_the_plaintext_stays_as_it_is() {
        let key = [1u8; 32];
        let nonce = [2u8; 24];
        let mut buffer = b"HDRplain".to_vec();
        assert!(seal_appending(&key, &nonce, b"", &mut buffer, 3).is_ok());
        assert_eq!(&buffer[..3], b"HDR");
        assert_eq!(
            buffer[3..].to_vec(),
            seal(&key, &nonce, b"", b"plain").unwrap_or_default()
        );
    }
}
