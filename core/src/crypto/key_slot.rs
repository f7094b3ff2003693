//! Key slots: the one random vault key, wrapped once per way of unlocking it.
//!
//! | kind         | key-encryption key                                   | stored parameters        |
//! |--------------|------------------------------------------------------|--------------------------|
//! | `passphrase` | Argon2id(passphrase, salt, m, t, p)                  | `{"m_kib","t","p","salt"}` |
//! | `recovery`   | HKDF-SHA256(recovery secret, salt, "carnet.vault.recovery-slot.v1") | `{"salt"}` |
//! | `platform`   | the platform key store's own key (Android Keystore, iOS Keychain)   | `{}`      |
//!
//! Passphrase and recovery slots seal the vault key in an [`envelope`](super::envelope) whose
//! associated data holds the vault id, the slot kind and the exact stored parameter bytes, so
//! a changed parameter (a KDF downgrade) or a slot copied from another vault fails to open.
//! The recovery secret has 128 random bits, so HKDF suffices; a passphrase needs Argon2id.
//! A platform slot holds whatever the key store returned; the vault checks the unwrapped key
//! against its key-check value, since the key store's format is not ours.

use super::envelope::{self, AssociatedData};
use super::kdf::{self, KdfParams, KdfPolicy};
use super::{CryptoError, Passphrase, RecoveryKey, SecretKey};
use data_encoding::HEXLOWER;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

/// The ways to unlock a vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySlotKind {
    Passphrase,
    Recovery,
    Platform,
}

impl KeySlotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passphrase => "passphrase",
            Self::Recovery => "recovery",
            Self::Platform => "platform",
        }
    }
}

impl fmt::Display for KeySlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A wrapped vault key as stored: its kind, its plaintext (but authenticated) parameters, and
/// the wrapped key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSlot {
    pub kind: KeySlotKind,
    pub params: Vec<u8>,
    pub wrapped_key: Vec<u8>,
}

impl fmt::Debug for SealedSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSlot")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct PassphraseParams {
    alg: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct RecoveryParams {
    salt: String,
}

fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    salt
}

