//! Practitioner trust at the boundary: the device's trust anchors, the `Signer` foreign trait
//! (a CPS card, Android Keystore or Secure Enclave key signs as the practitioner), and signed
//! records handed back by QR code.

use crate::CarnetError;
use crate::vault::Vault;
use carnet_core::model::uniffi_types::UtcTimestamp;
use carnet_core::model::{ProfileId, Record, RecordBody, RecordId};
use carnet_core::qr::ReadProgress;
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust::transport;
use carnet_core::trust::{
    self, Patient, PractitionerPolicy, SignedRecordError, UnverifiedPolicy, VerifiedPractitioner,
};
use std::sync::{Arc, Mutex, RwLock};
use zeroize::Zeroizing;

/// The authorities this device trusts to say who a practitioner is. Empty when created:
/// nothing is trusted until the app adds its anchors (in production the IGC-Santé roots and
/// intermediates, see the README). Thread-safe.
#[derive(Debug, Default, uniffi::Object)]
pub struct TrustStore {
    inner: RwLock<trust::TrustStore>,
}

impl TrustStore {
    /// A copy of the anchors, for one check (the store may change meanwhile).
    pub(crate) fn snapshot(&self) -> trust::TrustStore {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The store given, or an empty one: with none, nobody is verified.
pub(crate) fn store_or_empty(store: Option<&Arc<TrustStore>>) -> trust::TrustStore {
    store.map(|s| s.snapshot()).unwrap_or_default()
}

#[uniffi::export]
impl TrustStore {
    /// An empty store.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Adds the authorities of a certificate file: PEM with one or more certificates, or one
    /// DER certificate. Each must be a certification authority; a self-signed one becomes a
    /// trust anchor, any other a known intermediate (trusted only through an anchor). Returns
    /// their names. A file that is not an authority is `CertificateRejected` and adds nothing.
    pub fn add_certificates(&self, file: Vec<u8>) -> Result<Vec<String>, CarnetError> {
        // On a copy, under the write lock: a file refused halfway adds nothing, and two
        // threads adding at once both count.
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let mut updated = guard.clone();
        let names = updated.add(&file)?;
        *guard = updated;
        Ok(names)
    }

    /// Loads a certificate revocation list (PEM or DER), downloaded from an authority and
    /// signed by one of this store's: the certificates it lists are refused from now on
    /// (`CertificateRevoked`). Returns the list's issue date, for the app to say how fresh it
    /// is. One not signed by a known authority is `CertificateRejected`.
    pub fn add_revocation_list(&self, file: Vec<u8>) -> Result<UtcTimestamp, CarnetError> {
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        Ok(guard.add_crl(&file)?)
    }

    /// What this store takes for a practitioner's certificate (IGC-Santé's personal
    /// certificates by default).
    pub fn practitioner_policy(&self) -> PractitionerPolicy {
        self.snapshot().policy().clone()
    }

    /// Replaces what this store takes for a practitioner's certificate, for authorities that
    /// are not IGC-Santé's.
    pub fn set_practitioner_policy(&self, policy: PractitionerPolicy) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .set_policy(policy);
    }

    /// The trust anchors' names, in the order added.
    pub fn anchors(&self) -> Vec<String> {
        self.snapshot()
            .anchors()
            .iter()
            .map(|a| a.name.clone())
            .collect()
    }

    /// Checks a practitioner's certificate chain (DER, the practitioner's first) up to an
    /// anchor at `at` (default now). Each refusal is its own error: `CertificateExpired`,
    /// `UnknownAuthority` or `CertificateRejected`.
    #[uniffi::method(default(at = None))]
    pub fn verify_practitioner(
        &self,
        chain: Vec<Vec<u8>>,
        at: Option<UtcTimestamp>,
    ) -> Result<VerifiedPractitioner, CarnetError> {
        Ok(self
            .snapshot()
            .verify(&chain, at.unwrap_or_else(|| SystemClock.now()))?)
    }
}

/// A practitioner's signing key, held by the platform: a CPS smart card, an Android Keystore
/// or Secure Enclave P-256 key. Implemented by the doctor's app; `software_signer` gives one
/// backed by a PKCS#8 key file.
///
/// Implementations must not call back into Carnet. Failures are thrown as `SignerFailed`
/// (the reason must hold no key material); anything else thrown is reported as
/// `SignerFailed` too.
#[uniffi::export(with_foreign)]
pub trait Signer: Send + Sync {
    /// The practitioner's certificate first, then the authorities above it (DER).
    fn certificate_chain(&self) -> Result<Vec<Vec<u8>>, CarnetError>;
    /// An ECDSA P-256 signature with SHA-256 over `message`: DER-encoded, as the Android
    /// Keystore (`SHA256withECDSA`) and Apple's `SecKeyCreateSignature`
    /// (`.ecdsaSignatureMessageX962SHA256`) return it, or 64 bytes r || s (CryptoKit's
    /// `rawRepresentation`, Java's `SHA256withECDSAinP1363Format`).
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, CarnetError>;
}

/// Adapts a foreign signer to the core's trait: the chain is asked once; every signature is
/// brought to the r || s form Carnet's formats carry, then checked against the certificate's
/// key before it is used, so a platform signer wired to another key fails here, on the
/// practitioner's device, and not later as a "modified" record on the patient's phone.
struct ForeignSigner {
    signer: Arc<dyn Signer>,
    chain: Vec<Vec<u8>>,
}

impl ForeignSigner {
    fn new(signer: Arc<dyn Signer>) -> Result<Self, CarnetError> {
        let chain = signer.certificate_chain().map_err(signer_failed)?;
        if chain.is_empty() {
            return Err(CarnetError::SignerFailed {
                reason: "the signer gave no certificate".into(),
            });
        }
        Ok(Self { signer, chain })
    }
}

fn signer_failed(e: CarnetError) -> CarnetError {
    match e {
        e @ CarnetError::SignerFailed { .. } => e,
        other => CarnetError::SignerFailed {
            reason: other.to_string(),
        },
    }
}

impl trust::Signer for ForeignSigner {
    fn certificate_chain(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
        let signature = self
            .signer
            .sign(message.to_vec())
            .map_err(|e| SignedRecordError::Signer(signer_failed(e).to_string()))?;
        let signature = trust::signing::platform_signature(&signature)?;
        trust::verify_by_leaf(&self.chain, message, &signature).map_err(|_| {
            SignedRecordError::Signer(
                "the signature does not verify with the certificate's key (signed with another \
                 key, or not ECDSA P-256 with SHA-256)"
                    .into(),
            )
        })?;
        Ok(signature)
    }
}

/// The core's software signer behind the foreign trait.
struct SoftwareSigner(trust::SoftwareSigner);

impl Signer for SoftwareSigner {
    fn certificate_chain(&self) -> Result<Vec<Vec<u8>>, CarnetError> {
        Ok(trust::Signer::certificate_chain(&self.0))
    }

    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, CarnetError> {
        Ok(trust::Signer::sign(&self.0, &message)?)
    }
}

/// A signer from a PKCS#8 P-256 private key (PEM or DER) and the practitioner's certificate
/// file (PEM, the practitioner's certificate first). For desktop tools and tests: on a phone
/// the key belongs in the platform's key store, behind your own `Signer`.
#[uniffi::export]
pub fn software_signer(
    private_key: Vec<u8>,
    certificates: Vec<u8>,
) -> Result<Arc<dyn Signer>, CarnetError> {
    let private_key = Zeroizing::new(private_key);
    let chain = trust::certificates_from_file(&certificates)?;
    let signer = trust::SoftwareSigner::new(&private_key, chain)?;
    Ok(Arc::new(SoftwareSigner(signer)))
}

/// The foreign signer as the core's trait.
pub(crate) fn core_signer(signer: Arc<dyn Signer>) -> Result<impl trust::Signer, CarnetError> {
    ForeignSigner::new(signer)
}

// ---- signed records: the practitioner's side ----------------------------------------------

/// The practitioner signs a prescription, letter or lab report for `patient` (their name and
/// birth date as the share showed them, and the INS when known): the QR texts to show (one
/// code, or frames to animate in a loop; `qr_code`/`qr_png`/`qr_svg` draw them). The record is
/// bound to that patient: another patient's vault refuses it.
#[uniffi::export]
pub fn issue_signed_record(
    body: RecordBody,
    patient: Patient,
    signer: Arc<dyn Signer>,
) -> Result<Vec<String>, CarnetError> {
    body.validate()?;
    let signer = core_signer(signer)?;
    let signed = trust::sign_record(&body, &patient, &signer, SystemClock.now())?;
    Ok(transport::qr_codes(&signed)?)
}

// ---- signed records: the patient's side ---------------------------------------------------

/// Collects the scanned texts of a signed record (one code, or frames in any order) until it
/// is complete. Thread-safe.
#[derive(uniffi::Object)]
pub struct SignedRecordScanner {
    inner: Mutex<(transport::SignedRecordScanner, ReadProgress)>,
}

impl std::fmt::Debug for SignedRecordScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // What was scanned is a health record: only the progress is shown.
        f.debug_struct("SignedRecordScanner")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl SignedRecordScanner {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        let nothing_yet = ReadProgress {
            fraction: 0.0,
            complete: false,
        };
        Arc::new(Self {
            inner: Mutex::new((transport::SignedRecordScanner::new(), nothing_yet)),
        })
    }

