//! `carnet export --ips`: a profile's records as an International Patient Summary (FHIR R4),
//! for the doctor's own software.

use crate::exit::CliError;
use crate::files;
use crate::session::{Context, profile_arg};
use carnet_core::time::{Clock, SystemClock};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write an International Patient Summary (FHIR R4, IPS 2.0.0): the one format for now.
    #[arg(long)]
    ips: bool,
    #[arg(long)]
    profile: Option<String>,
    /// The JSON file to write (created 0600; never replaced without --force).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: ExportArgs, ctx: &Context) -> Result<(), CliError> {
    if !args.ips {
        return Err(CliError::usage(
            "say which format: --ips (FHIR R4 International Patient Summary)",
        ));
    }
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let document = carnet_core::fhir::export_profile(&vault, &profile.id, SystemClock.now())?;
    files::write_output(&args.out, document.as_bytes(), ctx.existing())?;
    if ctx.json {
        return crate::output::json(&serde_json::json!({ "written": args.out }));
    }
    say!(
        "Wrote the patient summary of {} (FHIR R4 IPS) to {}",
        profile.display_name,
        args.out.display()
    );
    Ok(())
}
