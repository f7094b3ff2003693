//! A CDA document's tree to Carnet records, by volet.
//!
//! | document (ClinicalDocument templateId) | Carnet |
//! |------|--------|
//! | CR-BIO `1.2.250.1.213.1.1.1.55`, TROD `…1.59` | one lab report: every Laboratory Observation (`1.3.6.1.4.1.19376.1.3.1.6`) with its LOINC (or local code), value and unit exactly as written (PQ, ST, CO/CD, IVL_PQ, INT), range, interpretation, date; the laboratory; the first embedded PDF (`observationMedia`) attached |
//! | LDL-SES `…1.29` | a letter: author, specialty, date, title, the sections' texts |
//! | any document with a `nonXMLBody` (level 1) | a document with its file attached |
//! | VSM `…1.13`, IPS-FR `…1.51`, VAC `…1.37` | problems, allergies, immunisations, the current medications as one prescription, the text of the sections left over as one letter (see [`super::summary`]) |
//! | eP-MED-DM `…1.39` | a prescription: its lines with their posology, the prescriber, devices and comment as notes |
//! | another volet | refused, named |
//!
//! A result with a `nullFlavor` instead of a value, or a value type Carnet does not keep, is
//! listed in the report with the reason; a date that is not an HL7 date is an error for the
//! whole document.

use super::CdaError;
use super::header::{Header, header, hl7_day, structured_body};
use super::mapping::{Mapping, Push};
use super::narrative::{Ids, referenced_text};
use super::summary;
use super::xml::Element;
use crate::import::{self, FileData, Intake, IntakeFile, IntakeRecord, ItemKind, Skipped};
use crate::model::{
    Document, LabReport, LabResult, LabValue, Letter, Profile, Provenance, RecordBody,
    ReferenceRange, SourceDocument,
};
use chrono::NaiveDate;

const LOINC_OID: &str = "2.16.840.1.113883.6.1";
const LAB_OBSERVATION: &str = "1.3.6.1.4.1.19376.1.3.1.6";

/// Reads a document's tree into an intake for `profile`.
pub fn read(doc: &Element, profile: &Profile, file_name: &str) -> Result<Intake, CdaError> {
    if doc.name != "ClinicalDocument" {
        return Err(CdaError::NotCda);
    }
    let h = header(doc);
    if let Some(other) = h.patient.as_ref().and_then(|p| p.mismatch(profile)) {
        return Err(CdaError::OtherPatient {
            differs: other.trait_name(),
        });
    }
    let (date, day) = h.date.zip(h.day).ok_or(CdaError::Invalid {
        place: "the document".into(),
        field: "effectiveTime",
        problem: "is missing or not an HL7 date",
    })?;
    let level_one = doc.at(&["component", "nonXMLBody"]);
    let format = match (&h.volet, level_one) {
        (_, Some(_)) => "CDA R2 level 1 (non-structured body)".to_owned(),
        (Some((name, Some(version))), None) => format!("CDA R2 {name} {version}"),
        (Some((name, None)), None) => format!("CDA R2 {name}"),
        (None, None) => "CDA R2".to_owned(),
    };
    let provenance = Provenance::ImportedFromFile {
        file_name: file_name.to_owned(),
        document: Some(SourceDocument {
            format: format.clone(),
            id: h.id.clone(),
            date: Some(date.to_rfc3339()),
            author: h.author.as_ref().map(|name| {
                let mut who = vec![name.clone()];
                who.extend(h.specialty.clone());
                who.extend(h.rpps.as_ref().map(|r| format!("RPPS {}", r.as_str())));
                who.join(", ")
            }),
            organisation: h.organisation.clone(),
        }),
    };
    // A newer version of a document keeps its set id: its records replace the older ones'.
    let key_base = h
        .set_id
        .clone()
        .or(h.id.clone())
        .unwrap_or_else(|| format!("{file_name}|{date}"));
    let mut m = Mapping {
        records: Vec::new(),
        items: Vec::new(),
        skipped: Vec::new(),
        adjusted: Vec::new(),
    };
    let push = |m: &mut Mapping, key: &str, day: NaiveDate, body, attachment| {
        // Two entries may carry one id (a concern and its observation, a copied entry): the
        // second is named by its order among them, so neither replaces the other.
        let mut key = format!("{key_base}|{key}");
        let numbered = format!("{key}#");
        let taken = m
            .records
            .iter()
            .filter(|r| r.key == key || r.key.starts_with(&numbered))
            .count();
        if taken > 0 {
            key = format!("{key}#{}", taken + 1);
        }
        m.records.push(IntakeRecord {
            key,
            issued_on: day,
            updated_at: date,
            provenance: provenance.clone(),
            body,
            attachment,
        });
    };
    if let Some(body) = level_one {
        let file = body
            .child("text")
            .and_then(|t| t.binary.clone().map(|b| (t, b)));
        let Some((text, binary)) = file else {
            return Err(CdaError::Invalid {
                place: "the non-structured body".into(),
                field: "text",
                problem: "holds no base64 file",
            });
        };
        let media_type = text
            .attr("mediaType")
            .unwrap_or("application/octet-stream")
            .to_owned();
        import::count(&mut m.items, ItemKind::Document, 1);
        let title = h.title.clone().unwrap_or_else(|| "Document".into());
        let file = IntakeFile {
            file_name: file_name_for(&title, &media_type),
            media_type: media_type.clone(),
            data: FileData::Stream(Box::new(binary)),
        };
        let body = RecordBody::Document(Document {
            title,
            date: day,
            media_type,
        });
        push(&mut m, "document", day, body, Some(file));
    } else {
        match h.volet.as_ref().map(|(name, _)| *name) {
            Some("CR-BIO" | "TROD") => lab_report(doc, &h, day, &mut m, &push)?,
            Some("LDL-SES" | "LDL-EES") => letter(doc, &h, day, &mut m, &push),
            Some("VSM" | "IPS-FR" | "VAC") => summary::summary(doc, &h, day, &mut m, &push)?,
            Some("eP-MED-DM") => summary::prescription(doc, &h, day, &mut m, &push)?,
            Some(other) => {
                return Err(CdaError::UnsupportedVolet {
                    volet: other.to_owned(),
                });
            }
            None => {
                return Err(CdaError::UnsupportedVolet {
                    volet: unknown_volet(doc),
                });
            }
        }
    }
    Ok(Intake {
        profile: profile.id,
        format,
        records: m.records,
        items: m.items,
        skipped: m.skipped,
        patient: h.patient,
        adjusted: m.adjusted,
    })
}

