//! Keeping the record safe from the terminal: `carnet backup`, `carnet restore`,
//! `carnet recovery-sheet` and `carnet erase`.

use crate::{CliError, output, secrets};
use carnet_core::backup::{self, ArchiveKey, BackupError, BackupOptions};
use carnet_core::crypto::KdfPolicy;
use carnet_core::model::ProfileId;
use carnet_core::{Vault, VaultOptions};
use std::path::Path;

pub const BACKUP_PASSPHRASE_ENV: &str = "CARNET_BACKUP_PASSPHRASE";

impl From<BackupError> for CliError {
    fn from(e: BackupError) -> Self {
        let code = match &e {
            BackupError::WrongKey | BackupError::NotThisVaultsRecoveryKey => 3,
            BackupError::Truncated | BackupError::Damaged(_) | BackupError::NotABackup => 6,
            BackupError::NewerVersion(_) => 7,
            BackupError::AlreadyExists | BackupError::WeakKdf { .. } => 5,
            BackupError::Vault(_) => {
                let BackupError::Vault(v) = e else {
                    unreachable!("matched above")
                };
                return v.into();
            }
            _ => 1,
        };
        CliError {
            message: e.to_string(),
            code,
        }
    }
}

/// The key protecting an archive: a backup passphrase (`new`: chosen now, typed twice) or the
/// recovery key.
fn ask_key(passphrase: bool, new: bool) -> Result<ArchiveKey, CliError> {
    Ok(if passphrase {
        if new {
            ArchiveKey::Passphrase(secrets::new(BACKUP_PASSPHRASE_ENV)?)
        } else {
            ArchiveKey::Passphrase(secrets::from_env_or_prompt(
                BACKUP_PASSPHRASE_ENV,
                "Backup passphrase: ",
            )?)
        }
    } else {
        ArchiveKey::RecoveryKey(secrets::recovery_key()?)
    })
}

pub fn backup(
    vault: &Vault,
    profiles: Vec<ProfileId>,
    out: &Path,
    passphrase: bool,
    json: bool,
) -> Result<(), CliError> {
    let key = ask_key(passphrase, true)?;
    let options = BackupOptions {
        profiles: (!profiles.is_empty()).then_some(profiles),
        ..Default::default()
    };
    let summary = backup::write_file(vault, out, key.protection(), &options)?;
    output::emit(json, &summary, || {
        println!(
            "Backed up {} profile(s), {} records and {} attachment(s) to {} ({} KiB).",
            summary.profiles,
            summary.records,
            summary.attachments,
            out.display(),
            summary.bytes / 1024
        );
        println!(
            "Keep it somewhere else than this device: a USB key, another phone, your own cloud drive."
        );
    })
}

pub fn restore(
    archive: &Path,
    into: &Path,
    merge: bool,
    passphrase: bool,
    json: bool,
) -> Result<(), CliError> {
    if !archive.is_file() {
        return Err(CliError {
            message: format!("no backup at {}", archive.display()),
            code: 4,
        });
    }
    let key = ask_key(passphrase, false)?;
    let policy = KdfPolicy::production();
    if merge {
        let vault = crate::cli::unlock(into, false)?;
        let report = backup::merge(&vault, archive, key.protection(), &policy)?;
        return output::emit(json, &report, || {
            println!("Merged into {}:", into.display());
            println!(
                "  profiles: {} added, {} already here",
                report.profiles_added, report.profiles_present
            );
            println!(
                "  records: {} added, {} updated (newer in the backup), {} skipped (as new or newer here)",
                report.records_added, report.records_updated, report.records_skipped
            );
            println!(
                "  attachments: {} added, {} skipped",
                report.attachments_added, report.attachments_skipped
            );
        });
    }
    if let Some(dir) = into.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let new_passphrase = secrets::new(secrets::NEW_PASSPHRASE_ENV)?;
    let (_vault, recovery, report) = backup::restore_new(
        archive,
        key.protection(),
        into,
        &new_passphrase,
        &VaultOptions::default(),
        &policy,
    )?;
    let text = recovery.display_text();
    output::emit(
        json,
        &serde_json::json!({ "vault": into, "recovery_key": text.as_str(), "report": report }),
        || {
            println!(
                "Restored {} records and {} attachment(s) into {}.",
                report.records_added,
                report.attachments_added,
                into.display()
            );
            println!();
            println!(
                "The restored vault has a new recovery key (write it down; it is shown only now):"
            );
            println!();
            println!("    {}", text.as_str());
        },
    )
}

pub fn recovery_sheet(vault: &Vault, out: &Path, json: bool) -> Result<(), CliError> {
    let key = secrets::recovery_key()?;
    if !vault.is_recovery_key(&key)? {
        return Err(CliError {
            message: "this is not this vault's recovery key".into(),
            code: 3,
        });
    }
    if out.exists() {
        return Err(CliError::invalid(format!(
            "{} already exists; choose another --out",
            out.display()
        )));
    }
    let location =
        std::fs::canonicalize(vault.path()).unwrap_or_else(|_| vault.path().to_path_buf());
    let page = backup::recovery_sheet(
        &key,
        &location.display().to_string(),
        chrono::Local::now().date_naive(),
    );
    std::fs::write(out, page)?;
    output::emit(json, &serde_json::json!({ "out": out }), || {
        println!(
            "Recovery sheet written to {}. Print it, keep it safe, and delete the file.",
            out.display()
        );
    })
}

pub fn erase(vault: Vault, yes: bool, json: bool) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "erasing needs --yes when there is no terminal to confirm",
            ));
        }
        println!(
            "This destroys {} and every record in it. Type ERASE to confirm:",
            vault.path().display()
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "ERASE" {
            return Err(CliError::usage("not confirmed; nothing was erased"));
        }
    }
    let path = vault.path().to_path_buf();
    vault.erase()?;
    output::emit(json, &serde_json::json!({ "erased": path }), || {
        println!("Erased {}.", path.display())
    })
}
