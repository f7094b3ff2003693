//! Keeping the record safe from the terminal: `carnet backup`, `carnet restore`,
//! `carnet recovery-sheet` and `carnet erase`.

use crate::exit::CliError;
use crate::session::{Context, load_store, trust_dir, unlock};
use crate::{output, secrets};
use carnet_core::VaultOptions;
use carnet_core::backup::{self, ArchiveKey, BackupOptions};
use carnet_core::crypto::KdfPolicy;
use carnet_core::model::RecordId;
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust::SignatureCheck;
use carnet_core::vault::{ChangeKind, ImportOptions, ImportReport, MergeChoices};
use clap::Args;
use std::path::PathBuf;

pub const BACKUP_PASSPHRASE_ENV: &str = "CARNET_BACKUP_PASSPHRASE";

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

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Only this profile (repeatable) [default: all].
    #[arg(long)]
    profile: Vec<String>,
    #[arg(long)]
    out: PathBuf,
    /// Protect it with a backup passphrase (CARNET_BACKUP_PASSPHRASE) instead of the
    /// recovery key (CARNET_RECOVERY_KEY).
    #[arg(long)]
    passphrase: bool,
}

pub fn backup(args: BackupArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profiles = args
        .profile
        .iter()
        .map(|p| vault.find_profile(p).map(|p| p.id))
        .collect::<Result<Vec<_>, _>>()?;
    let out = &args.out;
    let key = ask_key(args.passphrase, true)?;
    let options = BackupOptions {
        profiles: (!profiles.is_empty()).then_some(profiles),
        ..Default::default()
    };
    let summary = backup::write_file(&vault, out, key.protection(), &options)?;
    output::emit(ctx.json, &summary, || {
        say!(
            "Backed up {} profile(s), {} records and {} attachment(s) to {} ({} KiB).",
            summary.profiles,
            summary.records,
            summary.attachments,
            out.display(),
            summary.bytes / 1024
        );
        say!(
            "Keep it somewhere else than this device: a USB key, another phone, your own cloud drive."
        );
    })
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    file: PathBuf,
    /// The vault to create, or to merge into with --merge [default: --vault].
    #[arg(long)]
    into: Option<PathBuf>,
    #[arg(long)]
    merge: bool,
    /// The backup is protected by a backup passphrase, not the recovery key.
    #[arg(long)]
    passphrase: bool,
    /// With --merge: show what the merge would change and write nothing.
    #[arg(long, requires = "merge")]
    plan: bool,
    /// With --merge: apply this replacement although it weakens the record (an allergy made
    /// milder, a condition no longer active, a medication gone). The record id, as shown by
    /// the merge or --plan. Repeatable.
    #[arg(long, requires = "merge", value_name = "RECORD_ID")]
    accept_weakening: Vec<RecordId>,
    /// The authorities practitioners' signatures are checked against: a record keeps a
    /// practitioner's provenance only if its signature verifies here.
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
}

/// The changes of a merge the patient must see: what was kept, refused or left out, and
/// what was taken away with their consent. Additions and plain updates are only counted.
fn print_changes(report: &ImportReport) {
    for change in &report.changes {
        let what = match change.change {
            ChangeKind::Added | ChangeKind::Replaced => continue,
            ChangeKind::Weakened => "weakened, as you accepted",
            ChangeKind::WeakeningLeftOut => "LEFT OUT: the backup's copy takes something away",
            ChangeKind::KeptVerified => "kept: this vault's copy is signed and verified",
            ChangeKind::DatedInTheFuture => "REFUSED: the backup dates it in the future",
            ChangeKind::ClaimNotEarned => {
                "its practitioner's signature does not verify here: kept as entered by the patient"
            }
        };
        say!(
            "  {} {}: {what}",
            change.record_id,
            output::terminal_safe(&change.detail)
        );
    }
    if report
        .changes
        .iter()
        .any(|c| c.change == ChangeKind::WeakeningLeftOut)
    {
        say!(
            "  To apply a change that was left out, check it with the person who made the backup, \
             then merge again with --accept-weakening RECORD_ID."
        );
    }
}

