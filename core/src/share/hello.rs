//! The doctor's hello: the code a doctor's device shows first, so the patient's share can be
//! sealed to a key that only that device holds. A bystander photographing the patient's screen
//! then learns nothing.
//!
//! # Format (hello version 1, QR prefix `CH1:`)
//!
//! CBOR map: `0` the X25519 session public key (32 bytes), `1` expiry (Unix seconds), and for a
//! verified recipient `2` the practitioner's certificate (DER, in a list; the authorities above
//! it come from the patient's trust store) and
//! `3` an ECDSA P-256 signature (64 bytes) by that certificate's key over
//! `"carnet.hello.v1" || session key || expiry (u64 BE) || SHA-256 of the chain`.
//!
//! Before sharing, [`Hello::recipient`] tells the patient who they share with: a practitioner
//! verified against the trust store, or a clear "not verified". A hello whose signature does
//! not match its certificate is refused outright.
//!
//! The session secret stays on the doctor's device ([`DoctorSession`]) and is zeroized on drop;
//! the key agreement itself is [`crate::crypto::ecies`].

use super::ShareError;
use crate::crypto::digest::Hasher;
use crate::crypto::ecies::SessionSecret;
use crate::qr::text::{self, CodeKind};
use crate::time;
use chrono::{DateTime, Utc};
use minicbor::{Decode, Encode};
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

/// How long a hello stays valid by default.
pub const DEFAULT_HELLO_LIFETIME: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, PartialEq, Eq, Encode, Decode)]
#[cbor(map)]
struct HelloWire {
    #[cbor(n(0), with = "minicbor::bytes")]
    session_key: [u8; 32],
    /// Unix seconds.
    #[n(1)]
    expires_at: u64,
    #[n(2)]
    chain: Option<Vec<minicbor::bytes::ByteVec>>,
    #[n(3)]
    signature: Option<minicbor::bytes::ByteVec>,
}

/// What the patient's app reads from the doctor's screen.
#[derive(Clone, PartialEq, Eq)]
pub struct Hello {
    pub session_key: [u8; 32],
    pub expires_at: DateTime<Utc>,
    /// The practitioner's certificate chain, when the doctor's device identifies itself.
    pub chain: Vec<Vec<u8>>,
    pub signature: Option<Vec<u8>>,
}

/// Who a hello says it is, as the patient sees it before sharing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// "Dr X, cardiologist, RPPS …, verified by <anchor>".
    Verified(crate::trust::VerifiedPractitioner),
    /// No certificate, or one that does not verify: the patient is warned.
    Unverified { reason: String },
}

impl Recipient {
    /// The line to show before sharing, and to keep in the audit log.
    pub fn describe(&self) -> String {
        match self {
            Self::Verified(p) => p.describe(),
            Self::Unverified { reason } => format!("UNVERIFIED recipient ({reason})"),
        }
    }
}

/// The expiry as the wire carries it: Unix seconds, never before 1970.
fn wire_expiry(at: DateTime<Utc>) -> u64 {
    u64::try_from(time::unix(at)).unwrap_or(0)
}

