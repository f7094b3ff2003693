//! Passphrase key derivation: Argon2id (RFC 9106) through the `argon2` crate.
//!
//! Parameters are stored with each passphrase slot and authenticated as associated data of the
//! wrapped key, so they cannot be changed without detection. A slot whose parameters are
//! below [`KdfParams::MINIMUM`] is refused before any derivation: a downgraded header cannot
//! make an attacker's guesses cheaper. Parameters above [`KdfParams::MAXIMUM`] are refused
//! too, before anything is allocated: the header is read before the key can authenticate it,
//! so a crafted vault or backup could otherwise ask for gigabytes of memory or hours of work
//! and bring the device down. Cheaper parameters exist only behind the `test-support`
//! feature, for test suites.

use super::{CryptoError, Passphrase, SecretKey};
use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The floor for every vault and backup: 64 MiB, 3 passes, 1 lane (RFC 9106's second
    /// recommended option, sized for phones).
    pub const MINIMUM: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };

    /// The ceiling for anything read from a file: 256 MiB (four times the floor's memory, what
    /// a phone can still spare), 16 passes, 4 lanes. Nothing Carnet writes comes near it.
    pub const MAXIMUM: KdfParams = KdfParams {
        m_kib: 256 * 1024,
        t: 16,
        p: 4,
    };

    /// Cheap parameters for tests only. Never compiled into the CLI or the bindings.
    #[cfg(any(test, feature = "test-support"))]
    pub const fn insecure_for_tests() -> Self {
        KdfParams {
            m_kib: 64,
            t: 1,
            p: 1,
        }
    }

    fn at_least(&self, floor: &KdfParams) -> bool {
        self.m_kib >= floor.m_kib && self.t >= floor.t && self.p >= floor.p
    }

    fn at_most(&self, ceiling: &KdfParams) -> bool {
        self.m_kib <= ceiling.m_kib && self.t <= ceiling.t && self.p <= ceiling.p
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::MINIMUM
    }
}

/// The minimum a caller accepts when opening a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfPolicy {
    minimum: KdfParams,
}

impl KdfPolicy {
    /// Accept only parameters at or above [`KdfParams::MINIMUM`].
    pub const fn production() -> Self {
        Self {
            minimum: KdfParams::MINIMUM,
        }
    }

    /// Accept the parameters of [`KdfParams::insecure_for_tests`].
    #[cfg(any(test, feature = "test-support"))]
    pub const fn insecure_for_tests() -> Self {
        Self {
            minimum: KdfParams::insecure_for_tests(),
        }
    }

    /// Refuses parameters below the policy's minimum or above [`KdfParams::MAXIMUM`].
    pub fn check(&self, params: &KdfParams) -> Result<(), CryptoError> {
        if !params.at_most(&KdfParams::MAXIMUM) {
            return Err(CryptoError::ExcessiveKdf {
                m_kib: params.m_kib,
                t: params.t,
                p: params.p,
            });
        }
        if params.at_least(&self.minimum) {
            Ok(())
        } else {
            Err(CryptoError::WeakKdf {
                m_kib: params.m_kib,
                t: params.t,
                p: params.p,
            })
        }
    }
}

impl Default for KdfPolicy {
    fn default() -> Self {
        Self::production()
    }
}

