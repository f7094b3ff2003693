//! How the program fails: one line on stderr and an exit code a script can act on.
//!
//! This is the one place where the core's errors become exit codes. Every mapping below names
//! every variant, so a new kind of error does not compile until someone decides its code; and
//! the table `carnet --help` prints is made from [`Exit::ALL`], so it cannot drift from what
//! the program does.

use carnet_core::VaultError;
use carnet_core::backup::BackupError;
use carnet_core::cda::CdaError;
use carnet_core::crypto::CryptoError;
use carnet_core::fhir::FhirError;
use carnet_core::identity::IdentityError;
use carnet_core::model::ModelError;
use carnet_core::qr::QrError;
use carnet_core::share::compress::CompressionError;
use carnet_core::share::{ReceiptError, ShareError, ShareFlowError};
use carnet_core::trust::{ChainError, SignedImportError, SignedRecordError};

/// The exit codes, and what each means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Other,
    Usage,
    WrongKey,
    NotFound,
    Invalid,
    Integrity,
    Newer,
    Expired,
}

impl Exit {
    pub const ALL: [Exit; 8] = [
        Exit::Other,
        Exit::Usage,
        Exit::WrongKey,
        Exit::NotFound,
        Exit::Invalid,
        Exit::Integrity,
        Exit::Newer,
        Exit::Expired,
    ];

    pub fn code(self) -> u8 {
        match self {
            Exit::Other => 1,
            Exit::Usage => 2,
            Exit::WrongKey => 3,
            Exit::NotFound => 4,
            Exit::Invalid => 5,
            Exit::Integrity => 6,
            Exit::Newer => 7,
            Exit::Expired => 8,
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Exit::Other => "other error",
            Exit::Usage => "usage error",
            Exit::WrongKey => {
                "wrong passphrase or recovery key, or a share sealed for another device"
            }
            Exit::NotFound => "vault, profile, record, attachment or code not found",
            Exit::Invalid => "invalid input",
            Exit::Integrity => {
                "integrity failure, damaged vault or tampered share (the file is never modified)"
            }
            Exit::Newer => "vault, code or backup written by a newer version of Carnet",
            Exit::Expired => "share or doctor's hello expired",
        }
    }
}

/// The exit codes and the environment, as `--help` shows them.
pub fn help() -> String {
    let mut text = String::from("Exit codes:\n  0  success\n");
    for exit in Exit::ALL {
        text.push_str(&format!("  {}  {}\n", exit.code(), exit.meaning()));
    }
    text.push_str(
        "\nEnvironment:
  CARNET_PASSPHRASE      the vault passphrase, for scripts (otherwise prompted)
  CARNET_NEW_PASSPHRASE  the new passphrase for `init` (else CARNET_PASSPHRASE), `passwd` and `restore`, for scripts
  CARNET_RECOVERY_KEY    the recovery key, for scripts
  CARNET_VAULT           the vault file (as --vault)
  CARNET_DOCTOR_STATE    where the doctor's device keeps its hello sessions (as --state)
  CARNET_TRUST_DIR       the trusted practitioner authorities (as --trust-dir)",
    );
    text
}

/// An error for the person at the terminal: one line, and its exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub exit: Exit,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Exit::Invalid, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Exit::NotFound, message)
    }
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Exit::Other, message)
    }
    /// Names the file the error is about.
    pub fn context(self, path: &std::path::Path) -> Self {
        Self {
            message: format!("{}: {}", path.display(), self.message),
            exit: self.exit,
        }
    }
}

fn with(exit: Exit, e: impl std::fmt::Display) -> CliError {
    CliError::new(exit, e.to_string())
}

impl From<FhirError> for CliError {
    fn from(e: FhirError) -> Self {
        match e {
            FhirError::Vault(e) => e.into(),
            FhirError::TooLarge { .. }
            | FhirError::TooDeep { .. }
            | FhirError::StringTooLong { .. }
            | FhirError::TooManyEntries { .. }
            | FhirError::NotJson { .. }
            | FhirError::NotABundle { .. }
            | FhirError::UnsupportedBundleType { .. }
            | FhirError::Invalid { .. }
            | FhirError::OtherPatient { .. } => with(Exit::Invalid, e),
        }
    }
}

impl From<CdaError> for CliError {
    fn from(e: CdaError) -> Self {
        match e {
            CdaError::Vault(e) => e.into(),
            CdaError::Unreadable => with(Exit::NotFound, e),
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
            | CdaError::Invalid { .. }
            | CdaError::OtherPatient { .. } => with(Exit::Invalid, e),
        }
    }
}

