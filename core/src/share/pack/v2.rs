//! Pack version 2 on the wire: the same [`ConsultationPack`], smaller.
//!
//! Version 1 writes every field under its key in a CBOR map, every date as days since 1970,
//! every code and name as text. A chronic patient's pack then needs a QR code of version 36,
//! too dense for a desk scanner's single pull or a webcam. Version 2 writes the same content:
//!
//! - **arrays, not maps**: each item is a CBOR array whose positions are the fields below (an
//!   absent optional field is `null`); a later version may append positions, which this
//!   reader skips;
//! - **the codebook** ([`super::codebook`]): a common analyte is its number (an integer where
//!   version 1 had a LOINC code), its name and unit left out when they are the codebook's; a
//!   common medicine is its number in place of its ATC code, its name left out when it is the
//!   codebook's; a common posology ("1 comprimé le soir") is its number, and a strength
//!   ending in a common form ("2,5 mg, comprimé") is its dose and the form's number. Any
//!   other code, name, unit or text travels as written;
//! - **dates once**: the pack's distinct dates form one table, written as days from the
//!   pack's day then from the previous date (small numbers), and every dated field is an
//!   index into it; the results of one lab report share their date's index; a prescription's
//!   end is its length in days;
//! - **prescribers once**: the people who prescribed, changed or stopped a medication form a
//!   table, which lines name by index;
//! - **ranges as bounds**: a reference range Carnet wrote as "35–50", "< 35" or "> 0.4" travels
//!   as its two bounds, the text rebuilt the same on reading (any other range as text).
//!
//! Every value (a result, a strength, a dose, a range, a letter) is the text as recorded,
//! exactly as in version 1. Decoding gives back the pack version 1 carries, field for field;
//! a property test holds the two writers to it.
//!
//! ```text
//! pack         = [2, codebook version, as_of (days since 1970), dates, patient (the version-1
//!                 map), allergies, conditions, prescribers, medications, labs, letters,
//!                 changes_since (date)?, stopped, withheld, immunisations?, proofs,
//!                 certificates (proofs and certificates: the version-1 maps)]
//! dates        = [first - as_of, second - first, ...]            ascending, distinct
//! allergy      = [substance, reaction?, severity?, date?, source?, proof?]
//! condition    = [name, code?, since (date)?, recorded (date), source?, proof?]
//! medication   = [name? (codebook's when null), code? (number or text), strength? (text,
//!                 or [dose, form number]), instructions (posology number or text),
//!                 prescribed (date), days to its end, prescriber (index),
//!                 source?, notes?, proof?, change?]
//! change       = [date, from, to, by (prescriber index)]
//! stopped      = [name, date, by (prescriber index), reason?, source?]
//! lab          = [code? (number or LOINC text), name? (codebook's when null),
//!                 unit (null: the codebook's; false: none; text), date, value, abnormal,
//!                 range? (text, or [low?, high?]), previous ([date, value, abnormal]...),
//!                 source?, proof?]
//! letter       = [author, specialty?, date, subject, body?, source?, proof?]
//! immunisation = [vaccine, code?, date, dose?, lot?, source?, proof?]
//! ```
//!
//! `source` is absent for the patient's own items, as in version 1.

use super::{
    ConsultationPack, Day, PackAllergy, PackCertificate, PackChange, PackCondition,
    PackImmunisation, PackLab, PackLabPoint, PackLetter, PackMedication, PackPatient, PackProof,
    PackStopped, Source, codebook,
};
use minicbor::data::Type;
use minicbor::decode::Decoder;
use minicbor::encode::{Encoder, Write};
use minicbor::{Decode, Encode};

/// The version number a version-2 pack starts with.
pub const VERSION: u8 = 2;

/// What is wrong with a version-2 pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Written with a codebook newer than this reader's.
    NewerCodebook(u8),
    /// Not a well-formed version-2 pack: which part.
    Malformed(&'static str),
}

/// A code or name: a number in the codebook, or the text as written.
#[derive(Clone, PartialEq, Eq)]
enum Term {
    Book(u16),
    Text(String),
}

impl<C> Encode<C> for Term {
    fn encode<W: Write>(
        &self,
        e: &mut Encoder<W>,
        _: &mut C,
    ) -> Result<(), minicbor::encode::Error<W::Error>> {
        match self {
            Self::Book(n) => e.u16(*n)?,
            Self::Text(t) => e.str(t)?,
        };
        Ok(())
    }
}

impl<'b, C> Decode<'b, C> for Term {
    fn decode(d: &mut Decoder<'b>, _: &mut C) -> Result<Self, minicbor::decode::Error> {
        match d.datatype()? {
            Type::String => Ok(Self::Text(d.str()?.to_owned())),
            _ => Ok(Self::Book(d.u16()?)),
        }
    }
}

