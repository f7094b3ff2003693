//! The command line: the global options and the list of commands. Each command's own
//! arguments live with its handler in [`crate::commands`].

use crate::commands::{add, desk, doctor, export, import, keeping, profile, records, share, trust};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Carnet: your own encrypted copy of your family's prescriptions, lab results and letters.
#[derive(Debug, Parser)]
#[command(name = "carnet", version)]
pub struct Cli {
    /// The vault file [default: the user's data directory, carnet/vault.carnet]
    #[arg(long, global = true, env = "CARNET_VAULT")]
    pub vault: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Replace a file that already exists at an output path (--out, --html, --frames files).
    /// Without it, Carnet never writes over a file or through a symbolic link.
    #[arg(long, global = true)]
    pub force: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault and show its recovery key once.
    Init,
    /// Add or list the people whose records the vault keeps.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Add a record, from a JSON file (see examples/) or from flags.
    Add(add::AddArgs),
    /// Attach a file (a scan, a PDF) to a record; it is encrypted as it is read.
    Attach(records::AttachArgs),
    /// Decrypt an attachment to a file.
    Extract(records::ExtractArgs),
    /// List records, newest first.
    List(records::ListArgs),
    /// Show one record in full.
    Show { record: String },
    /// Search the decrypted text of every record (case and accents ignored).
    Search(records::SearchArgs),
    /// Current medications, allergies, conditions and latest labs with their trend.
    Summary(records::SummaryArgs),
    /// Change the vault passphrase (unlock with the current one, or with --recovery).
    Passwd {
        /// Unlock with the recovery key instead of the current passphrase.
        #[arg(long)]
        recovery: bool,
    },
    /// Show the vault's audit log: unlocks and changes.
    Log,
    /// Check the vault's history: no change undone, no record or event deleted outside Carnet.
    Verify,
    /// Doctor side: show a hello code, so a patient can seal a share to this device.
    #[command(subcommand)]
    Doctor(doctor::DoctorCommand),
    /// Doctor side: read a share from QR images or scanned texts, and print it.
    Receive(doctor::ReceiveArgs),
    /// Doctor side: the consultation desk, a local web page to read shares with a browser,
    /// a webcam, a barcode scanner or an image file.
    Desk(desk::DeskArgs),
    /// Patient side: show a consultation pack as a QR code for a doctor.
    Share(share::ShareArgs),
    /// Patient side: a small plain-text QR code for a lock screen or a wallet card.
    EmergencyCard(share::EmergencyCardArgs),
    /// Write an encrypted backup, protected by the recovery key (or --passphrase).
    Backup(keeping::BackupArgs),
    /// Restore a backup into a new vault, or --merge it into an existing one (a handover).
    Restore(keeping::RestoreArgs),
    /// Write the printable recovery sheet: the recovery key as text and QR code, no health data.
    RecoverySheet(keeping::RecoverySheetArgs),
    /// Destroy the vault: its key slots, then the file.
    Erase {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Doctor side: sign an access receipt for a share read (which share, which items, when).
    Receipt(doctor::ReceiptArgs),
    /// Patient side: keep a doctor's receipt (--add IMAGE or --text) and list who viewed what.
    Receipts(share::ReceiptsArgs),
    /// The practitioner certification authorities this device trusts.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Practitioner side: sign a record for a patient and show it as a QR code.
    #[command(subcommand)]
    Practitioner(trust::PractitionerCommand),
    /// Patient side: import a practitioner's signed record (QR images or scanned texts), a
    /// FHIR R4 bundle (.json) or a French CDA R2 document (.xml): Carnet tells which it was given.
    Import(import::ImportArgs),
    /// Write a profile's records as a FHIR R4 International Patient Summary (--ips).
    Export(export::ExportArgs),
    /// Create a demo vault with a realistic family and print the adult's summary.
    Demo {
        /// Where to create the demo vault [default: a new temporary directory].
        #[arg(long)]
        out: Option<PathBuf>,
    },
}
