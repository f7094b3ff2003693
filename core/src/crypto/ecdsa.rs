//! ECDSA P-256 with SHA-256 (through the `p256` crate): the practitioner's signatures on
//! records, hellos and receipts. Carnet's formats carry signatures as 64 bytes `r || s`;
//! platform keys (a CPS card, the Android Keystore, the Secure Enclave) may return DER, which
//! [`normalize_signature`] brings to that form.

use super::CryptoError;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};

/// Bytes of a signature in the `r || s` form.
pub const SIGNATURE_LEN: usize = 64;

/// A P-256 private key held in memory (the desktop program, tests). Never printed.
pub struct SigningKey(p256::ecdsa::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// From a PKCS#8 private key, PEM or DER.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, CryptoError> {
        match std::str::from_utf8(bytes) {
            Ok(pem) if pem.contains("-----BEGIN") => p256::ecdsa::SigningKey::from_pkcs8_pem(pem),
            _ => p256::ecdsa::SigningKey::from_pkcs8_der(bytes),
        }
        .map(Self)
        .map_err(|_| CryptoError::Malformed("not a PKCS#8 P-256 private key"))
    }

    /// A signature over `message`, `r || s`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        let signature: Signature = self.0.sign(message);
        signature.to_bytes().into()
    }
}

/// A signature in the `r || s` form, from that form or from DER.
pub fn normalize_signature(signature: &[u8]) -> Result<[u8; SIGNATURE_LEN], CryptoError> {
    let parsed = if signature.len() == SIGNATURE_LEN {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    };
    parsed
        .map(|s| s.to_bytes().into())
        .map_err(|_| CryptoError::Malformed("not an ECDSA P-256 signature"))
}

/// Checks a `r || s` signature over `message` by the P-256 key in `public_key`
/// (a SubjectPublicKeyInfo, DER). A key that is not P-256 is [`CryptoError::UnsupportedKey`];
/// a signature that does not verify is [`CryptoError::Authentication`].
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let key =
        VerifyingKey::from_public_key_der(public_key).map_err(|_| CryptoError::UnsupportedKey)?;
    let signature = Signature::from_slice(signature).map_err(|_| CryptoError::Authentication)?;
    key.verify(message, &signature)
        .map_err(|_| CryptoError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};

    fn key() -> (SigningKey, Vec<u8>) {
        let inner =
            p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap_or_else(|_| unreachable!());
        let spki = inner
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        let pkcs8 = inner
            .to_pkcs8_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        (
            SigningKey::from_pkcs8(&pkcs8).unwrap_or_else(|_| unreachable!()),
            spki,
        )
    }

    #[test]
    fn signatures_verify_and_der_or_raw_become_the_same_64_bytes() {
        let (signing, spki) = key();
        let raw = signing.sign(b"carnet");
        assert!(verify(&spki, b"carnet", &raw).is_ok());
        assert!(matches!(
            verify(&spki, b"carnet!", &raw),
            Err(CryptoError::Authentication)
        ));
        assert!(matches!(
            verify(b"not a key", b"carnet", &raw),
            Err(CryptoError::UnsupportedKey)
        ));
        let der = Signature::from_slice(&raw)
            .map(|s| s.to_der().as_bytes().to_vec())
            .unwrap_or_default();
        assert_ne!(der.len(), 64);
        assert_eq!(normalize_signature(&raw).ok(), Some(raw));
        assert_eq!(normalize_signature(&der).ok(), Some(raw));
        let mut bad_der = der.clone();
        bad_der[0] ^= 0xFF;
        for garbage in [&[][..], &raw[..63], &bad_der[..], &[0u8; 64][..]] {
            assert!(normalize_signature(garbage).is_err());
        }
        assert!(SigningKey::from_pkcs8(b"-----BEGIN nothing").is_err());
    }
}