pub fn restore(args: RestoreArgs, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    let archive = args.file.as_path();
    let into_path = match &args.into {
        Some(path) => path.clone(),
        None => ctx.vault_path()?,
    };
    let into = into_path.as_path();
    if !archive.is_file() {
        return Err(CliError::not_found(format!(
            "no backup at {}",
            archive.display()
        )));
    }
    let key = ask_key(args.passphrase, false)?;
    let policy = KdfPolicy::production();
    let store = load_store(&trust_dir(args.trust_dir)?)?;
    let check = SignatureCheck {
        store: &store,
        now: SystemClock.now(),
    };
    let choices = MergeChoices {
        accept_weakening: args.accept_weakening.into_iter().collect(),
    };
    let options = ImportOptions {
        now: check.now,
        check: &check,
        choices: &choices,
    };
    if args.merge {
        let vault = unlock(into, false)?;
        let report = if args.plan {
            backup::plan_merge(&vault, archive, key.protection(), &policy, &options)?
        } else {
            backup::merge(&vault, archive, key.protection(), &policy, &options)?
        };
        return output::emit(json, &report, || {
            if args.plan {
                say!("Merging would change {} (nothing written):", into.display());
            } else {
                say!("Merged into {}:", into.display());
            }
            say!(
                "  profiles: {} added, {} already here",
                report.profiles_added,
                report.profiles_present
            );
            say!(
                "  records: {} added, {} updated (newer in the backup), {} skipped (as new or newer here)",
                report.records_added,
                report.records_updated,
                report.records_skipped
            );
            say!(
                "  attachments: {} added, {} skipped",
                report.attachments_added,
                report.attachments_skipped
            );
            if report.records_refused > 0 {
                say!(
                    "  {} record(s) refused: dated in the future",
                    report.records_refused
                );
            }
            say!(
                "  practitioners' signatures verified here: {}",
                report.signatures_verified
            );
            print_changes(&report);
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
        &options,
    )?;
    let text = recovery.display_text();
    output::emit(
        json,
        &serde_json::json!({ "vault": into, "recovery_key": text.as_str(), "report": report }),
        || {
            say!(
                "Restored {} records and {} attachment(s) into {}.",
                report.records_added,
                report.attachments_added,
                into.display()
            );
            say!(
                "Practitioners' signatures verified here: {}.",
                report.signatures_verified
            );
            print_changes(&report);
            println!();
            say!(
                "The restored vault has a new recovery key (write it down; it is shown only now):"
            );
            println!();
            say!("    {}", text.as_str());
        },
    )
}

#[derive(Debug, Args)]
pub struct RecoverySheetArgs {
    #[arg(long)]
    out: PathBuf,
}

pub fn recovery_sheet(args: RecoverySheetArgs, ctx: &Context) -> Result<(), CliError> {
    let json = ctx.json;
    let vault = ctx.unlock(false)?;
    let out = args.out.as_path();
    let key = secrets::recovery_key()?;
    if !vault.is_recovery_key(&key)? {
        return Err(CliError::new(
            crate::exit::Exit::WrongKey,
            "this is not this vault's recovery key",
        ));
    }
    if out.exists() {
        return Err(CliError::invalid(format!(
            "{} already exists; choose another --out",
            out.display()
        )));
    }
    let location =
        std::fs::canonicalize(vault.path()).unwrap_or_else(|_| vault.path().to_path_buf());
    let page = backup::recovery_sheet(&key, &location.display().to_string(), SystemClock.today());
    carnet_core::files::write_new(out, |f| {
        use std::io::Write;
        f.write_all(page.as_bytes())
    })?;
    output::emit(json, &serde_json::json!({ "out": out }), || {
        say!(
            "Recovery sheet written to {}. Print it, keep it safe, and delete the file.",
            out.display()
        );
    })
}

pub fn erase(yes: bool, ctx: &Context) -> Result<(), CliError> {
    use std::io::IsTerminal;
    let json = ctx.json;
    let vault = ctx.unlock(false)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(
                "erasing needs --yes when there is no terminal to confirm",
            ));
        }
        say!(
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
        say!("Erased {}.", path.display())
    })
}
