//! Secret values. Each zeroizes its memory on drop and prints as `<redacted>`, so a stray
//! `{:?}` in a log or a panic message cannot leak it.

use super::CryptoError;
use data_encoding::{Encoding, Specification};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A 256-bit symmetric key (the vault key, an attachment key, a key-encryption key).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub const LEN: usize = 32;

    pub fn random() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self(key)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Copies a key out of a slice, which the caller then zeroizes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::Malformed("key length"))?;
        Ok(Self(array))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A passphrase typed by a person. Normalised to Unicode NFC so the same passphrase typed on
/// two keyboards (composed or decomposed accents) derives the same key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// Shorter passphrases are refused when a vault is created or its passphrase changed.
    pub const MIN_CHARS: usize = 8;

    pub fn new(text: impl Into<String>) -> Self {
        let mut raw: String = text.into();
        let normalised = raw.nfc().collect();
        raw.zeroize();
        Self(normalised)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The characters that make the passphrase: invisible ones (zero-width spaces and joiners,
    /// soft hyphens, byte-order marks, variation selectors) and combining marks alone are not
    /// counted, nor spaces at either end; a run of spaces counts as one. Twelve spaces, twelve
    /// zero-width spaces or twelve accents with nothing to sit on count as none.
    pub fn counted_chars(&self) -> usize {
        let mut count = 0;
        let mut pending_space = false;
        for c in self.0.chars().filter(|c| !is_invisible(*c)) {
            if c.is_whitespace() {
                pending_space = count > 0;
            } else {
                count += 1 + usize::from(pending_space);
                pending_space = false;
            }
        }
        count
    }
}

/// Characters that show nothing by themselves. Carnet's own list, as no dependency of ours
/// carries Unicode's general categories: the format characters and combining-mark blocks a
/// keyboard or a paste can produce.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{E0000}'..='\u{E007F}'
    ) || c.is_control()
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// The recovery key shown once when a vault is created: 128 random bits and a 32-bit check,
/// written as 32 characters of Crockford base32 in groups of four
/// (`7KQ2-M0XD-…`). Crockford's alphabet has no I, L, O or U, and reading ignores case,
/// dashes and spaces and takes I/L for 1 and O for 0, so it can be copied by hand and typed
/// back from paper. The check catches a mistyped character before any unlock is attempted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; 16]);

fn crockford() -> Result<Encoding, CryptoError> {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzILOilo");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ110110");
    spec.ignore.push_str("- ");
    spec.encoding()
        .map_err(|_| CryptoError::Malformed("recovery key alphabet"))
}

fn recovery_check(secret: &[u8; 16]) -> [u8; 4] {
    let digest = Sha256::new_with_prefix(b"carnet.recovery-key.check.v1")
        .chain_update(secret)
        .finalize();
    let mut check = [0u8; 4];
    check.copy_from_slice(&digest[..4]);
    check
}

impl RecoveryKey {
    pub fn random() -> Self {
        let mut secret = [0u8; 16];
        OsRng.fill_bytes(&mut secret);
        Self(secret)
    }

    /// Reads a recovery key as typed by a person.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let encoding = crockford()?;
        let decoded = Zeroizing::new(
            encoding
                .decode(text.trim().as_bytes())
                .map_err(|_| CryptoError::RecoveryKeyMistyped)?,
        );
        if decoded.len() != 20 {
            return Err(CryptoError::RecoveryKeyMistyped);
        }
        let mut secret = [0u8; 16];
        secret.copy_from_slice(&decoded[..16]);
        let key = Self(secret);
        if recovery_check(&key.0)[..] != decoded[16..] {
            return Err(CryptoError::RecoveryKeyMistyped);
        }
        Ok(key)
    }

    /// The text to show the person, once: eight groups of four characters.
    pub fn display_text(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new([0u8; 20]);
        raw[..16].copy_from_slice(&self.0);
        raw[16..].copy_from_slice(&recovery_check(&self.0));
        let encoded = Zeroizing::new(crockford().map(|e| e.encode(&raw[..])).unwrap_or_default());
        let mut grouped = Zeroizing::new(String::with_capacity(40));
        for (i, c) in encoded.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                grouped.push('-');
            }
            grouped.push(c);
        }
        grouped
    }

    /// A fixed key, for fuzzing only.
    #[cfg(fuzzing)]
    pub(crate) fn from_secret(secret: [u8; 16]) -> Self {
        Self(secret)
    }

    /// A key for one purpose (`info`), derived from the recovery secret with
    /// [`super::kdf::derive_subkey`]: the vault's recovery slot and backups each get their own.
    pub fn derive(&self, salt: &[u8], info: &[u8]) -> Result<SecretKey, CryptoError> {
        super::kdf::derive_subkey(&self.0, Some(salt), info)
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn blank_and_invisible_passphrases_count_for_nothing() {
        let count = |s: &str| Passphrase::new(s).counted_chars();
        assert_eq!(count("            "), 0);
        assert_eq!(count(&"\u{200B}".repeat(12)), 0);
        assert_eq!(count(&"\u{0301}".repeat(12)), 0);
        assert_eq!(count("  a   b  "), 3);
        assert_eq!(count("correct horse"), 13);
        // A decomposed accent on its letter counts once, with the letter.
        assert_eq!(count("e\u{0301}te\u{0301}"), 3);
    }

    use super::*;

    #[test]
    fn recovery_key_round_trips_through_its_text() {
        let key = RecoveryKey::random();
        let text = key.display_text();
        assert_eq!(text.len(), 39);
        assert_eq!(text.matches('-').count(), 7);
        let parsed = RecoveryKey::parse(&text).unwrap();
        assert_eq!(parsed.0, key.0);
        // Typed back in lower case, with spaces and O for 0, it still reads.
        let sloppy = text.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(RecoveryKey::parse(&sloppy).unwrap().0, key.0);
    }

    #[test]
    fn recovery_key_typo_is_caught_by_the_check() {
        let key = RecoveryKey::random();
        let text = key.display_text();
        let mut chars: Vec<char> = text.chars().collect();
        chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(
            RecoveryKey::parse(&typo).err(),
            Some(CryptoError::RecoveryKeyMistyped)
        );
        assert_eq!(
            RecoveryKey::parse("too-short").err(),
            Some(CryptoError::RecoveryKeyMistyped)
        );
    }

    #[test]
    fn secrets_never_print() {
        let p = Passphrase::new("correct horse battery staple");
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
        assert_eq!(
            format!("{:?}", SecretKey::random()),
            "SecretKey(<redacted>)"
        );
        assert_eq!(
            format!("{:?}", RecoveryKey::random()),
            "RecoveryKey(<redacted>)"
        );
    }

    #[test]
    fn passphrase_is_nfc_normalised() {
        let composed = Passphrase::new("caf\u{e9} au lait");
        let decomposed = Passphrase::new("cafe\u{301} au lait");
        assert_eq!(composed.as_bytes(), decomposed.as_bytes());
    }
}
