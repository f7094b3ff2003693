//! Carnet core: a patient-held, encrypted copy of a family's health records.
//!
//! All behaviour lives here, in pure Rust with no FFI attributes; the UniFFI crate and the
//! `carnet` program only call this public API. One folder per concern, in floors: a module
//! uses only the modules on the floors below it, never one beside or above it
//! (`ARCHITECTURE.md` draws the map; `tests/tests/architecture.rs` checks it).
//!
//! 1. The ground: [`time`] (one clock, one instant type, one date format), [`files`] (whole,
//!    private, never-overwriting file writes), [`markup`] (one HTML/XML escaper), [`model`] (profiles, records and the derived
//!    views a doctor needs; plain data), [`crypto`] (the constructions Carnet composes from
//!    audited primitives, and the only door to them).
//! 2. [`qr`]: code text and prefixes, fountain frames, drawing and reading images. Knows
//!    nothing of what a code carries.
//! 3. [`vault`]: the encrypted store on SQLite, with its schema, migrations and audit log.
//!    [`identity`]: the INS datamatrix of French health documents, read from an image or a
//!    scanner's text.
//! 4. [`trust`]: X.509 trust anchors, strict chain validation, practitioner identity, signed
//!    records and their import. [`backup`]: encrypted archives for restore and handover, the
//!    recovery sheet.
//! 5. [`share`]: the consultation pack by QR code (sealed to a doctor's hello or open), the
//!    reader, the printable page, access receipts and the emergency card.
//! 6. [`demo`]: the demo family, for the program, the tests and the benchmarks.
#![forbid(unsafe_code)]

pub mod backup;
pub mod cda;
pub mod crypto;
pub mod demo;
pub mod fhir;
pub mod files;
pub mod identity;
pub mod import;
pub mod markup;
pub mod model;
pub mod qr;
pub mod share;
pub mod time;
pub mod trust;
pub mod vault;

pub use vault::{Vault, VaultError, VaultOptions};

// The UniFFI component of the plain data types (feature `uniffi`, turned on by `carnet-ffi`
// only): the derives in `model`, `qr` and `share` need this crate's `UniFfiTag`.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
