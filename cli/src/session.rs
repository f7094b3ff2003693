//! What every command needs before it runs: where the vault, the trust anchors and the
//! doctor's sessions live, the vault unlocked, the profile a command is about.

use crate::exit::CliError;
use crate::secrets;
use carnet_core::model::{Profile, Relationship};
use carnet_core::trust::TrustStore;
use carnet_core::{Vault, VaultOptions};
use std::path::{Path, PathBuf};

/// The global options.
#[derive(Debug)]
pub struct Context {
    pub vault: Option<PathBuf>,
    pub json: bool,
    pub force: bool,
}

/// Carnet's folder in the user's data directory (`~/.local/share/carnet/` on Linux).
fn data_dir(flag: &str) -> Result<PathBuf, CliError> {
    directories::ProjectDirs::from("app", "Carnet", "carnet")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| CliError::usage(format!("no home directory: pass {flag}")))
}

impl Context {
    /// The vault file: `--vault`, else `vault.carnet` in the user's data directory.
    pub fn vault_path(&self) -> Result<PathBuf, CliError> {
        match &self.vault {
            Some(path) => Ok(path.clone()),
            None => Ok(data_dir("--vault PATH")?.join("vault.carnet")),
        }
    }

    /// What to do with a file already at an output path: refuse, unless `--force`.
    pub fn existing(&self) -> carnet_core::files::Existing {
        if self.force {
            carnet_core::files::Existing::Replace
        } else {
            carnet_core::files::Existing::Refuse
        }
    }

    /// The vault, unlocked with the passphrase (or the recovery key).
    pub fn unlock(&self, with_recovery: bool) -> Result<Vault, CliError> {
        unlock(&self.vault_path()?, with_recovery)
    }
}

pub fn unlock(path: &Path, with_recovery: bool) -> Result<Vault, CliError> {
    if !path.exists() {
        return Err(CliError::not_found(format!(
            "no vault at {}; create one with `carnet init` or pass --vault",
            path.display()
        )));
    }
    let options = VaultOptions::default();
    let vault = if with_recovery {
        Vault::unlock_with_recovery_key(path, &secrets::recovery_key()?, &options)?
    } else {
        Vault::unlock_with_passphrase(path, &secrets::current()?, &options)?
    };
    Ok(vault)
}

/// The profile named by `--profile`, else the only one, else the vault's owner.
pub fn profile_arg(vault: &Vault, given: Option<&str>) -> Result<Profile, CliError> {
    match given {
        Some(query) => Ok(vault.find_profile(query)?),
        None => {
            let profiles = vault.profiles()?;
            match profiles.as_slice() {
                [only] => Ok(only.clone()),
                [] => Err(CliError::not_found(
                    "the vault has no profile yet; add one with `carnet profile add`",
                )),
                _ => profiles
                    .iter()
                    .find(|p| p.relationship == Relationship::Owner)
                    .cloned()
                    .ok_or_else(|| CliError::usage("several profiles: choose one with --profile")),
            }
        }
    }
}

/// Where the trusted authorities live: one file each, public data.
pub fn trust_dir(given: Option<PathBuf>) -> Result<PathBuf, CliError> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(data_dir("--trust-dir DIR")?.join("trust")),
    }
}

/// The trust store made of the files in `dir` (empty when there is none): the authorities
/// (`.der`, `.pem`, `.crt`), then the revocation lists (`.crl`) they signed. A file that is
/// neither, or does not read as what its name says, is reported and skipped: one stray file
/// does not stop every command.
pub fn load_store(dir: &Path) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(store);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let extension = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let skip = |path: &Path, why: &str| {
        eprintln!(
            "carnet: warning: skipped {}: {}",
            path.display(),
            crate::output::terminal_safe(why)
        );
    };
    for path in paths
        .iter()
        .filter(|p| matches!(extension(p).as_str(), "der" | "pem" | "crt" | "cer"))
    {
        let bytes = std::fs::read(path)?;
        if store.add(&bytes).is_err() {
            skip(path, "not an authority's certificate");
        }
    }
    for path in &paths {
        match extension(path).as_str() {
            "der" | "pem" | "crt" | "cer" => {}
            "crl" => {
                let bytes = std::fs::read(path)?;
                if let Err(e) = store.add_crl(&bytes) {
                    skip(path, &e.to_string());
                }
            }
            _ => skip(path, "not a certificate or a revocation list"),
        }
    }
    Ok(store)
}

/// Where the doctor's device keeps its session secrets.
pub fn doctor_state(given: Option<PathBuf>) -> Result<PathBuf, CliError> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(data_dir("--state DIR")?.join("doctor")),
    }
}
