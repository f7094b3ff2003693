//! The International Patient Summary (FHIR R4 4.0.1, IPS 2.0.0) Carnet writes: a `document`
//! Bundle, the Composition first, then the Patient, the practitioners, every item, and the
//! Provenance of each group of items.
//!
//! # What goes where
//!
//! - **Sections**: problems (11450-4), allergies (48765-2) and medications (10160-0) always,
//!   with an `emptyReason` when there is nothing; immunizations (11369-6), results (30954-2)
//!   and letters and documents (a "Notes" section, 34109-9, of DocumentReference) when Carnet
//!   has data. Every section has an escaped XHTML narrative, so a viewer that shows only the
//!   narrative is still right.
//! - **Prescriptions** are MedicationRequest, one per line, sharing the prescription's
//!   `groupIdentifier`; the dose text is `dosageInstruction.text`, renewals
//!   `numberOfRepeatsAllowed`, a duration in days `expectedSupplyDuration`, an end date
//!   `validityPeriod.end`; the strength as printed travels in the extension
//!   [`STRENGTH_EXTENSION`] (FHIR has no element for a strength's text).
//! - **Lab results** are Observation (category laboratory), grouped by a DiagnosticReport per
//!   lab report; the value exactly as stored (a number as `valueQuantity.value`; a text that
//!   is a bound such as "<5" as `valueQuantity` with its `comparator`, an interval "3.5–5"
//!   as `valueRange`, when FHIR's numbers give back the same text; any other text as
//!   `valueString`, its unit in [`UNIT_EXTENSION`]), the unit as written in `unit` and, only
//!   when Carnet is sure it is UCUM, `system` and `code`; the reference range;
//!   `interpretation` A when abnormal.
//! - **Provenance**: each item's origin is a Provenance resource naming its targets: "entered
//!   by the patient" (agent: the Patient), "imported from a file" (entity: the file), "signed by
//!   a practitioner, verified" or "NOT verified" (agent: the Practitioner, with the RPPS). The
//!   activity is coded in `urn:carnet:code-system:source` (`patient-entered`, `imported`,
//!   `practitioner-verified`, `practitioner-unverified`), and the narrative says it in words.
//! - **Identifiers**: each resource carries `urn:carnet:item` + the item's stable key (a record
//!   id and line), so importing the export again recognises every item.

use super::codes::{self, INS_SYSTEM, LOINC, RPPS_SYSTEM, UCUM};
use super::content::{Content, EmptyMeans, Item, LabGroup, Origin};
use super::read::{NO_REACTION, SPECIALTY_EXTENSION, STRENGTH_EXTENSION, UNIT_EXTENSION};
use crate::crypto::digest::Hasher;
use crate::markup::escape;
use crate::model::{AllergySeverity, CodedConcept, ConditionStatus, LabValue, MedicationDuration};
use chrono::{DateTime, SecondsFormat, Utc};
use data_encoding::BASE64;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The version of Carnet's conventions in this export (its extensions, identifiers and
/// Provenance codes), in `Bundle.meta.tag`: a later Carnet that changes them writes a new one,
/// and still reads `tests/fixtures/ips-export-1.json`.
const FORMAT_SYSTEM: &str = "urn:carnet:format";
const FORMAT_VERSION: &str = "ips-export-1";
const ITEM_SYSTEM: &str = "urn:carnet:item";
const PRESCRIPTION_SYSTEM: &str = "urn:carnet:prescription";
const SOURCE_SYSTEM: &str = "urn:carnet:code-system:source";
const EMPTY_REASON: &str = "http://terminology.hl7.org/CodeSystem/list-empty-reason";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const ALLERGY_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const DIAGNOSTIC_SERVICE: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
const PARTICIPANT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

