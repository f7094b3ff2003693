//! Reading and filing records: `attach`, `extract`, `list`, `show`, `search`, `summary`.

use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, profile_arg};
use carnet_core::model::{AttachmentId, RecordKind};
use carnet_core::time::{Clock, SystemClock};
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The record (its id, or the first 8 characters shown by `list`).
    #[arg(long)]
    record: String,
    /// Media type [default: guessed from the file extension].
    #[arg(long)]
    media_type: Option<String>,
    file: PathBuf,
}

/// Encrypts a file into the vault as it is read, attached to a record.
pub fn attach(args: AttachArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let record = vault.find_record(&args.record)?;
    let name = files::file_name(&args.file)?;
    let media_type = args
        .media_type
        .unwrap_or_else(|| files::guess_media_type(&name).to_owned());
    let mut reader = files::open_input(&args.file)?;
    let attachment = vault.attach(&record.id, &name, &media_type, &mut reader)?;
    output::emit(ctx.json, &attachment, || {
        say!(
            "Attached {} ({} bytes) as {}",
            name,
            attachment.size,
            attachment.id
        )
    })
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The attachment id shown by `show`.
    attachment: String,
    #[arg(long)]
    out: PathBuf,
}

/// Decrypts an attachment to a new file: written under a temporary name and moved into place
/// only once every chunk has verified.
pub fn extract(args: ExtractArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let id = args.attachment.parse::<AttachmentId>()?;
    if args.out.symlink_metadata().is_ok() {
        return Err(CliError::invalid(format!(
            "{} already exists; choose another --out",
            args.out.display()
        )));
    }
    let size = carnet_core::files::write_new(&args.out, |file| {
        Ok::<_, CliError>(vault.read_attachment(&id, file)?)
    })?;
    output::emit(
        ctx.json,
        &serde_json::json!({ "out": args.out, "size": size }),
        || say!("Wrote {} ({size} bytes)", args.out.display()),
    )
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    profile: Option<String>,
    /// prescription, lab_report, letter, document, allergy, condition, immunisation
    #[arg(long)]
    kind: Option<String>,
}

/// Records, newest first.
pub fn list(args: ListArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let kind = args.kind.map(|k| k.parse::<RecordKind>()).transpose()?;
    let profile = args.profile.map(|p| vault.find_profile(&p)).transpose()?;
    let records = vault.records(profile.as_ref().map(|p| &p.id), kind)?;
    let profiles = vault.profiles()?;
    output::emit(ctx.json, &records, || {
        output::record_list(&records, &profiles)
    })
}

/// One record in full.
pub fn show(record: &str, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let record = vault.find_record(record)?;
    output::emit(ctx.json, &record, || output::record(&record))
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    query: Vec<String>,
    #[arg(long)]
    profile: Option<String>,
}

/// The records whose text holds every word of the query.
pub fn search(args: SearchArgs, ctx: &Context) -> Result<(), CliError> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(CliError::usage("give some words to search for"));
    }
    let vault = ctx.unlock(false)?;
    let profile = args.profile.map(|p| vault.find_profile(&p)).transpose()?;
    let records = vault.search(&query, profile.as_ref().map(|p| &p.id))?;
    let profiles = vault.profiles()?;
    output::emit(ctx.json, &records, || {
        output::record_list(&records, &profiles)
    })
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[arg(long)]
    profile: Option<String>,
    /// The date to compute "current" for [default: today].
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// The last visit: list what started, changed or stopped since that day, first.
    #[arg(long)]
    since: Option<NaiveDate>,
}

/// What a doctor reads first.
pub fn summary(args: SummaryArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let today = args.as_of.unwrap_or_else(|| SystemClock.today());
    let summary = vault.summary(&profile.id, today)?;
    output::emit(ctx.json, &summary, || output::summary(&summary, args.since))
}