/// A volet Carnet has no name for, named by what the document says it is: its type's display
/// name, else its first templateId (kept to safe characters: it is shown in an error).
fn unknown_volet(doc: &Element) -> String {
    let safe = |t: &str, keep: fn(char) -> bool| -> String {
        t.chars().filter(|c| keep(*c)).take(80).collect::<String>()
    };
    let named = doc
        .child("code")
        .and_then(|c| c.attr("displayName"))
        .map(|n| safe(n, |c| c.is_alphanumeric() || " -'()".contains(c)))
        .filter(|n| !n.trim().is_empty());
    // A CI-SIS volet's own template (under the ANS's OID), else the most specific one.
    let roots: Vec<&str> = doc
        .children_named("templateId")
        .filter_map(|t| t.attr("root"))
        .collect();
    let template = roots
        .iter()
        // (…1.1.1.1 is the header every CI-SIS document shares.)
        .find(|r| r.starts_with("1.2.250.1.213.1.1.1.") && **r != "1.2.250.1.213.1.1.1.1")
        .or(roots.last())
        .map(|r| safe(r, |c| c.is_ascii_digit() || c == '.'))
        .filter(|r| !r.is_empty());
    match (named, template) {
        (Some(n), Some(t)) => format!("\"{}\" (templateId {t})", n.trim()),
        (Some(n), None) => format!("\"{}\"", n.trim()),
        (None, Some(t)) => format!("templateId {t}"),
        (None, None) => "an unnamed volet".to_owned(),
    }
}

fn file_name_for(title: &str, media_type: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let ext = match media_type {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/tiff" => "tiff",
        _ => "bin",
    };
    format!("{stem}.{ext}")
}

fn number(text: &str, place: &str, field: &'static str) -> Result<f64, CdaError> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| CdaError::Invalid {
            place: place.to_owned(),
            field,
            problem: "is not a number",
        })
}

