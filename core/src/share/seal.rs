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
//! gives 32 bytes of key and 24 of nonce ([`crate::crypto::ecies`]). Mode 2:
//! `HKDF-SHA256(share key, info = "carnet.share.v1.open")`. The key is used once
//! ([`crate::crypto::one_time_key`]), so the derived nonce never repeats.
//! The associated data is the header (everything before the ciphertext), then in mode 1 the
//! hello's key and expiry: a share is bound to its expiry and to the hello it answers.
//!
//! # Comparison code (mode 1)
//!
//! Anyone who sees a hello can seal to it, so the encryption does not show who sealed. A relay
//! (a swapped hello on the doctor's screen: the attacker reads the share, then seals it again
//! to the doctor's real hello) is made visible by a code both screens show:
//! `Argon2id(salt = "carnet.share.v1.compare", ephemeral key || hello key)` with
//! [`crate::crypto::kdf::SLOW_DIGEST_PARAMS`], its first 4 bytes big-endian modulo 10^8, as
//! 8 digits `1234 5678`. A relay gives the two screens different codes unless the attacker
//! finds, in the minutes of a consultation, a second ephemeral key whose code matches: about
//! 10^8 Argon2id runs of 8 MiB each.

use super::ShareError;
use super::compress;
use super::hello::{DoctorSession, Hello};
use super::pack::{self, ConsultationPack};
use super::proofs::ProofCheck;
use crate::crypto::one_time_key::{OneTimeKey, TAG_LEN};
use crate::crypto::{CryptoError, ecies, random};
use crate::qr::frames::MAX_PAYLOAD_BYTES;
use crate::time;
use crate::trust::TrustStore;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

pub const SHARE_V1: u8 = 1;
const MODE_HELLO: u8 = 1;
const MODE_OPEN: u8 = 2;
const INFO_HELLO: &[u8] = b"carnet.share.v1.hello";
const INFO_OPEN: &[u8] = b"carnet.share.v1.open";
/// The largest sealed share accepted (a 64 KiB pack, compressed, plus headers, with room): as
/// much as frames carry.
pub const MAX_SEALED_BYTES: usize = MAX_PAYLOAD_BYTES;

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
#[cfg(any(test, feature = "test-support"))]
pub enum SealSecret {
    Ephemeral([u8; 32]),
    OpenKey([u8; 32]),
}

#[cfg(any(test, feature = "test-support"))]
impl std::fmt::Debug for SealSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealSecret(<redacted>)")
    }
}

/// How a share's key comes about: agreed with the hello, or carried in the code.
enum KeySource {
    /// The hello's key, and the ephemeral secret when a test vector fixes it.
    Hello(Option<[u8; 32]>),
    Open([u8; 32]),
}

fn hello_ad(header: &[u8], hello: &Hello) -> Vec<u8> {
    let mut ad = header.to_vec();
    ad.extend_from_slice(&hello.session_key);
    ad.extend_from_slice(&wire_expiry_u64(hello.expires_at).to_be_bytes());
    ad
}

fn wire_expiry_u64(at: DateTime<Utc>) -> u64 {
    u64::try_from(time::unix(at)).unwrap_or(0)
}

fn crypto_error(e: CryptoError) -> ShareError {
    match e {
        CryptoError::InvalidPublicKey => {
            ShareError::Malformed("the hello's key is not a valid public key")
        }
        _ => ShareError::Malformed("key derivation"),
    }
}

/// Seals `pack` for `recipient` (a hello, or `None` for an open share) until `expires_at`.
pub fn seal(
    pack: &ConsultationPack,
    recipient: Option<&Hello>,
    expires_at: DateTime<Utc>,
) -> Result<Vec<u8>, ShareError> {
    let source = match recipient {
        Some(_) => KeySource::Hello(None),
        None => KeySource::Open(random::bytes()),
    };
    seal_from(pack, recipient, expires_at, source)
}

/// [`seal`] with a chosen secret, for test vectors only.
#[cfg(any(test, feature = "test-support"))]
pub fn seal_with(
    pack: &ConsultationPack,
    recipient: Option<&Hello>,
    expires_at: DateTime<Utc>,
    secret: SealSecret,
) -> Result<Vec<u8>, ShareError> {
    let source = match secret {
        SealSecret::Ephemeral(e) => KeySource::Hello(Some(e)),
        SealSecret::OpenKey(k) => KeySource::Open(k),
    };
    seal_from(pack, recipient, expires_at, source)
}

