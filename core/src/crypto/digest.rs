//! SHA-256 (through the `sha2` crate) for the checks and names other modules compute: frame
//! checks, key ids, the chain hashes that signatures bind, the emergency card's check line.
//! Always with a domain prefix, so a hash made for one purpose cannot stand for another.

use sha2::{Digest, Sha256};

/// A SHA-256 computation that starts with a domain string.
#[derive(Clone)]
pub struct Hasher(Sha256);

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl Hasher {
    /// A hash of `domain` followed by whatever is added.
    pub fn new(domain: impl AsRef<[u8]>) -> Self {
        Self(Sha256::new_with_prefix(domain))
    }

    pub fn update(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        self.0.update(bytes);
        self
    }

    /// Adds `bytes` preceded by their length (u64, big-endian), so a list of parts hashes
    /// unambiguously.
    pub fn update_with_length(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Lowercase hexadecimal, for digests shown or stored as text.
pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// SHA-256 of `bytes` with no domain: only where a format defines it so (a frame's transfer
/// id, a backup's header binding, a file's fingerprint, a certificate's reference).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `domain` then `bytes`, hashed.
pub fn sha256_in(domain: &[u8], bytes: &[u8]) -> [u8; 32] {
    let mut h = Hasher::new(domain);
    h.update(bytes);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // A domain is a prefix: "ab" then "c" is SHA-256("abc").
        assert_eq!(sha256_in(b"ab", b"c"), sha256(b"abc"));
        let mut h = Hasher::new("");
        h.update_with_length(b"ab").update_with_length(b"c");
        let mut other = Hasher::new("");
        other.update_with_length(b"a").update_with_length(b"bc");
        assert_ne!(h.finalize(), other.finalize());
    }
}
