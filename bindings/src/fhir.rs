//! Documents in and out from the apps: the patient's summary as an IPS document, FHIR bundles
//! and French CDA documents in with the import report, the INS datamatrix of a printed
//! document, and a received share saved as an IPS on the doctor's side.

use crate::error::CarnetError;
use crate::vault::Vault;
use carnet_core::identity::InsIdentity;
use carnet_core::import::DocumentImportReport;
use carnet_core::model::{Profile, ProfileId};
use carnet_core::share::OpenedShare;
use carnet_core::vault::ImportOptions;

#[uniffi::export]
impl Vault {
    /// Every record of `profile` as a FHIR R4 International Patient Summary (IPS 2.0.0), as
    /// JSON text, for the doctor's software.
    pub fn export_ips(&self, profile: ProfileId) -> Result<String, CarnetError> {
        Ok(carnet_core::fhir::export_profile(
            &*self.open()?,
            &profile,
            carnet_core::time::now(),
        )?)
    }

    /// Imports a FHIR R4 bundle (document, collection, searchset, transaction) into `profile`
    /// in one transaction, or with `dry_run` says what it would do and stores nothing. The
    /// report counts what was read per kind and lists every item left out with its reason;
    /// importing the same bundle again adds nothing. A bundle about someone else (another INS
    /// or birth date) is `OtherPatient`; a malformed one `InvalidInput`.
    #[uniffi::method(default(dry_run = false))]
    pub fn import_fhir(
        &self,
        profile: ProfileId,
        bundle: Vec<u8>,
        file_name: String,
        dry_run: bool,
    ) -> Result<DocumentImportReport, CarnetError> {
        Ok(carnet_core::fhir::import_bundle(
            &*self.open()?,
            &profile,
            &bundle,
            &file_name,
            &ImportOptions::trusting_no_one(carnet_core::time::now()),
            dry_run,
        )?)
    }
}

#[uniffi::export]
impl Vault {
    /// Imports a French CDA R2 document (a CR-BIO lab report with its PDF, a discharge letter,
    /// a VSM or IPS-FR summary, a VAC vaccination record, an eP-MED-DM prescription, a level-1
    /// document) from the file at `path` into `profile`, in one transaction; an embedded PDF
    /// streams into the vault. Another volet is `InvalidInput` naming it; a document about
    /// someone else is `OtherPatient`.
    #[uniffi::method(default(dry_run = false))]
    pub fn import_cda(
        &self,
        profile: ProfileId,
        path: String,
        dry_run: bool,
    ) -> Result<DocumentImportReport, CarnetError> {
        Ok(carnet_core::cda::import_document(
            &*self.open()?,
            &profile,
            std::path::Path::new(&path),
            &ImportOptions::trusting_no_one(carnet_core::time::now()),
            dry_run,
        )?)
    }
}

/// The INS datamatrix in a photo or scan of a health document: its fields, to show the
/// patient before [`Vault::set_ins_from_document`] stores the INS. A damaged code (its key
/// does not match its number) is `InvalidInput`; an image without one `NoCodeInImage`.
#[uniffi::export]
pub fn read_ins_datamatrix(image: Vec<u8>) -> Result<InsIdentity, CarnetError> {
    Ok(InsIdentity::read_image(&image)?)
}

/// The INS datamatrix's text, as a barcode scanner gives it.
#[uniffi::export]
pub fn parse_ins_datamatrix(text: String) -> Result<InsIdentity, CarnetError> {
    Ok(InsIdentity::parse(&text)?)
}

#[uniffi::export]
impl Vault {
    /// Stores the INS the patient confirmed on `profile`, marked as read from a document
    /// (`ins_origin`). A datamatrix with another birth date than the profile's is
    /// `OtherPatient`, and nothing is stored.
    pub fn set_ins_from_document(
        &self,
        profile: ProfileId,
        identity: InsIdentity,
    ) -> Result<Profile, CarnetError> {
        let vault = self.open()?;
        let mut person = vault.profile(&profile)?;
        identity.apply_to(&mut person)?;
        vault.update_profile(&person)?;
        Ok(person)
    }
}

/// A share the doctor read, as a FHIR R4 International Patient Summary (JSON text): each
/// item's source as this device verified it.
#[uniffi::export]
pub fn share_as_ips(share: OpenedShare) -> String {
    carnet_core::fhir::export_share(&share, carnet_core::time::now())
}