fn slot_ad(vault_id: &[u8], kind: KeySlotKind, params: &[u8]) -> AssociatedData {
    AssociatedData::new("vault.key-slot")
        .with(vault_id)
        .with(kind.as_str().as_bytes())
        .with(params)
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, CryptoError> {
    serde_json::to_vec(value).map_err(|_| CryptoError::Malformed("slot parameters"))
}

/// Wraps `vault_key` under a passphrase.
pub fn seal_passphrase(
    vault_id: &[u8],
    vault_key: &SecretKey,
    passphrase: &Passphrase,
    params: &KdfParams,
    policy: &KdfPolicy,
) -> Result<SealedSlot, CryptoError> {
    let salt = random_salt();
    let kek = kdf::derive_key(passphrase, &salt, params, policy)?;
    let stored = to_json(&PassphraseParams {
        alg: "argon2id-v19".into(),
        m_kib: params.m_kib,
        t: params.t,
        p: params.p,
        salt: HEXLOWER.encode(&salt),
    })?;
    let wrapped_key = envelope::seal(
        &kek,
        &slot_ad(vault_id, KeySlotKind::Passphrase, &stored),
        vault_key.as_bytes(),
    )?;
    Ok(SealedSlot {
        kind: KeySlotKind::Passphrase,
        params: stored,
        wrapped_key,
    })
}

/// The KDF parameters a passphrase slot claims (checked against the policy before use).
pub fn passphrase_params(slot: &SealedSlot) -> Result<KdfParams, CryptoError> {
    let p: PassphraseParams = serde_json::from_slice(&slot.params)
        .map_err(|_| CryptoError::Malformed("passphrase slot parameters"))?;
    if p.alg != "argon2id-v19" {
        return Err(CryptoError::Malformed("unknown passphrase KDF"));
    }
    Ok(KdfParams {
        m_kib: p.m_kib,
        t: p.t,
        p: p.p,
    })
}

/// Unwraps the vault key with a passphrase. Refuses weak stored parameters before deriving.
pub fn open_passphrase(
    vault_id: &[u8],
    slot: &SealedSlot,
    passphrase: &Passphrase,
    policy: &KdfPolicy,
) -> Result<SecretKey, CryptoError> {
    let stored: PassphraseParams = serde_json::from_slice(&slot.params)
        .map_err(|_| CryptoError::Malformed("passphrase slot parameters"))?;
    let params = passphrase_params(slot)?;
    policy.check(&params)?;
    let salt = HEXLOWER
        .decode(stored.salt.as_bytes())
        .map_err(|_| CryptoError::Malformed("salt"))?;
    let kek = kdf::derive_key(passphrase, &salt, &params, policy)?;
    let key = envelope::open(
        &kek,
        &slot_ad(vault_id, slot.kind, &slot.params),
        &slot.wrapped_key,
    )?;
    SecretKey::from_slice(&key)
}

fn recovery_kek(recovery: &RecoveryKey, salt: &[u8]) -> Result<SecretKey, CryptoError> {
    recovery.derive(salt, b"carnet.vault.recovery-slot.v1")
}

/// Wraps `vault_key` under a recovery key.
pub fn seal_recovery(
    vault_id: &[u8],
    vault_key: &SecretKey,
    recovery: &RecoveryKey,
) -> Result<SealedSlot, CryptoError> {
    let salt = random_salt();
    let kek = recovery_kek(recovery, &salt)?;
    let stored = to_json(&RecoveryParams {
        salt: HEXLOWER.encode(&salt),
    })?;
    let wrapped_key = envelope::seal(
        &kek,
        &slot_ad(vault_id, KeySlotKind::Recovery, &stored),
        vault_key.as_bytes(),
    )?;
    Ok(SealedSlot {
        kind: KeySlotKind::Recovery,
        params: stored,
        wrapped_key,
    })
}

pub fn open_recovery(
    vault_id: &[u8],
    slot: &SealedSlot,
    recovery: &RecoveryKey,
) -> Result<SecretKey, CryptoError> {
    let stored: RecoveryParams = serde_json::from_slice(&slot.params)
        .map_err(|_| CryptoError::Malformed("recovery slot parameters"))?;
    let salt = HEXLOWER
        .decode(stored.salt.as_bytes())
        .map_err(|_| CryptoError::Malformed("salt"))?;
    let kek = recovery_kek(recovery, &salt)?;
    let key = envelope::open(
        &kek,
        &slot_ad(vault_id, slot.kind, &slot.params),
        &slot.wrapped_key,
    )?;
    SecretKey::from_slice(&key)
}

/// Why a platform key store could not wrap or unwrap. Implementations must not put key
/// material in the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    #[error("the platform key store is not available")]
    Unavailable,
    #[error("the user did not authenticate to the platform key store")]
    AuthenticationCancelled,
    #[error("the platform key store refused: {reason}")]
    Failed { reason: String },
}

/// A platform key store (Android Keystore, iOS Keychain or Secure Enclave) that wraps and
/// unwraps the vault key with a key that never leaves the device's secure hardware.
///
/// Implementations must not call back into the vault: they are called while the vault is
/// being opened.
pub trait PlatformKeyStore: Send + Sync {
    /// Wraps a 32-byte key; the result is stored in the vault's `platform` slot.
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, KeyStoreError>;
    /// Returns the 32-byte key that `wrap_key` wrapped.
    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, KeyStoreError>;
}

pub fn seal_platform(
    vault_key: &SecretKey,
    store: &dyn PlatformKeyStore,
) -> Result<SealedSlot, KeyStoreError> {
    let wrapped_key = store.wrap_key(vault_key.as_bytes())?;
    Ok(SealedSlot {
        kind: KeySlotKind::Platform,
        params: b"{}".to_vec(),
        wrapped_key,
    })
}

