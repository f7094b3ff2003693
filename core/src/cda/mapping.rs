//! What reading a document produces, whatever its volet: its records (each named by a key
//! within the document), what was read per kind, what was left out and why, what was adjusted.

use crate::import::{IntakeFile, IntakeRecord, ItemCount, Skipped};
use crate::model::RecordBody;
use chrono::NaiveDate;

pub(super) struct Mapping {
    pub records: Vec<IntakeRecord>,
    pub items: Vec<ItemCount>,
    pub skipped: Vec<Skipped>,
    pub adjusted: Vec<String>,
}

/// Adds one record to the mapping: its key within the document, its day, its body and file.
pub(super) type Push<'p> =
    dyn Fn(&mut Mapping, &str, NaiveDate, RecordBody, Option<IntakeFile>) + 'p;
