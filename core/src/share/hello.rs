//! The doctor's hello: the code a doctor's device shows first, so the patient's share can be
//! sealed to a key that only that device holds. A bystander photographing the patient's screen
//! then learns nothing.
//!
//! # Format (hello version 1, QR prefix `CH1:`)
//!
//! CBOR map: `0` the X25519 session public key (32 bytes), `1` expiry (Unix seconds).
//! Keys `2` (practitioner certificate, DER) and `3` (signature over keys 0 and 1) are reserved
//! for the trust module.
//!
//! The session secret stays on the doctor's device ([`DoctorSession`]) and is zeroized on drop.

use super::ShareError;
use super::text::{self, CodeKind};
use minicbor::{Decode, Encode};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::fmt;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// How long a hello stays valid by default.
pub const DEFAULT_HELLO_SECONDS: u64 = 15 * 60;

#[derive(Clone, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
struct HelloWire {
    #[cbor(n(0), with = "minicbor::bytes")]
    session_key: [u8; 32],
    #[n(1)]
    expires_at: u64,
}

/// What the patient's app reads from the doctor's screen.
#[derive(Clone, PartialEq, Eq)]
pub struct Hello {
    pub session_key: [u8; 32],
    /// Unix seconds.
    pub expires_at: u64,
}

impl fmt::Debug for Hello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hello")
            .field("fingerprint", &self.fingerprint())
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Hello {
    /// 8 bytes that name this hello in a share, so the doctor's device can tell which of its
    /// sessions a share is for.
    pub fn key_id(&self) -> [u8; 8] {
        let digest = Sha256::new_with_prefix(b"carnet.hello.key-id.v1")
            .chain_update(self.session_key)
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        id
    }

    /// The key id as the patient and the doctor can compare it on screen: `3F2A-91C0-…`.
    pub fn fingerprint(&self) -> String {
        let hex: String = self.key_id().iter().map(|b| format!("{b:02X}")).collect();
        hex.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    pub fn to_text(&self) -> String {
        let wire = HelloWire {
            session_key: self.session_key,
            expires_at: self.expires_at,
        };
        text::encode(
            CodeKind::Hello,
            &minicbor::to_vec(&wire).unwrap_or_default(),
        )
    }

    /// Reads a hello scanned from the doctor's screen; refuses an expired one.
    pub fn parse(text: &str, now: u64) -> Result<Self, ShareError> {
        let (kind, bytes) = text::decode(text)?;
        if kind != CodeKind::Hello {
            return Err(ShareError::Malformed("expected the doctor's hello code"));
        }
        let wire: HelloWire =
            minicbor::decode(&bytes).map_err(|_| ShareError::Malformed("hello content"))?;
        let hello = Self {
            session_key: wire.session_key,
            expires_at: wire.expires_at,
        };
        if now > hello.expires_at {
            return Err(ShareError::HelloExpired);
        }
        Ok(hello)
    }
}

/// The doctor's side of a hello: the session secret that opens shares sealed to it.
pub struct DoctorSession {
    secret: StaticSecret,
    hello: Hello,
}

impl fmt::Debug for DoctorSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoctorSession")
            .field("hello", &self.hello)
            .finish_non_exhaustive()
    }
}

impl DoctorSession {
    /// A fresh session valid for `lifetime` seconds from `now`.
    pub fn new(now: u64, lifetime: u64) -> Self {
        Self::from_secret(
            StaticSecret::random_from_rng(OsRng).to_bytes(),
            now.saturating_add(lifetime),
        )
    }

    /// Restores a session kept in the doctor's local state (or fixed by a test vector).
    pub fn from_secret(secret: [u8; 32], expires_at: u64) -> Self {
        let secret = StaticSecret::from(secret);
        let session_key = PublicKey::from(&secret).to_bytes();
        Self {
            secret,
            hello: Hello {
                session_key,
                expires_at,
            },
        }
    }

    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The secret, for the doctor's local state only.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    pub(crate) fn secret(&self) -> &StaticSecret {
        &self.secret
    }
}