/// Derives a 256-bit key-encryption key from a passphrase. The policy is checked first.
pub fn derive_key(
    passphrase: &Passphrase,
    salt: &[u8],
    params: &KdfParams,
    policy: &KdfPolicy,
) -> Result<SecretKey, CryptoError> {
    policy.check(params)?;
    let argon_params = Params::new(params.m_kib, params.t, params.p, Some(SecretKey::LEN))
        .map_err(|_| CryptoError::Kdf("invalid Argon2 parameters"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; SecretKey::LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|_| CryptoError::Kdf("Argon2 refused the input"))?;
    Ok(SecretKey::from_bytes(*out))
}

/// The Argon2id cost of [`slow_digest`]: 8 MiB, 2 passes, 1 lane (tens of milliseconds on a
/// phone, once per share on each side).
pub const SLOW_DIGEST_PARAMS: KdfParams = KdfParams {
    m_kib: 8 * 1024,
    t: 2,
    p: 1,
};

/// A digest of public values that is costly to compute, for a short code two people compare
/// (a share's comparison code): an attacker relaying the exchange who must grind for a value
/// whose short code matches pays Argon2id's memory and time for every try, where a fast hash
/// would let them try millions per second. `salt` names the purpose (at least 8 bytes).
pub fn slow_digest(salt: &[u8], input: &[u8]) -> Result<[u8; 32], CryptoError> {
    let p = SLOW_DIGEST_PARAMS;
    let argon_params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|_| CryptoError::Kdf("invalid Argon2 parameters"))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(input, salt, &mut out)
        .map_err(|_| CryptoError::Kdf("Argon2 refused the input"))?;
    Ok(out)
}

/// A 256-bit subkey of a high-entropy secret (a recovery key, a stretched passphrase, a key
/// agreement): `HKDF-SHA256(ikm, salt, info)`. `info` names the purpose, so one secret yields
/// unrelated keys for unrelated uses.
pub fn derive_subkey(
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: &[u8],
) -> Result<SecretKey, CryptoError> {
    let mut okm = Zeroizing::new([0u8; SecretKey::LEN]);
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, okm.as_mut())
        .map_err(|_| CryptoError::Kdf("HKDF length"))?;
    Ok(SecretKey::from_bytes(*okm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_policy_refuses_weak_parameters() {
        let policy = KdfPolicy::production();
        assert!(policy.check(&KdfParams::MINIMUM).is_ok());
        for weak in [
            KdfParams {
                m_kib: 64 * 1024 - 1,
                t: 3,
                p: 1,
            },
            KdfParams {
                m_kib: 64 * 1024,
                t: 2,
                p: 1,
            },
            KdfParams::insecure_for_tests(),
        ] {
            assert!(matches!(
                policy.check(&weak),
                Err(CryptoError::WeakKdf { .. })
            ));
            let derived = derive_key(&Passphrase::new("long enough"), &[0u8; 16], &weak, &policy);
            assert!(matches!(derived, Err(CryptoError::WeakKdf { .. })));
        }
    }

    #[test]
    fn parameters_above_the_ceiling_are_refused_before_deriving() {
        let policy = KdfPolicy::production();
        assert!(policy.check(&KdfParams::MAXIMUM).is_ok());
        for costly in [
            KdfParams {
                m_kib: 4 * 1024 * 1024,
                t: 3,
                p: 1,
            },
            KdfParams {
                m_kib: 64 * 1024,
                t: u32::MAX,
                p: 1,
            },
            KdfParams {
                m_kib: 64 * 1024,
                t: 3,
                p: 64,
            },
        ] {
            // Refused at once: a 4 GiB derivation would take seconds and abort on a phone.
            let derived = derive_key(
                &Passphrase::new("long enough"),
                &[0u8; 16],
                &costly,
                &policy,
            );
            assert!(matches!(derived, Err(CryptoError::ExcessiveKdf { .. })));
        }
    }

    #[test]
    fn derivation_depends_on_passphrase_and_salt() {
        let params = KdfParams::insecure_for_tests();
        let policy = KdfPolicy::insecure_for_tests();
        let a = derive_key(
            &Passphrase::new("one passphrase"),
            &[1u8; 16],
            &params,
            &policy,
        )
        .unwrap();
        let b = derive_key(
            &Passphrase::new("one passphrase"),
            &[1u8; 16],
            &params,
            &policy,
        )
        .unwrap();
        let c = derive_key(
            &Passphrase::new("one passphrasf"),
            &[1u8; 16],
            &params,
            &policy,
        )
        .unwrap();
        let d = derive_key(
            &Passphrase::new("one passphrase"),
            &[2u8; 16],
            &params,
            &policy,
        )
        .unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), c.as_bytes());
        assert_ne!(a.as_bytes(), d.as_bytes());
    }
}
