//! Keys and the constructions Carnet builds from audited RustCrypto primitives.
//!
//! - [`envelope`]: one sealed value (XChaCha20-Poly1305, random 24-byte nonce, versioned,
//!   bound to its place by associated data).
//! - [`xchacha`]: XChaCha20-Poly1305 for short messages, HChaCha20 (RustCrypto) then ring's
//!   ChaCha20-Poly1305: the same bytes as RustCrypto's AEAD at a quarter of its cost per row.
//! - [`kdf`]: Argon2id for passphrases, with stored, authenticated, minimum-checked parameters.
//! - [`secret`]: key and passphrase types that zeroize on drop and never print.
//! - [`key_slot`]: the vault key wrapped by a passphrase, a recovery key or a platform key store.
//! - [`stream`]: chunked encryption of large attachments (STREAM, as the age format uses).
//! - [`one_time_key`]: a key and nonce derived for one message (HKDF-SHA256, XChaCha20-Poly1305).
//! - [`ecies`]: sealing to an X25519 public key (a doctor's hello).
//! - [`ecdsa`]: ECDSA P-256 signatures (practitioners' records, hellos and receipts).
//! - [`digest`]: domain-separated SHA-256 for checks, key ids and chain hashes.
//! - [`random`]: bytes from the operating system's generator.
//!
//! This is the one door to the primitive crates (`chacha20poly1305`, `chacha20`, `ring`,
//! `x25519-dalek`, `hkdf`, `p256`, `argon2`, `sha2`, `rand`): every other module, and every other crate of the
//! workspace, uses the constructions above and never names a primitive. The architecture test
//! (`tests/tests/architecture.rs`) fails the build of anything that reaches around it.
//! Nothing here writes a primitive: the AEADs, the STREAM construction, X25519, ECDSA, Argon2
//! and HKDF all come from RustCrypto, dalek and ring.

pub mod digest;
pub mod ecdsa;
pub mod ecies;
pub mod envelope;
mod error;
pub mod kdf;
pub mod key_slot;
pub mod one_time_key;
pub mod random;
pub mod secret;
pub mod stream;
pub mod xchacha;

pub use envelope::AssociatedData;
pub use error::CryptoError;
pub use kdf::{KdfParams, KdfPolicy};
pub use key_slot::{KeyStoreError, PlatformKeyStore, SoftwareKeyStore};
pub use secret::{Passphrase, RecoveryKey, SecretKey};
