//! Keys and the constructions Carnet builds from audited RustCrypto primitives.
//!
//! - [`envelope`]: one sealed value (XChaCha20-Poly1305, random 24-byte nonce, versioned,
//!   bound to its place by associated data).
//! - [`kdf`]: Argon2id for passphrases, with stored, authenticated, minimum-checked parameters.
//! - [`secret`]: key and passphrase types that zeroize on drop and never print.
//! - [`key_slot`]: the vault key wrapped by a passphrase, a recovery key or a platform key store.
//! - [`stream`]: chunked encryption of large attachments (STREAM, as the age format uses).
//!
//! Nothing here writes a primitive: the AEAD, the STREAM construction, Argon2 and HKDF all
//! come from RustCrypto crates.

pub mod envelope;
mod error;
pub mod kdf;
pub mod key_slot;
pub mod secret;
pub mod stream;

pub use envelope::AssociatedData;
pub use error::CryptoError;
pub use kdf::{KdfParams, KdfPolicy};
pub use key_slot::{KeyStoreError, PlatformKeyStore, SoftwareKeyStore};
pub use secret::{Passphrase, RecoveryKey, SecretKey};
