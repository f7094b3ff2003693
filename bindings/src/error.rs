//! The one error type of the boundary.
//!
//! Every mapping below names every variant of the core's error it maps, so a new kind of error
//! does not compile until someone decides its public form.

use carnet_core::VaultError;
use carnet_core::backup::BackupError;
use carnet_core::cda::CdaError;
use carnet_core::crypto::{CryptoError, KeyStoreError};
use carnet_core::fhir::FhirError;
use carnet_core::identity::IdentityError;
use carnet_core::model::ModelError;
use carnet_core::qr::QrError;
use carnet_core::share::compress::CompressionError;
use carnet_core::share::{ReceiptError, ShareError, ShareFlowError};
use carnet_core::trust::{ChainError, SignedImportError, SignedRecordError};

/// Everything that can go wrong in a Carnet call. One flat list, so an app can `when`/`switch`
/// on it; in Kotlin it is `CarnetException` with one subclass per variant, in Swift the
/// `CarnetError` enum, in Python `CarnetError.<Variant>`.
///
/// `reason` is a sentence for a person. It never holds a key, a passphrase, a recovery key,
/// a name or any health data (the core's errors are written that way), so it may be shown and
/// logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CarnetError {
    /// No vault file at this path.
    #[error("{reason}")]
    VaultNotFound { reason: String },
    /// A file already exists where a vault was to be created; it was left untouched.
    #[error("{reason}")]
    AlreadyExists { reason: String },
    /// The file is not a Carnet vault.
    #[error("{reason}")]
    NotAVault { reason: String },
    /// The vault is damaged; it was left untouched (restore from a backup).
    #[error("{reason}")]
    VaultCorrupt { reason: String },
    /// The vault, or a code, was written by a newer Carnet: update the app.
    #[error("{reason}")]
    NewerVersion { reason: String },
    #[error("{reason}")]
    WrongPassphrase { reason: String },
    #[error("{reason}")]
    WrongRecoveryKey { reason: String },
    /// The recovery key text has a typing mistake (its check characters do not match).
    #[error("{reason}")]
    RecoveryKeyMistyped { reason: String },
    /// The platform key store returned a key that is not this vault's.
    #[error("{reason}")]
    WrongPlatformKey { reason: String },
    /// The vault has no key slot of that kind (for example no platform slot yet).
    #[error("{reason}")]
    NoKeySlot { reason: String },
    /// The platform key store is not available (no hardware key, key invalidated).
    /// A `PlatformKeyStore` implementation throws this.
    #[error("{reason}")]
    KeyStoreUnavailable { reason: String },
    /// The user dismissed the biometric or screen-lock prompt.
    /// A `PlatformKeyStore` implementation throws this.
    #[error("{reason}")]
    KeyStoreCancelled { reason: String },
    /// The platform key store failed for another reason.
    /// A `PlatformKeyStore` implementation throws this.
    #[error("{reason}")]
    KeyStoreFailed { reason: String },
    /// The vault's stored key-derivation parameters are below the minimum.
    #[error("{reason}")]
    WeakKeyDerivation { reason: String },
    /// A vault's or a backup's key-derivation parameters ask for more memory or work than
    /// Carnet accepts (a damaged or crafted header): refused before anything is allocated.
    #[error("{reason}")]
    KeyDerivationTooCostly { reason: String },
    #[error("{reason}")]
    PassphraseTooShort { reason: String },
    /// Stored data failed its integrity check (modified, moved or damaged): nothing of it was
    /// returned.
    #[error("{reason}")]
    IntegrityFailure { reason: String },
    #[error("{reason}")]
    ProfileNotFound { reason: String },
    #[error("{reason}")]
    RecordNotFound { reason: String },
    #[error("{reason}")]
    AttachmentNotFound { reason: String },
    /// A document to import is about someone else than the profile (another INS or birth
    /// date): choose the right profile.
    #[error("{reason}")]
    OtherPatient { reason: String },
    /// An argument was refused: an empty required field, a malformed INS or RPPS, a date that
    /// is not `YYYY-MM-DD`, an id that is not a UUID.
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// The disk is full; nothing was changed.
    #[error("{reason}")]
    DiskFull { reason: String },
    /// The vault is on a read-only file system; nothing was changed.
    #[error("{reason}")]
    ReadOnly { reason: String },
    /// A storage or file error (SQLite, file system).
    #[error("{reason}")]
    Storage { reason: String },
    /// The vault was locked with `lock()`; unlock it again to use it.
    #[error("{reason}")]
    VaultLocked { reason: String },
    /// A scanned text is not a Carnet code at all.
    #[error("{reason}")]
    NotACarnetCode { reason: String },
    /// A scanned code or frame is malformed, truncated, too large or from another share.
    #[error("{reason}")]
    MalformedCode { reason: String },
    /// The share expired: ask the patient to show a new one.
    #[error("{reason}")]
    ShareExpired { reason: String },
    /// The doctor's hello expired: the doctor shows a new one.
    #[error("{reason}")]
    HelloExpired { reason: String },
    /// The doctor's hello does not verify and the patient did not choose to share anyway:
    /// nothing was sealed. Show who it claims to be, and share again with
    /// `accept_unverified_doctor` only if the patient confirms with the doctor.
    #[error("{reason}")]
    UnverifiedRecipient { reason: String },
    /// The share was sealed for another device's hello, or needs a doctor session.
    #[error("{reason}")]
    WrongDevice { reason: String },
    /// The share or emergency card was modified or damaged.
    #[error("{reason}")]
    Tampered { reason: String },
    /// Not enough frames scanned yet.
    #[error("{reason}")]
    Incomplete { reason: String },
    /// No QR code in the image, or the image could not be read.
    #[error("{reason}")]
    NoCodeInImage { reason: String },
    /// The image shows far more code-like patterns than a photo of a code: refused before the
    /// code search, which such an image could keep busy for minutes.
    #[error("{reason}")]
    ImageTooComplex { reason: String },
    /// The content does not fit in a QR code of the version asked for.
    #[error("{reason}")]
    DoesNotFit { reason: String },
    /// A signed record, a receipt or a doctor's hello does not match its signature: it was
    /// modified after signing, or signed with another key. Refused outright.
    #[error("{reason}")]
    SignatureInvalid { reason: String },
    /// A signed record says it was signed later than this device's clock allows: one of the
    /// two devices has the wrong date or time. Not a sign of tampering; check the clocks.
    #[error("{reason}")]
    ClockMismatch { reason: String },
    /// The practitioner's certificate (or one above it) had expired, or was not yet valid, at
    /// the time that mattered.
    #[error("{reason}")]
    CertificateExpired { reason: String },
    /// No trust anchor of this device vouches for the practitioner's certificate.
    #[error("{reason}")]
    UnknownAuthority { reason: String },
    /// The practitioner's certificate (or an authority above it) is listed in a revocation
    /// list the trust store loaded: its key may have been lost or stolen.
    #[error("{reason}")]
    CertificateRevoked { reason: String },
    /// The certificate chain was refused for another reason (not a CA, key usage, path
    /// length, algorithm, unknown critical extension, malformed); or a file given as an
    /// authority is not one.
    #[error("{reason}")]
    CertificateRejected { reason: String },
    /// A signed record names another patient than the profile it is imported into.
    #[error("{reason}")]
    WrongPatient { reason: String },
    /// A signed record names another practitioner (RPPS or name) than the one who signed it,
    /// or a receipt is signed by another key than the one that signed the doctor's hello.
    #[error("{reason}")]
    WrongPractitioner { reason: String },
    /// A signed record is older than Carnet accepts for an import: the practitioner signs a
    /// fresh one.
    #[error("{reason}")]
    SignedTooLongAgo { reason: String },
    /// The practitioner's `Signer` failed, or returned a signature that does not verify with
    /// its certificate's key.
    #[error("{reason}")]
    SignerFailed { reason: String },
    /// The file is not a Carnet backup.
    #[error("{reason}")]
    NotABackup { reason: String },
    /// Wrong recovery key or backup passphrase for this backup.
    #[error("{reason}")]
    WrongBackupKey { reason: String },
    /// The backup is truncated, damaged or was modified: nothing was imported.
    #[error("{reason}")]
    BackupDamaged { reason: String },
    /// A failure of the boundary itself: an unexpected exception thrown by a foreign
    /// implementation (a `PlatformKeyStore`), or a cryptographic failure with no better name.
    #[error("{reason}")]
    Internal { reason: String },
}