/// Unwraps with the platform store. The caller must verify the key (the vault's key check).
pub fn open_platform(
    slot: &SealedSlot,
    store: &dyn PlatformKeyStore,
) -> Result<Option<SecretKey>, KeyStoreError> {
    let bytes = Zeroizing::new(store.unwrap_key(&slot.wrapped_key)?);
    Ok(SecretKey::from_slice(&bytes).ok())
}

/// A key store in software: a key held in memory, for tests and for the desktop program.
/// It protects nothing that the process itself cannot read; phones use their hardware store.
#[derive(Debug)]
pub struct SoftwareKeyStore {
    key: SecretKey,
}

impl SoftwareKeyStore {
    pub fn new(key: SecretKey) -> Self {
        Self { key }
    }

    pub fn random() -> Self {
        Self::new(SecretKey::random())
    }
}

impl PlatformKeyStore for SoftwareKeyStore {
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        envelope::seal(&self.key, &AssociatedData::new("software-key-store"), key).map_err(|_| {
            KeyStoreError::Failed {
                reason: "could not seal".into(),
            }
        })
    }

    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        envelope::open(
            &self.key,
            &AssociatedData::new("software-key-store"),
            wrapped,
        )
        .map(|k| k.to_vec())
        .map_err(|_| KeyStoreError::Failed {
            reason: "this key store did not wrap that key".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAULT: &[u8] = b"vault-id-0123456";

    #[test]
    fn passphrase_slot_round_trip_and_wrong_passphrase() {
        let key = SecretKey::random();
        let policy = KdfPolicy::insecure_for_tests();
        let pass = Passphrase::new("une phrase de passe");
        let slot = seal_passphrase(
            VAULT,
            &key,
            &pass,
            &KdfParams::insecure_for_tests(),
            &policy,
        )
        .unwrap();
        assert_eq!(
            open_passphrase(VAULT, &slot, &pass, &policy)
                .unwrap()
                .as_bytes(),
            key.as_bytes()
        );
        let wrong = open_passphrase(VAULT, &slot, &Passphrase::new("une autre phrase"), &policy);
        assert_eq!(wrong.err(), Some(CryptoError::Authentication));
        // The same slot moved to another vault does not open.
        assert_eq!(
            open_passphrase(b"other-vault-id00", &slot, &pass, &policy).err(),
            Some(CryptoError::Authentication)
        );
    }

    #[test]
    fn raised_parameters_fail_authentication() {
        let key = SecretKey::random();
        let policy = KdfPolicy::insecure_for_tests();
        let pass = Passphrase::new("une phrase de passe");
        let mut slot = seal_passphrase(
            VAULT,
            &key,
            &pass,
            &KdfParams::insecure_for_tests(),
            &policy,
        )
        .unwrap();
        let text = String::from_utf8(slot.params.clone())
            .unwrap()
            .replace("\"t\":1", "\"t\":2");
        slot.params = text.into_bytes();
        assert_eq!(
            open_passphrase(VAULT, &slot, &pass, &policy).err(),
            Some(CryptoError::Authentication)
        );
    }

    #[test]
    fn recovery_slot_round_trip() {
        let key = SecretKey::random();
        let recovery = RecoveryKey::random();
        let slot = seal_recovery(VAULT, &key, &recovery).unwrap();
        assert_eq!(
            open_recovery(VAULT, &slot, &recovery).unwrap().as_bytes(),
            key.as_bytes()
        );
        assert_eq!(
            open_recovery(VAULT, &slot, &RecoveryKey::random()).err(),
            Some(CryptoError::Authentication)
        );
    }

    #[test]
    fn platform_slot_round_trip() {
        let key = SecretKey::random();
        let store = SoftwareKeyStore::random();
        let slot = seal_platform(&key, &store).unwrap();
        let opened = open_platform(&slot, &store).unwrap().unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert!(open_platform(&slot, &SoftwareKeyStore::random()).is_err());
    }
}
