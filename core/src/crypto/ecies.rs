//! Sealing to a public key (ECIES over X25519, through `x25519-dalek`): the doctor's device
//! shows an X25519 public key; the patient's device makes a fresh ephemeral key, agrees on a
//! shared secret with it, and derives a [`OneTimeKey`] with HKDF-SHA256 whose salt is the
//! ephemeral public key followed by the recipient's public key, and whose `info` names the
//! format. Only the holder of the recipient's [`SessionSecret`] can derive the same key.
//!
//! A shared secret that is all zeros (the peer's key is a low-order point, chosen to make the
//! result predictable) is refused on both sides.

use super::one_time_key::OneTimeKey;
use super::{CryptoError, random};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// A recipient's X25519 secret (the doctor's session); zeroized on drop.
pub struct SessionSecret(StaticSecret);

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(<redacted>)")
    }
}

fn salt(ephemeral_public: &[u8; 32], recipient_public: &[u8; 32]) -> [u8; 64] {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral_public);
    salt[32..].copy_from_slice(recipient_public);
    salt
}

impl SessionSecret {
    pub fn random() -> Self {
        Self::from_bytes(random::bytes())
    }

    pub fn from_bytes(secret: [u8; 32]) -> Self {
        Self(StaticSecret::from(secret))
    }

    /// The secret, for the device's own protected storage only.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public_key(&self) -> [u8; 32] {
        PublicKey::from(&self.0).to_bytes()
    }

    /// The key a sender sealed to this secret's public key with `ephemeral_public`.
    pub fn receive(
        &self,
        ephemeral_public: &[u8; 32],
        info: &[u8],
    ) -> Result<OneTimeKey, CryptoError> {
        let shared = self.0.diffie_hellman(&PublicKey::from(*ephemeral_public));
        if !shared.was_contributory() {
            return Err(CryptoError::InvalidPublicKey);
        }
        OneTimeKey::derive(
            shared.as_bytes(),
            Some(&salt(ephemeral_public, &self.public_key())),
            info,
        )
    }
}

/// The sender's side of one sealed message: the ephemeral public key to send along, and the
/// key to seal with.
#[derive(Debug)]
pub struct Sealing {
    pub ephemeral_public: [u8; 32],
    pub key: OneTimeKey,
}

/// Starts sealing a message to `recipient_public` with a fresh random ephemeral key.
pub fn seal_to(recipient_public: &[u8; 32], info: &[u8]) -> Result<Sealing, CryptoError> {
    seal_with_ephemeral(recipient_public, info, Zeroizing::new(random::bytes()))
}

/// [`seal_to`] with a chosen ephemeral secret, for test vectors only.
#[cfg(any(test, feature = "test-support"))]
pub fn seal_to_with_ephemeral(
    recipient_public: &[u8; 32],
    info: &[u8],
    ephemeral_secret: [u8; 32],
) -> Result<Sealing, CryptoError> {
    seal_with_ephemeral(recipient_public, info, Zeroizing::new(ephemeral_secret))
}

fn seal_with_ephemeral(
    recipient_public: &[u8; 32],
    info: &[u8],
    ephemeral_secret: Zeroizing<[u8; 32]>,
) -> Result<Sealing, CryptoError> {
    let ephemeral = StaticSecret::from(*ephemeral_secret);
    let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient_public));
    if !shared.was_contributory() {
        return Err(CryptoError::InvalidPublicKey);
    }
    let key = OneTimeKey::derive(
        shared.as_bytes(),
        Some(&salt(&ephemeral_public, recipient_public)),
        info,
    )?;
    Ok(Sealing {
        ephemeral_public,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_recipient_opens() {
        let doctor = SessionSecret::random();
        let sealing = seal_to(&doctor.public_key(), b"test").unwrap_or_else(|_| unreachable!());
        let sealed = sealing.key.seal(b"ad", b"pack").unwrap_or_default();
        let opened = doctor
            .receive(&sealing.ephemeral_public, b"test")
            .and_then(|k| k.open(b"ad", &sealed));
        assert_eq!(opened.map(|p| p.to_vec()).ok(), Some(b"pack".to_vec()));
        let bystander = SessionSecret::random()
            .receive(&sealing.ephemeral_public, b"test")
            .and_then(|k| k.open(b"ad", &sealed));
        assert!(matches!(bystander, Err(CryptoError::Authentication)));
    }

    #[test]
    fn low_order_keys_are_refused() {
        assert!(matches!(
            seal_to(&[0u8; 32], b"test"),
            Err(CryptoError::InvalidPublicKey)
        ));
        assert!(matches!(
            SessionSecret::random().receive(&[0u8; 32], b"test"),
            Err(CryptoError::InvalidPublicKey)
        ));
    }
}
