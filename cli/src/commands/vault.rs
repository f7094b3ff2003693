//! The vault itself: `init`, `passwd`, `log`.

use crate::exit::CliError;
use crate::output;
use crate::secrets;
use crate::session::Context;
use carnet_core::{Vault, VaultOptions};

/// Creates a vault and shows its recovery key once.
pub fn init(ctx: &Context) -> Result<(), CliError> {
    let path = ctx.vault_path()?;
    if path.exists() {
        return Err(CliError::invalid(format!(
            "a file already exists at {}; it was left untouched",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Scripts give the new vault's passphrase in CARNET_NEW_PASSPHRASE (or, as the commands
    // that follow will read it, CARNET_PASSPHRASE).
    let env = if std::env::var_os(secrets::NEW_PASSPHRASE_ENV).is_some() {
        secrets::NEW_PASSPHRASE_ENV
    } else {
        secrets::PASSPHRASE_ENV
    };
    let passphrase = secrets::new(env)?;
    let (_vault, recovery) = Vault::create(&path, &passphrase, &VaultOptions::default())?;
    let key = recovery.display_text();
    output::emit(
        ctx.json,
        &serde_json::json!({ "vault": path, "recovery_key": key.as_str() }),
        || {
            say!("Created {}", path.display());
            println!();
            say!(
                "Recovery key (write it on paper and keep it somewhere safe; it is shown only now):"
            );
            println!();
            say!("    {}", key.as_str());
            println!();
            say!("With it you can open the vault if you forget the passphrase.");
        },
    )
}

/// Changes the passphrase, unlocking with the current one or the recovery key.
pub fn passwd(recovery: bool, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(recovery)?;
    let new = secrets::new(secrets::NEW_PASSPHRASE_ENV)?;
    vault.change_passphrase(&new)?;
    output::emit(ctx.json, &serde_json::json!({ "changed": true }), || {
        say!("Passphrase changed.")
    })
}

/// The vault's audit log.
/// `carnet verify`: the whole history checked ([`carnet_core::Vault::verify`]).
pub fn verify(ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let report = vault.verify()?;
    output::emit(ctx.json, &report, || {
        say!(
            "History intact: {} events chained, {} rows match the change that last wrote them.",
            report.events_chained,
            report.rows_checked
        );
        if report.events_before_the_chain > 0 {
            say!(
                "{} older events and {} rows predate the chain (a vault made by an earlier version): they could not be checked.",
                report.events_before_the_chain,
                report.rows_before_the_chain
            );
        }
    })
}

pub fn log(ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let log = vault.audit_log()?;
    output::emit(ctx.json, &log, || output::audit_log(&log))
}
