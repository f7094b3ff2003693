//! From the parsed command line to the command's handler.

use crate::args::{Cli, Command};
use crate::commands::{
    add, demo, desk, doctor, export, import, keeping, profile, records, share, trust, vault,
};
use crate::exit::{self, CliError};
use crate::session::Context;
use clap::{CommandFactory, FromArgMatches};

/// Parses the arguments (`--help` and `--version` print and succeed) and runs the command.
pub fn run() -> Result<(), CliError> {
    let matches = Cli::command().after_help(exit::help()).try_get_matches();
    let cli = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return Ok(());
            }
            // clap's own message, on one line for the first line of its output.
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            return Err(CliError::usage(format!(
                "{} (see carnet --help)",
                first.trim_start_matches("error: ")
            )));
        }
    };
    let ctx = Context {
        vault: cli.vault,
        json: cli.json,
        force: cli.force,
    };
    let json = ctx.json;
    match cli.command {
        Command::Init => vault::init(&ctx),
        Command::Passwd { recovery } => vault::passwd(recovery, &ctx),
        Command::Log => vault::log(&ctx),
        Command::Verify => vault::verify(&ctx),
        Command::Profile(command) => profile::run(command, &ctx),
        Command::Add(args) => add::run(args, &ctx),
        Command::Attach(args) => records::attach(args, &ctx),
        Command::Extract(args) => records::extract(args, &ctx),
        Command::List(args) => records::list(args, &ctx),
        Command::Show { record } => records::show(&record, &ctx),
        Command::Search(args) => records::search(args, &ctx),
        Command::Summary(args) => records::summary(args, &ctx),
        Command::Doctor(command) => doctor::run(command, &ctx),
        Command::Receive(args) => doctor::receive(args, &ctx),
        Command::Desk(args) => desk::run(args),
        Command::Receipt(args) => doctor::receipt(args, &ctx),
        Command::Share(args) => share::run(args, &ctx),
        Command::EmergencyCard(args) => share::emergency_card(args, &ctx),
        Command::Receipts(args) => share::receipts(args, &ctx),
        Command::Backup(args) => keeping::backup(args, &ctx),
        Command::Restore(args) => keeping::restore(args, &ctx),
        Command::RecoverySheet(args) => keeping::recovery_sheet(args, &ctx),
        Command::Erase { yes } => keeping::erase(yes, &ctx),
        Command::Trust(command) => trust::run(command, json),
        Command::Practitioner(command) => trust::issue(command, &ctx),
        Command::Import(args) => import::run(args, &ctx),
        Command::Export(args) => export::run(args, &ctx),
        Command::Demo { out } => demo::run(out, json),
    }
}