fn lab_report(
    doc: &Element,
    h: &Header,
    day: NaiveDate,
    m: &mut Mapping,
    push: &Push<'_>,
) -> Result<(), CdaError> {
    let body = structured_body(doc)?;
    let all = body.descendants();
    let ids: Ids<'_> = all
        .iter()
        .filter_map(|e| Some((e.attr("ID")?, *e)))
        .collect();
    let mut results = Vec::new();
    let mut first_day = None;
    for (n, obs) in all
        .iter()
        .filter(|e| e.name == "observation" && e.has_template(LAB_OBSERVATION))
        .enumerate()
    {
        let place = format!("result {}", n + 1);
        let skip = |m: &mut Mapping, reason: String| {
            m.skipped.push(Skipped {
                item_type: "laboratory observation".into(),
                place: place.clone(),
                reason,
            });
        };
        if obs.attr("nullFlavor").is_some() {
            skip(m, "has a nullFlavor instead of content".into());
            continue;
        }
        if let Some(status) = obs.child("statusCode").and_then(|s| s.attr("code")) {
            if status == "aborted" || status == "nullified" {
                skip(m, format!("its status is {status}"));
                continue;
            }
        }
        let code = obs.child("code");
        let loinc = code
            .filter(|c| c.attr("codeSystem") == Some(LOINC_OID))
            .and_then(|c| c.attr("code"))
            .map(str::to_owned);
        let written = code
            .and_then(|c| c.at(&["originalText", "reference"]))
            .and_then(|r| r.attr("value"))
            .and_then(|r| referenced_text(&ids, r));
        let analyte = written
            .or_else(|| code.and_then(|c| c.attr("displayName")).map(str::to_owned))
            .or_else(|| code.and_then(|c| c.attr("code")).map(str::to_owned));
        let Some(analyte) = analyte else {
            skip(m, "names no analyte".into());
            continue;
        };
        let Some(value) = obs.child("value") else {
            skip(m, "has no value".into());
            continue;
        };
        if let Some(flavor) = value.attr("nullFlavor") {
            let flavor: String = flavor
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(8)
                .collect();
            skip(m, format!("has no value (nullFlavor {flavor})"));
            continue;
        }
        // xsi:type, with the CDA namespace's prefix when the document gives it one ("c:PQ").
        let kind = value
            .attr("type")
            .map_or("", |t| t.rsplit(':').next().unwrap_or(t));
        let (value, unit) = match kind {
            "PQ" | "INT" | "REAL" => {
                let Some(v) = value.attr("value") else {
                    skip(m, "its quantity has no value".into());
                    continue;
                };
                let unit = value.attr("unit").filter(|u| *u != "1").map(str::to_owned);
                (LabValue::Numeric(number(v, &place, "value")?), unit)
            }
            "ST" | "ED" => {
                let t = value.all_text();
                if t.is_empty() {
                    skip(m, "its text value is empty".into());
                    continue;
                }
                (LabValue::Text(t), None)
            }
            "CO" | "CD" | "CE" | "CV" => {
                let original = value.child("originalText");
                let t = value
                    .attr("displayName")
                    .map(str::to_owned)
                    .or_else(|| {
                        original
                            .and_then(|o| o.child("reference"))
                            .and_then(|r| r.attr("value"))
                            .and_then(|r| referenced_text(&ids, r))
                    })
                    .or_else(|| original.map(|o| o.all_text()).filter(|t| !t.is_empty()))
                    .or_else(|| value.attr("code").map(str::to_owned));
                let Some(t) = t.filter(|t| !t.is_empty()) else {
                    skip(m, "its coded value names nothing".into());
                    continue;
                };
                (LabValue::Text(t), None)
            }
            "IVL_PQ" => {
                let low = value.child("low").and_then(|l| l.attr("value"));
                let high = value.child("high").and_then(|h| h.attr("value"));
                let unit = value
                    .child("low")
                    .or(value.child("high"))
                    .and_then(|b| b.attr("unit"))
                    .map(str::to_owned);
                let text = match (low, high) {
                    (Some(l), Some(h)) => format!("{l}–{h}"),
                    (Some(l), None) => format!(">={l}"),
                    (None, Some(h)) => format!("<={h}"),
                    (None, None) => {
                        skip(m, "its interval has no bound".into());
                        continue;
                    }
                };
                (LabValue::Text(text), unit)
            }
            other => {
                skip(
                    m,
                    format!(
                        "its value type {} is not one Carnet keeps",
                        other
                            .chars()
                            .filter(char::is_ascii_alphanumeric)
                            .take(12)
                            .collect::<String>()
                    ),
                );
                continue;
            }
        };
        let day = match obs.child("effectiveTime").and_then(|t| t.attr("value")) {
            Some(v) => Some(hl7_day(v).ok_or_else(|| CdaError::Invalid {
                place: place.clone(),
                field: "effectiveTime",
                problem: "is not an HL7 date",
            })?),
            None => None,
        };
        first_day = first_day.or(day);
        let range = obs
            .at(&["referenceRange", "observationRange"])
            .map(|r| -> Result<ReferenceRange, CdaError> {
                let bound = |name: &str| -> Result<Option<f64>, CdaError> {
                    match r
                        .child("value")
                        .and_then(|v| v.child(name))
                        .and_then(|b| b.attr("value"))
                    {
                        Some(v) => number(v, &place, "referenceRange").map(Some),
                        None => Ok(None),
                    }
                };
                Ok(ReferenceRange {
                    low: bound("low")?,
                    high: bound("high")?,
                    text: r
                        .child("text")
                        .map(|t| t.all_text())
                        .filter(|t| !t.is_empty()),
                })
            })
            .transpose()?
            .filter(|r| r.low.is_some() || r.high.is_some() || r.text.is_some());
        let abnormal = obs
            .children_named("interpretationCode")
            .filter_map(|i| i.attr("code"))
            .any(|c| c != "N");
        import::count(&mut m.items, ItemKind::LabResult, 1);
        results.push(LabResult {
            analyte,
            loinc,
            value,
            unit,
            reference_range: range,
            abnormal,
        });
    }
    // The report's own PDF, when the laboratory embedded one.
    let mut pdf = None;
    for media in all.iter().filter(|e| e.name == "observationMedia") {
        let Some(value) = media.child("value") else {
            continue;
        };
        let Some(binary) = value.binary.clone() else {
            continue;
        };
        if pdf.is_some() {
            m.skipped.push(Skipped {
                item_type: "embedded file".into(),
                place: "observationMedia".into(),
                reason: "a second embedded file; Carnet attaches the first".into(),
            });
            continue;
        }
        let media_type = value
            .attr("mediaType")
            .unwrap_or("application/pdf")
            .to_owned();
        pdf = Some(IntakeFile {
            file_name: file_name_for(h.title.as_deref().unwrap_or("compte-rendu"), &media_type),
            media_type,
            data: FileData::Stream(Box::new(binary)),
        });
    }
    if results.is_empty() {
        return match pdf {
            Some(file) => {
                import::count(&mut m.items, ItemKind::Document, 1);
                let body = RecordBody::Document(Document {
                    title: h.title.clone().unwrap_or_else(|| "Compte rendu".into()),
                    date: day,
                    media_type: file.media_type.clone(),
                });
                push(m, "report", day, body, Some(file));
                Ok(())
            }
            None => Err(CdaError::Invalid {
                place: "the document".into(),
                field: "structuredBody",
                problem: "holds no laboratory result Carnet can read",
            }),
        };
    }
    let day = first_day.unwrap_or(day);
    let laboratory = h
        .organisation
        .clone()
        .or(h.author.clone())
        .unwrap_or_else(|| "Laboratoire".into());
    let body = RecordBody::LabReport(LabReport {
        laboratory,
        collection_date: day,
        results,
    });
    push(m, "lab-report", day, body, pdf);
    Ok(())
}

fn letter(doc: &Element, h: &Header, day: NaiveDate, m: &mut Mapping, push: &Push<'_>) {
    let mut parts = Vec::new();
    if let Some(body) = doc.at(&["component", "structuredBody"]) {
        for section in body
            .descendants()
            .into_iter()
            .filter(|e| e.name == "section")
        {
            let title = section
                .child("title")
                .map(|t| t.all_text())
                .unwrap_or_default();
            let text = section
                .child("text")
                .map(|t| t.all_text())
                .unwrap_or_default();
            if !text.is_empty() {
                parts.push(if title.is_empty() {
                    text
                } else {
                    format!("{title}\n{text}")
                });
            }
        }
    }
    import::count(&mut m.items, ItemKind::Letter, 1);
    let body = RecordBody::Letter(Letter {
        author: h
            .author
            .clone()
            .unwrap_or_else(|| "Auteur non indiqué".into()),
        specialty: h.specialty.clone(),
        date: day,
        subject: h.title.clone().unwrap_or_else(|| "Lettre".into()),
        body: parts.join("\n\n"),
    });
    push(m, "letter", day, body, None);
}
