//! Sealing a pack: to a doctor's hello (the default) or open (the key travels in the code).
//!
//! # Format (sealed share version 1, QR prefix `CS1:`)
//!
//! ```text
//! [0]       version = 1
//! [1]       mode: 1 = sealed to a hello, 2 = open
//! [2..6]    expiry, Unix seconds, u32 big-endian
//! [6..9]    length of the ciphertext and tag, u24 big-endian (tells truncation from damage)
//! mode 1:   [9..41]  ephemeral X25519 public key   [41..49] the hello's key id
//! mode 2:   [9..41]  the share key
//! then      XChaCha20-Poly1305 ciphertext of the compressed pack, and its 16-byte tag
//! ```
//!
//! Mode 1: `ikm = X25519(ephemeral secret, hello key)`, rejecting a non-contributory result;
//! `HKDF-SHA256(ikm, salt = ephemeral key || hello key, info = "carnet.share.v1.hello")`
//! gives 32 bytes of key and 24 of nonce. Mode 2: `HKDF-SHA256(share key, info =
//! "carnet.share.v1.open")`. The key is used once, so the derived nonce never repeats.
//! The associated data is the header (everything before the ciphertext), then in mode 1 the
//! hello's key and expiry: a share is bound to its expiry and to the hello it answers.

use super::ShareError;
use super::compress;
use super::hello::{DoctorSession, Hello};
use super::pack::{self, ConsultationPack};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

pub const SHARE_V1: u8 = 1;
const MODE_HELLO: u8 = 1;
const MODE_OPEN: u8 = 2;
const TAG_LEN: usize = 16;
/// The largest sealed share accepted (a 64 KiB pack, compressed, plus headers, with room).
pub const MAX_SEALED_BYTES: usize = 96 * 1024;

/// Who can open a share.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ShareMode {
    /// Only the device that showed the hello with this fingerprint.
    ToHello { fingerprint: String },
    /// Anyone who scans the code can read it.
    Open,
}

/// Secrets a test vector fixes; production code uses [`seal`], which draws them at random.
pub enum SealSecret {
    Ephemeral([u8; 32]),
    OpenKey([u8; 32]),
}

impl std::fmt::Debug for SealSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealSecret(<redacted>)")
    }
}

fn derive(
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: &[u8],
) -> Result<(Zeroizing<[u8; 32]>, [u8; 24]), ShareError> {
    let hk = Hkdf::<Sha256>::new(salt, ikm);
    let mut okm = Zeroizing::new([0u8; 56]);
    hk.expand(info, okm.as_mut())
        .map_err(|_| ShareError::Malformed("key derivation"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&okm[..32]);
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&okm[32..]);
    Ok((key, nonce))
}

fn hello_ad(header: &[u8], hello: &Hello) -> Vec<u8> {
    let mut ad = header.to_vec();
    ad.extend_from_slice(&hello.session_key);
    ad.extend_from_slice(&hello.expires_at.to_be_bytes());
    ad
}

/// Seals `pack` for `recipient` (a hello, or `None` for an open share) until `expires_at`.
pub fn seal(
    pack: &ConsultationPack,
    recipient: Option<&Hello>,
    expires_at: u64,
) -> Result<Vec<u8>, ShareError> {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    let secret = match recipient {
        Some(_) => SealSecret::Ephemeral(secret),
        None => SealSecret::OpenKey(secret),
    };
    seal_with(pack, recipient, expires_at, secret)
}

/// [`seal`] with a chosen secret, for test vectors.
pub fn seal_with(
    pack: &ConsultationPack,
    recipient: Option<&Hello>,
    expires_at: u64,
    secret: SealSecret,
) -> Result<Vec<u8>, ShareError> {
    let expiry =
        u32::try_from(expires_at).map_err(|_| ShareError::Malformed("expiry beyond 2106"))?;
    let plaintext = Zeroizing::new(compress::compress(&pack::encode(pack)));
    let ciphertext_len =
        u32::try_from(plaintext.len() + TAG_LEN).map_err(|_| ShareError::TooLarge)?;
    if ciphertext_len as usize > MAX_SEALED_BYTES {
        return Err(ShareError::TooLarge);
    }
    let length = ciphertext_len.to_be_bytes();
    let mut header = vec![SHARE_V1];
    let (key, nonce, ad) = match (recipient, secret) {
        (Some(hello), SealSecret::Ephemeral(eph)) => {
            let eph = StaticSecret::from(eph);
            let eph_pub = PublicKey::from(&eph).to_bytes();
            let shared = eph.diffie_hellman(&PublicKey::from(hello.session_key));
            if !shared.was_contributory() {
                return Err(ShareError::Malformed(
                    "the hello's key is not a valid public key",
                ));
            }
            header.push(MODE_HELLO);
            header.extend_from_slice(&expiry.to_be_bytes());
            header.extend_from_slice(&length[1..]);
            header.extend_from_slice(&eph_pub);
            header.extend_from_slice(&hello.key_id());
            let mut salt = eph_pub.to_vec();
            salt.extend_from_slice(&hello.session_key);
            let (key, nonce) = derive(shared.as_bytes(), Some(&salt), b"carnet.share.v1.hello")?;
            let ad = hello_ad(&header, hello);
            (key, nonce, ad)
        }
        (None, SealSecret::OpenKey(share_key)) => {
            header.push(MODE_OPEN);
            header.extend_from_slice(&expiry.to_be_bytes());
            header.extend_from_slice(&length[1..]);
            header.extend_from_slice(&share_key);
            let (key, nonce) = derive(&share_key, None, b"carnet.share.v1.open")?;
            (key, nonce, header.clone())
        }
        _ => return Err(ShareError::Malformed("secret does not match the recipient")),
    };
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &ad,
            },
        )
        .map_err(|_| ShareError::TooLarge)?;
    header.extend_from_slice(&ciphertext);
    Ok(header)
}

