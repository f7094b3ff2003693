//! `carnet profile add|list`: the people whose records the vault keeps.

use crate::exit::CliError;
use crate::output;
use crate::session::Context;
use carnet_core::model::{BloodGroup, EmergencyContact, Ins, NewProfile, Relationship};
use chrono::NaiveDate;
use clap::Subcommand;

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
    }
}
