//! How the patient chooses what a share holds: every item the summary could share, with a
//! stable [`ItemKey`], the patient's [`Selection`] (items left out, opt-in items put in, how
//! many letters and earlier lab values), the preview ([`candidates`]) and the pack it makes
//! ([`build`]).

use super::pack::{
    ConsultationPack, Day, PackAllergy, PackChange, PackCondition, PackImmunisation, PackLab,
    PackLabPoint, PackLetter, PackMedication, PackPatient, PackStopped, Source, severity_code,
};
use super::proofs::{Prover, SignedRecords};
use crate::model::{LabValue, MedicationChange, PatientSummary, RecordId};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Identifies one shareable item, stable across previews: `medication:<record>:<name>`,
/// `stopped:<record>:<name>` (a medication stopped lately),
/// `lab:<analyte>`, `allergy:<record>`, `condition:<record>`, `immunisation:<record>`,
/// `letter:<record>`, and the
/// identity fields `identity:ins`, `identity:emergency_contact`, `identity:blood_group`.
pub type ItemKey = String;

/// The sections of a pack, in the order a doctor reads them.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Identity,
    Allergies,
    Conditions,
    Medications,
    Labs,
    Immunisations,
    Letters,
}

impl Section {
    /// Its name in a pack's `withheld` list.
    pub fn name(self) -> &'static str {
        match self {
            Section::Identity => "identity",
            Section::Allergies => "allergies",
            Section::Conditions => "conditions",
            Section::Medications => "medications",
            Section::Labs => "labs",
            Section::Immunisations => "immunisations",
            Section::Letters => "letters",
        }
    }
}

/// One line of the preview: what it is and whether it will be shared.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareItem {
    pub key: ItemKey,
    pub section: Section,
    pub label: String,
    pub included: bool,
}

/// Items that stay out unless the patient adds them: a consultation needs the name and birth
/// date to identify the patient, not the national identifier or the emergency contact.
pub const OPT_IN_ITEMS: [&str; 2] = ["identity:ins", "identity:emergency_contact"];

/// What the patient chose to share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Items left out.
    pub excluded: BTreeSet<ItemKey>,
    /// Opt-in items ([`OPT_IN_ITEMS`]) put in.
    pub included: BTreeSet<ItemKey>,
    /// Mark items dated on or after this day as new.
    pub changes_since: Option<NaiveDate>,
    /// How many of the latest letters go in (default 3).
    pub letters: Option<usize>,
    /// How many earlier values per analyte go in (default 1: the previous value and its
    /// date).
    pub lab_history: Option<usize>,
    /// Share the vaccinations: `None` is the default, yes for a child
    /// ([`PatientSummary::is_child`]), no for an adult (who can still put one in by its key).
    pub immunisations: Option<bool>,
    /// Include the letters' full text. Off by default: a letter is often longer than the rest
    /// of the pack together, and its heading plus the medication it changed fit one code;
    /// with it the share is usually shown as several frames.
    pub letter_text: bool,
}

const DEFAULT_LAB_HISTORY: usize = 1;

impl Selection {
    /// Whether an item goes in: opt-in items only when included, others unless excluded.
    pub fn keeps(&self, key: &str) -> bool {
        if OPT_IN_ITEMS.contains(&key) {
            self.opted_in(key)
        } else {
            !self.excluded.contains(key)
        }
    }

    fn opted_in(&self, key: &str) -> bool {
        self.included.contains(key) && !self.excluded.contains(key)
    }

    /// Whether a vaccination goes in: with the group on, unless excluded; with it off, only
    /// when put in by its key.
    fn keeps_immunisation(&self, summary: &PatientSummary, key: &str) -> bool {
        if self.immunisations.unwrap_or_else(|| summary.is_child()) {
            self.keeps(key)
        } else {
            self.opted_in(key)
        }
    }
}

fn immunisation_key(record: &RecordId) -> ItemKey {
    format!("immunisation:{}", record.short())
}

fn medication_key(record: &RecordId, name: &str) -> ItemKey {
    format!("medication:{}:{}", record.short(), crate::model::fold(name))
}

fn stopped_key(record: &RecordId, name: &str) -> ItemKey {
    format!("stopped:{}:{}", record.short(), crate::model::fold(name))
}

/// How far back a dose change or a stop is worth telling: since the last visit when the
/// patient gave it, else a year.
fn recent(summary: &PatientSummary, selection: &Selection) -> NaiveDate {
    selection.changes_since.unwrap_or_else(|| summary.recent())
}

fn lab_key(analyte: &str, loinc: Option<&str>) -> ItemKey {
    match loinc {
        Some(code) => format!("lab:{code}"),
        None => format!("lab:{}", crate::model::fold(analyte)),
    }
}

