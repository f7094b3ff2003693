//! Passphrases from the terminal or, for scripts, from the environment. Never echoed, never
//! printed, never put in an error.

use crate::exit::CliError;
use carnet_core::crypto::{Passphrase, RecoveryKey};
use zeroize::Zeroizing;

pub const PASSPHRASE_ENV: &str = "CARNET_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "CARNET_NEW_PASSPHRASE";
pub const RECOVERY_KEY_ENV: &str = "CARNET_RECOVERY_KEY";

fn prompt(label: &str) -> Result<Zeroizing<String>, CliError> {
    use std::io::IsTerminal;
    // Only ask a person: a script with no terminal on stdin must use the environment, and
    // must get an error rather than hang on /dev/tty.
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "no terminal to ask for the passphrase; set {PASSPHRASE_ENV} for scripts"
        )));
    }
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|_| {
            CliError::usage(format!(
                "cannot read a passphrase from the terminal; set {PASSPHRASE_ENV} for scripts"
            ))
        })
}

/// The passphrase that unlocks the vault.
pub fn current() -> Result<Passphrase, CliError> {
    if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Passphrase::new(value));
    }
    Ok(Passphrase::new(prompt("Vault passphrase: ")?.as_str()))
}

/// A new passphrase, typed twice, or from `env` for scripts.
pub fn new(env: &str) -> Result<Passphrase, CliError> {
    if let Ok(value) = std::env::var(env) {
        return Ok(Passphrase::new(value));
    }
    let first = prompt("New passphrase: ")?;
    let second = prompt("Repeat it: ")?;
    if first != second {
        return Err(CliError::invalid("the two passphrases differ"));
    }
    Ok(Passphrase::new(first.as_str()))
}

/// A recovery key, typed back from paper.
pub fn recovery_key() -> Result<RecoveryKey, CliError> {
    let text = match std::env::var(RECOVERY_KEY_ENV) {
        Ok(v) => Zeroizing::new(v),
        Err(_) => prompt("Recovery key: ")?,
    };
    Ok(RecoveryKey::parse(&text)?)
}

/// A secret from `env`, or asked once at the terminal with `label`.
pub fn from_env_or_prompt(env: &str, label: &str) -> Result<Passphrase, CliError> {
    if let Ok(value) = std::env::var(env) {
        return Ok(Passphrase::new(value));
    }
    Ok(Passphrase::new(prompt(label)?.as_str()))
}