/// A strength: as written, or its dose and the number of the form it ends with.
#[derive(Clone, PartialEq, Eq)]
enum Strength {
    Text(String),
    Form(String, u16),
}

/// The separator between a strength's dose and its form: "2,5 mg, comprimé".
const FORM_SEPARATOR: &str = ", ";

impl Strength {
    fn of(text: &str) -> Self {
        text.rsplit_once(FORM_SEPARATOR)
            .and_then(|(dose, form)| {
                codebook::number_in(codebook::FORMS, form).map(|n| Self::Form(dose.into(), n))
            })
            .unwrap_or_else(|| Self::Text(text.into()))
    }

    fn text(self) -> Result<String, Invalid> {
        match self {
            Self::Text(t) => Ok(t),
            Self::Form(dose, n) => codebook::FORMS
                .get(usize::from(n))
                .map(|form| format!("{dose}{FORM_SEPARATOR}{form}"))
                .ok_or(Invalid::Malformed("a form's number")),
        }
    }
}

impl<C> Encode<C> for Strength {
    fn encode<W: Write>(
        &self,
        e: &mut Encoder<W>,
        _: &mut C,
    ) -> Result<(), minicbor::encode::Error<W::Error>> {
        match self {
            Self::Text(t) => e.str(t)?,
            Self::Form(dose, n) => e.array(2)?.str(dose)?.u16(*n)?,
        };
        Ok(())
    }
}

impl<'b, C> Decode<'b, C> for Strength {
    fn decode(d: &mut Decoder<'b>, _: &mut C) -> Result<Self, minicbor::decode::Error> {
        match d.datatype()? {
            Type::String => Ok(Self::Text(d.str()?.to_owned())),
            _ => match d.array()? {
                Some(2) => Ok(Self::Form(d.str()?.to_owned(), d.u16()?)),
                _ => Err(minicbor::decode::Error::message(
                    "a strength is text or [dose, form]",
                )),
            },
        }
    }
}

/// A reference range: as written, or the bounds of the text Carnet writes for them.
#[derive(Clone, PartialEq, Eq)]
enum Range {
    Text(String),
    Bounds(Option<String>, Option<String>),
}

impl Range {
    /// How [`crate::model::ReferenceRange`] writes its bounds.
    fn written(low: Option<&str>, high: Option<&str>) -> Option<String> {
        match (low, high) {
            (Some(l), Some(h)) => Some(format!("{l}–{h}")),
            (Some(l), None) => Some(format!("> {l}")),
            (None, Some(h)) => Some(format!("< {h}")),
            (None, None) => None,
        }
    }

    fn of(text: &str) -> Self {
        let bounds = if let Some(h) = text.strip_prefix("< ") {
            (None, Some(h))
        } else if let Some(l) = text.strip_prefix("> ") {
            (Some(l), None)
        } else if let Some((l, h)) = text.split_once('–') {
            (Some(l), Some(h))
        } else {
            (None, None)
        };
        // Only when the text reads back exactly: a range is a value, never rewritten.
        match Self::written(bounds.0, bounds.1) {
            Some(again) if again == text => {
                Self::Bounds(bounds.0.map(str::to_owned), bounds.1.map(str::to_owned))
            }
            _ => Self::Text(text.into()),
        }
    }

    fn text(self) -> Result<String, Invalid> {
        match self {
            Self::Text(t) => Ok(t),
            Self::Bounds(l, h) => Self::written(l.as_deref(), h.as_deref())
                .ok_or(Invalid::Malformed("a range without bounds")),
        }
    }
}

impl<C> Encode<C> for Range {
    fn encode<W: Write>(
        &self,
        e: &mut Encoder<W>,
        ctx: &mut C,
    ) -> Result<(), minicbor::encode::Error<W::Error>> {
        match self {
            Self::Text(t) => {
                e.str(t)?;
            }
            Self::Bounds(l, h) => {
                e.array(2)?.encode_with(l, ctx)?.encode_with(h, ctx)?;
            }
        }
        Ok(())
    }
}

impl<'b, C> Decode<'b, C> for Range {
    fn decode(d: &mut Decoder<'b>, ctx: &mut C) -> Result<Self, minicbor::decode::Error> {
        match d.datatype()? {
            Type::String => Ok(Self::Text(d.str()?.to_owned())),
            _ => match d.array()? {
                Some(2) => Ok(Self::Bounds(d.decode_with(ctx)?, d.decode_with(ctx)?)),
                _ => Err(minicbor::decode::Error::message(
                    "a range is text or [low, high]",
                )),
            },
        }
    }
}

