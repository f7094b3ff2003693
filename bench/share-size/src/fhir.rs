//! The consultation pack as a minified FHIR R4 Bundle, the way a SMART Health Card carries it.
//!
//! The bundle mirrors the pack field for field, no more and no less, and gives the SMART
//! Health Card every benefit of the doubt:
//!
//! - SHC conventions: `fullUrl` is `resource:N`, references are `resource:0`, no `id`, no
//!   `meta`, no narrative (`text`), no whitespace.
//! - Optional elements the pack leaves empty are omitted. Elements FHIR R4 requires (or that
//!   an error-level invariant requires) are present with the shortest valid value:
//!   `Observation.status`, `MedicationStatement.status`/`subject`, `Condition.subject`,
//!   `AllergyIntolerance.patient`/`clinicalStatus`, `Composition.status`/`type`/`author`.
//! - What the pack means by its structure is said the FHIR way: the pack's conditions and
//!   allergies are the active ones (`clinicalStatus` active), its medications the current
//!   ones (`status` active), its lab values final results (`status` final).
//! - Codes the pack carries ("ATC:C07AB07", "CIM-10:I10", LOINC) become codings with their
//!   system URI; a lab value flagged abnormal gets the v3 interpretation code `A`.
//! - The previous value of an analyte is its own Observation; the reference range (the pack
//!   carries one, the latest's, as text) goes on the latest.
//! - A letter heading is a Composition (author, date, title, the specialty as its category);
//!   its body only when the patient chose to include it, as the pack does.
//! - The pack's `as_of` day travels as the JWS `nbf` (the moment it was issued), and its
//!   expiry as `exp`; item provenance is left out because every fixture item is
//!   patient-entered, which the pack also leaves out.

use carnet_core::share::ConsultationPack;
use carnet_core::share::pack::{Day, PackLab, PackLabPoint};
use serde_json::{Map, Value, json};

const LOINC: &str = "http://loinc.org";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const ALLERGY_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
/// The OID of the French national health identifier (INS-NIR).
const INS_OID: &str = "urn:oid:1.2.250.1.213.1.4.8";
/// LOINC "ABO and Rh group".
const BLOOD_GROUP_LOINC: &str = "882-1";
/// LOINC "Consult note", the type of a specialist's letter.
const CONSULT_NOTE_LOINC: &str = "11488-4";

fn day(d: Day) -> String {
    d.to_date().format("%Y-%m-%d").to_string()
}

/// The FHIR system URI of a terminology the pack names by its short name.
fn system_uri(system: &str) -> String {
    match system.to_ascii_uppercase().as_str() {
        "ATC" => "http://www.whocc.no/atc".into(),
        "CIM-10" | "ICD-10" => "http://hl7.org/fhir/sid/icd-10".into(),
        "LOINC" => LOINC.into(),
        "SNOMED CT" | "SNOMED" => "http://snomed.info/sct".into(),
        "CIP13" => "urn:oid:1.2.250.1.213.2.3.1".into(),
        other => format!("urn:carnet:{}", other.to_ascii_lowercase()),
    }
}

/// A CodeableConcept from the pack's "SYSTEM:CODE" and a display text.
fn concept(code: Option<&str>, text: &str) -> Value {
    let mut c = Map::new();
    if let Some((system, value)) = code.and_then(|c| c.split_once(':')) {
        c.insert(
            "coding".into(),
            json!([{"system": system_uri(system), "code": value}]),
        );
    }
    c.insert("text".into(), json!(text));
    Value::Object(c)
}

fn subject() -> Value {
    json!({"reference": "resource:0"})
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}

/// A lab value as FHIR wants it: a JSON number for a number, else a string.
fn lab_value(value: &str, unit: Option<&str>) -> (&'static str, Value) {
    match serde_json::from_str::<serde_json::Number>(value) {
        Ok(n) => {
            let mut q = Map::new();
            q.insert("value".into(), Value::Number(n));
            insert_some(&mut q, "unit", unit.map(|u| json!(u)));
            ("valueQuantity", Value::Object(q))
        }
        Err(_) => ("valueString", json!(value)),
    }
}

fn observation(lab: &PackLab, point: &PackLabPoint, latest: bool) -> Value {
    let mut o = Map::new();
    o.insert("resourceType".into(), json!("Observation"));
    o.insert("status".into(), json!("final"));
    o.insert(
        "code".into(),
        concept(
            lab.loinc.as_ref().map(|l| format!("LOINC:{l}")).as_deref(),
            &lab.analyte,
        ),
    );
    o.insert("effectiveDateTime".into(), json!(day(point.date)));
    let (key, value) = lab_value(&point.value, lab.unit.as_deref());
    o.insert(key.into(), value);
    if point.abnormal {
        o.insert(
            "interpretation".into(),
            json!([{"coding": [{"system": INTERPRETATION, "code": "A"}]}]),
        );
    }
    if latest {
        insert_some(
            &mut o,
            "referenceRange",
            lab.reference_range.as_ref().map(|r| json!([{"text": r}])),
        );
    }
    Value::Object(o)
}

fn xhtml(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>")
}

