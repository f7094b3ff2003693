//! Carnet core: a patient-held, encrypted copy of a family's health records.
//!
//! All behaviour lives here, in pure Rust with no FFI attributes; the UniFFI crate and the
//! `carnet` program only call this public API. One folder per concern:
//!
//! - [`model`]: profiles, records and the derived views a doctor needs (plain data).
//! - [`crypto`]: keys, the sealed-field envelope, key derivation, key slots, streamed
//!   encryption of attachments. Compositions of audited RustCrypto primitives only.
//! - [`vault`]: the encrypted store on SQLite, with its schema, migrations and audit log.
//! - [`backup`]: encrypted archives for restore and for handing a profile to another
//!   caregiver, and the recovery sheet.
//! - [`trust`]: X.509 trust anchors, strict chain validation, practitioner identity.
//! - [`share`]: the consultation pack by QR code: sealed to a doctor's hello or open, single
//!   or multi-frame, the reader, the printable page and the emergency card.
//!
//! Data flows one way: `model` <- `crypto` <- `vault` <- `share` (the share module reads the
//! summary from the vault and logs what it shared).
#![forbid(unsafe_code)]

pub mod backup;
pub mod crypto;
pub mod demo;
pub mod model;
pub mod share;
pub mod trust;
pub mod vault;

pub use vault::{Vault, VaultError, VaultOptions};

// The UniFFI component of the plain data types (feature `uniffi`, turned on by `carnet-ffi`
// only): the derives in `model` and `share` need this crate's `UniFfiTag`.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