fn signed_content(session_key: &[u8; 32], expires_at: DateTime<Utc>, chain: &[Vec<u8>]) -> Vec<u8> {
    let mut chain_hash = Hasher::new(b"carnet.hello.chain");
    for der in chain {
        chain_hash.update_with_length(der);
    }
    let mut out = b"carnet.hello.v1".to_vec();
    out.extend_from_slice(session_key);
    out.extend_from_slice(&wire_expiry(expires_at).to_be_bytes());
    out.extend_from_slice(&chain_hash.finalize());
    out
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
        let mut h = Hasher::new(b"carnet.hello.key-id.v1");
        h.update(self.session_key);
        let digest = h.finalize();
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
            expires_at: wire_expiry(self.expires_at),
            chain: (!self.chain.is_empty()).then(|| {
                self.chain
                    .iter()
                    .cloned()
                    .map(minicbor::bytes::ByteVec::from)
                    .collect()
            }),
            signature: self.signature.clone().map(minicbor::bytes::ByteVec::from),
        };
        text::encode(
            CodeKind::Hello,
            &minicbor::to_vec(&wire).unwrap_or_default(),
        )
    }

    /// Reads a hello scanned from the doctor's screen; refuses an expired one.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<Self, ShareError> {
        let (kind, bytes) = text::decode(text)?;
        if kind != CodeKind::Hello {
            return Err(crate::qr::QrError::UnexpectedKind {
                expected: CodeKind::Hello,
                found: kind,
            }
            .into());
        }
        let wire: HelloWire =
            minicbor::decode(&bytes).map_err(|_| ShareError::Malformed("hello content"))?;
        let hello = Self {
            session_key: wire.session_key,
            expires_at: time::from_unix_unsigned(wire.expires_at)
                .ok_or(ShareError::Malformed("hello expiry"))?,
            chain: wire
                .chain
                .unwrap_or_default()
                .into_iter()
                .map(|b| b.to_vec())
                .collect(),
            signature: wire.signature.map(|b| b.to_vec()),
        };
        if now > hello.expires_at {
            return Err(ShareError::HelloExpired);
        }
        // A signature that does not match its certificate is refused here, before the patient
        // is shown anything.
        if !hello.chain.is_empty() {
            let signature = hello
                .signature
                .as_deref()
                .ok_or(ShareError::HelloSignatureMismatch)?;
            let content = signed_content(&hello.session_key, hello.expires_at, &hello.chain);
            crate::trust::verify_by_leaf(&hello.chain, &content, signature)
                .map_err(|_| ShareError::HelloSignatureMismatch)?;
        }
        Ok(hello)
    }

    /// SHA-256 (hex) of the public key of the certificate this hello is signed with, or `None`
    /// for an unsigned hello: what a receipt for a share sealed to it must be signed by.
    pub fn signing_key_fingerprint(&self) -> Option<String> {
        self.signature.as_ref()?;
        crate::trust::signing_key_fingerprint(&self.chain)
    }

    /// Who this hello says it is, checked against `store` at `now`.
    pub fn recipient(&self, store: &crate::trust::TrustStore, now: DateTime<Utc>) -> Recipient {
        if self.chain.is_empty() {
            return Recipient::Unverified {
                reason: "the doctor's device showed no certificate".into(),
            };
        }
        match store.verify(&self.chain, now) {
            Ok(p) => Recipient::Verified(p),
            Err(e) => Recipient::Unverified {
                reason: e.to_string(),
            },
        }
    }
}

/// The doctor's side of a hello: the session secret that opens shares sealed to it.
pub struct DoctorSession {
    secret: SessionSecret,
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
    /// A fresh session valid for `lifetime` from `now`. A lifetime that reaches beyond what a
    /// hello can say is refused.
    pub fn new(now: DateTime<Utc>, lifetime: Duration) -> Result<Self, ShareError> {
        let expires_at = time::after(now, lifetime)
            .filter(|at| u32::try_from(time::unix(*at)).is_ok())
            .ok_or(ShareError::Malformed("the lifetime is too long"))?;
        Ok(Self::with_secret(SessionSecret::random(), expires_at))
    }

    /// Restores a session kept in the doctor's local state (or fixed by a test vector).
    pub fn from_secret(secret: [u8; 32], expires_at: DateTime<Utc>) -> Self {
        Self::with_secret(SessionSecret::from_bytes(secret), expires_at)
    }

    fn with_secret(secret: SessionSecret, expires_at: DateTime<Utc>) -> Self {
        let session_key = secret.public_key();
        Self {
            secret,
            hello: Hello {
                session_key,
                expires_at,
                chain: Vec::new(),
                signature: None,
            },
        }
    }

    /// Signs this session's hello as the practitioner behind `signer`, so patients see who
    /// they share with.
    pub fn sign_hello(
        &mut self,
        signer: &dyn crate::trust::Signer,
    ) -> Result<(), crate::trust::SignedRecordError> {
        // Only the practitioner's own certificate travels, to keep the code small; the
        // patient's trust store holds the authorities above it.
        let chain: Vec<Vec<u8>> = signer.certificate_chain().into_iter().take(1).collect();
        let signature = signer.sign(&signed_content(
            &self.hello.session_key,
            self.hello.expires_at,
            &chain,
        ))?;
        self.hello.chain = chain;
        self.hello.signature = Some(signature);
        Ok(())
    }

    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The secret, for the doctor's local state only.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.secret.to_bytes()
    }

    pub(crate) fn secret(&self) -> &SessionSecret {
        &self.secret
    }
}
