//! `carnet add KIND`: a record from a JSON file (the documented format of
//! `carnet_core::model::RecordBody`, with examples in `examples/`) or from flags for the
//! common fields.

use crate::exit::CliError;
use crate::files::{self, guess_media_type, read_record_file, read_text_limited};
use crate::output;
use crate::session::{Context, profile_arg};
use carnet_core::model::*;
use carnet_core::time::{Clock, SystemClock};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Whose record [default: the vault owner, or the only profile].
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Read the record from this JSON file (its "kind" must match); flags are then ignored.
    #[arg(long, global = true)]
    pub file: Option<PathBuf>,
    #[command(subcommand)]
    pub kind: AddKind,
}

#[derive(Debug, Subcommand)]
pub enum AddKind {
    /// A prescription (one medication from flags; several from --file).
    Prescription {
        #[arg(long)]
        prescriber: Option<String>,
        #[arg(long)]
        specialty: Option<String>,
        /// The prescriber's 11-digit RPPS number.
        #[arg(long)]
        rpps: Option<Rpps>,
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Medication name, e.g. "Metformine".
        #[arg(long)]
        drug: Option<String>,
        /// Strength and form, e.g. "1000 mg, comprimé".
        #[arg(long)]
        strength: Option<String>,
        /// Instructions as written on the prescription.
        #[arg(long, default_value = "")]
        instructions: String,
        /// Duration in days.
        #[arg(long, conflicts_with = "until")]
        days: Option<u32>,
        /// Last day of treatment.
        #[arg(long)]
        until: Option<NaiveDate>,
        #[arg(long, default_value_t = 0)]
        renewals: u8,
    },
    /// A lab report (one result from flags; several from --file).
    Lab {
        #[arg(long)]
        laboratory: Option<String>,
        /// Collection date.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        analyte: Option<String>,
        #[arg(long)]
        loinc: Option<String>,
        /// A number, or text such as "négatif".
        #[arg(long)]
        value: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        low: Option<f64>,
        #[arg(long)]
        high: Option<f64>,
        /// Mark the result abnormal (otherwise computed from --low/--high).
        #[arg(long)]
        abnormal: bool,
    },
    /// A letter from a specialist.
    Letter {
        #[arg(long)]
        author: Option<String>,
        #[arg(long)]
        specialty: Option<String>,
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        subject: Option<String>,
        /// The letter's text (or --body-file).
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        #[arg(long)]
        body_file: Option<PathBuf>,
    },
    /// An allergy or intolerance.
    Allergy {
        #[arg(long)]
        substance: Option<String>,
        #[arg(long)]
        reaction: Option<String>,
        /// mild, moderate, severe
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        noted_on: Option<NaiveDate>,
    },
    /// A condition (diagnosis).
    Condition {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        onset: Option<NaiveDate>,
        #[arg(long)]
        resolved: bool,
        #[arg(long)]
        notes: Option<String>,
    },
    /// A scanned or photographed paper document, with its file.
    Document {
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        date: Option<NaiveDate>,
        /// The scan or PDF; encrypted into the vault as it is read.
        #[arg(long)]
        attach: Option<PathBuf>,
        /// Media type [default: guessed from the file extension].
        #[arg(long)]
        media_type: Option<String>,
    },
    /// An immunisation.
    Immunisation {
        #[arg(long)]
        vaccine: Option<String>,
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        dose: Option<String>,
        #[arg(long)]
        lot: Option<String>,
    },
}

fn required<T>(value: Option<T>, flag: &str) -> Result<T, CliError> {
    value.ok_or_else(|| {
        CliError::usage(format!("missing --{flag} (or give the record with --file)"))
    })
}

impl AddKind {
    fn kind(&self) -> RecordKind {
        match self {
            Self::Prescription { .. } => RecordKind::Prescription,
            Self::Lab { .. } => RecordKind::LabReport,
            Self::Letter { .. } => RecordKind::Letter,
            Self::Allergy { .. } => RecordKind::Allergy,
            Self::Condition { .. } => RecordKind::Condition,
            Self::Immunisation { .. } => RecordKind::Immunisation,
            Self::Document { .. } => RecordKind::Document,
        }
    }