impl From<IdentityError> for CliError {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::Image(e) => e.into(),
            IdentityError::UnsupportedVersion(_) => with(Exit::Newer, e),
            IdentityError::NotInsDatamatrix
            | IdentityError::TooLong
            | IdentityError::UnknownField(_)
            | IdentityError::RepeatedField(_)
            | IdentityError::Missing(_)
            | IdentityError::Invalid { .. }
            | IdentityError::InsKey
            | IdentityError::OtherBirthDate => with(Exit::Invalid, e),
        }
    }
}

impl From<VaultError> for CliError {
    fn from(e: VaultError) -> Self {
        let exit = match &e {
            VaultError::WrongPassphrase
            | VaultError::WrongRecoveryKey
            | VaultError::RecoveryKeyMistyped
            | VaultError::WrongPlatformKey => Exit::WrongKey,
            VaultError::NotFound
            | VaultError::ProfileNotFound
            | VaultError::RecordNotFound
            | VaultError::AttachmentNotFound
            | VaultError::NoKeySlot(_) => Exit::NotFound,
            VaultError::Invalid(_)
            | VaultError::AttachmentTooLarge { .. }
            | VaultError::PassphraseTooShort { .. }
            | VaultError::AlreadyExists
            | VaultError::DuplicateRecord => Exit::Invalid,
            VaultError::Integrity { .. }
            | VaultError::HistoryTampered(_)
            | VaultError::Corrupt(_)
            | VaultError::AttachmentDamaged(_)
            | VaultError::NotAVault
            | VaultError::WeakKdf { .. }
            | VaultError::ExcessiveKdf { .. } => Exit::Integrity,
            VaultError::NewerVersion { .. } => Exit::Newer,
            VaultError::KeyStore(_)
            | VaultError::DiskFull
            | VaultError::ReadOnly
            | VaultError::Database(_)
            | VaultError::Io(_)
            | VaultError::Crypto(_) => Exit::Other,
        };
        with(exit, e)
    }
}

impl From<ModelError> for CliError {
    fn from(e: ModelError) -> Self {
        let exit = match e {
            ModelError::InsFormat
            | ModelError::InsKey
            | ModelError::RppsFormat
            | ModelError::RppsCheckDigit
            | ModelError::BloodGroup
            | ModelError::Empty { .. }
            | ModelError::Invalid { .. }
            | ModelError::Unknown { .. } => Exit::Invalid,
        };
        with(exit, e)
    }
}

impl From<CryptoError> for CliError {
    fn from(e: CryptoError) -> Self {
        let exit = match e {
            CryptoError::Authentication | CryptoError::RecoveryKeyMistyped => Exit::WrongKey,
            CryptoError::UnsupportedVersion(_) => Exit::Newer,
            CryptoError::WeakKdf { .. } | CryptoError::ExcessiveKdf { .. } => Exit::Integrity,
            CryptoError::Malformed(_)
            | CryptoError::Kdf(_)
            | CryptoError::InvalidPublicKey
            | CryptoError::UnsupportedKey => Exit::Invalid,
        };
        with(exit, e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                CliError::invalid("a file already exists there; it was left untouched")
            }
            kind => CliError::other(format!("input/output error: {kind}")),
        }
    }
}

impl From<QrError> for CliError {
    fn from(e: QrError) -> Self {
        let exit = match e {
            QrError::UnsupportedVersion(_) => Exit::Newer,
            QrError::NoCodeInImage | QrError::NoDataMatrixInImage | QrError::BadImage => {
                Exit::NotFound
            }
            QrError::ImageTooComplex => Exit::Invalid,
            QrError::NotACarnetCode
            | QrError::UnexpectedKind { .. }
            | QrError::Malformed(_)
            | QrError::Truncated
            | QrError::TooLarge
            | QrError::FrameRejected(_)
            | QrError::OtherTransfer
            | QrError::DoesNotFit { .. } => Exit::Invalid,
        };
        with(exit, e)
    }
}

impl From<CompressionError> for CliError {
    fn from(e: CompressionError) -> Self {
        let exit = match e {
            CompressionError::UnknownMethod(_)
            | CompressionError::Corrupt
            | CompressionError::TooLarge
            | CompressionError::Empty => Exit::Invalid,
        };
        with(exit, e)
    }
}