/// A `urn:uuid:` derived from `key`, so the same data exports with the same full URLs.
fn urn(kind: &str, key: &str) -> String {
    let mut h = Hasher::new("carnet.fhir.v1.resource");
    h.update_with_length(kind.as_bytes())
        .update_with_length(key.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // RFC 4122 version 8 (custom) and variant bits, so it is a well-formed UUID.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!("urn:uuid:{}", uuid::Uuid::from_bytes(b))
}

fn narrative(lines: &[String]) -> Value {
    let mut div = String::from("<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>");
    for line in lines {
        let _ = write!(div, "<li>{}</li>", escape(line));
    }
    div.push_str("</ul></div>");
    json!({ "status": "generated", "div": div })
}

fn coding(system: &str, code: &str, display: Option<&str>) -> Value {
    let mut c = json!({ "system": system, "code": code });
    if let Some(d) = display {
        c["display"] = json!(d);
    }
    c
}

fn concept(text: &str, code: Option<&CodedConcept>) -> Value {
    let mut c = json!({ "text": text });
    if let Some(code) = code {
        c["coding"] = json!([coding(&codes::system_uri(&code.system), &code.code, None)]);
    }
    c
}

/// An optional text worth writing: FHIR has no empty strings.
fn said(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.trim().is_empty())
}

/// A FHIR Quantity: the value, the unit as written and, only when Carnet is sure it is UCUM,
/// its system and code.
fn quantity(value: Value, unit: Option<&str>) -> Value {
    let mut q = json!({ "value": value });
    if let Some(u) = unit {
        q["unit"] = json!(u);
        if let Some(code) = codes::ucum_code(u) {
            q["system"] = json!(UCUM);
            q["code"] = json!(code);
        }
    }
    q
}

/// Where a result written as text goes, so that its unit travels with it.
#[derive(Debug, PartialEq)]
enum TextValue {
    /// "<5", ">=10": a `valueQuantity` with its comparator.
    Bound(&'static str, Value),
    /// "3.5–5" (as Carnet writes an interval read from a file): a `valueRange`.
    Interval(Value, Value),
    /// Anything else: a `valueString`, its unit in [`UNIT_EXTENSION`].
    Text,
}

/// Reads a text result as a bound or an interval only when FHIR's numbers give back the very
/// same text (the importer writes `{comparator}{number}` and `{low}–{high}`), so the export
/// never changes how a value is written: "< 5" or "<5.10" stay text.
fn text_value(text: &str) -> TextValue {
    let exact = |t: &str| {
        let n: serde_json::Number = t.parse().ok()?;
        (n.to_string() == t).then_some(Value::Number(n))
    };
    // "<=" before "<": the longest comparator first.
    for comparator in ["<=", ">=", "<", ">"] {
        if let Some(n) = text.strip_prefix(comparator).and_then(exact) {
            return TextValue::Bound(comparator, n);
        }
    }
    if let Some((low, high)) = text.split_once('–') {
        if let (Some(low), Some(high)) = (exact(low), exact(high)) {
            return TextValue::Interval(low, high);
        }
    }
    TextValue::Text
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes the document.
struct Writer<'c> {
    content: &'c Content,
    now: DateTime<Utc>,
    patient_url: String,
    entries: Vec<Value>,
    /// Practitioners by (name, rpps): their full URL.
    practitioners: BTreeMap<(String, Option<String>), String>,
    /// Origins and the full URLs of the items that have them.
    origins: Vec<(Origin, Vec<String>)>,
}

impl Writer<'_> {
    fn add(&mut self, url: String, resource: Value) {
        self.entries
            .push(json!({ "fullUrl": url, "resource": resource }));
    }

    fn practitioner(&mut self, name: &str, rpps: Option<&str>) -> String {
        let key = (name.to_owned(), rpps.map(str::to_owned));
        if let Some(url) = self.practitioners.get(&key) {
            return url.clone();
        }
        let url = urn("Practitioner", &format!("{name}|{}", rpps.unwrap_or("")));
        let mut res = json!({
            "resourceType": "Practitioner",
            "name": [{ "text": name }],
        });
        if let Some(rpps) = rpps {
            res["identifier"] = json!([{ "system": RPPS_SYSTEM, "value": format!("8{rpps}") }]);
        }
        self.practitioners.insert(key, url.clone());
        self.add(url.clone(), res);
        url
    }

    fn patient_ref(&self) -> Value {
        json!({ "reference": self.patient_url })
    }

    fn note_origin<T>(&mut self, item: &Item<T>, url: &str) {
        match self.origins.iter_mut().find(|(o, _)| *o == item.origin) {
            Some((_, urls)) => urls.push(url.to_owned()),
            None => self
                .origins
                .push((item.origin.clone(), vec![url.to_owned()])),
        }
    }

