//! The volets that are lists of entries: the medical summary (VSM) and the IPS-FR, the
//! vaccination record (VAC), and the medication prescription (eP-MED-DM).
//!
//! A summary (VSM, IPS-FR, VAC) becomes one record per problem, allergy and immunisation, and
//! one prescription holding the current medications, by its author. A section whose entries
//! did not all become records (a section of narrative only, vital signs, a care plan) keeps
//! its text in one letter, the summary's narrative, so nothing the author wrote is lost; the
//! entries themselves are listed in the report with the reason. What is planned (`moodCode`
//! other than `EVN`: a care plan's medication or vaccine) is not what the patient takes.
//!
//! A prescription (eP-MED-DM) becomes one prescription: its lines, the prescriber of the
//! document's header, the devices prescribed with it and the comment as its notes.

use super::CdaError;
use super::entries::{ALLERGY_CONCERN, Entries, IMMUNISATION, MEDICATION, PROBLEM_CONCERN};
use super::header::{Header, instance_id, structured_body};
use super::mapping::{Mapping, Push};
use super::xml::Element;
use crate::import::{self, ItemKind};
use crate::model::{Letter, Medication, Prescriber, Prescription, RecordBody};
use chrono::NaiveDate;

/// What an entry is: its act (`act`, `substanceAdministration`, `observation`…).
fn act_of(entry: &Element) -> Option<&Element> {
    entry.children.iter().find(|c| c.name != "templateId")
}

/// An element's name as a report's item type (it comes from the file: kept to safe letters).
fn label_of(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect()
}

fn section_title(section: &Element, n: usize) -> String {
    section
        .child("title")
        .map(|t| t.all_text())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("section {}", n + 1))
}

fn prescriber(h: &Header) -> Prescriber {
    Prescriber {
        name: h
            .author
            .clone()
            .unwrap_or_else(|| "Auteur non indiqué".into()),
        specialty: h.specialty.clone(),
        rpps: h.rpps.clone(),
    }
}

fn sections(body: &Element) -> Vec<&Element> {
    body.descendants()
        .into_iter()
        .filter(|e| e.name == "section")
        .collect()
}

/// VSM, IPS-FR and VAC.
pub(super) fn summary(
    doc: &Element,
    h: &Header,
    day: NaiveDate,
    m: &mut Mapping,
    push: &Push<'_>,
) -> Result<(), CdaError> {
    let body = structured_body(doc)?;
    let mut entries = Entries::new(body, day);
    let mut medications: Vec<Medication> = Vec::new();
    let mut narrative = Vec::new();
    for (s, section) in sections(body).into_iter().enumerate() {
        let title = section_title(section, s);
        let mut total = 0;
        let mut kept = 0;
        for (n, entry) in section.children_named("entry").enumerate() {
            let Some(act) = act_of(entry) else { continue };
            total += 1;
            let place = format!("{title}, entry {}", n + 1);
            let key = instance_id(act.child("id")).unwrap_or_else(|| format!("s{s}e{n}"));
            let planned = act.attr("moodCode").is_some_and(|c| c != "EVN");
            let is = |t: &str| act.has_template(t);
            // What the entry became: (its kind, its key's prefix, its day, the record).
            let read = match act.name.as_str() {
                "act" if is(PROBLEM_CONCERN) => entries.condition(act, &place)?.map(|c| {
                    let on = c.onset.unwrap_or(day);
                    (
                        ItemKind::Condition,
                        "condition",
                        on,
                        RecordBody::Condition(c),
                    )
                }),
                "act" if is(ALLERGY_CONCERN) => entries.allergy(act, &place)?.map(|a| {
                    let on = a.noted_on.unwrap_or(day);
                    (ItemKind::Allergy, "allergy", on, RecordBody::Allergy(a))
                }),
                "substanceAdministration" if is(IMMUNISATION) && planned => {
                    entries.skip("immunisation", &place, "planned, not given yet");
                    None
                }
                "substanceAdministration" if is(IMMUNISATION) => {
                    entries.immunisation(act, &place)?.map(|i| {
                        let on = i.date;
                        (
                            ItemKind::Immunisation,
                            "immunisation",
                            on,
                            RecordBody::Immunisation(i),
                        )
                    })
                }
                "substanceAdministration" if is(MEDICATION) && planned => {
                    entries.skip("medication", &place, "planned, not a current medication");
                    None
                }
                "substanceAdministration" if is(MEDICATION) => {
                    // Gathered into one prescription below.
                    if let Some(line) = entries.medication(act, &place)? {
                        import::count(&mut m.items, ItemKind::Medication, 1);
                        medications.push(line);
                        kept += 1;
                    }
                    None
                }
                other => {
                    entries.skip(
                        &label_of(other),
                        &place,
                        "Carnet does not keep this kind of entry",
                    );
                    None
                }
            };
            if let Some((kind, prefix, on, body)) = read {
                import::count(&mut m.items, kind, 1);
                push(m, &format!("{prefix}|{key}"), on, body, None);
                kept += 1;
            }
        }
        if kept < total || total == 0 {
            let text = section
                .child("text")
                .map(|t| t.all_text())
                .unwrap_or_default();
            if !text.trim().is_empty() {
                narrative.push(format!("{title}\n{text}"));
            }
        }
    }
    if !medications.is_empty() {
        // One prescription of the current medications, dated as the summary, by its author.
        let body = RecordBody::Prescription(Prescription {
            prescriber: prescriber(h),
            date: day,
            medications,
            notes: h.title.clone(),
        });
        push(m, "medications", day, body, None);
    }
    if !narrative.is_empty() {
        import::count(&mut m.items, ItemKind::Letter, 1);
        let body = RecordBody::Letter(Letter {
            author: prescriber(h).name,
            specialty: h.specialty.clone(),
            date: day,
            subject: h.title.clone().unwrap_or_else(|| "Synthèse".into()),
            body: narrative.join("\n\n"),
        });
        push(m, "summary-text", day, body, None);
    }
    m.skipped.append(&mut entries.skipped);
    m.adjusted.append(&mut entries.adjusted);
    if m.records.is_empty() {
        return Err(CdaError::Invalid {
            place: "the document".into(),
            field: "structuredBody",
            problem: "holds no entry or text Carnet can read",
        });
    }
    Ok(())
}