fn seal_from(
    pack: &ConsultationPack,
    recipient: Option<&Hello>,
    expires_at: DateTime<Utc>,
    source: KeySource,
) -> Result<Vec<u8>, ShareError> {
    let expiry = u32::try_from(time::unix(expires_at))
        .map_err(|_| ShareError::Malformed("expiry outside 1970-2106"))?;
    let plaintext = Zeroizing::new(compress::compress(&pack::encode(pack)));
    let ciphertext_len =
        u32::try_from(plaintext.len() + TAG_LEN).map_err(|_| ShareError::TooLarge)?;
    if ciphertext_len as usize > MAX_SEALED_BYTES {
        return Err(ShareError::TooLarge);
    }
    let length = ciphertext_len.to_be_bytes();
    let mut header = vec![SHARE_V1];
    let (key, ad): (OneTimeKey, Vec<u8>) = match (recipient, source) {
        (Some(hello), KeySource::Hello(fixed)) => {
            let sealing = match fixed {
                #[cfg(any(test, feature = "test-support"))]
                Some(ephemeral) => {
                    ecies::seal_to_with_ephemeral(&hello.session_key, INFO_HELLO, ephemeral)
                }
                #[cfg(not(any(test, feature = "test-support")))]
                Some(_) => return Err(ShareError::Malformed("fixed secrets are for tests")),
                None => ecies::seal_to(&hello.session_key, INFO_HELLO),
            }
            .map_err(crypto_error)?;
            header.push(MODE_HELLO);
            header.extend_from_slice(&expiry.to_be_bytes());
            header.extend_from_slice(&length[1..]);
            header.extend_from_slice(&sealing.ephemeral_public);
            header.extend_from_slice(&hello.key_id());
            let ad = hello_ad(&header, hello);
            (sealing.key, ad)
        }
        (None, KeySource::Open(share_key)) => {
            let share_key = Zeroizing::new(share_key);
            header.push(MODE_OPEN);
            header.extend_from_slice(&expiry.to_be_bytes());
            header.extend_from_slice(&length[1..]);
            header.extend_from_slice(share_key.as_ref());
            let key =
                OneTimeKey::derive(share_key.as_ref(), None, INFO_OPEN).map_err(crypto_error)?;
            (key, header.clone())
        }
        _ => return Err(ShareError::Malformed("secret does not match the recipient")),
    };
    let ciphertext = key
        .seal(&ad, &plaintext)
        .map_err(|_| ShareError::TooLarge)?;
    header.extend_from_slice(&ciphertext);
    Ok(header)
}

/// A share that opened: its pack (each item's source as this device checked it), who could
/// open it, until when it was valid, the proofs it carried as checked here, and the code to
/// compare with the patient's screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OpenedShare {
    pub pack: ConsultationPack,
    pub mode: ShareMode,
    pub expires_at: DateTime<Utc>,
    /// One per proof of the pack, in its order ([`super::proofs::check`]).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub proofs: Vec<ProofCheck>,
    /// The code the patient's screen shows too (sealed to a hello only): if they differ, the
    /// share went through someone else's device.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub comparison_code: Option<String>,
}

const COMPARE_SALT: &[u8] = b"carnet.share.v1.compare";

/// The comparison code of a share sealed to `hello` (module header), or `None` for an open
/// share or one sealed to another hello.
pub fn comparison_code(sealed: &[u8], hello: &Hello) -> Option<String> {
    if sealed.get(1) != Some(&MODE_HELLO) || sealed.get(41..49)? != hello.key_id() {
        return None;
    }
    let mut input = sealed.get(9..41)?.to_vec();
    input.extend_from_slice(&hello.session_key);
    let digest = crate::crypto::kdf::slow_digest(COMPARE_SALT, &input).ok()?;
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 100_000_000;
    Some(format!("{:04} {:04}", n / 10_000, n % 10_000))
}

fn take(bytes: &[u8], at: usize, len: usize) -> Result<&[u8], ShareError> {
    bytes.get(at..at + len).ok_or(ShareError::Truncated)
}

/// Opens a sealed share at time `now`. A share sealed to a hello needs the session that
/// showed it, found among `sessions` by the hello's key id. The items' sources are what this
/// device verifies against `store`, never what the sender stated ([`super::proofs`]).
pub fn open(
    sealed: &[u8],
    sessions: &[DoctorSession],
    store: &TrustStore,
    now: DateTime<Utc>,
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
    let expires_at = time::from_unix(i64::from(u32::from_be_bytes(expiry_bytes)))
        .ok_or(ShareError::Malformed("expiry"))?;
    let length = take(sealed, 6, 3)?;
    let declared =
        usize::from(length[0]) << 16 | usize::from(length[1]) << 8 | usize::from(length[2]);
    let mut hello_used = None;
    let (key, ad, body_at, share_mode) = match mode {
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
            hello_used = Some(hello);
            let key = session
                .secret()
                .receive(&eph_pub, INFO_HELLO)
                .map_err(|_| ShareError::Tampered)?;
            let header = take(sealed, 0, 49)?;
            (
                key,
                hello_ad(header, hello),
                49,
                ShareMode::ToHello {
                    fingerprint: hello.fingerprint(),
                },
            )
        }
        MODE_OPEN => {
            let share_key = take(sealed, 9, 32)?;
            let key = OneTimeKey::derive(share_key, None, INFO_OPEN)
                .map_err(|_| ShareError::Malformed("key derivation"))?;
            (key, take(sealed, 0, 41)?.to_vec(), 41, ShareMode::Open)
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
    let plaintext = key
        .open(&ad, ciphertext)
        .map_err(|_| ShareError::Tampered)?;
    if now > expires_at {
        return Err(ShareError::Expired {
            expired_at: expires_at.format("%Y-%m-%d %H:%M").to_string(),
        });
    }
    let cbor = Zeroizing::new(compress::decompress(&plaintext)?);
    let mut pack = pack::decode(&cbor).map_err(|e| match e {
        pack::PackError::UnsupportedVersion(v) => ShareError::UnsupportedVersion(v),
        pack::PackError::NewerCodebook(v) => ShareError::NewerCodebook(v),
        pack::PackError::Malformed(what) => ShareError::Malformed(what),
    })?;
    let proofs = super::proofs::check(&mut pack, store, now);
    Ok(OpenedShare {
        pack,
        mode: share_mode,
        expires_at,
        proofs,
        comparison_code: hello_used.and_then(|h| comparison_code(sealed, h)),
    })
}
