//! Command-line arguments and what each command does.

use crate::{CliError, add, demo, exchange, keeping, output, practice, secrets};
use carnet_core::model::{BloodGroup, EmergencyContact, Ins, NewProfile, RecordKind, Relationship};
use carnet_core::share::printable::Lang;
use carnet_core::{Vault, VaultOptions};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other error
  2  usage error
  3  wrong passphrase or recovery key
  4  vault, profile, record or attachment not found
  5  invalid input
  6  integrity failure or damaged vault (the file is never modified), tampered share
  7  vault or code written by a newer version of Carnet
  8  share or doctor's hello expired

Environment:
  CARNET_PASSPHRASE      the vault passphrase, for scripts (otherwise prompted)
  CARNET_NEW_PASSPHRASE  the new passphrase for `init` and `passwd`, for scripts
  CARNET_RECOVERY_KEY    the recovery key for `passwd --recovery`, for scripts
  CARNET_VAULT           the vault file (as --vault)
  CARNET_DOCTOR_STATE    where the doctor's device keeps its hello sessions (as --state)";

/// Carnet: your own encrypted copy of your family's prescriptions, lab results and letters.
#[derive(Debug, Parser)]
#[command(name = "carnet", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// The vault file [default: the user's data directory, carnet/vault.carnet]
    #[arg(long, global = true, env = "CARNET_VAULT")]
    vault: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault and show its recovery key once.
    Init,
    /// Add or list the people whose records the vault keeps.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Add a record, from a JSON file (see examples/) or from flags.
    Add(add::AddArgs),
    /// Attach a file (a scan, a PDF) to a record; it is encrypted as it is read.
    Attach {
        /// The record (its id, or the first 8 characters shown by `list`).
        #[arg(long)]
        record: String,
        /// Media type [default: guessed from the file extension].
        #[arg(long)]
        media_type: Option<String>,
        file: PathBuf,
    },
    /// Decrypt an attachment to a file.
    Extract {
        /// The attachment id shown by `show`.
        attachment: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// List records, newest first.
    List {
        #[arg(long)]
        profile: Option<String>,
        /// prescription, lab_report, letter, document, allergy, condition, immunisation
        #[arg(long)]
        kind: Option<String>,
    },
    /// Show one record in full.
    Show { record: String },
    /// Search the decrypted text of every record (case and accents ignored).
    Search {
        query: Vec<String>,
        #[arg(long)]
        profile: Option<String>,
    },
    /// Current medications, allergies, conditions and latest labs with their trend.
    Summary {
        #[arg(long)]
        profile: Option<String>,
        /// The date to compute "current" for [default: today].
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Change the vault passphrase (unlock with the current one, or with --recovery).
    Passwd {
        /// Unlock with the recovery key instead of the current passphrase.
        #[arg(long)]
        recovery: bool,
    },
    /// Show the vault's audit log: unlocks and changes.
    Log,
    /// Doctor side: show a hello code, so a patient can seal a share to this device.
    #[command(subcommand)]
    Doctor(DoctorCommand),
    /// Doctor side: read a share from QR images or scanned texts, and print it.
    Receive {
        /// PNG images of the code or of its frames.
        files: Vec<PathBuf>,
        /// Scanned texts (repeat for frames).
        #[arg(long = "text")]
        texts: Vec<String>,
        /// Also write the printable page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Labels of the printable page: fr or en.
        #[arg(long, default_value = "fr")]
        lang: Lang,
        /// Where the hello sessions are kept [default: the user's data directory, carnet/doctor].
        #[arg(long, env = "CARNET_DOCTOR_STATE")]
        state: Option<PathBuf>,
    },
    /// Patient side: show a consultation pack as a QR code for a doctor.
    Share(ShareCommand),
    /// Patient side: a small plain-text QR code for a lock screen or a wallet card.
    EmergencyCard {
        #[arg(long)]
        profile: Option<String>,
        /// PNG or SVG file to write.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write an encrypted backup, protected by the recovery key (or --passphrase).
    Backup {
        /// Only this profile (repeatable) [default: all].
        #[arg(long)]
        profile: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// Protect it with a backup passphrase (CARNET_BACKUP_PASSPHRASE) instead of the
        /// recovery key (CARNET_RECOVERY_KEY).
        #[arg(long)]
        passphrase: bool,
    },
    /// Restore a backup into a new vault, or --merge it into an existing one (a handover).
    Restore {
        file: PathBuf,
        /// The vault to create, or to merge into with --merge [default: --vault].
        #[arg(long)]
        into: Option<PathBuf>,
        #[arg(long)]
        merge: bool,
        /// The backup is protected by a backup passphrase, not the recovery key.
        #[arg(long)]
        passphrase: bool,
    },
    /// Write the printable recovery sheet: the recovery key as text and QR code, no health data.
    RecoverySheet {
        #[arg(long)]
        out: PathBuf,
    },
    /// Destroy the vault: its key slots, then the file.
    Erase {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Doctor side: sign an access receipt for a share read (which share, which items, when).
    Receipt {
        /// The share's images, read again with this device's sessions.
        files: Vec<PathBuf>,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "CARNET_DOCTOR_STATE")]
        state: Option<PathBuf>,
    },
    /// Patient side: keep a doctor's receipt (--add IMAGE or --text) and list who viewed what.
    Receipts {
        #[arg(long)]
        add: Option<PathBuf>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
    /// The practitioner certification authorities this device trusts.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Practitioner side: sign a record for a patient and show it as a QR code.
    #[command(subcommand)]
    Practitioner(PractitionerCommand),
    /// Patient side: import a practitioner's signed record from QR images or scanned texts.
    Import {
        scans: Vec<PathBuf>,
        #[arg(long = "text")]
        texts: Vec<String>,
        #[arg(long)]
        profile: Option<String>,
        /// Store a record whose certificate does not verify, marked NOT verified.
        #[arg(long)]
        accept_unverified: bool,
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
    /// Create a demo vault with a realistic family and print the adult's summary.
    Demo {
        /// Where to create the demo vault [default: a new temporary directory].
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TrustCommand {
    /// Trust a certification authority (PEM or DER), e.g. an IGC-Santé root.
    AddAnchor {
        file: PathBuf,
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
    /// List the trusted authorities.
    List {
        #[arg(long, env = "CARNET_TRUST_DIR")]
        trust_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum PractitionerCommand {
    /// Sign a record file (see examples/) and write its QR code.
    Issue {
        /// prescription, letter or lab
        kind: RecordKind,
        /// The practitioner's certificate, then intermediates (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// The practitioner's PKCS#8 P-256 private key (PEM or DER).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        file: PathBuf,
        /// PNG to write (frames get -001, -002… when the record needs several codes).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DoctorCommand {
    /// Make a hello: a fresh session key, kept in the local state, shown as a QR code.
    Hello {
        /// PNG or SVG file to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How long the hello stays valid, in minutes.
        #[arg(long, default_value_t = 15)]
        minutes: u64,
        /// Also draw the code in the terminal.
        #[arg(long)]
        terminal: bool,
        #[arg(long, env = "CARNET_DOCTOR_STATE")]
        state: Option<PathBuf>,
        /// The practitioner's certificate chain (PEM): the patient then sees who they share with.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The practitioner's PKCS#8 P-256 key.
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct ShareCommand {
    #[arg(long)]
    profile: Option<String>,
    /// The doctor's hello, as an image.
    #[arg(long = "for", conflicts_with = "for_text")]
    for_image: Option<PathBuf>,
    /// The doctor's hello, as scanned text.
    #[arg(long)]
    for_text: Option<String>,
    /// No hello: the key travels in the code, so ANYONE who scans it can read it.
    #[arg(long, conflicts_with_all = ["for_image", "for_text"])]
    open: bool,
    /// How long the share stays valid: 30m, 2h, 1d.
    #[arg(long, default_value = "30m", value_parser = crate::exchange::parse_duration)]
    expires: u64,
    /// PNG or SVG file for a single code.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Directory for the frames of a large share (PNG files and frames.txt).
    #[arg(long)]
    frames: Option<PathBuf>,
    /// Draw the code in the terminal.
    #[arg(long)]
    terminal: bool,
    /// Leave an item out (its key is shown by --preview). Repeatable.
    #[arg(long)]
    exclude: Vec<String>,
    /// Put in an item that is out by default (identity:ins, identity:emergency_contact).
    #[arg(long)]
    include: Vec<String>,
    /// Mark items dated on or after this day as new.
    #[arg(long)]
    since: Option<NaiveDate>,
    /// How many of the latest letters to include.
    #[arg(long)]
    letters: Option<usize>,
    /// Include the letters' full text (usually makes an animated multi-frame share).
    #[arg(long)]
    letter_text: bool,
    /// Where the trusted authorities are, to verify the doctor's hello.
    #[arg(long, env = "CARNET_TRUST_DIR")]
    trust_dir: Option<PathBuf>,
    /// Show what would be shared, and share nothing.
    #[arg(long)]
    preview: bool,
}

#[derive(Debug, Subcommand)]
enum ProfileCommand {
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

pub fn run() -> Result<(), CliError> {
    let cli = match Cli::try_parse() {
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
    let json = cli.json;
    match cli.command {
        Command::Demo { out } => demo::run(out, json),
        Command::Doctor(DoctorCommand::Hello {
            out,
            minutes,
            terminal,
            state,
            cert,
            key,
        }) => {
            let signer = match (cert, key) {
                (Some(cert), Some(key)) => Some(practice::signer(&cert, &key)?),
                (None, None) => None,
                _ => return Err(CliError::usage("give both --cert and --key, or neither")),
            };
            exchange::doctor_hello(
                &exchange::doctor_state(state)?,
                minutes,
                signer
                    .as_ref()
                    .map(|s| s as &dyn carnet_core::trust::Signer),
                out.as_deref(),
                terminal,
                json,
            )
        }
        Command::Receive {
            files,
            texts,
            html,
            lang,
            state,
        } => exchange::receive(
            exchange::ReceiveArgs {
                files,
                texts,
                html,
                lang,
                state: exchange::doctor_state(state)?,
            },
            json,
        ),
        Command::Init => init(&vault_path(cli.vault)?, json),
        Command::Trust(TrustCommand::AddAnchor { file, trust_dir }) => {
            practice::add_anchor(&practice::trust_dir(trust_dir)?, &file, json)
        }
        Command::Receipt {
            files,
            cert,
            key,
            out,
            state,
        } => {
            let signer = practice::signer(&cert, &key)?;
            practice::receipt(&exchange::doctor_state(state)?, &files, &signer, &out, json)
        }
        Command::Trust(TrustCommand::List { trust_dir }) => {
            practice::list(&practice::trust_dir(trust_dir)?, json)
        }
        Command::Practitioner(PractitionerCommand::Issue {
            kind,
            cert,
            key,
            file,
            out,
        }) => practice::issue(
            practice::IssueArgs {
                kind,
                cert,
                key,
                file,
                out,
            },
            json,
        ),
        Command::Restore {
            file,
            into,
            merge,
            passphrase,
        } => {
            let target = match into {
                Some(path) => path,
                None => vault_path(cli.vault)?,
            };
            keeping::restore(&file, &target, merge, passphrase, json)
        }
        Command::Erase { yes } => {
            let vault = unlock(&vault_path(cli.vault)?, false)?;
            keeping::erase(vault, yes, json)
        }
        command => {
            let path = vault_path(cli.vault)?;
            let vault = unlock(&path, matches!(command, Command::Passwd { recovery: true }))?;
            with_vault(&vault, command, json)
        }
    }
}

fn vault_path(given: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(path) = given {
        return Ok(path);
    }
    let dirs = directories::ProjectDirs::from("app", "Carnet", "carnet")
        .ok_or_else(|| CliError::usage("no home directory: pass --vault PATH"))?;
    Ok(dirs.data_dir().join("vault.carnet"))
}

pub(crate) fn unlock(path: &Path, with_recovery: bool) -> Result<Vault, CliError> {
    if !path.exists() {
        return Err(CliError {
            message: format!(
                "no vault at {}; create one with `carnet init` or pass --vault",
                path.display()
            ),
            code: 4,
        });
    }
    let options = VaultOptions::default();
    let vault = if with_recovery {
        Vault::unlock_with_recovery_key(path, &secrets::recovery_key()?, &options)?
    } else {
        Vault::unlock_with_passphrase(path, &secrets::current()?, &options)?
    };
    Ok(vault)
}

fn init(path: &Path, json: bool) -> Result<(), CliError> {
    if path.exists() {
        return Err(CliError::invalid(format!(
            "a file already exists at {}; it was left untouched",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let passphrase = secrets::new(secrets::PASSPHRASE_ENV)?;
    let (_vault, recovery) = Vault::create(path, &passphrase, &VaultOptions::default())?;
    let key = recovery.display_text();
    output::emit(
        json,
        &serde_json::json!({ "vault": path, "recovery_key": key.as_str() }),
        || {
            println!("Created {}", path.display());
            println!();
            println!(
                "Recovery key (write it on paper and keep it somewhere safe; it is shown only now):"
            );
            println!();
            println!("    {}", key.as_str());
            println!();
            println!("With it you can open the vault if you forget the passphrase.");
        },
    )
}

fn profile_arg(
    vault: &Vault,
    given: Option<&str>,
) -> Result<carnet_core::model::Profile, CliError> {
    match given {
        Some(query) => Ok(vault.find_profile(query)?),
        None => {
            let profiles = vault.profiles()?;
            match profiles.as_slice() {
                [only] => Ok(only.clone()),
                [] => Err(CliError {
                    message: "the vault has no profile yet; add one with `carnet profile add`"
                        .into(),
                    code: 4,
                }),
                _ => profiles
                    .iter()
                    .find(|p| p.relationship == Relationship::Owner)
                    .cloned()
                    .ok_or_else(|| CliError::usage("several profiles: choose one with --profile")),
            }
        }
    }
}

fn with_vault(vault: &Vault, command: Command, json: bool) -> Result<(), CliError> {
    match command {
        Command::Init
        | Command::Demo { .. }
        | Command::Doctor(_)
        | Command::Receive { .. }
        | Command::Restore { .. }
        | Command::Erase { .. }
        | Command::Trust(_)
        | Command::Practitioner(_)
        | Command::Receipt { .. } => Err(CliError::other("unreachable command")),
        Command::Receipts {
            add,
            text,
            trust_dir,
        } => {
            let store = practice::load_store(&practice::trust_dir(trust_dir)?)?;
            practice::receipts(vault, add.as_deref(), text.as_deref(), &store, json)
        }
        Command::Import {
            scans,
            texts,
            profile,
            accept_unverified,
            trust_dir,
        } => {
            let profile = profile_arg(vault, profile.as_deref())?;
            let store = practice::load_store(&practice::trust_dir(trust_dir)?)?;
            practice::import(
                vault,
                &profile.id,
                &scans,
                &texts,
                &store,
                accept_unverified,
                json,
            )
        }
        Command::Backup {
            profile,
            out,
            passphrase,
        } => {
            let profiles = profile
                .iter()
                .map(|p| vault.find_profile(p).map(|p| p.id))
                .collect::<Result<Vec<_>, _>>()?;
            keeping::backup(vault, profiles, &out, passphrase, json)
        }
        Command::RecoverySheet { out } => keeping::recovery_sheet(vault, &out, json),
        Command::Share(args) => {
            let profile = profile_arg(vault, args.profile.as_deref())?;
            let hello = exchange::read_hello(args.for_image.as_deref(), args.for_text.as_deref())?;
            let store = practice::load_store(&practice::trust_dir(args.trust_dir)?)?;
            let recipient = hello.as_ref().map(|h| h.recipient(&store, exchange::now()));
            let selection = carnet_core::share::Selection {
                excluded: args.exclude.into_iter().collect(),
                included: args.include.into_iter().collect(),
                changes_since: args.since,
                letters: args.letters,
                lab_history: None,
                letter_text: args.letter_text,
            };
            exchange::share(
                vault,
                exchange::ShareArgs {
                    profile: profile.id,
                    hello,
                    recipient,
                    open: args.open,
                    lifetime: args.expires,
                    out: args.out,
                    frames: args.frames,
                    terminal: args.terminal,
                    selection,
                    preview: args.preview,
                },
                json,
            )
        }
        Command::EmergencyCard { profile, out } => {
            let profile = profile_arg(vault, profile.as_deref())?;
            exchange::emergency_card(vault, &profile.id, out.as_deref(), json)
        }
        Command::Profile(ProfileCommand::Add {
            name,
            birth_date,
            relationship,
            ins,
            blood_group,
            emergency_name,
            emergency_phone,
        }) => {
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
            output::emit(json, &profile, || {
                println!("Added profile {} ({})", profile.display_name, profile.id)
            })
        }
        Command::Profile(ProfileCommand::List) => {
            let profiles = vault.profiles()?;
            output::emit(json, &profiles, || output::profiles(&profiles))
        }
        Command::Add(args) => {
            let profile = profile_arg(vault, args.profile.as_deref())?;
            let attachment = args.attachment();
            let new = args.into_new_record(profile.id)?;
            let media_type = match &new.body {
                carnet_core::model::RecordBody::Document(d) => d.media_type.clone(),
                _ => String::new(),
            };
            // A document and its file are stored together, or not at all.
            let record = match &attachment {
                Some(path) => vault.add_record_with_file(
                    new,
                    &file_name(path)?,
                    &media_type,
                    &mut open_input(path)?,
                )?,
                None => vault.add_record(new)?,
            };
            output::emit(json, &record, || {
                println!(
                    "Added {} {} for {}",
                    record.kind(),
                    record.id.short(),
                    profile.display_name
                )
            })
        }
        Command::Attach {
            record,
            media_type,
            file,
        } => {
            let record = vault.find_record(&record)?;
            let name = file_name(&file)?;
            let media_type = media_type.unwrap_or_else(|| guess_media_type(&name).to_owned());
            let mut reader = open_input(&file)?;
            let attachment = vault.attach(&record.id, &name, &media_type, &mut reader)?;
            output::emit(json, &attachment, || {
                println!(
                    "Attached {} ({} bytes) as {}",
                    name, attachment.size, attachment.id
                )
            })
        }
        Command::Extract { attachment, out } => extract(vault, &attachment, &out, json),
        Command::List { profile, kind } => {
            let kind = kind.map(|k| k.parse::<RecordKind>()).transpose()?;
            let profile = profile.map(|p| vault.find_profile(&p)).transpose()?;
            let records = vault.records(profile.as_ref().map(|p| &p.id), kind)?;
            let profiles = vault.profiles()?;
            output::emit(json, &records, || output::record_list(&records, &profiles))
        }
        Command::Show { record } => {
            let record = vault.find_record(&record)?;
            output::emit(json, &record, || output::record(&record))
        }
        Command::Search { query, profile } => {
            let profile = profile.map(|p| vault.find_profile(&p)).transpose()?;
            let query = query.join(" ");
            if query.trim().is_empty() {
                return Err(CliError::usage("give some words to search for"));
            }
            let records = vault.search(&query, profile.as_ref().map(|p| &p.id))?;
            let profiles = vault.profiles()?;
            output::emit(json, &records, || output::record_list(&records, &profiles))
        }
        Command::Summary { profile, as_of } => {
            let profile = profile_arg(vault, profile.as_deref())?;
            let today = as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
            let summary = vault.summary(&profile.id, today)?;
            output::emit(json, &summary, || output::summary(&summary))
        }
        Command::Passwd { .. } => {
            let new = secrets::new(secrets::NEW_PASSPHRASE_ENV)?;
            vault.change_passphrase(&new)?;
            output::emit(json, &serde_json::json!({ "changed": true }), || {
                println!("Passphrase changed.")
            })
        }
        Command::Log => {
            let log = vault.audit_log()?;
            output::emit(json, &log, || output::audit_log(&log))
        }
    }
}

fn extract(vault: &Vault, attachment: &str, out: &Path, json: bool) -> Result<(), CliError> {
    let id = attachment.parse::<carnet_core::model::AttachmentId>()?;
    if out.exists() {
        return Err(CliError::invalid(format!(
            "{} already exists; choose another --out",
            out.display()
        )));
    }
    // Written under a temporary name and renamed only once every chunk has verified.
    let mut tmp_name = out.as_os_str().to_owned();
    tmp_name.push(".carnet-tmp");
    let tmp = PathBuf::from(tmp_name);
    let result = std::fs::File::create(&tmp)
        .map_err(CliError::from)
        .and_then(|mut file| {
            let size = vault.read_attachment(&id, &mut file)?;
            file.sync_all()?;
            Ok(size)
        })
        .and_then(|size| {
            std::fs::rename(&tmp, out)
                .map(|()| size)
                .map_err(CliError::from)
        });
    match result {
        Ok(size) => output::emit(
            json,
            &serde_json::json!({ "out": out, "size": size }),
            || println!("Wrote {} ({size} bytes)", out.display()),
        ),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn file_name(path: &Path) -> Result<String, CliError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::usage(format!("{} has no file name", path.display())))
}

fn open_input(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path).map_err(|e| CliError {
        message: format!("cannot read {}: {}", path.display(), e.kind()),
        code: 4,
    })
}

pub fn guess_media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("heic") => "image/heic",
        Some("tif" | "tiff") => "image/tiff",
        Some("txt") => "text/plain",
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}