/// The FHIR resources of a pack, patient first.
pub fn resources(pack: &ConsultationPack) -> Vec<Value> {
    let mut out = Vec::new();
    let p = &pack.patient;
    let mut patient = Map::new();
    patient.insert("resourceType".into(), json!("Patient"));
    insert_some(
        &mut patient,
        "identifier",
        p.ins
            .as_ref()
            .map(|ins| json!([{"system": INS_OID, "value": ins}])),
    );
    patient.insert("name".into(), json!([{"text": p.name}]));
    patient.insert("birthDate".into(), json!(day(p.birth_date)));
    insert_some(
        &mut patient,
        "contact",
        p.emergency_contact
            .as_ref()
            .map(|c| json!([{"name": {"text": c}}])),
    );
    out.push(Value::Object(patient));
    if let Some(bg) = &p.blood_group {
        out.push(json!({
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": BLOOD_GROUP_LOINC}]},
            "valueString": bg,
        }));
    }
    for a in &pack.allergies {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("AllergyIntolerance"));
        r.insert(
            "clinicalStatus".into(),
            json!({"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]}),
        );
        r.insert("code".into(), json!({"text": a.substance}));
        r.insert("patient".into(), subject());
        insert_some(&mut r, "recordedDate", a.date.map(|d| json!(day(d))));
        let severity = a.severity.map(|s| match s {
            1 => "mild",
            2 => "moderate",
            _ => "severe",
        });
        if a.reaction.is_some() || severity.is_some() {
            let mut reaction = Map::new();
            reaction.insert(
                "manifestation".into(),
                json!([{"text": a.reaction.as_deref().unwrap_or("unspecified")}]),
            );
            insert_some(&mut reaction, "severity", severity.map(|s| json!(s)));
            r.insert("reaction".into(), json!([reaction]));
        }
        out.push(Value::Object(r));
    }
    for c in &pack.conditions {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Condition"));
        r.insert(
            "clinicalStatus".into(),
            json!({"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]}),
        );
        r.insert("code".into(), concept(c.code.as_deref(), &c.name));
        r.insert("subject".into(), subject());
        insert_some(&mut r, "onsetDateTime", c.since.map(|d| json!(day(d))));
        r.insert("recordedDate".into(), json!(day(c.recorded)));
        out.push(Value::Object(r));
    }
    for m in &pack.medications {
        let label = match &m.strength {
            Some(s) => format!("{} {s}", m.name),
            None => m.name.clone(),
        };
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("MedicationStatement"));
        r.insert("status".into(), json!("active"));
        r.insert(
            "medicationCodeableConcept".into(),
            concept(m.code.as_deref(), &label),
        );
        r.insert("subject".into(), subject());
        r.insert(
            "effectivePeriod".into(),
            json!({"start": day(m.prescribed_on), "end": day(m.ends_on)}),
        );
        r.insert("informationSource".into(), json!({"display": m.prescriber}));
        insert_some(
            &mut r,
            "note",
            m.notes.as_ref().map(|n| json!([{"text": n}])),
        );
        r.insert("dosage".into(), json!([{"text": m.instructions}]));
        out.push(Value::Object(r));
    }
    for lab in &pack.labs {
        out.push(observation(lab, &lab.latest, true));
        for previous in &lab.previous {
            out.push(observation(lab, previous, false));
        }
    }
    for l in &pack.letters {
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Composition"));
        r.insert("status".into(), json!("final"));
        r.insert(
            "type".into(),
            json!({"coding": [{"system": LOINC, "code": CONSULT_NOTE_LOINC}]}),
        );
        insert_some(
            &mut r,
            "category",
            l.specialty.as_ref().map(|s| json!([{"text": s}])),
        );
        r.insert("date".into(), json!(day(l.date)));
        r.insert("author".into(), json!([{"display": l.author}]));
        r.insert("title".into(), json!(l.subject));
        insert_some(
            &mut r,
            "section",
            l.body
                .as_ref()
                .map(|b| json!([{"text": {"status": "generated", "div": xhtml(b)}}])),
        );
        out.push(Value::Object(r));
    }
    out
}

/// The Bundle (type `collection`) with `resource:N` full URLs.
pub fn bundle(pack: &ConsultationPack) -> Value {
    let entries: Vec<Value> = resources(pack)
        .into_iter()
        .enumerate()
        .map(|(i, resource)| json!({"fullUrl": format!("resource:{i}"), "resource": resource}))
        .collect();
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_as_printed() {
        let (key, quantity) = lab_value("6.9", Some("%"));
        assert_eq!(key, "valueQuantity");
        assert_eq!(quantity["value"].to_string(), "6.9");
        assert_eq!(quantity["unit"], json!("%"));
        assert_eq!(lab_value("99", None).1["value"].to_string(), "99");
        assert_eq!(
            lab_value("négatif", None),
            ("valueString", json!("négatif"))
        );
    }

    #[test]
    fn codes_get_their_system() {
        assert_eq!(
            concept(Some("ATC:C07AB07"), "Bisoprolol"),
            json!({"coding": [{"system": "http://www.whocc.no/atc", "code": "C07AB07"}], "text": "Bisoprolol"})
        );
    }
}
