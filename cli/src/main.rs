//! `carnet`: the patient's encrypted health record in a terminal.
//!
//! A thin shell over `carnet-core`: it parses arguments ([`args`]), hands each command to its
//! handler ([`dispatch`], [`commands`]), asks for passphrases ([`secrets`]) and prints
//! ([`output`]). No behaviour lives here that the mobile apps would have to duplicate. Errors
//! become one line on stderr and an exit code, in one place ([`exit`], whose table
//! `carnet --help` prints).

// First: its `say!` macro prints every line of the other modules.
#[macro_use]
mod output;

mod args;
mod commands;
mod dispatch;
mod exit;
mod files;
mod secrets;
mod session;

use std::process::ExitCode;

fn main() -> ExitCode {
    match dispatch::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carnet: error: {}", output::terminal_safe(&e.message));
            ExitCode::from(e.exit.code())
        }
    }
}