impl From<ShareError> for CliError {
    fn from(e: ShareError) -> Self {
        let exit = match e {
            ShareError::Code(q) => return q.into(),
            ShareError::Compression(c) => return c.into(),
            ShareError::WrongKey | ShareError::NeedsDoctorSession => Exit::WrongKey,
            ShareError::Expired { .. } | ShareError::HelloExpired => Exit::Expired,
            ShareError::Tampered | ShareError::EmergencyCardDamaged => Exit::Integrity,
            ShareError::UnsupportedVersion(_) | ShareError::NewerCodebook(_) => Exit::Newer,
            ShareError::Incomplete => Exit::NotFound,
            ShareError::UnverifiedHello => Exit::Usage,
            ShareError::Malformed(_)
            | ShareError::Truncated
            | ShareError::TooLarge
            | ShareError::HelloSignatureMismatch => Exit::Invalid,
        };
        with(exit, e)
    }
}

impl From<carnet_desk::DeskError> for CliError {
    fn from(e: carnet_desk::DeskError) -> Self {
        use carnet_desk::DeskError;
        match e {
            DeskError::Listen(_) => with(Exit::Other, e),
            DeskError::Share(s) => s.into(),
            DeskError::Signing(s) => s.into(),
        }
    }
}

impl From<ShareFlowError> for CliError {
    fn from(e: ShareFlowError) -> Self {
        match e {
            ShareFlowError::Vault(v) => v.into(),
            ShareFlowError::Share(s) => s.into(),
        }
    }
}

impl From<ChainError> for CliError {
    fn from(e: ChainError) -> Self {
        let exit = match e {
            ChainError::Malformed { .. }
            | ChainError::Expired { .. }
            | ChainError::NotYetValid { .. }
            | ChainError::UnknownIssuer { .. }
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
            | ChainError::Revoked { .. }
            | ChainError::BadCrl => Exit::Integrity,
        };
        with(exit, e)
    }
}

impl From<SignedRecordError> for CliError {
    fn from(e: SignedRecordError) -> Self {
        let exit = match e {
            SignedRecordError::Chain(c) => return c.into(),
            SignedRecordError::UnsupportedVersion(_) => Exit::Newer,
            SignedRecordError::NotASignedRecord
            | SignedRecordError::Malformed(_)
            | SignedRecordError::BadSignature
            | SignedRecordError::SignedInTheFuture
            | SignedRecordError::Signer(_) => Exit::Integrity,
        };
        with(exit, e)
    }
}

impl From<SignedImportError> for CliError {
    fn from(e: SignedImportError) -> Self {
        match e {
            SignedImportError::Vault(v) => v.into(),
            SignedImportError::Signed(s) => s.into(),
            SignedImportError::Unverified(reason) => CliError::new(
                Exit::Integrity,
                format!(
                    "{reason}; not imported (use --accept-unverified to store it marked NOT verified)"
                ),
            ),
            SignedImportError::OtherPatient | SignedImportError::OtherPractitioner => {
                with(Exit::Integrity, e)
            }
            SignedImportError::AlreadyImported | SignedImportError::TooOld { .. } => {
                with(Exit::Invalid, e)
            }
        }
    }
}

impl From<ReceiptError> for CliError {
    fn from(e: ReceiptError) -> Self {
        match e {
            ReceiptError::NotThisVaultsShare
            | ReceiptError::OutsideTheShareLife
            | ReceiptError::OtherSigner => with(Exit::Integrity, e),
            ReceiptError::Code(c) => c.into(),
            ReceiptError::Signed(s) => s.into(),
            ReceiptError::Vault(v) => v.into(),
        }
    }
}

impl From<BackupError> for CliError {
    fn from(e: BackupError) -> Self {
        let exit = match e {
            BackupError::Vault(v) => return v.into(),
            BackupError::WrongKey | BackupError::NotThisVaultsRecoveryKey => Exit::WrongKey,
            BackupError::Truncated
            | BackupError::Damaged(_)
            | BackupError::NotABackup
            | BackupError::ExcessiveKdf { .. } => Exit::Integrity,
            BackupError::NewerVersion(_) => Exit::Newer,
            BackupError::AlreadyExists | BackupError::WeakKdf { .. } => Exit::Invalid,
            BackupError::DiskFull | BackupError::Io(_) => Exit::Other,
        };
        with(exit, e)
    }
}
