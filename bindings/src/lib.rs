//! `carnet-ffi`: the UniFFI face of `carnet-core`, for Kotlin (Android), Swift (iOS) and
//! Python. UniFFI 0.32 with proc-macros only (no UDL); `scripts/generate-bindings.sh`
//! generates the three languages from the built library (library mode).
//!
//! # Where the UniFFI attributes live, and why
//!
//! - **Plain data types derive in the core**, behind its optional `uniffi` feature
//!   (`#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]` next to each definition in
//!   `carnet_core::model` and `carnet_core::share`, and the scalar conversions in
//!   `carnet_core::model::uniffi_types`: ids and INS/RPPS as strings, dates as ISO
//!   `YYYY-MM-DD` strings, instants as timestamps). About forty health types are therefore
//!   defined once: a field added to `Medication` reaches Kotlin and Swift with its doc comment
//!   and cannot drift from a hand-kept copy. Without the feature (the CLI, the tests) the core
//!   has no UniFFI dependency at all.
//! - **Objects, foreign traits and the error mapping live here.** They are the boundary's
//!   own design (locking, lifetimes, callbacks, what an exception means to an app), not the
//!   core's. The few data types that cannot derive in the core (generic `Sourced<T>`, types
//!   with `usize` or sets, the audit action) are mirrored in [`types`] with a `From` and no
//!   logic.
//! - Because the derives live in the core, the generated code has two parts: `carnet_core`
//!   (data types) and `carnet_ffi` (objects, functions, errors). In Kotlin they are the
//!   packages `app.carnet.core.model` and `app.carnet.core` (UniFFI's Kotlin helpers are
//!   per-package, so two components cannot share one package); in Swift both files compile
//!   into the one module `CarnetCore`; in Python they are `carnet_core` and `carnet_ffi`.
//!
//! # What it exposes, by concern
//!
//! - [`vault`]: the vault's lifecycle and key slots (passphrase, recovery key, the
//!   [`PlatformKeyStore`] foreign trait), profiles, records, attachments, summaries, the audit
//!   log.
//! - [`trust`]: the trust store, the [`Signer`] foreign trait, signed records handed back by
//!   QR code (issued, checked, imported, checked again).
//! - [`share`]: the patient's share and its preview, the doctor's session and hello, QR
//!   drawing, the reader session, access receipts, the emergency card, the printable page.
//!
//! The modules depend one way: `share` uses `trust` and `vault`, `trust` and `backup` use
//! `vault`; `vault` uses neither.
//! - [`backup`]: backup, restore into a new vault, merge (caregiver handover), the recovery
//!   sheet, erase.
//! - [`fhir`]: the IPS export (of a profile, of a received share) and FHIR bundle import with
//!   its report; it uses `vault`.
//!
//! # What the boundary guarantees
//!
//! - Every object ([`Vault`], [`DoctorSession`], [`ReaderSession`], [`TrustStore`],
//!   [`SignedRecordScanner`]) is `Send + Sync`; a
//!   vault may be used from several threads at once (calls are serialised on its
//!   connection). `Vault::lock` closes it for every holder.
//! - One flat error enum, [`CarnetError`] (`CarnetException` in Kotlin), whose reasons
//!   never hold keys, passphrases or health data.
//! - Panics do not cross the boundary: UniFFI catches them (they must unwind, so every
//!   profile, the mobile one included, keeps `panic = "unwind"`) and the caller gets an
//!   internal exception; none is expected.
//! - Secrets passed in (passphrase, recovery key, key bytes) are wrapped in zeroizing types as
//!   soon as they arrive; the copies the foreign runtime holds are the app's to clear.

pub mod backup;
mod error;
pub mod fhir;
pub mod share;
pub mod trust;
mod types;
pub mod vault;

pub use backup::{BackupKey, ImportReport, RestoredVault, restore_backup};
pub use error::CarnetError;
pub use share::{
    DoctorSession, ReaderSession, parse_hello, printable_html, qr_code, qr_png, qr_svg,
    receipt_code, validate_date, validate_ins, validate_rpps, verify_emergency_card,
};
pub use trust::{
    SignedRecordCheck, SignedRecordScanner, Signer, TrustStore, check_signed_record,
    issue_signed_record, software_signer,
};
pub use types::{
    AuditAction, AuditEntry, HelloInfo, KindCount, PreparedShare, QrCode, ShareSelection,
    SourcedAllergy, SourcedCondition, SourcedLetter, Summary,
};
pub use vault::{CreatedVault, PlatformKeyStore, Vault, create_vault};

use carnet_core::model::uniffi_types::{IsoDate, UtcTimestamp};

uniffi::setup_scaffolding!();

// Dates and instants are remote (chrono) types whose conversions the core declares; these
// let this crate use them in its own signatures and records.
uniffi::use_remote_type!(carnet_core::IsoDate);
uniffi::use_remote_type!(carnet_core::UtcTimestamp);

#[cfg(test)]
mod tests {
    use super::*;

    fn send_and_sync<T: Send + Sync>() {}

    #[test]
    fn every_object_is_send_and_sync() {
        send_and_sync::<Vault>();
        send_and_sync::<DoctorSession>();
        send_and_sync::<ReaderSession>();
        send_and_sync::<TrustStore>();
        send_and_sync::<SignedRecordScanner>();
        send_and_sync::<std::sync::Arc<dyn PlatformKeyStore>>();
        send_and_sync::<std::sync::Arc<dyn Signer>>();
    }

    #[test]
    fn a_locked_vault_refuses_calls_with_a_typed_error() -> Result<(), CarnetError> {
        let dir = tempfile::tempdir().map_err(CarnetError::from)?;
        let path = dir.path().join("v.carnet").to_string_lossy().into_owned();
        let created = create_vault(path, "correct horse battery staple".into())?;
        created.vault.lock();
        assert!(matches!(
            created.vault.profiles(),
            Err(CarnetError::VaultLocked { .. })
        ));
        Ok(())
    }
}