    fn identifier(key: &str) -> Value {
        json!([{ "system": ITEM_SYSTEM, "value": key }])
    }

    fn patient(&mut self) {
        let p = &self.content.patient;
        let mut res = json!({
            "resourceType": "Patient",
            "name": [{ "text": p.name }],
            "birthDate": date(p.birth_date),
        });
        if let Some(ins) = &p.ins {
            res["identifier"] = json!([{ "system": INS_SYSTEM, "value": ins }]);
            // The INS's first digit: 1 a man, 2 a woman (3, 4, 7, 8: provisional numbers).
            match ins.as_bytes().first() {
                Some(b'1') => res["gender"] = json!("male"),
                Some(b'2') => res["gender"] = json!("female"),
                _ => {}
            }
        }
        let url = self.patient_url.clone();
        self.add(url, res);
    }

    fn medications(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.medications {
            let m = &item.value;
            let url = urn("MedicationRequest", &item.key);
            let active = m.ends_on >= self.content.as_of;
            let mut res = json!({
                "resourceType": "MedicationRequest",
                "identifier": Self::identifier(&item.key),
                "status": if active { "active" } else { "completed" },
                "intent": "order",
                "medicationCodeableConcept": concept(&m.name, m.code.as_ref()),
                "subject": self.patient_ref(),
                "authoredOn": date(m.prescribed_on),
                "groupIdentifier": { "system": PRESCRIPTION_SYSTEM, "value": m.prescription },
            });
            if !m.instructions.trim().is_empty() {
                res["dosageInstruction"] = json!([{ "text": m.instructions }]);
            }
            if let Some(s) = said(&m.strength) {
                res["extension"] = json!([{ "url": STRENGTH_EXTENSION, "valueString": s }]);
            }
            let mut dispense = serde_json::Map::new();
            if m.renewals > 0 {
                dispense.insert("numberOfRepeatsAllowed".into(), json!(m.renewals));
            }
            match m.duration {
                Some(MedicationDuration::Days(days)) => {
                    dispense.insert(
                        "expectedSupplyDuration".into(),
                        json!({ "value": days, "unit": "days", "system": UCUM, "code": "d" }),
                    );
                }
                Some(MedicationDuration::Until(end)) => {
                    dispense.insert(
                        "validityPeriod".into(),
                        json!({ "start": date(m.prescribed_on), "end": date(end) }),
                    );
                }
                None => {}
            }
            if !dispense.is_empty() {
                res["dispenseRequest"] = Value::Object(dispense);
            }
            if let Some(n) = said(&m.notes) {
                res["note"] = json!([{ "text": n }]);
            }
            if let Some(name) = &m.prescriber {
                let p = self.practitioner(name, m.prescriber_rpps.as_deref());
                res["requester"] = json!({ "reference": p, "display": name });
            }
            let mut line = m.name.clone();
            if let Some(s) = &m.strength {
                let _ = write!(line, " {s}");
            }
            if !m.instructions.is_empty() {
                let _ = write!(line, ": {}", m.instructions);
            }
            let _ = write!(
                line,
                " (prescribed {}{}, {}; {})",
                date(m.prescribed_on),
                m.prescriber
                    .as_deref()
                    .map(|p| format!(" by {p}"))
                    .unwrap_or_default(),
                if active {
                    format!("until {}", date(m.ends_on))
                } else {
                    format!("ended {}", date(m.ends_on))
                },
                item.origin.label()
            );
            lines.push(line);
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        (refs, lines)
    }

    fn allergies(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.allergies {
            let a = &item.value;
            let url = urn("AllergyIntolerance", &item.key);
            let mut res = json!({
                "resourceType": "AllergyIntolerance",
                "identifier": Self::identifier(&item.key),
                "clinicalStatus": { "coding": [coding(ALLERGY_CLINICAL, "active", None)] },
                "code": concept(&a.substance, a.code.as_ref()),
                "patient": self.patient_ref(),
            });
            if let Some(d) = a.noted_on {
                res["recordedDate"] = json!(date(d));
            }
            let severity = a.severity.map(|s| match s {
                AllergySeverity::Mild => "mild",
                AllergySeverity::Moderate => "moderate",
                AllergySeverity::Severe => "severe",
            });
            if said(&a.reaction).is_some() || severity.is_some() {
                // A reaction needs a manifestation; a severity alone gets the words below.
                let manifestation = said(&a.reaction).unwrap_or(NO_REACTION);
                let mut reaction = json!({ "manifestation": [{ "text": manifestation }] });
                if let Some(s) = severity {
                    reaction["severity"] = json!(s);
                }
                res["reaction"] = json!([reaction]);
            }
            if severity == Some("severe") {
                res["criticality"] = json!("high");
            }
            let mut line = a.substance.clone();
            if let Some(r) = &a.reaction {
                let _ = write!(line, ": {r}");
            }
            if let Some(s) = severity {
                let _ = write!(line, " ({s})");
            }
            let _ = write!(line, "; {}", item.origin.label());
            lines.push(line);
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        (refs, lines)
    }

    fn conditions(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.conditions {
            let c = &item.value;
            let url = urn("Condition", &item.key);
            let status = match c.status {
                ConditionStatus::Active => "active",
                ConditionStatus::Resolved => "resolved",
            };
            let mut res = json!({
                "resourceType": "Condition",
                "identifier": Self::identifier(&item.key),
                "clinicalStatus": { "coding": [coding(CONDITION_CLINICAL, status, None)] },
                "code": concept(&c.name, c.code.as_ref()),
                "subject": self.patient_ref(),
            });
            if let Some(d) = c.onset {
                res["onsetDateTime"] = json!(date(d));
            }
            if let Some(n) = said(&c.notes) {
                res["note"] = json!([{ "text": n }]);
            }
            let mut line = format!("{} ({status}", c.name);
            if let Some(d) = c.onset {
                let _ = write!(line, ", since {}", date(d));
            }
            let _ = write!(line, "); {}", item.origin.label());
            lines.push(line);
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        (refs, lines)
    }

    fn immunisations(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.immunisations {
            let i = &item.value;
            let url = urn("Immunization", &item.key);
            let mut res = json!({
                "resourceType": "Immunization",
                "identifier": Self::identifier(&item.key),
                "status": "completed",
                "vaccineCode": concept(&i.vaccine, i.code.as_ref()),
                "patient": self.patient_ref(),
                "occurrenceDateTime": date(i.date),
            });
            if let Some(lot) = said(&i.lot) {
                res["lotNumber"] = json!(lot);
            }
            if let Some(by) = said(&i.administered_by) {
                res["performer"] = json!([{ "actor": { "display": by } }]);
            }
            if let Some(dose) = said(&i.dose) {
                res["protocolApplied"] = json!([{ "doseNumberString": dose }]);
            }
            let mut line = format!("{} on {}", i.vaccine, date(i.date));
            if let Some(d) = &i.dose {
                let _ = write!(line, " ({d})");
            }
            let _ = write!(line, "; {}", item.origin.label());
            lines.push(line);
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        (refs, lines)
    }

    fn observation(&self, key: &str, group: &LabGroup, n: usize) -> (String, Value, String) {
        let r = &group.results[n];
        let url = urn("Observation", &format!("{key}/{n}"));
        let code = match &r.loinc {
            Some(loinc) => json!({ "coding": [coding(LOINC, loinc, None)], "text": r.analyte }),
            None => json!({ "text": r.analyte }),
        };
        let mut res = json!({
            "resourceType": "Observation",
            "identifier": Self::identifier(&format!("{key}/{n}")),
            "status": "final",
            "category": [{ "coding": [coding(OBSERVATION_CATEGORY, "laboratory", Some("Laboratory"))] }],
            "code": code,
            "subject": self.patient_ref(),
            "effectiveDateTime": date(r.date),
        });
        let unit = r.unit.as_deref().filter(|u| !u.trim().is_empty());
        match &r.value {
            LabValue::Numeric(v) => res["valueQuantity"] = quantity(json!(v), unit),
            LabValue::Text(t) => match text_value(t) {
                TextValue::Bound(comparator, n) => {
                    let mut q = quantity(n, unit);
                    q["comparator"] = json!(comparator);
                    res["valueQuantity"] = q;
                }
                TextValue::Interval(low, high) => {
                    res["valueRange"] =
                        json!({ "low": quantity(low, unit), "high": quantity(high, unit) });
                }
                TextValue::Text => {
                    res["valueString"] = json!(t);
                    if let Some(u) = unit {
                        res["extension"] = json!([{ "url": UNIT_EXTENSION, "valueString": u }]);
                    }
                }
            },
        }
        if let Some(range) = &r.reference_range {
            let mut rr = serde_json::Map::new();
            if let Some(l) = range.low {
                rr.insert("low".into(), quantity(json!(l), unit));
            }
            if let Some(h) = range.high {
                rr.insert("high".into(), quantity(json!(h), unit));
            }
            if let Some(t) = said(&range.text) {
                rr.insert("text".into(), json!(t));
            }
            if !rr.is_empty() {
                res["referenceRange"] = json!([Value::Object(rr)]);
            }
        }
        if r.abnormal {
            res["interpretation"] =
                json!([{ "coding": [coding(INTERPRETATION, "A", Some("Abnormal"))] }]);
        } else if r.reference_range.is_some() {
            res["interpretation"] =
                json!([{ "coding": [coding(INTERPRETATION, "N", Some("Normal"))] }]);
        }
        let mut line = format!("{}: {}", r.analyte, r.value);
        if let Some(u) = &r.unit {
            let _ = write!(line, " {u}");
        }
        if let Some(range) = &r.reference_range {
            let _ = write!(line, " (reference {range})");
        }
        if r.abnormal {
            line.push_str(", abnormal");
        }
        let _ = write!(line, ", {}", date(r.date));
        (url, res, line)
    }

    fn results(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.labs {
            let group = &item.value;
            let performer = group.laboratory.as_ref().map(|l| json!([{ "display": l }]));
            let mut members = Vec::new();
            for n in 0..group.results.len() {
                let (url, mut res, line) = self.observation(&item.key, group, n);
                if let Some(p) = &performer {
                    res["performer"] = p.clone();
                }
                lines.push(format!("{line}; {}", item.origin.label()));
                self.note_origin(item, &url);
                self.add(url.clone(), res);
                members.push(json!({ "reference": url }));
                refs.push(url);
            }
            // A lab report from the vault is one DiagnosticReport; a share's points stand alone.
            if group.laboratory.is_some() || group.report.is_some() {
                let url = urn("DiagnosticReport", &item.key);
                let mut res = json!({
                    "resourceType": "DiagnosticReport",
                    "identifier": Self::identifier(&item.key),
                    "status": "final",
                    "category": [{ "coding": [coding(DIAGNOSTIC_SERVICE, "LAB", Some("Laboratory"))] }],
                    "code": { "coding": [coding(LOINC, "11502-2", Some("Laboratory report"))] },
                    "subject": self.patient_ref(),
                    "effectiveDateTime": date(group.date),
                    "result": members,
                });
                if let Some(p) = &performer {
                    res["performer"] = p.clone();
                }
                if let Some(file) = &group.report {
                    res["presentedForm"] = json!([{
                        "contentType": file.media_type,
                        "title": file.title,
                        "data": BASE64.encode(&file.data),
                    }]);
                }
                self.note_origin(item, &url);
                self.add(url.clone(), res);
                refs.push(url);
            }
        }
        (refs, lines)
    }

    fn notes(&mut self) -> (Vec<String>, Vec<String>) {
        let mut refs = Vec::new();
        let mut lines = Vec::new();
        for item in &self.content.letters {
            let l = &item.value;
            let url = urn("DocumentReference", &item.key);
            let mut res = json!({
                "resourceType": "DocumentReference",
                "identifier": Self::identifier(&item.key),
                "status": "current",
                "type": { "coding": [coding(LOINC, "11488-4", Some("Consult note"))] },
                "subject": self.patient_ref(),
                "date": instant(l.date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
                "author": [{ "display": l.author }],
                "description": l.subject,
            });
            if let Some(s) = said(&l.specialty) {
                res["extension"] = json!([{ "url": SPECIALTY_EXTENSION, "valueString": s }]);
            }
            let mut attachment = json!({
                "contentType": "text/plain; charset=utf-8",
                "title": l.subject,
            });
            if let Some(body) = said(&l.body) {
                attachment["data"] = json!(BASE64.encode(body.as_bytes()));
            }
            res["content"] = json!([{ "attachment": attachment }]);
            let mut line = format!("{}, {}", date(l.date), l.author);
            if let Some(s) = &l.specialty {
                let _ = write!(line, " ({s})");
            }
            let _ = write!(line, ": {}", l.subject);
            if let Some(b) = &l.body {
                let _ = write!(line, ". {b}");
            }
            let _ = write!(line, "; {}", item.origin.label());
            lines.push(line);
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        for item in &self.content.documents {
            let d = &item.value;
            let url = urn("DocumentReference", &item.key);
            let mut attachment = json!({ "contentType": d.media_type, "title": d.title });
            if let Some(f) = &d.file {
                attachment["data"] = json!(BASE64.encode(&f.data));
            }
            let res = json!({
                "resourceType": "DocumentReference",
                "identifier": Self::identifier(&item.key),
                "status": "current",
                "subject": self.patient_ref(),
                "date": instant(d.date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
                "description": d.title,
                "content": [{ "attachment": attachment }],
            });
            lines.push(format!(
                "{}, document: {}{}; {}",
                date(d.date),
                d.title,
                if d.file.is_some() {
                    ""
                } else {
                    " (its file is not included)"
                },
                item.origin.label()
            ));
            self.note_origin(item, &url);
            self.add(url.clone(), res);
            refs.push(url);
        }
        (refs, lines)
    }

    fn provenances(&mut self) {
        for (origin, targets) in std::mem::take(&mut self.origins) {
            let (code, text) = match &origin {
                Origin::Patient => ("patient-entered", "Entered by the patient".to_owned()),
                Origin::Imported { .. } => (
                    "imported",
                    "Imported from a file; not signature-verified".to_owned(),
                ),
                Origin::Practitioner { verified: true, .. } => (
                    "practitioner-verified",
                    "Signed by a practitioner; signature and certificate verified by Carnet"
                        .to_owned(),
                ),
                Origin::Practitioner { .. } => (
                    "practitioner-unverified",
                    "From a practitioner; signature NOT verified".to_owned(),
                ),
            };
            let who = match &origin {
                Origin::Practitioner { name, rpps, .. } => {
                    let url = self.practitioner(name, rpps.as_deref());
                    json!({ "reference": url, "display": name })
                }
                _ => json!({ "reference": self.patient_url }),
            };
            let recorded = match &origin {
                Origin::Practitioner {
                    checked_at: Some(t),
                    ..
                } => *t,
                _ => self.now,
            };
            let url = urn("Provenance", &format!("{code}|{targets:?}"));
            let mut res = json!({
                "resourceType": "Provenance",
                "target": targets.iter().map(|t| json!({ "reference": t })).collect::<Vec<_>>(),
                "recorded": instant(recorded),
                "activity": { "coding": [coding(SOURCE_SYSTEM, code, None)], "text": text },
                "agent": [{
                    "type": { "coding": [coding(PARTICIPANT_TYPE, "author", Some("Author"))] },
                    "who": who,
                }],
            });
            if let Origin::Imported { file, document } = &origin {
                let mut what = file.clone();
                if let Some(d) = document {
                    let _ = write!(what, " ({d})");
                }
                res["entity"] = json!([{ "role": "source", "what": { "display": what } }]);
            }
            self.add(url, res);
        }
    }
}

struct Section {
    title: &'static str,
    code: &'static str,
    display: &'static str,
    required: bool,
    refs: Vec<String>,
    lines: Vec<String>,
}

/// The IPS document for `content`, as of `now`.
pub fn document(content: &Content, now: DateTime<Utc>) -> Value {
    let bundle_key = format!("{}|{}", content.patient.name, instant(now));
    let mut w = Writer {
        content,
        now,
        patient_url: urn("Patient", &content.patient.name),
        entries: Vec::new(),
        practitioners: BTreeMap::new(),
        origins: Vec::new(),
    };
    w.patient();
    let (med_refs, med_lines) = w.medications();
    let (allergy_refs, allergy_lines) = w.allergies();
    let (problem_refs, problem_lines) = w.conditions();
    let (imm_refs, imm_lines) = w.immunisations();
    let (result_refs, result_lines) = w.results();
    let (note_refs, note_lines) = w.notes();
    w.provenances();
    let sections = [
        Section {
            title: "Problems",
            code: "11450-4",
            display: "Problem list - Reported",
            required: true,
            refs: problem_refs,
            lines: problem_lines,
        },
        Section {
            title: "Allergies and intolerances",
            code: "48765-2",
            display: "Allergies and adverse reactions Document",
            required: true,
            refs: allergy_refs,
            lines: allergy_lines,
        },
        Section {
            title: "Medications",
            code: "10160-0",
            display: "History of Medication use Narrative",
            required: true,
            refs: med_refs,
            lines: med_lines,
        },
        Section {
            title: "Immunizations",
            code: "11369-6",
            display: "History of Immunization Narrative",
            required: false,
            refs: imm_refs,
            lines: imm_lines,
        },
        Section {
            title: "Results",
            code: "30954-2",
            display: "Relevant diagnostic tests/laboratory data Narrative",
            required: false,
            refs: result_refs,
            lines: result_lines,
        },
        Section {
            title: "Letters and documents",
            code: "34109-9",
            display: "Note",
            required: false,
            refs: note_refs,
            lines: note_lines,
        },
    ];
    let empty_text = match content.empty_means {
        EmptyMeans::NothingRecorded => "Nothing recorded in the patient's Carnet.",
        EmptyMeans::NotShared => "Nothing of this kind was in what the patient shared.",
    };
    let sections: Vec<Value> = sections
        .into_iter()
        .filter(|s| s.required || !s.refs.is_empty())
        .map(|s| {
            let mut section = json!({
                "title": s.title,
                "code": { "coding": [coding(LOINC, s.code, Some(s.display))] },
            });
            if s.refs.is_empty() {
                section["text"] = narrative(&[empty_text.to_owned()]);
                section["emptyReason"] = json!({
                    "coding": [coding(EMPTY_REASON, "unavailable", Some("Unavailable"))],
                });
            } else {
                section["text"] = narrative(&s.lines);
                section["entry"] =
                    Value::Array(s.refs.iter().map(|r| json!({ "reference": r })).collect());
            }
            section
        })
        .collect();
    let composition_url = urn("Composition", &bundle_key);
    let composition = json!({
        "resourceType": "Composition",
        "status": "final",
        "type": { "coding": [coding(LOINC, "60591-5", Some("Patient summary Document"))] },
        "subject": { "reference": w.patient_url },
        "date": instant(now),
        "author": [{ "reference": w.patient_url }],
        "title": format!("Patient summary of {} as of {}", content.patient.name, date(content.as_of)),
        "section": sections,
    });
    let mut entries = vec![json!({ "fullUrl": composition_url, "resource": composition })];
    entries.append(&mut w.entries);
    json!({
        "resourceType": "Bundle",
        "meta": { "tag": [coding(FORMAT_SYSTEM, FORMAT_VERSION, Some("Carnet IPS export, version 1"))] },
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn("Bundle", &bundle_key) },
        "type": "document",
        "timestamp": instant(now),
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::{TextValue, text_value};
    use serde_json::json;

    #[test]
    fn a_bound_or_an_interval_is_structured_only_when_its_text_comes_back_the_same() {
        assert_eq!(text_value("<5"), TextValue::Bound("<", json!(5)));
        assert_eq!(text_value("<=0.5"), TextValue::Bound("<=", json!(0.5)));
        assert_eq!(text_value(">=10"), TextValue::Bound(">=", json!(10)));
        assert_eq!(text_value("<5.0"), TextValue::Bound("<", json!(5.0)));
        assert_eq!(text_value(">-2.5"), TextValue::Bound(">", json!(-2.5)));
        assert_eq!(
            text_value("3.5–5"),
            TextValue::Interval(json!(3.5), json!(5))
        );
        // Written otherwise than FHIR's numbers would write them back: kept as text.
        for t in [
            "< 5", "<5.10", "<0,5", "<05", "<1e3", "<", "<<5", "3.5-5", "3.5–", "–5", "négatif",
            "", "5",
        ] {
            assert_eq!(text_value(t), TextValue::Text, "{t:?}");
        }
    }
}