/// A share that opened: its pack, who could open it, and until when it was valid.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OpenedShare {
    pub pack: ConsultationPack,
    pub mode: ShareMode,
    /// Unix seconds.
    pub expires_at: u64,
}

fn take(bytes: &[u8], at: usize, len: usize) -> Result<&[u8], ShareError> {
    bytes.get(at..at + len).ok_or(ShareError::Truncated)
}

/// Opens a sealed share at time `now` (Unix seconds). A share sealed to a hello needs the
/// session that showed it, found among `sessions` by the hello's key id.
pub fn open(
    sealed: &[u8],
    sessions: &[DoctorSession],
    now: u64,
) -> Result<OpenedShare, ShareError> {
    if sealed.len() > MAX_SEALED_BYTES {
        return Err(ShareError::TooLarge);
    }
    let version = *sealed.first().ok_or(ShareError::Truncated)?;
    if version != SHARE_V1 {
        return Err(ShareError::UnsupportedVersion(version));
    }
    let mode = *sealed.get(1).ok_or(ShareError::Truncated)?;
    let expiry_bytes: [u8; 4] = take(sealed, 2, 4)?
        .try_into()
        .map_err(|_| ShareError::Truncated)?;
    let expires_at = u64::from(u32::from_be_bytes(expiry_bytes));
    let length = take(sealed, 6, 3)?;
    let declared =
        usize::from(length[0]) << 16 | usize::from(length[1]) << 8 | usize::from(length[2]);
    let (key, nonce, ad, body_at, share_mode) = match mode {
        MODE_HELLO => {
            if sessions.is_empty() {
                return Err(ShareError::NeedsDoctorSession);
            }
            let eph_pub: [u8; 32] = take(sealed, 9, 32)?
                .try_into()
                .map_err(|_| ShareError::Truncated)?;
            let key_id = take(sealed, 41, 8)?;
            let session = sessions
                .iter()
                .find(|s| s.hello().key_id() == key_id)
                .ok_or(ShareError::WrongKey)?;
            let hello = session.hello();
            let shared = session.secret().diffie_hellman(&PublicKey::from(eph_pub));
            if !shared.was_contributory() {
                return Err(ShareError::Tampered);
            }
            let mut salt = eph_pub.to_vec();
            salt.extend_from_slice(&hello.session_key);
            let (key, nonce) = derive(shared.as_bytes(), Some(&salt), b"carnet.share.v1.hello")?;
            let header = take(sealed, 0, 49)?;
            (
                key,
                nonce,
                hello_ad(header, hello),
                49,
                ShareMode::ToHello {
                    fingerprint: hello.fingerprint(),
                },
            )
        }
        MODE_OPEN => {
            let share_key = take(sealed, 9, 32)?;
            let (key, nonce) = derive(share_key, None, b"carnet.share.v1.open")?;
            (
                key,
                nonce,
                take(sealed, 0, 41)?.to_vec(),
                41,
                ShareMode::Open,
            )
        }
        _ => return Err(ShareError::Malformed("unknown share mode")),
    };
    let ciphertext = sealed.get(body_at..).ok_or(ShareError::Truncated)?;
    if ciphertext.len() < declared {
        return Err(ShareError::Truncated);
    }
    if ciphertext.len() > declared || declared < TAG_LEN + 1 {
        return Err(ShareError::Malformed("length does not match"));
    }
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: ciphertext,
                    aad: &ad,
                },
            )
            .map_err(|_| ShareError::Tampered)?,
    );
    if now > expires_at {
        let expired_at =
            chrono::DateTime::from_timestamp(i64::try_from(expires_at).unwrap_or(0), 0)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
        return Err(ShareError::Expired { expired_at });
    }
    let cbor = Zeroizing::new(compress::decompress(&plaintext)?);
    let pack = pack::decode(&cbor).map_err(|_| ShareError::Malformed("pack content"))?;
    Ok(OpenedShare {
        pack,
        mode: share_mode,
        expires_at,
    })
}