    fn into_body(self) -> Result<RecordBody, CliError> {
        Ok(match self {
            Self::Prescription {
                prescriber,
                specialty,
                rpps,
                date,
                drug,
                strength,
                instructions,
                days,
                until,
                renewals,
            } => RecordBody::Prescription(Prescription {
                prescriber: Prescriber {
                    name: required(prescriber, "prescriber")?,
                    specialty,
                    rpps,
                },
                date: date.unwrap_or_else(|| SystemClock.today()),
                medications: vec![Medication {
                    name: required(drug, "drug")?,
                    code: None,
                    strength,
                    instructions,
                    duration: days
                        .map(MedicationDuration::Days)
                        .or(until.map(MedicationDuration::Until)),
                    renewals,
                    notes: None,
                    stop: None,
                }],
                notes: None,
            }),
            Self::Lab {
                laboratory,
                date,
                analyte,
                loinc,
                value,
                unit,
                low,
                high,
                abnormal,
            } => {
                let value = required(value, "value")?;
                let value = match value.replace(',', ".").parse::<f64>() {
                    Ok(v) if v.is_finite() => LabValue::Numeric(v),
                    _ => LabValue::Text(value),
                };
                let out_of_range = match value {
                    LabValue::Numeric(v) => {
                        low.is_some_and(|l| v < l) || high.is_some_and(|h| v > h)
                    }
                    LabValue::Text(_) => false,
                };
                let reference_range = (low.is_some() || high.is_some()).then_some(ReferenceRange {
                    low,
                    high,
                    text: None,
                });
                RecordBody::LabReport(LabReport {
                    laboratory: required(laboratory, "laboratory")?,
                    collection_date: date.unwrap_or_else(|| SystemClock.today()),
                    results: vec![LabResult {
                        analyte: required(analyte, "analyte")?,
                        loinc,
                        value,
                        unit,
                        reference_range,
                        abnormal: abnormal || out_of_range,
                    }],
                })
            }
            Self::Letter {
                author,
                specialty,
                date,
                subject,
                body,
                body_file,
            } => {
                let body = match (body, body_file) {
                    (Some(text), _) => text,
                    (None, Some(path)) => read_text_limited(&path)?,
                    (None, None) => return Err(CliError::usage("missing --body or --body-file")),
                };
                RecordBody::Letter(Letter {
                    author: required(author, "author")?,
                    specialty,
                    date: date.unwrap_or_else(|| SystemClock.today()),
                    subject: required(subject, "subject")?,
                    body,
                })
            }
            Self::Allergy {
                substance,
                reaction,
                severity,
                noted_on,
            } => {
                let severity = match severity.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None => None,
                    Some("mild") => Some(AllergySeverity::Mild),
                    Some("moderate") => Some(AllergySeverity::Moderate),
                    Some("severe") => Some(AllergySeverity::Severe),
                    Some(_) => {
                        return Err(CliError::usage("--severity is mild, moderate or severe"));
                    }
                };
                RecordBody::Allergy(Allergy {
                    substance: required(substance, "substance")?,
                    code: None,
                    reaction,
                    severity,
                    noted_on,
                })
            }
            Self::Condition {
                name,
                onset,
                resolved,
                notes,
            } => RecordBody::Condition(Condition {
                name: required(name, "name")?,
                code: None,
                status: if resolved {
                    ConditionStatus::Resolved
                } else {
                    ConditionStatus::Active
                },
                onset,
                notes,
            }),
            Self::Document {
                title,
                date,
                attach,
                media_type,
            } => RecordBody::Document(Document {
                title: required(title, "title")?,
                date: date.unwrap_or_else(|| SystemClock.today()),
                media_type: media_type
                    .or_else(|| {
                        attach
                            .as_ref()
                            .map(|p| guess_media_type(&p.to_string_lossy()).to_owned())
                    })
                    .unwrap_or_else(|| "application/octet-stream".into()),
            }),
            Self::Immunisation {
                vaccine,
                date,
                dose,
                lot,
            } => RecordBody::Immunisation(Immunisation {
                vaccine: required(vaccine, "vaccine")?,
                code: None,
                date: date.unwrap_or_else(|| SystemClock.today()),
                dose,
                lot,
                administered_by: None,
            }),
        })
    }
}

impl AddArgs {
    /// The file to attach once the record exists (`add document --attach`).
    pub fn attachment(&self) -> Option<PathBuf> {
        match &self.kind {
            AddKind::Document { attach, .. } => attach.clone(),
            _ => None,
        }
    }

    pub fn into_new_record(self, profile: ProfileId) -> Result<NewRecord, CliError> {
        let expected = self.kind.kind();
        let (body, provenance) = match &self.file {
            Some(path) => {
                let body = read_record_file(path)?;
                if body.kind() != expected {
                    return Err(CliError::invalid(format!(
                        "{} holds a {}, not a {expected}",
                        path.display(),
                        body.kind()
                    )));
                }
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    body,
                    Provenance::ImportedFromFile {
                        file_name,
                        document: None,
                    },
                )
            }
            None => (self.kind.into_body()?, Provenance::PatientEntered),
        };
        Ok(NewRecord {
            profile_id: profile,
            issued_on: None,
            provenance,
            body,
        })
    }
}

/// `carnet add KIND`: the record, and for a document its file, stored together or not at all.
pub fn run(args: AddArgs, ctx: &Context) -> Result<(), CliError> {
    let vault = ctx.unlock(false)?;
    let profile = profile_arg(&vault, args.profile.as_deref())?;
    let attachment = args.attachment();
    let new = args.into_new_record(profile.id)?;
    let media_type = match &new.body {
        RecordBody::Document(d) => d.media_type.clone(),
        _ => String::new(),
    };
    let record = match &attachment {
        Some(path) => vault.add_record_with_file(
            new,
            &files::file_name(path)?,
            &media_type,
            &mut files::open_input(path)?,
        )?,
        None => vault.add_record(new)?,
    };
    output::emit(ctx.json, &record, || {
        say!(
            "Added {} {} for {}",
            record.kind(),
            record.id.short(),
            profile.display_name
        )
    })
}
