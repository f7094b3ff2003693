//! `carnet`: the patient's encrypted health record in a terminal.
//!
//! A thin shell over `carnet-core`: it parses arguments, asks for the passphrase, calls the
//! core and prints. No behaviour lives here that the mobile apps would have to duplicate.
//!
//! Exit codes (also in `carnet --help`):
//! 0 success; 1 other error; 2 usage error; 3 wrong passphrase or recovery key;
//! 4 vault, profile, record or attachment not found; 5 invalid input;
//! 6 integrity failure or damaged vault; 7 vault or code written by a newer Carnet;
//! 8 share or hello expired.

mod add;
mod cli;
mod demo;
mod demo_pki;
mod exchange;
mod keeping;
mod output;
mod practice;
mod secrets;

use carnet_core::VaultError;
use std::process::ExitCode;

/// An error for the person at the terminal: one line, and the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 5,
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
    /// Names the file the error is about.
    pub fn context(self, path: &std::path::Path) -> Self {
        Self {
            message: format!("{}: {}", path.display(), self.message),
            code: self.code,
        }
    }
}

impl From<VaultError> for CliError {
    fn from(e: VaultError) -> Self {
        let code = match &e {
            VaultError::WrongPassphrase
            | VaultError::WrongRecoveryKey
            | VaultError::RecoveryKeyMistyped
            | VaultError::WrongPlatformKey => 3,
            VaultError::NotFound
            | VaultError::ProfileNotFound
            | VaultError::RecordNotFound
            | VaultError::AttachmentNotFound
            | VaultError::NoKeySlot(_) => 4,
            VaultError::Invalid(_)
            | VaultError::PassphraseTooShort { .. }
            | VaultError::AlreadyExists => 5,
            VaultError::Integrity { .. }
            | VaultError::Corrupt(_)
            | VaultError::AttachmentDamaged(_)
            | VaultError::NotAVault
            | VaultError::WeakKdf { .. } => 6,
            VaultError::NewerVersion { .. } => 7,
            _ => 1,
        };
        Self {
            message: e.to_string(),
            code,
        }
    }
}

impl From<carnet_core::model::ModelError> for CliError {
    fn from(e: carnet_core::model::ModelError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::other(format!("input/output error: {}", e.kind()))
    }
}

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carnet: error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