/// eP-MED-DM.
pub(super) fn prescription(
    doc: &Element,
    h: &Header,
    day: NaiveDate,
    m: &mut Mapping,
    push: &Push<'_>,
) -> Result<(), CdaError> {
    let body = structured_body(doc)?;
    let mut entries = Entries::new(body, day);
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    for (s, section) in sections(body).into_iter().enumerate() {
        let title = section_title(section, s);
        let mut total = 0;
        for (n, entry) in section.children_named("entry").enumerate() {
            let Some(act) = act_of(entry) else { continue };
            total += 1;
            let place = format!("{title}, entry {}", n + 1);
            match act.name.as_str() {
                "substanceAdministration" if act.has_template(MEDICATION) => {
                    if let Some(line) = entries.medication(act, &place)? {
                        import::count(&mut m.items, ItemKind::Medication, 1);
                        lines.push(line);
                    }
                }
                "supply" => match entries.device(act) {
                    Some(device) => {
                        notes.push(format!("{title} : {device}"));
                        m.adjusted.push(format!(
                            "{place}: a device, kept in the prescription's notes"
                        ));
                    }
                    None => entries.skip("supply", &place, "names no device"),
                },
                "observationMedia" => entries.skip(
                    "observationMedia",
                    &place,
                    "the prescription's printed 2D code, which Carnet does not keep",
                ),
                other => {
                    entries.skip(
                        &label_of(other),
                        &place,
                        "Carnet does not keep this kind of entry",
                    );
                }
            }
        }
        // A section of text only (the prescriber's comment) is part of the prescription.
        if total == 0 && section.child("component").is_none() {
            let text = section
                .child("text")
                .map(|t| t.all_text())
                .unwrap_or_default();
            if !text.trim().is_empty() && text.trim() != "-" {
                notes.push(format!("{title} : {text}"));
            }
        }
    }
    m.skipped.append(&mut entries.skipped);
    m.adjusted.append(&mut entries.adjusted);
    if lines.is_empty() {
        return Err(CdaError::Invalid {
            place: "the document".into(),
            field: "structuredBody",
            problem: "holds no medication line Carnet can read",
        });
    }
    let body = RecordBody::Prescription(Prescription {
        prescriber: prescriber(h),
        date: day,
        medications: lines,
        notes: (!notes.is_empty()).then(|| notes.join("\n")),
    });
    push(m, "prescription", day, body, None);
    Ok(())
}