/// Every item the summary could share, each marked included unless excluded.
pub fn candidates(summary: &PatientSummary, selection: &Selection) -> Vec<ShareItem> {
    let mut items = Vec::new();
    let mut push = |key: ItemKey, section: Section, label: String| {
        // The name and birth date identify the patient: every pack has them.
        let included = key == "identity:name" || selection.keeps(&key);
        items.push(ShareItem {
            key,
            section,
            label,
            included,
        });
    };
    let p = &summary.profile;
    push(
        "identity:name".into(),
        Section::Identity,
        format!("{}, born {}", p.display_name, p.birth_date),
    );
    if let Some(b) = p.blood_group {
        push(
            "identity:blood_group".into(),
            Section::Identity,
            format!("blood group {b}"),
        );
    }
    if p.ins.is_some() {
        push(
            "identity:ins".into(),
            Section::Identity,
            "INS (national health identifier)".into(),
        );
    }
    if let Some(c) = &p.emergency_contact {
        push(
            "identity:emergency_contact".into(),
            Section::Identity,
            format!("emergency contact {}", c.name),
        );
    }
    for a in &summary.allergies {
        push(
            format!("allergy:{}", a.record_id.short()),
            Section::Allergies,
            a.item.substance.clone(),
        );
    }
    for c in &summary.conditions {
        push(
            format!("condition:{}", c.record_id.short()),
            Section::Conditions,
            c.item.name.clone(),
        );
    }
    for m in &summary.current_medications {
        let label = format!(
            "{} {}",
            m.medication.name,
            m.medication.strength.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned();
        push(
            medication_key(&m.record_id, &m.medication.name),
            Section::Medications,
            label,
        );
    }
    for h in summary.stopped_since(recent(summary, selection)) {
        if let Some(e) = h.events.last() {
            push(
                stopped_key(&e.record_id, &h.name),
                Section::Medications,
                format!("{} (stopped on {})", h.name, e.date),
            );
        }
    }
    for t in &summary.lab_trends {
        push(
            lab_key(&t.analyte, t.loinc.as_deref()),
            Section::Labs,
            format!("{} ({})", t.analyte, t.latest.date),
        );
    }
    for v in &summary.immunisations {
        let key = immunisation_key(&v.record_id);
        let included = selection.keeps_immunisation(summary, &key);
        let dose = v
            .item
            .dose
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        items.push(ShareItem {
            label: format!("{}{dose} ({})", v.item.vaccine, v.date),
            key,
            section: Section::Immunisations,
            included,
        });
    }
    // The limit counts the letters that go in, newest first: one left out makes room for the
    // next.
    let limit = selection.letters.unwrap_or(crate::model::SUMMARY_LETTERS);
    let mut letters_in = 0;
    for l in &summary.latest_letters {
        let key = format!("letter:{}", l.record_id.short());
        let mut label = format!("{} {}: {}", l.date, l.item.author, l.item.subject);
        let mut included = selection.keeps(&key);
        if included {
            if letters_in < limit {
                letters_in += 1;
            } else {
                included = false;
                label.push_str(" (beyond the letter limit)");
            }
        }
        items.push(ShareItem {
            key,
            section: Section::Letters,
            label,
            included,
        });
    }
    items
}

fn value_text(v: &LabValue) -> String {
    v.to_string()
}

/// Builds the pack from the summary, leaving out what the patient excluded, with no proofs:
/// every item reads as the patient's to the doctor.
pub fn build(summary: &PatientSummary, selection: &Selection) -> ConsultationPack {
    build_proved(summary, selection, &SignedRecords::none())
}

/// Builds the pack from the summary, leaving out what the patient excluded; each item taken
/// from one of the `signed` records carries its proof ([`super::proofs`]).
pub fn build_proved(
    summary: &PatientSummary,
    selection: &Selection,
    signed: &SignedRecords,
) -> ConsultationPack {
    let mut prover = Prover::new(signed);
    // The preview decides, and the pack follows it: what the patient saw marked out is not
    // sent, and the audit entry (made from the same preview) lists what was.
    let included: BTreeSet<ItemKey> = candidates(summary, selection)
        .into_iter()
        .filter(|i| i.included)
        .map(|i| i.key)
        .collect();
    let keep = |key: &str| included.contains(key);
    let since = recent(summary, selection);
    let mut withheld: Vec<String> = Vec::new();
    for item in candidates(summary, selection) {
        let name = item.section.name();
        if !item.included
            && item.section != Section::Identity
            && !withheld.iter().any(|w| w == name)
        {
            withheld.push(name.to_owned());
        }
    }
    let p = &summary.profile;
    let patient = PackPatient {
        name: p.display_name.clone(),
        birth_date: Day::from_date(p.birth_date),
        blood_group: p
            .blood_group
            .filter(|_| keep("identity:blood_group"))
            .map(|b| b.to_string()),
        ins: p
            .ins
            .as_ref()
            .filter(|_| keep("identity:ins"))
            .map(|i| i.to_string()),
        emergency_contact: p
            .emergency_contact
            .as_ref()
            .filter(|_| keep("identity:emergency_contact"))
            .map(|c| format!("{} {}", c.name, c.phone)),
    };
    let allergies = summary
        .allergies
        .iter()
        .filter(|a| keep(&format!("allergy:{}", a.record_id.short())))
        .map(|a| PackAllergy {
            substance: a.item.substance.clone(),
            reaction: a.item.reaction.clone(),
            severity: a.item.severity.map(severity_code),
            date: a.item.noted_on.map(Day::from_date),
            source: Source::of(&a.provenance),
            proof: prover.whole(&a.record_id, &a.provenance),
        })
        .collect();
    let conditions = summary
        .conditions
        .iter()
        .filter(|c| keep(&format!("condition:{}", c.record_id.short())))
        .map(|c| PackCondition {
            name: c.item.name.clone(),
            code: c
                .item
                .code
                .as_ref()
                .map(|k| format!("{}:{}", k.system, k.code)),
            since: c.item.onset.map(Day::from_date),
            source: Source::of(&c.provenance),
            recorded: Day::from_date(c.date),
            proof: prover.whole(&c.record_id, &c.provenance),
        })
        .collect();
    let medications = summary
        .current_medications
        .iter()
        .filter(|m| keep(&medication_key(&m.record_id, &m.medication.name)))
        .map(|m| PackMedication {
            name: m.medication.name.clone(),
            strength: m.medication.strength.clone(),
            instructions: m.medication.instructions.clone(),
            prescribed_on: Day::from_date(m.prescribed_on),
            ends_on: Day::from_date(m.ends_on),
            prescriber: m.prescriber.clone(),
            code: m
                .medication
                .code
                .as_ref()
                .map(|k| format!("{}:{}", k.system, k.code)),
            source: Source::of(&m.provenance),
            notes: m.medication.notes.clone(),
            proof: prover.medication(&m.record_id, &m.provenance, &m.medication),
            change: summary
                .history_of(m)
                .and_then(|h| h.latest_since(since))
                .and_then(|e| match &e.change {
                    MedicationChange::Changed { from, to } => Some(PackChange {
                        date: Day::from_date(e.date),
                        from: from.clone(),
                        to: to.clone(),
                        by: e.by(),
                    }),
                    _ => None,
                }),
        })
        .collect();
    let stopped = summary
        .stopped_since(since)
        .into_iter()
        .filter_map(|h| {
            let e = h.events.last()?;
            let MedicationChange::Stopped { reason } = &e.change else {
                return None;
            };
            keep(&stopped_key(&e.record_id, &h.name)).then(|| PackStopped {
                name: h.name.clone(),
                date: Day::from_date(e.date),
                by: e.by(),
                reason: reason.clone(),
                source: Source::of(&e.provenance),
            })
        })
        .collect();
    let history = selection.lab_history.unwrap_or(DEFAULT_LAB_HISTORY);
    let labs = summary
        .lab_trends
        .iter()
        .filter(|t| keep(&lab_key(&t.analyte, t.loinc.as_deref())))
        .map(|t| PackLab {
            analyte: t.analyte.clone(),
            loinc: t.loinc.clone(),
            unit: t.latest.unit.clone(),
            latest: PackLabPoint {
                date: Day::from_date(t.latest.date),
                value: value_text(&t.latest.value),
                abnormal: t.latest.abnormal,
            },
            previous: t
                .previous
                .iter()
                .take(history)
                .map(|p| PackLabPoint {
                    date: Day::from_date(p.date),
                    value: value_text(&p.value),
                    abnormal: p.abnormal,
                })
                .collect(),
            reference_range: t
                .latest
                .reference_range
                .as_ref()
                .map(|r| r.to_string())
                .filter(|s| !s.is_empty()),
            source: Source::of(&t.latest.provenance),
            proof: prover.lab_result(&t.latest.record_id, &t.latest.provenance, |r| {
                r.analyte == t.analyte && r.value == t.latest.value && r.unit == t.latest.unit
            }),
        })
        .collect();
    let immunisations = summary
        .immunisations
        .iter()
        .filter(|v| keep(&immunisation_key(&v.record_id)))
        .map(|v| PackImmunisation {
            vaccine: v.item.vaccine.clone(),
            code: v
                .item
                .code
                .as_ref()
                .map(|k| format!("{}:{}", k.system, k.code)),
            date: Day::from_date(v.date),
            dose: v.item.dose.clone(),
            lot: v.item.lot.clone(),
            source: Source::of(&v.provenance),
            proof: prover.whole(&v.record_id, &v.provenance),
        })
        .collect();
    let letters = summary
        .latest_letters
        .iter()
        .filter(|l| keep(&format!("letter:{}", l.record_id.short())))
        .map(|l| PackLetter {
            author: l.item.author.clone(),
            specialty: l.item.specialty.clone(),
            date: Day::from_date(l.date),
            subject: l.item.subject.clone(),
            body: selection.letter_text.then(|| l.item.body.clone()),
            source: Source::of(&l.provenance),
            proof: prover.letter(&l.record_id, &l.provenance, selection.letter_text),
        })
        .collect();
    let mut pack = ConsultationPack {
        as_of: Day::from_date(summary.as_of),
        patient,
        allergies,
        conditions,
        medications,
        labs,
        letters,
        changes_since: selection.changes_since.map(Day::from_date),
        proofs: Vec::new(),
        certificates: Vec::new(),
        stopped,
        withheld,
        immunisations: Some(immunisations),
    };
    prover.finish(&mut pack);
    pack
}
