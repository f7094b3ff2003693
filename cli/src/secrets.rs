//! Passphrases from the terminal or, for scripts, from the environment. Never echoed, never
//! printed, never put in an error.

use crate::exit::CliError;
use carnet_core::crypto::{Passphrase, RecoveryKey};
use zeroize::Zeroizing;

pub const PASSPHRASE_ENV: &str = "CARNET_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "CARNET_NEW_PASSPHRASE";
pub const RECOVERY_KEY_ENV: &str = "CARNET_RECOVERY_KEY";

/// The value of `env`, if set: a value that is not UTF-8 is an error that names the variable
/// (not a request to set it).
fn from_env(env: &str) -> Result<Option<Zeroizing<String>>, CliError> {
    match std::env::var_os(env) {
        None => Ok(None),
        Some(value) => value
            .into_string()
            .map(|v| Some(Zeroizing::new(v)))
            .map_err(|_| CliError::invalid(format!("{env} is not valid UTF-8 text"))),
    }
}

fn prompt(label: &str, env: &str) -> Result<Zeroizing<String>, CliError> {
    use std::io::IsTerminal;
    // Only ask a person: a script with no terminal on stdin must use the environment, and
    // must get an error rather than hang on /dev/tty.
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "no terminal to ask for it; set {env} for scripts"
        )));
    }
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|_| {
            CliError::usage(format!(
                "cannot read it from the terminal; set {env} for scripts"
            ))
        })
}

/// The passphrase that unlocks the vault.
pub fn current() -> Result<Passphrase, CliError> {
    if let Some(value) = from_env(PASSPHRASE_ENV)? {
        return Ok(Passphrase::new(value.as_str()));
    }
    Ok(Passphrase::new(
        prompt("Vault passphrase: ", PASSPHRASE_ENV)?.as_str(),
    ))
}

/// A new passphrase, typed twice, or from `env` for scripts.
pub fn new(env: &str) -> Result<Passphrase, CliError> {
    if let Some(value) = from_env(env)? {
        return Ok(Passphrase::new(value.as_str()));
    }
    let first = prompt("New passphrase: ", env)?;
    let second = prompt("Repeat it: ", env)?;
    if first != second {
        return Err(CliError::invalid("the two passphrases differ"));
    }
    Ok(Passphrase::new(first.as_str()))
}

/// A recovery key, typed back from paper.
pub fn recovery_key() -> Result<RecoveryKey, CliError> {
    let text = match from_env(RECOVERY_KEY_ENV)? {
        Some(v) => v,
        None => prompt("Recovery key: ", RECOVERY_KEY_ENV)?,
    };
    Ok(RecoveryKey::parse(&text)?)
}

/// A secret from `env`, or asked once at the terminal with `label`.
pub fn from_env_or_prompt(env: &str, label: &str) -> Result<Passphrase, CliError> {
    if let Some(value) = from_env(env)? {
        return Ok(Passphrase::new(value.as_str()));
    }
    Ok(Passphrase::new(prompt(label, env)?.as_str()))
}