/// A lab result's unit: the codebook's (`null`), none (`false`), or the text as written.
#[derive(Clone, PartialEq, Eq)]
enum Unit {
    Usual,
    Without,
    Text(String),
}

impl<C> Encode<C> for Unit {
    fn encode<W: Write>(
        &self,
        e: &mut Encoder<W>,
        _: &mut C,
    ) -> Result<(), minicbor::encode::Error<W::Error>> {
        match self {
            Self::Usual => e.null()?,
            Self::Without => e.bool(false)?,
            Self::Text(t) => e.str(t)?,
        };
        Ok(())
    }
}

impl<'b, C> Decode<'b, C> for Unit {
    fn decode(d: &mut Decoder<'b>, _: &mut C) -> Result<Self, minicbor::decode::Error> {
        match d.datatype()? {
            Type::Null => {
                d.null()?;
                Ok(Self::Usual)
            }
            Type::Bool if !d.bool()? => Ok(Self::Without),
            Type::String => Ok(Self::Text(d.str()?.to_owned())),
            _ => Err(minicbor::decode::Error::message(
                "a unit is null, false or text",
            )),
        }
    }

    fn nil() -> Option<Self> {
        Some(Self::Usual)
    }
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Wire {
    #[n(0)]
    version: u8,
    #[n(1)]
    codebook: u8,
    #[n(2)]
    as_of: Day,
    #[n(3)]
    dates: Vec<i32>,
    #[n(4)]
    patient: PackPatient,
    #[n(5)]
    allergies: Vec<Allergy>,
    #[n(6)]
    conditions: Vec<Condition>,
    #[n(7)]
    prescribers: Vec<String>,
    #[n(8)]
    medications: Vec<Medication>,
    #[n(9)]
    labs: Vec<Lab>,
    #[n(10)]
    letters: Vec<Letter>,
    #[n(11)]
    changes_since: Option<u32>,
    #[n(12)]
    stopped: Vec<Stopped>,
    #[n(13)]
    withheld: Vec<String>,
    #[n(14)]
    immunisations: Option<Vec<Immunisation>>,
    #[n(15)]
    proofs: Vec<PackProof>,
    #[n(16)]
    certificates: Vec<PackCertificate>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Allergy {
    #[n(0)]
    substance: String,
    #[n(1)]
    reaction: Option<String>,
    #[n(2)]
    severity: Option<u8>,
    #[n(3)]
    date: Option<u32>,
    #[n(4)]
    source: Option<Source>,
    #[n(5)]
    proof: Option<u16>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Condition {
    #[n(0)]
    name: String,
    #[n(1)]
    code: Option<String>,
    #[n(2)]
    since: Option<u32>,
    #[n(3)]
    recorded: u32,
    #[n(4)]
    source: Option<Source>,
    #[n(5)]
    proof: Option<u16>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Medication {
    #[n(0)]
    name: Option<String>,
    #[n(1)]
    code: Option<Term>,
    #[n(2)]
    strength: Option<Strength>,
    #[n(3)]
    instructions: Term,
    #[n(4)]
    prescribed: u32,
    #[n(5)]
    days: i32,
    #[n(6)]
    prescriber: u32,
    #[n(7)]
    source: Option<Source>,
    #[n(8)]
    notes: Option<String>,
    #[n(9)]
    proof: Option<u16>,
    #[n(10)]
    change: Option<Change>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Change {
    #[n(0)]
    date: u32,
    #[n(1)]
    from: String,
    #[n(2)]
    to: String,
    #[n(3)]
    by: u32,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Stopped {
    #[n(0)]
    name: String,
    #[n(1)]
    date: u32,
    #[n(2)]
    by: u32,
    #[n(3)]
    reason: Option<String>,
    #[n(4)]
    source: Option<Source>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Lab {
    #[n(0)]
    code: Option<Term>,
    #[n(1)]
    name: Option<String>,
    #[n(2)]
    unit: Unit,
    #[n(3)]
    date: u32,
    #[n(4)]
    value: String,
    #[n(5)]
    abnormal: bool,
    #[n(6)]
    range: Option<Range>,
    #[n(7)]
    previous: Vec<Point>,
    #[n(8)]
    source: Option<Source>,
    #[n(9)]
    proof: Option<u16>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Point {
    #[n(0)]
    date: u32,
    #[n(1)]
    value: String,
    #[n(2)]
    abnormal: bool,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Letter {
    #[n(0)]
    author: String,
    #[n(1)]
    specialty: Option<String>,
    #[n(2)]
    date: u32,
    #[n(3)]
    subject: String,
    #[n(4)]
    body: Option<String>,
    #[n(5)]
    source: Option<Source>,
    #[n(6)]
    proof: Option<u16>,
}

#[derive(Encode, Decode)]
#[cbor(array)]
struct Immunisation {
    #[n(0)]
    vaccine: String,
    #[n(1)]
    code: Option<String>,
    #[n(2)]
    date: u32,
    #[n(3)]
    dose: Option<String>,
    #[n(4)]
    lot: Option<String>,
    #[n(5)]
    source: Option<Source>,
    #[n(6)]
    proof: Option<u16>,
}

fn source(s: Source) -> Option<Source> {
    (!s.is_patient()).then_some(s)
}

/// A table of distinct values that items name by index: the pack's dates, its prescribers.
struct Table<T> {
    entries: Vec<T>,
}

impl<T: Ord + Clone> Table<T> {
    fn of(mut entries: Vec<T>) -> Self {
        entries.sort();
        entries.dedup();
        Self { entries }
    }

    /// The index of `value`, which the table was built with (so always found).
    fn index(&self, value: &T) -> u32 {
        self.entries
            .binary_search(value)
            .ok()
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(u32::MAX)
    }
}

/// Version-2 CBOR of `pack`.
pub fn encode(pack: &ConsultationPack) -> Vec<u8> {
    let dates = Table::of(all_dates(pack));
    let prescribers = Table::of(all_prescribers(pack));
    let date = |d: Day| dates.index(&d);
    let person = |p: &String| prescribers.index(p);
    let mut deltas = Vec::with_capacity(dates.entries.len());
    let mut previous = pack.as_of.0;
    for d in &dates.entries {
        deltas.push(d.0.wrapping_sub(previous));
        previous = d.0;
    }
    let wire = Wire {
        version: VERSION,
        codebook: codebook::VERSION,
        as_of: pack.as_of,
        dates: deltas,
        patient: pack.patient.clone(),
        allergies: pack
            .allergies
            .iter()
            .map(|a| Allergy {
                substance: a.substance.clone(),
                reaction: a.reaction.clone(),
                severity: a.severity,
                date: a.date.map(date),
                source: source(a.source),
                proof: a.proof,
            })
            .collect(),
        conditions: pack
            .conditions
            .iter()
            .map(|c| Condition {
                name: c.name.clone(),
                code: c.code.clone(),
                since: c.since.map(date),
                recorded: date(c.recorded),
                source: source(c.source),
                proof: c.proof,
            })
            .collect(),
        prescribers: prescribers.entries.clone(),
        medications: pack
            .medications
            .iter()
            .map(|m| {
                let number = m.code.as_deref().and_then(codebook::medicine_number);
                let book_name = number.and_then(codebook::medicine_at).map(|b| b.name);
                Medication {
                    name: (book_name != Some(m.name.as_str())).then(|| m.name.clone()),
                    code: match (number, &m.code) {
                        (Some(n), _) => Some(Term::Book(n)),
                        (None, Some(code)) => Some(Term::Text(code.clone())),
                        (None, None) => None,
                    },
                    strength: m.strength.as_deref().map(Strength::of),
                    instructions: match codebook::number_in(codebook::POSOLOGIES, &m.instructions) {
                        Some(n) => Term::Book(n),
                        None => Term::Text(m.instructions.clone()),
                    },
                    prescribed: date(m.prescribed_on),
                    days: m.ends_on.0.wrapping_sub(m.prescribed_on.0),
                    prescriber: person(&m.prescriber),
                    source: source(m.source),
                    notes: m.notes.clone(),
                    proof: m.proof,
                    change: m.change.as_ref().map(|c| Change {
                        date: date(c.date),
                        from: c.from.clone(),
                        to: c.to.clone(),
                        by: person(&c.by),
                    }),
                }
            })
            .collect(),
        labs: pack
            .labs
            .iter()
            .map(|l| {
                let number = l.loinc.as_deref().and_then(codebook::analyte_number);
                let book = number.and_then(codebook::analyte_at);
                let point = |p: &PackLabPoint| Point {
                    date: date(p.date),
                    value: p.value.clone(),
                    abnormal: p.abnormal,
                };
                Lab {
                    code: match (number, &l.loinc) {
                        (Some(n), _) => Some(Term::Book(n)),
                        (None, Some(loinc)) => Some(Term::Text(loinc.clone())),
                        (None, None) => None,
                    },
                    name: (book.map(|b| b.name) != Some(l.analyte.as_str()))
                        .then(|| l.analyte.clone()),
                    unit: match (&l.unit, book.and_then(usual_unit)) {
                        (unit, usual) if unit.as_deref() == usual => Unit::Usual,
                        (None, _) => Unit::Without,
                        (Some(u), _) => Unit::Text(u.clone()),
                    },
                    date: date(l.latest.date),
                    value: l.latest.value.clone(),
                    abnormal: l.latest.abnormal,
                    range: l.reference_range.as_deref().map(Range::of),
                    previous: l.previous.iter().map(point).collect(),
                    source: source(l.source),
                    proof: l.proof,
                }
            })
            .collect(),
        letters: pack
            .letters
            .iter()
            .map(|l| Letter {
                author: l.author.clone(),
                specialty: l.specialty.clone(),
                date: date(l.date),
                subject: l.subject.clone(),
                body: l.body.clone(),
                source: source(l.source),
                proof: l.proof,
            })
            .collect(),
        changes_since: pack.changes_since.map(date),
        stopped: pack
            .stopped
            .iter()
            .map(|s| Stopped {
                name: s.name.clone(),
                date: date(s.date),
                by: person(&s.by),
                reason: s.reason.clone(),
                source: source(s.source),
            })
            .collect(),
        withheld: pack.withheld.clone(),
        immunisations: pack.immunisations.as_ref().map(|list| {
            list.iter()
                .map(|i| Immunisation {
                    vaccine: i.vaccine.clone(),
                    code: i.code.clone(),
                    date: date(i.date),
                    dose: i.dose.clone(),
                    lot: i.lot.clone(),
                    source: source(i.source),
                    proof: i.proof,
                })
                .collect()
        }),
        proofs: pack.proofs.clone(),
        certificates: pack.certificates.clone(),
    };
    minicbor::to_vec(&wire).unwrap_or_default()
}

/// The unit a codebook analyte is usually given in; `None` for a ratio without unit (INR).
fn usual_unit(a: &codebook::Analyte) -> Option<&'static str> {
    (!a.unit.is_empty()).then_some(a.unit)
}

/// Every date a field of `pack` names through the table.
fn all_dates(pack: &ConsultationPack) -> Vec<Day> {
    let mut d = Vec::new();
    d.extend(pack.allergies.iter().filter_map(|a| a.date));
    for c in &pack.conditions {
        d.extend(c.since);
        d.push(c.recorded);
    }
    for m in &pack.medications {
        d.push(m.prescribed_on);
        d.extend(m.change.as_ref().map(|c| c.date));
    }
    d.extend(pack.stopped.iter().map(|s| s.date));
    for l in &pack.labs {
        d.push(l.latest.date);
        d.extend(l.previous.iter().map(|p| p.date));
    }
    d.extend(pack.letters.iter().map(|l| l.date));
    d.extend(pack.immunisations().iter().map(|i| i.date));
    d.extend(pack.changes_since);
    d
}

fn all_prescribers(pack: &ConsultationPack) -> Vec<String> {
    let mut p: Vec<String> = pack
        .medications
        .iter()
        .map(|m| m.prescriber.clone())
        .collect();
    p.extend(
        pack.medications
            .iter()
            .filter_map(|m| m.change.as_ref().map(|c| c.by.clone())),
    );
    p.extend(pack.stopped.iter().map(|s| s.by.clone()));
    p
}

/// Reads a version-2 pack; hostile input gets an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<ConsultationPack, Invalid> {
    let wire: Wire = minicbor::decode(bytes).map_err(|_| Invalid::Malformed("pack content"))?;
    if wire.version != VERSION {
        return Err(Invalid::Malformed("pack version"));
    }
    if wire.codebook > codebook::VERSION {
        return Err(Invalid::NewerCodebook(wire.codebook));
    }
    let mut dates = Vec::with_capacity(wire.dates.len());
    let mut at = wire.as_of.0;
    for delta in &wire.dates {
        // Modular, as the writer's differences are: any i32 day comes back exactly.
        at = at.wrapping_add(*delta);
        dates.push(Day(at));
    }
    let date = |i: u32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| dates.get(i))
            .copied()
            .ok_or(Invalid::Malformed("a date's index"))
    };
    let person = |i: u32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| wire.prescribers.get(i))
            .cloned()
            .ok_or(Invalid::Malformed("a prescriber's index"))
    };
    let source = |s: Option<Source>| s.unwrap_or_default();
    let allergies = wire
        .allergies
        .into_iter()
        .map(|a| {
            Ok(PackAllergy {
                substance: a.substance,
                reaction: a.reaction,
                severity: a.severity,
                date: a.date.map(date).transpose()?,
                source: source(a.source),
                proof: a.proof,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let conditions = wire
        .conditions
        .into_iter()
        .map(|c| {
            Ok(PackCondition {
                name: c.name,
                code: c.code,
                since: c.since.map(date).transpose()?,
                recorded: date(c.recorded)?,
                source: source(c.source),
                proof: c.proof,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let medications = wire
        .medications
        .into_iter()
        .map(|m| {
            let (code, book_name) = match m.code {
                Some(Term::Book(n)) => {
                    let book = codebook::medicine_at(n)
                        .ok_or(Invalid::Malformed("a medicine's number"))?;
                    (Some(book.code.to_owned()), Some(book.name))
                }
                Some(Term::Text(t)) => (Some(t), None),
                None => (None, None),
            };
            let prescribed_on = date(m.prescribed)?;
            Ok(PackMedication {
                name: match (m.name, book_name) {
                    (Some(name), _) => name,
                    (None, Some(name)) => name.to_owned(),
                    (None, None) => return Err(Invalid::Malformed("a medication's name")),
                },
                strength: m.strength.map(Strength::text).transpose()?,
                instructions: match m.instructions {
                    Term::Text(t) => t,
                    Term::Book(n) => codebook::POSOLOGIES
                        .get(usize::from(n))
                        .map(|t| (*t).to_owned())
                        .ok_or(Invalid::Malformed("a posology's number"))?,
                },
                prescribed_on,
                ends_on: Day(prescribed_on.0.wrapping_add(m.days)),
                prescriber: person(m.prescriber)?,
                code,
                source: source(m.source),
                notes: m.notes,
                proof: m.proof,
                change: m
                    .change
                    .map(|c| {
                        Ok::<_, Invalid>(PackChange {
                            date: date(c.date)?,
                            from: c.from,
                            to: c.to,
                            by: person(c.by)?,
                        })
                    })
                    .transpose()?,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let labs = wire
        .labs
        .into_iter()
        .map(|l| {
            let (loinc, book) = match l.code {
                Some(Term::Book(n)) => {
                    let book =
                        codebook::analyte_at(n).ok_or(Invalid::Malformed("an analyte's number"))?;
                    (Some(book.loinc.to_owned()), Some(book))
                }
                Some(Term::Text(t)) => (Some(t), None),
                None => (None, None),
            };
            let point = |p: Point| {
                Ok::<_, Invalid>(PackLabPoint {
                    date: date(p.date)?,
                    value: p.value,
                    abnormal: p.abnormal,
                })
            };
            Ok(PackLab {
                analyte: match (l.name, book) {
                    (Some(name), _) => name,
                    (None, Some(book)) => book.name.to_owned(),
                    (None, None) => return Err(Invalid::Malformed("an analyte's name")),
                },
                unit: match l.unit {
                    Unit::Usual => book.and_then(usual_unit).map(str::to_owned),
                    Unit::Without => None,
                    Unit::Text(u) => Some(u),
                },
                loinc,
                latest: PackLabPoint {
                    date: date(l.date)?,
                    value: l.value,
                    abnormal: l.abnormal,
                },
                previous: l
                    .previous
                    .into_iter()
                    .map(point)
                    .collect::<Result<_, _>>()?,
                reference_range: l.range.map(Range::text).transpose()?,
                source: source(l.source),
                proof: l.proof,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let letters = wire
        .letters
        .into_iter()
        .map(|l| {
            Ok(PackLetter {
                author: l.author,
                specialty: l.specialty,
                date: date(l.date)?,
                subject: l.subject,
                body: l.body,
                source: source(l.source),
                proof: l.proof,
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let stopped = wire
        .stopped
        .into_iter()
        .map(|s| {
            Ok(PackStopped {
                name: s.name,
                date: date(s.date)?,
                by: person(s.by)?,
                reason: s.reason,
                source: source(s.source),
            })
        })
        .collect::<Result<_, Invalid>>()?;
    let immunisations = wire
        .immunisations
        .map(|list| {
            list.into_iter()
                .map(|i| {
                    Ok(PackImmunisation {
                        vaccine: i.vaccine,
                        code: i.code,
                        date: date(i.date)?,
                        dose: i.dose,
                        lot: i.lot,
                        source: source(i.source),
                        proof: i.proof,
                    })
                })
                .collect::<Result<Vec<_>, Invalid>>()
        })
        .transpose()?;
    Ok(ConsultationPack {
        as_of: wire.as_of,
        patient: wire.patient,
        allergies,
        conditions,
        medications,
        labs,
        letters,
        changes_since: wire.changes_since.map(date).transpose()?,
        proofs: wire.proofs,
        certificates: wire.certificates,
        stopped,
        withheld: wire.withheld,
        immunisations,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{decode as decode_any, encode_v1};
    use super::*;

    fn point(date: i32, value: &str) -> PackLabPoint {
        PackLabPoint {
            date: Day(date),
            value: value.into(),
            abnormal: value.starts_with('1'),
        }
    }

    fn lab(name: &str, loinc: Option<&str>, unit: Option<&str>, range: Option<&str>) -> PackLab {
        PackLab {
            analyte: name.into(),
            loinc: loinc.map(Into::into),
            unit: unit.map(Into::into),
            latest: point(20_400, "1,05"),
            previous: vec![point(20_100, "0.98"), point(-3, "")],
            reference_range: range.map(Into::into),
            source: Source::File,
            proof: Some(1),
        }
    }

    fn medication(
        name: &str,
        code: Option<&str>,
        strength: Option<&str>,
        how: &str,
    ) -> PackMedication {
        PackMedication {
            name: name.into(),
            strength: strength.map(Into::into),
            instructions: how.into(),
            prescribed_on: Day(20_300),
            ends_on: Day(20_390),
            prescriber: "Dr Anne Leroy".into(),
            code: code.map(Into::into),
            source: Source::PractitionerVerified,
            notes: Some("au milieu du repas".into()),
            proof: Some(0),
            change: Some(PackChange {
                date: Day(20_300),
                from: "5 mg".into(),
                to: "2,5 mg".into(),
                by: "Dr Karim Benali (cardiologie)".into(),
            }),
        }
    }

    /// Every way a field can go through the codebook or around it.
    fn awkward() -> ConsultationPack {
        ConsultationPack {
            as_of: Day(20_410),
            patient: PackPatient {
                name: "Léa Martin".into(),
                birth_date: Day(i32::MIN),
                blood_group: None,
                ins: Some("2 96 08 75 123 456 78".into()),
                emergency_contact: None,
            },
            allergies: vec![PackAllergy {
                substance: "Arachide".into(),
                reaction: Some("anaphylaxie".into()),
                severity: Some(3),
                date: Some(Day(i32::MAX)),
                source: Source::Patient,
                proof: None,
            }],
            conditions: vec![PackCondition {
                name: "Asthme".into(),
                code: Some("CIM-10:J45".into()),
                since: None,
                recorded: Day(0),
                source: Source::PractitionerUnverified,
                proof: None,
            }],
            medications: vec![
                medication(
                    "Bisoprolol",
                    Some("ATC:C07AB07"),
                    Some("2,5 mg, comprimé"),
                    "1 comprimé le matin",
                ),
                // The codebook's code under another name, a form it lacks, a posology it lacks.
                medication(
                    "Cardensiel",
                    Some("ATC:C07AB07"),
                    Some("2,5 mg, comprimé, "),
                    "1 comprimé le matin ",
                ),
                medication("Préparation", Some("ATC:Z99ZZ99"), Some(", comprimé"), ""),
                medication("Tisane", None, None, "1 comprimé le soir"),
            ],
            labs: vec![
                lab("Hémoglobine", Some("718-7"), Some("g/dL"), Some("12–16")),
                lab("Hémoglobine", Some("718-7"), None, Some("< 16")),
                lab("Hb", Some("718-7"), Some("g/L"), Some("> 120")),
                lab("INR", Some("6301-6"), None, Some("2–3–4")),
                lab("INR", Some("6301-6"), Some(""), Some("–")),
                lab(
                    "Anti-Xa",
                    Some("80627-9"),
                    Some("UI/mL"),
                    Some("inférieur à 0,5"),
                ),
                lab("Aspect", None, None, None),
            ],
            letters: vec![PackLetter {
                author: "Dr Karim Benali".into(),
                specialty: None,
                date: Day(20_300),
                subject: "Insuffisance cardiaque".into(),
                body: Some(String::new()),
                source: Source::Patient,
                proof: None,
            }],
            changes_since: Some(Day(20_200)),
            proofs: vec![PackProof {
                signed: vec![1, 2, 3],
                signature: vec![0; 64],
                chain: vec![0],
                parts: vec![super::super::PackPart {
                    index: 2,
                    bytes: vec![9],
                }],
            }],
            certificates: vec![PackCertificate {
                der: None,
                sha256: Some(vec![7; 32]),
            }],
            stopped: vec![PackStopped {
                name: "Oméprazole".into(),
                date: Day(20_405),
                by: "Dr Anne Leroy".into(),
                reason: None,
                source: Source::Patient,
            }],
            withheld: vec!["letters".into()],
            immunisations: Some(vec![PackImmunisation {
                vaccine: "ROR".into(),
                code: None,
                date: Day(17_000),
                dose: Some("dose 2".into()),
                lot: None,
                source: Source::File,
                proof: None,
            }]),
        }
    }

    #[test]
    fn every_field_comes_back_as_written() {
        let pack = awkward();
        let bytes = encode(&pack);
        assert_eq!(decode(&bytes).ok(), Some(pack.clone()));
        assert_eq!(decode_any(&bytes).ok(), Some(pack.clone()));
        assert!(bytes.len() < encode_v1(&pack).len());
        let mut none = pack;
        none.immunisations = None;
        none.changes_since = None;
        assert_eq!(decode(&encode(&none)).ok(), Some(none));
    }

    #[test]
    fn the_codebook_is_used_only_for_what_it_holds_exactly() {
        let pack = awkward();
        let wire: Wire = minicbor::decode(&encode(&pack)).unwrap();
        let m = &wire.medications;
        assert!(m[0].name.is_none() && matches!(m[0].code, Some(Term::Book(_))));
        assert!(matches!(m[0].strength, Some(Strength::Form(ref d, 0)) if d == "2,5 mg"));
        assert!(matches!(m[0].instructions, Term::Book(0)));
        assert_eq!(m[1].name.as_deref(), Some("Cardensiel"));
        assert!(matches!(m[1].strength, Some(Strength::Text(_))));
        assert!(matches!(m[1].instructions, Term::Text(_)));
        assert!(matches!(m[2].code, Some(Term::Text(_))));
        let l = &wire.labs;
        assert!(l[0].name.is_none() && l[0].unit == Unit::Usual);
        assert!(matches!(l[0].range, Some(Range::Bounds(Some(_), Some(_)))));
        assert!(l[1].unit == Unit::Without);
        assert!(l[2].name.is_some() && l[2].unit == Unit::Text("g/L".into()));
        assert!(l[3].unit == Unit::Usual, "INR has no usual unit");
        assert!(l[4].unit == Unit::Text(String::new()));
        assert!(
            matches!(l[5].range, Some(Range::Text(_))),
            "any other range is text"
        );
        assert!(matches!(l[5].code, Some(Term::Text(_))));
        assert!(l[6].code.is_none() && l[6].unit == Unit::Usual);
        assert_eq!(wire.prescribers.len(), 2);
    }

    #[test]
    fn a_broken_pack_is_an_error_that_says_what() {
        let good: Wire = minicbor::decode(&encode(&awkward())).unwrap();
        let broken = |f: &dyn Fn(&mut Wire)| {
            let mut w: Wire = minicbor::decode(&minicbor::to_vec(&good).unwrap()).unwrap();
            f(&mut w);
            decode(&minicbor::to_vec(&w).unwrap()).err()
        };
        let malformed = |what| Some(Invalid::Malformed(what));
        assert_eq!(broken(&|w| w.dates.clear()), malformed("a date's index"));
        assert_eq!(
            broken(&|w| w.prescribers.clear()),
            malformed("a prescriber's index")
        );
        assert_eq!(
            broken(&|w| w.medications[0].code = Some(Term::Book(u16::MAX))),
            malformed("a medicine's number")
        );
        assert_eq!(
            broken(&|w| w.medications[3].name = None),
            malformed("a medication's name")
        );
        assert_eq!(
            broken(&|w| w.medications[0].instructions = Term::Book(999)),
            malformed("a posology's number")
        );
        assert_eq!(
            broken(&|w| w.medications[0].strength = Some(Strength::Form("1".into(), 999))),
            malformed("a form's number")
        );
        assert_eq!(
            broken(&|w| w.labs[0].code = Some(Term::Book(999))),
            malformed("an analyte's number")
        );
        assert_eq!(
            broken(&|w| w.labs[6].name = None),
            malformed("an analyte's name")
        );
        assert_eq!(
            broken(&|w| w.labs[0].range = Some(Range::Bounds(None, None))),
            malformed("a range without bounds")
        );
        assert_eq!(
            broken(&|w| w.codebook = codebook::VERSION + 1),
            Some(Invalid::NewerCodebook(codebook::VERSION + 1))
        );
        // Through the pack's own entry: a newer codebook or pack version asks for an update.
        let mut newer: Wire = minicbor::decode(&minicbor::to_vec(&good).unwrap()).unwrap();
        newer.codebook = 9;
        assert_eq!(
            decode_any(&minicbor::to_vec(&newer).unwrap()),
            Err(super::super::PackError::NewerCodebook(9))
        );
        newer.version = 3;
        assert_eq!(
            decode_any(&minicbor::to_vec(&newer).unwrap()),
            Err(super::super::PackError::UnsupportedVersion(3))
        );
        // Every truncation of a good pack is refused, none panics; no changed byte panics.
        let bytes = encode(&awkward());
        for end in 0..bytes.len() {
            assert!(decode_any(&bytes[..end]).is_err(), "cut at {end}");
        }
        for at in 0..bytes.len() {
            for value in [
                0x00, 0x17, 0x18, 0x19, 0x1b, 0x40, 0x60, 0x7f, 0x80, 0x9f, 0xf5, 0xf6, 0xff,
            ] {
                let mut changed = bytes.clone();
                changed[at] = value;
                let _ = decode_any(&changed);
            }
        }
    }
}