impl CarnetError {
    pub(crate) fn locked() -> Self {
        CarnetError::VaultLocked {
            reason: "the vault is locked".into(),
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        CarnetError::InvalidInput {
            reason: reason.into(),
        }
    }
}

impl From<VaultError> for CarnetError {
    fn from(e: VaultError) -> Self {
        let reason = e.to_string();
        match e {
            VaultError::NotFound => Self::VaultNotFound { reason },
            VaultError::AlreadyExists => Self::AlreadyExists { reason },
            VaultError::NotAVault => Self::NotAVault { reason },
            VaultError::Corrupt(_) => Self::VaultCorrupt { reason },
            VaultError::NewerVersion { .. } => Self::NewerVersion { reason },
            VaultError::WrongPassphrase => Self::WrongPassphrase { reason },
            VaultError::WrongRecoveryKey => Self::WrongRecoveryKey { reason },
            VaultError::RecoveryKeyMistyped => Self::RecoveryKeyMistyped { reason },
            VaultError::WrongPlatformKey => Self::WrongPlatformKey { reason },
            VaultError::KeyStore(k) => k.into(),
            VaultError::NoKeySlot(_) => Self::NoKeySlot { reason },
            VaultError::WeakKdf { .. } => Self::WeakKeyDerivation { reason },
            VaultError::ExcessiveKdf { .. } => Self::KeyDerivationTooCostly { reason },
            VaultError::PassphraseTooShort { .. } => Self::PassphraseTooShort { reason },
            VaultError::Integrity { .. }
            | VaultError::AttachmentDamaged(_)
            | VaultError::HistoryTampered(_) => Self::IntegrityFailure { reason },
            VaultError::ProfileNotFound => Self::ProfileNotFound { reason },
            VaultError::RecordNotFound => Self::RecordNotFound { reason },
            VaultError::DuplicateRecord => Self::AlreadyExists { reason },
            VaultError::AttachmentNotFound => Self::AttachmentNotFound { reason },
            VaultError::Invalid(_) | VaultError::AttachmentTooLarge { .. } => {
                Self::InvalidInput { reason }
            }
            VaultError::DiskFull => Self::DiskFull { reason },
            VaultError::ReadOnly => Self::ReadOnly { reason },
            VaultError::Database(_) | VaultError::Io(_) => Self::Storage { reason },
            VaultError::Crypto(c) => c.into(),
        }
    }
}

impl From<CryptoError> for CarnetError {
    fn from(e: CryptoError) -> Self {
        let reason = e.to_string();
        match e {
            CryptoError::WeakKdf { .. } => Self::WeakKeyDerivation { reason },
            CryptoError::ExcessiveKdf { .. } => Self::KeyDerivationTooCostly { reason },
            CryptoError::RecoveryKeyMistyped => Self::RecoveryKeyMistyped { reason },
            CryptoError::UnsupportedVersion(_) => Self::NewerVersion { reason },
            CryptoError::Authentication
            | CryptoError::Malformed(_)
            | CryptoError::Kdf(_)
            | CryptoError::InvalidPublicKey
            | CryptoError::UnsupportedKey => Self::Internal { reason },
        }
    }
}

impl From<KeyStoreError> for CarnetError {
    fn from(e: KeyStoreError) -> Self {
        let reason = e.to_string();
        match e {
            KeyStoreError::Unavailable => Self::KeyStoreUnavailable { reason },
            KeyStoreError::AuthenticationCancelled => Self::KeyStoreCancelled { reason },
            KeyStoreError::Failed { .. } => Self::KeyStoreFailed { reason },
        }
    }
}

impl From<QrError> for CarnetError {
    fn from(e: QrError) -> Self {
        let reason = e.to_string();
        match e {
            QrError::NotACarnetCode => Self::NotACarnetCode { reason },
            QrError::UnsupportedVersion(_) => Self::NewerVersion { reason },
            QrError::NoCodeInImage | QrError::NoDataMatrixInImage | QrError::BadImage => {
                Self::NoCodeInImage { reason }
            }
            QrError::ImageTooComplex => Self::ImageTooComplex { reason },
            QrError::DoesNotFit { .. } => Self::DoesNotFit { reason },
            QrError::UnexpectedKind { .. }
            | QrError::Malformed(_)
            | QrError::Truncated
            | QrError::TooLarge
            | QrError::FrameRejected(_)
            | QrError::OtherTransfer => Self::MalformedCode { reason },
        }
    }
}

impl From<CompressionError> for CarnetError {
    fn from(e: CompressionError) -> Self {
        let reason = e.to_string();
        match e {
            CompressionError::UnknownMethod(_)
            | CompressionError::Corrupt
            | CompressionError::TooLarge
            | CompressionError::Empty => Self::MalformedCode { reason },
        }
    }
}

impl From<ShareError> for CarnetError {
    fn from(e: ShareError) -> Self {
        let reason = e.to_string();
        match e {
            ShareError::Code(q) => q.into(),
            ShareError::Compression(c) => c.into(),
            ShareError::UnsupportedVersion(_) | ShareError::NewerCodebook(_) => {
                Self::NewerVersion { reason }
            }
            ShareError::Expired { .. } => Self::ShareExpired { reason },
            ShareError::HelloExpired => Self::HelloExpired { reason },
            ShareError::UnverifiedHello => Self::UnverifiedRecipient { reason },
            ShareError::WrongKey | ShareError::NeedsDoctorSession => Self::WrongDevice { reason },
            ShareError::Tampered | ShareError::EmergencyCardDamaged => Self::Tampered { reason },
            ShareError::Incomplete => Self::Incomplete { reason },
            ShareError::HelloSignatureMismatch => Self::SignatureInvalid { reason },
            ShareError::Malformed(_) | ShareError::Truncated | ShareError::TooLarge => {
                Self::MalformedCode { reason }
            }
        }
    }
}

impl From<FhirError> for CarnetError {
    fn from(e: FhirError) -> Self {
        let reason = e.to_string();
        match e {
            FhirError::Vault(v) => v.into(),
            FhirError::OtherPatient { .. } => Self::OtherPatient { reason },
            FhirError::TooLarge { .. }
            | FhirError::TooDeep { .. }
            | FhirError::StringTooLong { .. }
            | FhirError::TooManyEntries { .. }
            | FhirError::NotJson { .. }
            | FhirError::NotABundle { .. }
            | FhirError::UnsupportedBundleType { .. }
            | FhirError::Invalid { .. } => Self::InvalidInput { reason },
        }
    }
}

impl From<CdaError> for CarnetError {
    fn from(e: CdaError) -> Self {
        let reason = e.to_string();
        match e {
            CdaError::Vault(v) => v.into(),
            CdaError::OtherPatient { .. } => Self::OtherPatient { reason },
            CdaError::Unreadable => Self::Storage { reason },
            CdaError::TooLarge { .. }
            | CdaError::NotXml
            | CdaError::DocumentTypeDeclaration
            | CdaError::UndeclaredEntity
            | CdaError::TooDeep { .. }
            | CdaError::TooManyElements { .. }
            | CdaError::TooMuchText { .. }
            | CdaError::BadBase64
            | CdaError::NotCda
            | CdaError::UnsupportedVolet { .. }
            | CdaError::Invalid { .. } => Self::InvalidInput { reason },
        }
    }
}

impl From<IdentityError> for CarnetError {
    fn from(e: IdentityError) -> Self {
        let reason = e.to_string();
        match e {
            IdentityError::Image(q) => q.into(),
            IdentityError::UnsupportedVersion(_) => Self::NewerVersion { reason },
            IdentityError::OtherBirthDate => Self::OtherPatient { reason },
            IdentityError::NotInsDatamatrix
            | IdentityError::TooLong
            | IdentityError::UnknownField(_)
            | IdentityError::RepeatedField(_)
            | IdentityError::Missing(_)
            | IdentityError::Invalid { .. }
            | IdentityError::InsKey => Self::InvalidInput { reason },
        }
    }
}

impl From<ShareFlowError> for CarnetError {
    fn from(e: ShareFlowError) -> Self {
        match e {
            ShareFlowError::Vault(v) => v.into(),
            ShareFlowError::Share(s) => s.into(),
        }
    }
}

impl From<ChainError> for CarnetError {
    fn from(e: ChainError) -> Self {
        let reason = e.to_string();
        match e {
            ChainError::Expired { .. } | ChainError::NotYetValid { .. } => {
                Self::CertificateExpired { reason }
            }
            ChainError::UnknownIssuer { .. } => Self::UnknownAuthority { reason },
            ChainError::Malformed { .. }
            | ChainError::BadSignature { .. }
            | ChainError::NotACa { .. }
            | ChainError::KeyUsage { .. }
            | ChainError::PathLength { .. }
            | ChainError::UnsupportedAlgorithm { .. }
            | ChainError::UnknownCriticalExtension { .. }
            | ChainError::TooDeep { .. }
            | ChainError::BadAnchor
            | ChainError::LeafIsCa
            | ChainError::ExtendedKeyUsage
            | ChainError::NotAPractitionerPolicy
            | ChainError::NoRpps
            | ChainError::BadCrl => Self::CertificateRejected { reason },
            ChainError::Revoked { .. } => Self::CertificateRevoked { reason },
        }
    }
}

impl From<SignedRecordError> for CarnetError {
    fn from(e: SignedRecordError) -> Self {
        let reason = e.to_string();
        match e {
            SignedRecordError::Chain(c) => c.into(),
            SignedRecordError::BadSignature => Self::SignatureInvalid { reason },
            SignedRecordError::SignedInTheFuture => Self::ClockMismatch { reason },
            SignedRecordError::UnsupportedVersion(_) => Self::NewerVersion { reason },
            SignedRecordError::Signer(_) => Self::SignerFailed { reason },
            SignedRecordError::NotASignedRecord | SignedRecordError::Malformed(_) => {
                Self::MalformedCode { reason }
            }
        }
    }
}

impl From<SignedImportError> for CarnetError {
    fn from(e: SignedImportError) -> Self {
        match e {
            // Refused by the patient's policy: the reason's own kind (expired, unknown
            // authority…) tells the app what to show.
            SignedImportError::Signed(s) | SignedImportError::Unverified(s) => s.into(),
            SignedImportError::Vault(v) => v.into(),
            SignedImportError::OtherPatient => Self::WrongPatient {
                reason: e.to_string(),
            },
            SignedImportError::OtherPractitioner => Self::WrongPractitioner {
                reason: e.to_string(),
            },
            SignedImportError::AlreadyImported => Self::AlreadyExists {
                reason: e.to_string(),
            },
            SignedImportError::TooOld { .. } => Self::SignedTooLongAgo {
                reason: e.to_string(),
            },
        }
    }
}

impl From<ReceiptError> for CarnetError {
    fn from(e: ReceiptError) -> Self {
        match e {
            ReceiptError::NotThisVaultsShare => Self::invalid(e.to_string()),
            ReceiptError::OutsideTheShareLife => Self::ClockMismatch {
                reason: e.to_string(),
            },
            ReceiptError::OtherSigner => Self::WrongPractitioner {
                reason: e.to_string(),
            },
            ReceiptError::Code(c) => c.into(),
            ReceiptError::Signed(s) => s.into(),
            ReceiptError::Vault(v) => v.into(),
        }
    }
}

impl From<BackupError> for CarnetError {
    fn from(e: BackupError) -> Self {
        let reason = e.to_string();
        match e {
            BackupError::NotABackup => Self::NotABackup { reason },
            BackupError::NewerVersion(_) => Self::NewerVersion { reason },
            BackupError::WrongKey => Self::WrongBackupKey { reason },
            BackupError::NotThisVaultsRecoveryKey => Self::WrongRecoveryKey { reason },
            BackupError::Truncated | BackupError::Damaged(_) => Self::BackupDamaged { reason },
            BackupError::WeakKdf { .. } => Self::WeakKeyDerivation { reason },
            BackupError::ExcessiveKdf { .. } => Self::KeyDerivationTooCostly { reason },
            BackupError::AlreadyExists => Self::AlreadyExists { reason },
            BackupError::DiskFull => Self::DiskFull { reason },
            BackupError::Io(_) => Self::Storage { reason },
            BackupError::Vault(v) => v.into(),
        }
    }
}

impl From<ModelError> for CarnetError {
    fn from(e: ModelError) -> Self {
        let reason = e.to_string();
        match e {
            ModelError::InsFormat
            | ModelError::InsKey
            | ModelError::RppsFormat
            | ModelError::RppsCheckDigit
            | ModelError::BloodGroup
            | ModelError::Empty { .. }
            | ModelError::Invalid { .. }
            | ModelError::Unknown { .. } => Self::InvalidInput { reason },
        }
    }
}

impl From<std::io::Error> for CarnetError {
    fn from(e: std::io::Error) -> Self {
        VaultError::from(e).into()
    }
}

/// A foreign implementation (a `PlatformKeyStore`) threw something that is not a
/// `CarnetError`. Its message is not kept: it could hold anything.
impl From<uniffi::UnexpectedUniFFICallbackError> for CarnetError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal {
            reason: "the platform implementation failed unexpectedly".into(),
        }
    }
}