    /// Takes one scanned text. A refused text throws and leaves the scanner as it was.
    pub fn push_text(&self, scanned: String) -> Result<ReadProgress, CarnetError> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let progress = guard.0.push_text(&scanned)?;
        guard.1 = progress;
        Ok(progress)
    }

    pub fn progress(&self) -> ReadProgress {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1
    }

    /// The signed record's bytes once complete (give them to `check_signed_record` and
    /// `Vault.import_signed_record`); none before.
    pub fn signed_record(&self) -> Option<Vec<u8>> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .result()
            .map(<[u8]>::to_vec)
    }
}

/// What the patient sees before importing a signed record.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SignedRecordCheck {
    pub body: RecordBody,
    /// Whether the practitioner's certificate verified up to an anchor of the trust store.
    pub verified: bool,
    /// "Karim Benali, Médecin, RPPS …, verified by <anchor>", or "NOT verified: " followed by
    /// the name the certificate claims.
    pub signer: String,
    /// The verified practitioner; none when not verified.
    pub practitioner: Option<VerifiedPractitioner>,
    /// When it was signed.
    pub signed_at: UtcTimestamp,
    /// Whether the record names its patient (format 2): only such a record is stored as
    /// verified for a profile, and only into the profile of that patient.
    pub bound_to_patient: bool,
    /// Why it is not verified (expired certificate, unknown authority…); none when verified.
    pub problem: Option<String>,
}

