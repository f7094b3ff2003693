//! `carnet profile add|list|set-ins`: the people whose records the vault keeps, and the INS
//! read from a health document's datamatrix.

use crate::exit::CliError;
use crate::files;
use crate::output;
use crate::session::{Context, profile_arg};
use carnet_core::identity::InsIdentity;
use carnet_core::model::{BloodGroup, EmergencyContact, Ins, NewProfile, Relationship};
use chrono::NaiveDate;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a person.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        birth_date: NaiveDate,
        /// self, child, parent, partner, other
        #[arg(long, default_value = "self")]
        relationship: Relationship,
        /// The 15-character INS (spaces allowed).
        #[arg(long)]
        ins: Option<Ins>,
        /// A+, A-, B+, B-, AB+, AB-, O+, O-
        #[arg(long)]
        blood_group: Option<BloodGroup>,
        #[arg(long, requires = "emergency_phone")]
        emergency_name: Option<String>,
        #[arg(long, requires = "emergency_name")]
        emergency_phone: Option<String>,
    },
    /// List the people in the vault.
    List,
    /// Read the INS from the datamatrix printed on a health document (a photo or scan, or the
    /// text a barcode scanner typed), show it, and store it on the profile once confirmed,
    /// marked "read from a document, unverified".
    SetIns {
        /// The profile (name or id); the only one when there is one.
        #[arg(long)]
        profile: Option<String>,
        /// An image of the document's datamatrix.
        #[arg(long, conflicts_with = "text", required_unless_present = "text")]
        from_image: Option<PathBuf>,
        /// The datamatrix's text, as a barcode scanner gives it (`<GS>` for the separator).
        #[arg(long)]
        text: Option<String>,
        /// Store it without asking (the fields are still printed).
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(command: ProfileCommand, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    match command {
        ProfileCommand::Add {
            name,
            birth_date,
            relationship,
            ins,
            blood_group,
            emergency_name,
            emergency_phone,
        } => {
            let mut new = NewProfile::new(name, birth_date, relationship);
            new.ins = ins;
            new.blood_group = blood_group;
            if let (Some(name), Some(phone)) = (emergency_name, emergency_phone) {
                new.emergency_contact = Some(EmergencyContact {
                    name,
                    phone,
                    relationship: None,
                });
            }
            let profile = vault.add_profile(new)?;
            output::emit(ctx.json, &profile, || {
                say!("Added profile {} ({})", profile.display_name, profile.id)
            })
        }
        ProfileCommand::List => {
            let profiles = vault.profiles()?;
            output::emit(ctx.json, &profiles, || output::profiles(&profiles))
        }
        ProfileCommand::SetIns {
            profile,
            from_image,
            text,
            yes,
        } => {
            let mut profile = profile_arg(&vault, profile.as_deref())?;
            let identity = match (from_image, text) {
                (Some(path), _) => InsIdentity::read_image(&files::read_input(&path)?)?,
                (None, Some(text)) => InsIdentity::parse(&text)?,
                (None, None) => return Err(CliError::usage("give --from-image or --text")),
            };
            if !ctx.json {
                output::ins_identity(&identity, &profile.display_name);
            }
            identity.apply_to(&mut profile)?;
            if !yes && !confirmed()? {
                return Err(CliError::usage("not confirmed; the INS was not stored"));
            }
            vault.update_profile(&profile)?;
            output::emit(ctx.json, &identity, || {
                say!(
                    "Stored on {}, marked \"read from a document, unverified\".",
                    profile.display_name
                )
            })
        }
    }
}

/// The patient's yes, typed at a terminal; without one, `--yes` is needed.
fn confirmed() -> Result<bool, CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "storing an INS needs --yes when there is no terminal to confirm",
        ));
    }
    say!("Is this the person's identity, as on their ID? Type yes to store it:");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer.trim().eq_ignore_ascii_case("yes") || answer.trim().eq_ignore_ascii_case("oui"))
}