/// Checks a scanned signed record against the trust store (none: nobody is verified). A record
/// modified after signing is `SignatureInvalid`; one whose certificate does not verify is
/// returned with `verified` false and the `problem`, for the patient to decide.
#[uniffi::export]
pub fn check_signed_record(
    signed_record: Vec<u8>,
    trust: Option<Arc<TrustStore>>,
) -> Result<SignedRecordCheck, CarnetError> {
    let store = store_or_empty(trust.as_ref());
    Ok(
        match trust::signing::read(&signed_record, &store, SystemClock.now())? {
            Ok(v) => SignedRecordCheck {
                signer: v.practitioner.describe(),
                body: v.body,
                verified: true,
                practitioner: Some(v.practitioner),
                signed_at: v.facts.signed_at,
                bound_to_patient: v.facts.patient.is_some(),
                problem: None,
            },
            Err(u) => SignedRecordCheck {
                signer: trust::describe_unverified(&u.claimed_signer),
                body: u.body,
                verified: false,
                practitioner: None,
                signed_at: u.facts.signed_at,
                bound_to_patient: u.facts.patient.is_some(),
                problem: Some(u.reason.to_string()),
            },
        },
    )
}

#[uniffi::export]
impl Vault {
    /// Stores a signed record for `profile` with provenance "practitioner, verified", the
    /// practitioner's identity, the anchor and the time of the check; the signed bytes are
    /// kept with it, to check again later (`reverify_record`). A modified record is always
    /// refused (`SignatureInvalid`). One whose certificate does not verify is refused with
    /// the reason's error (`CertificateExpired`, `UnknownAuthority`, …), or stored marked
    /// NOT verified when `accept_unverified` is true (the patient chose to).
    #[uniffi::method(default(accept_unverified = false))]
    pub fn import_signed_record(
        &self,
        profile: ProfileId,
        signed_record: Vec<u8>,
        trust: Option<Arc<TrustStore>>,
        accept_unverified: bool,
    ) -> Result<Record, CarnetError> {
        let store = store_or_empty(trust.as_ref());
        let policy = if accept_unverified {
            UnverifiedPolicy::StoreUnverified
        } else {
            UnverifiedPolicy::Reject
        };
        Ok(trust::import_signed(
            &*self.open()?,
            &profile,
            &signed_record,
            &store,
            SystemClock.now(),
            policy,
        )?)
    }

    /// Checks a stored signed record again, for example after the trust store changed, and
    /// records the outcome in its provenance. A record edited since it was received no longer
    /// matches its signature and becomes NOT verified.
    ///
    /// `trust` is required: the outcome is saved, and checking against no anchors would mark
    /// every record NOT verified. A record that was not received signed is `InvalidInput`.
    pub fn reverify_record(
        &self,
        record: RecordId,
        trust: Arc<TrustStore>,
    ) -> Result<Record, CarnetError> {
        let store = trust.snapshot();
        trust::reverify(&*self.open()?, &record, &store, SystemClock.now()).map_err(|e| match e {
            trust::SignedImportError::Signed(SignedRecordError::NotASignedRecord) => {
                CarnetError::invalid("this record was not received signed")
            }
            other => other.into(),
        })
    }
}
