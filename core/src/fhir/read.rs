//! FHIR R4 resources to Carnet records: what each resource type becomes, what is skipped and
//! why.
//!
//! | FHIR | Carnet |
//! |------|--------|
//! | MedicationRequest, MedicationStatement (one `groupIdentifier` is one prescription) | a prescription line: name and code (ATC first), dose text, dates, renewals |
//! | Observation with category `laboratory` (grouped by its DiagnosticReport, else by day and laboratory) | a lab result: LOINC, value and unit as written, range, interpretation |
//! | DiagnosticReport | the lab report its results make; its PDF (`presentedForm`) is the report's attachment |
//! | AllergyIntolerance, Condition, Immunization | an allergy, a condition, an immunisation |
//! | DocumentReference | a letter (text content) or a document (any other content, attached) |
//! | Patient | the traits the patient confirms (name, birth date, INS) |
//!
//! Practitioner, PractitionerRole, Organization, Medication, Composition and the like are read
//! through the references that name them. Everything else, and every item that is entered in
//! error, refuted, not done, no longer active or that only says "nothing known", is listed in
//! the report with its reason.
//!
//! Malformed content in an item Carnet reads (a date that is not a date, a value that is not a
//! number, a medication reference that points nowhere) is an error for the whole file, so an
//! import is never half right.

use super::FhirError;
use super::bundle::{Bundle, Entry, safe_name};
use super::codes::{self, LOINC};
use crate::import::{
    self, FileData, Intake, IntakeFile, IntakeRecord, ItemCount, ItemKind, PatientTraits, Skipped,
};
use crate::model::{
    Allergy, AllergySeverity, CodedConcept, Condition, ConditionStatus, Document, Immunisation,
    Ins, LabReport, LabResult, LabValue, Letter, Medication, MedicationDuration, Prescriber,
    Prescription, Profile, Provenance, RecordBody, ReferenceRange, Rpps, SourceDocument,
};
use chrono::{DateTime, NaiveDate, Utc};
use data_encoding::BASE64;
use serde_json::{Map, Value};
use std::collections::HashSet;

type Object = Map<String, Value>;

/// A laboratory result as read, with what groups it into a report.
struct LabRead {
    laboratory: String,
    date: NaiveDate,
    result: LabResult,
    updated: DateTime<Utc>,
    /// The stable names of the results a group holds (one, when read).
    keys: Vec<String>,
}

/// The extension Carnet's export uses for a medication's strength as printed ("2,5 mg,
/// comprimé"), which FHIR has no text element for.
pub const STRENGTH_EXTENSION: &str = "urn:carnet:fhir:extension:medication-strength";

/// The extension Carnet's export uses for the unit of a result written as text ("négatif",
/// "< 5"), which FHIR's `valueString` has no place for. A text that is a bound or an interval
/// exactly as FHIR writes one ("<5", "3.5–5") travels as `valueQuantity` or `valueRange`
/// instead, with its unit, and needs no extension.
pub const UNIT_EXTENSION: &str = "urn:carnet:fhir:extension:result-unit";

/// The IPS code system for "no information" / "none known" statements.
const ABSENT_UNKNOWN: &str = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
/// SNOMED CT codes that state an absence ("no known allergy", "no current problems").
const SNOMED_ABSENT: [&str; 6] = [
    "716186003",
    "409137002",
    "428607008",
    "160245001",
    "787481004",
    "1240591000000102",
];

/// Resource types read only through references, never as items of their own.
const CONTEXT_TYPES: [&str; 10] = [
    "Patient",
    "Composition",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Medication",
    "Location",
    "Specimen",
    "Provenance",
    "Substance",
];

/// Reads `bundle` into an intake for `profile`.
pub fn read(bundle: &Bundle<'_>, profile: &Profile, file_name: &str) -> Result<Intake, FhirError> {
    let mut reader = Reader::new(bundle, file_name)?;
    let patient = reader.patient()?;
    if let Some(other) = patient.as_ref().and_then(|p| p.mismatch(profile)) {
        return Err(FhirError::OtherPatient {
            differs: other.trait_name(),
        });
    }
    reader.read_all()?;
    Ok(Intake {
        profile: profile.id,
        format: format!("FHIR R4 Bundle ({})", bundle.bundle_type),
        records: reader.records,
        items: reader.items,
        skipped: reader.skipped,
        patient,
        adjusted: reader.adjusted,
    })
}

/// A CodeableConcept as read: its text and codings.
struct Concept {
    text: Option<String>,
    codings: Vec<(String, String, Option<String>)>,
}

impl Concept {
    /// What a person calls it: the text, else a coding's display, else a code.
    fn name(&self) -> Option<String> {
        self.text
            .clone()
            .or_else(|| self.codings.iter().find_map(|(_, _, d)| d.clone()))
            .or_else(|| self.codings.first().map(|(_, c, _)| c.clone()))
    }

    /// The coding Carnet keeps, by preference of system.
    fn best(&self) -> Option<CodedConcept> {
        self.codings
            .iter()
            .min_by_key(|(s, _, _)| codes::preference(s))
            .map(|(s, c, _)| CodedConcept::new(codes::system_name(s), c.clone()))
    }

    fn code_in(&self, system: &str) -> Option<&str> {
        self.codings
            .iter()
            .find(|(s, _, _)| s == system)
            .map(|(_, c, _)| c.as_str())
    }

    /// Whether it only says "nothing known" (IPS absent/unknown codes, SNOMED's "no known").
    fn states_absence(&self) -> bool {
        self.codings.iter().any(|(s, c, _)| {
            s == ABSENT_UNKNOWN || (s == codes::SNOMED && SNOMED_ABSENT.contains(&c.as_str()))
        })
    }
}

struct Reader<'b, 'a> {
    bundle: &'b Bundle<'a>,
    provenance: Provenance,
    /// The bundle's own date, for items that carry none of their own.
    bundle_updated: Option<DateTime<Utc>>,
    records: Vec<IntakeRecord>,
    items: Vec<ItemCount>,
    skipped: Vec<Skipped>,
    adjusted: Vec<String>,
    /// Observations already read through a report (one may be named by two).
    results_read: HashSet<*const Object>,
}

/// Field access with typed errors: absent is `None`, present with the wrong type is an error.
fn text<'v>(
    res: &'v Object,
    field: &'static str,
    place: &str,
) -> Result<Option<&'v str>, FhirError> {
    match res.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid(place, field, "is not text")),
    }
}

fn object<'v>(
    res: &'v Object,
    field: &'static str,
    place: &str,
) -> Result<Option<&'v Object>, FhirError> {
    match res.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(invalid(place, field, "is not an object")),
    }
}

fn list<'v>(res: &'v Object, field: &'static str, place: &str) -> Result<&'v [Value], FhirError> {
    match res.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a.as_slice()),
        Some(_) => Err(invalid(place, field, "is not a list")),
    }
}

fn objects<'v>(
    res: &'v Object,
    field: &'static str,
    place: &str,
) -> Result<Vec<&'v Object>, FhirError> {
    list(res, field, place)?
        .iter()
        .map(|v| {
            v.as_object()
                .ok_or_else(|| invalid(place, field, "holds something that is not an object"))
        })
        .collect()
}

/// The text of one of Carnet's own extensions on a resource (its `valueString`), if present.
fn carnet_extension<'v>(
    res: &'v Object,
    url: &str,
    place: &str,
) -> Result<Option<&'v str>, FhirError> {
    for e in objects(res, "extension", place)? {
        if e.get("url").and_then(Value::as_str) == Some(url) {
            return text_in(e, "valueString", "extension", place);
        }
    }
    Ok(None)
}

fn invalid(place: &str, field: &'static str, problem: &'static str) -> FhirError {
    FhirError::Invalid {
        place: place.to_owned(),
        field,
        problem,
    }
}

fn concept(value: &Object, field: &'static str, place: &str) -> Result<Concept, FhirError> {
    let text = text(value, "text", place)?.map(str::to_owned);
    let mut codings = Vec::new();
    for coding in objects(value, "coding", place)? {
        let system = text_in(coding, "system", field, place)?;
        let code = text_in(coding, "code", field, place)?;
        let display = text_in(coding, "display", field, place)?;
        if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
            codings.push((
                system.unwrap_or_default().to_owned(),
                code.to_owned(),
                display.map(str::to_owned),
            ));
        }
    }
    Ok(Concept {
        text: text.filter(|t| !t.trim().is_empty()),
        codings,
    })
}

/// A text field inside a nested element, reported under the element's name.
fn text_in<'v>(
    o: &'v Object,
    field: &str,
    element: &'static str,
    place: &str,
) -> Result<Option<&'v str>, FhirError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid(place, element, "holds a field that is not text")),
    }
}

fn concept_at(
    res: &Object,
    field: &'static str,
    place: &str,
) -> Result<Option<Concept>, FhirError> {
    object(res, field, place)?
        .map(|o| concept(o, field, place))
        .transpose()
}

fn status_in(res: &Object, field: &'static str, place: &str) -> Result<Option<String>, FhirError> {
    Ok(concept_at(res, field, place)?
        .and_then(|c| c.codings.first().map(|(_, code, _)| code.clone())))
}

/// The stable name of a resource in its world: its first identifier, else its full URL when
/// that names it everywhere (urn:uuid, an absolute URL), else its type and id in this bundle.
fn resource_key(bundle: &Bundle<'_>, entry: &Entry<'_>) -> String {
    let res = entry.resource;
    if let Some(Value::Array(ids)) = res.get("identifier") {
        for id in ids.iter().filter_map(Value::as_object) {
            if let Some(value) = id.get("value").and_then(Value::as_str) {
                let system = id.get("system").and_then(Value::as_str).unwrap_or("");
                return format!("{}|identifier|{system}|{value}", entry.resource_type);
            }
        }
    }
    if let Some(url) = entry.full_url.filter(|u| u.contains(':')) {
        return format!("{}|url|{url}", entry.resource_type);
    }
    let bundle_id = bundle_identity(bundle).unwrap_or_default();
    let id = res.get("id").and_then(Value::as_str).unwrap_or("");
    format!(
        "{}|bundle|{bundle_id}|{id}|{}",
        entry.resource_type, entry.index
    )
}

fn bundle_identity(bundle: &Bundle<'_>) -> Option<String> {
    if let Some(id) = bundle.root.get("identifier").and_then(Value::as_object) {
        if let Some(value) = id.get("value").and_then(Value::as_str) {
            let system = id.get("system").and_then(Value::as_str).unwrap_or("");
            return Some(format!("{system}|{value}"));
        }
    }
    bundle
        .root
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A person's or organisation's name as written.
fn person_name(res: &Object) -> Option<String> {
    if let Some(name) = res.get("name") {
        if let Some(s) = name.as_str() {
            return Some(s.to_owned());
        }
        let first = name
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_object)?;
        if let Some(t) = first.get("text").and_then(Value::as_str) {
            return Some(t.to_owned());
        }
        let mut parts: Vec<String> = Vec::new();
        for field in ["prefix", "given"] {
            if let Some(Value::Array(words)) = first.get(field) {
                parts.extend(words.iter().filter_map(Value::as_str).map(str::to_owned));
            }
        }
        if let Some(f) = first.get("family").and_then(Value::as_str) {
            parts.push(f.to_owned());
        }
        if !parts.is_empty() {
            return Some(parts.join(" "));
        }
    }
    None
}

fn rpps_of(res: &Object) -> Option<Rpps> {
    let ids = res.get("identifier")?.as_array()?;
    ids.iter().filter_map(Value::as_object).find_map(|id| {
        let system = id.get("system")?.as_str()?;
        let value = id.get("value")?.as_str()?;
        if system == codes::RPPS_SYSTEM {
            Rpps::parse(value.strip_prefix('8').unwrap_or(value)).ok()
        } else if system.ends_with("rpps") || system == "urn:oid:1.2.250.1.71.4.2.1.8" {
            Rpps::parse(value).ok()
        } else {
            None
        }
    })
}

impl<'b, 'a> Reader<'b, 'a> {
    fn new(bundle: &'b Bundle<'a>, file_name: &str) -> Result<Self, FhirError> {
        let root = bundle.root;
        let timestamp = text(root, "timestamp", "the bundle")?;
        let last_updated = match object(root, "meta", "the bundle")? {
            Some(meta) => text(meta, "lastUpdated", "the bundle")?,
            None => None,
        };
        let bundle_updated = timestamp.or(last_updated).and_then(codes::instant);
        let mut reader = Self {
            bundle,
            provenance: Provenance::PatientEntered,
            bundle_updated,
            records: Vec::new(),
            items: Vec::new(),
            skipped: Vec::new(),
            adjusted: Vec::new(),
            results_read: HashSet::new(),
        };
        let composition = bundle.of_type("Composition").next();
        let (author, organisation) = match composition {
            Some(c) => (
                reader.names_of(c.resource, "author", &c.place())?,
                reader.names_of(c.resource, "custodian", &c.place())?,
            ),
            None => (None, None),
        };
        reader.provenance = Provenance::ImportedFromFile {
            file_name: file_name.to_owned(),
            document: Some(SourceDocument {
                format: format!("FHIR R4 Bundle ({})", bundle.bundle_type),
                id: bundle_identity(bundle),
                date: timestamp.map(str::to_owned),
                author,
                organisation,
            }),
        };
        Ok(reader)
    }

    /// The names of the parties a reference field (one or a list) names.
    fn names_of(
        &self,
        res: &Object,
        field: &'static str,
        place: &str,
    ) -> Result<Option<String>, FhirError> {
        let refs: Vec<&Object> = match res.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(o)) => vec![o],
            Some(Value::Array(_)) => objects(res, field, place)?,
            Some(_) => return Err(invalid(place, field, "is not a reference")),
        };
        let names: Vec<String> = refs
            .into_iter()
            .filter_map(|r| self.party(res, r).map(|(name, _)| name))
            .collect();
        Ok((!names.is_empty()).then(|| names.join(", ")))
    }

    /// The name (and RPPS) of the party a reference names: the resource it resolves to, else
    /// the reference's display.
    fn party(&self, from: &Object, reference: &Object) -> Option<(String, Option<Rpps>)> {
        let value = Value::Object(reference.clone());
        if let Some(target) = self.bundle.resolve(from, &value) {
            let target = match target.get("resourceType").and_then(Value::as_str) {
                // A role names its practitioner and organisation.
                Some("PractitionerRole") => target
                    .get("practitioner")
                    .and_then(|p| self.bundle.resolve(target, p))
                    .unwrap_or(target),
                _ => target,
            };
            if let Some(name) = person_name(target) {
                return Some((name, rpps_of(target)));
            }
        }
        reference
            .get("display")
            .and_then(Value::as_str)
            .map(|d| (d.to_owned(), None))
    }

    fn party_at(
        &self,
        res: &Object,
        field: &'static str,
        place: &str,
    ) -> Result<Option<(String, Option<Rpps>)>, FhirError> {
        let first = match res.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(Value::Array(_)) => objects(res, field, place)?.into_iter().next(),
            Some(_) => return Err(invalid(place, field, "is not a reference")),
        };
        // `performer` of an Immunization wraps its reference in `actor`.
        let first = first.map(|o| o.get("actor").and_then(Value::as_object).unwrap_or(o));
        Ok(first.and_then(|r| self.party(res, r)))
    }

    fn patient(&mut self) -> Result<Option<PatientTraits>, FhirError> {
        let mut patients = self.bundle.of_type("Patient");
        let Some(entry) = patients.next() else {
            return Ok(None);
        };
        if patients.next().is_some() {
            return Err(invalid(
                "the bundle",
                "Patient",
                "appears more than once: a bundle about several people is not imported",
            ));
        }
        let place = entry.place();
        let res = entry.resource;
        // Compared with the profile only when it is a whole date: "1980" proves nothing.
        let birth_date = match text(res, "birthDate", &place)? {
            Some(t) => match codes::day(t) {
                Some((d, false)) => Some(d),
                Some((_, true)) => {
                    self.adjusted.push(format!(
                        "{place}: the patient's birth date is partial; it was not compared"
                    ));
                    None
                }
                None => return Err(invalid(&place, "birthDate", "is not a FHIR date")),
            },
            None => None,
        };
        let written = objects(res, "identifier", &place)?
            .into_iter()
            .find_map(|id| {
                let system = id.get("system")?.as_str()?;
                (system == codes::INS_SYSTEM).then(|| id.get("value")?.as_str())?
            });
        let ins = written
            .and_then(|w| Ins::parse(w).ok())
            .map(|i| i.as_str().to_owned());
        if written.is_some() && ins.is_none() {
            self.adjusted.push(format!(
                "{place}: the patient's INS does not validate (a wrong digit or key); it was not compared"
            ));
        }
        Ok(Some(PatientTraits {
            name: person_name(res),
            birth_date,
            ins,
        }))
    }

    fn day(
        &mut self,
        text: &str,
        place: &str,
        field: &'static str,
    ) -> Result<NaiveDate, FhirError> {
        let (day, partial) =
            codes::day(text).ok_or_else(|| invalid(place, field, "is not a FHIR date"))?;
        if partial {
            self.adjusted.push(format!(
                "{place}: {field} \"{}\" read as {day}",
                safe_name(text).trim_matches('"')
            ));
        }
        Ok(day)
    }

    /// The first of `fields` that holds a date (a dateTime, or a Period's start).
    fn first_day(
        &mut self,
        res: &Object,
        fields: &[&'static str],
        place: &str,
    ) -> Result<Option<NaiveDate>, FhirError> {
        for &field in fields {
            match res.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(t)) => return self.day(t, place, field).map(Some),
                Some(Value::Object(period)) => {
                    if let Some(start) = text_in(period, "start", field, place)? {
                        return self.day(start, place, field).map(Some);
                    }
                }
                Some(_) => return Err(invalid(place, field, "is not a date")),
            }
        }
        Ok(None)
    }

    fn updated(&self, res: &Object, issued_on: NaiveDate) -> DateTime<Utc> {
        res.get("meta")
            .and_then(|m| m.get("lastUpdated"))
            .and_then(Value::as_str)
            .and_then(codes::instant)
            .or(self.bundle_updated)
            .or_else(|| issued_on.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    fn skip(&mut self, entry: &Entry<'_>, item_type: String, reason: &str) {
        self.skipped.push(Skipped {
            item_type,
            place: entry.place(),
            reason: reason.to_owned(),
        });
    }

    fn push(
        &mut self,
        key: String,
        issued_on: NaiveDate,
        updated_at: DateTime<Utc>,
        body: RecordBody,
        attachment: Option<IntakeFile>,
    ) {
        self.records.push(IntakeRecord {
            key,
            issued_on,
            updated_at,
            provenance: self.provenance.clone(),
            body,
            attachment,
        });
    }

    fn read_all(&mut self) -> Result<(), FhirError> {
        let bundle = self.bundle;
        let mut prescriptions: Vec<(String, Prescription, DateTime<Utc>)> = Vec::new();
        let mut in_reports: HashSet<*const Object> = HashSet::new();
        for entry in bundle.of_type("DiagnosticReport") {
            for r in objects(entry.resource, "result", &entry.place())? {
                let value = Value::Object(r.clone());
                if let Some(target) = bundle.resolve_entry(&value) {
                    in_reports.insert(target.resource as *const Object);
                }
            }
        }
        let mut loose_labs: Vec<LabRead> = Vec::new();
        for entry in &bundle.entries {
            match entry.resource_type {
                "MedicationRequest" | "MedicationStatement" => {
                    if let Some((group, date, prescriber, medication, updated)) =
                        self.medication(entry)?
                    {
                        import::count(&mut self.items, ItemKind::Medication, 1);
                        let key = group.unwrap_or_else(|| resource_key(bundle, entry));
                        match prescriptions.iter_mut().find(|(k, _, _)| *k == key) {
                            Some((_, p, u)) => {
                                p.medications.push(medication);
                                *u = (*u).max(updated);
                            }
                            None => prescriptions.push((
                                key,
                                Prescription {
                                    prescriber,
                                    date,
                                    medications: vec![medication],
                                    notes: None,
                                },
                                updated,
                            )),
                        }
                    }
                }
                "AllergyIntolerance" => self.allergy(entry)?,
                "Condition" => self.condition(entry)?,
                "Immunization" => self.immunisation(entry)?,
                "Observation" => {
                    if in_reports.contains(&(entry.resource as *const Object)) {
                        continue;
                    }
                    if let Some(lab) = self.lab_result(entry)? {
                        loose_labs.push(lab);
                    }
                }
                "DiagnosticReport" => self.lab_report(entry)?,
                "DocumentReference" => self.document(entry)?,
                t if CONTEXT_TYPES.contains(&t) => {}
                t => {
                    let name = safe_name(t).trim_matches('"').to_owned();
                    self.skip(entry, name, "Carnet does not keep this kind of record");
                }
            }
        }
        for (key, p, updated) in prescriptions {
            let date = p.date;
            self.push(key, date, updated, RecordBody::Prescription(p), None);
        }
        // Results outside any report: one lab report per day and laboratory.
        let mut groups: Vec<LabRead> = Vec::new();
        let mut members: Vec<Vec<LabResult>> = Vec::new();
        for lab in loose_labs {
            match groups
                .iter()
                .position(|g| g.laboratory == lab.laboratory && g.date == lab.date)
            {
                Some(at) => {
                    groups[at].updated = groups[at].updated.max(lab.updated);
                    groups[at].keys.extend(lab.keys);
                    members[at].push(lab.result);
                }
                None => {
                    members.push(vec![lab.result.clone()]);
                    groups.push(lab);
                }
            }
        }
        for (group, results) in groups.into_iter().zip(members) {
            // Named by the results it holds, so two files with results of one laboratory on one
            // day never share a record.
            let mut h = crate::crypto::digest::Hasher::new("carnet.fhir.v1.lab-day");
            for k in &group.keys {
                h.update_with_length(k.as_bytes());
            }
            let members = data_encoding::HEXLOWER.encode(&h.finalize()[..12]);
            let key = format!("lab-day|{}|{}|{members}", group.date, group.laboratory);
            let body = RecordBody::LabReport(LabReport {
                laboratory: group.laboratory,
                collection_date: group.date,
                results,
            });
            self.push(key, group.date, group.updated, body, None);
        }
        Ok(())
    }

    /// A medication line, with the prescription it belongs to: (its group key, date,
    /// prescriber, the line, when it was updated).
    #[allow(clippy::type_complexity)]
    fn medication(
        &mut self,
        entry: &Entry<'_>,
    ) -> Result<
        Option<(
            Option<String>,
            NaiveDate,
            Prescriber,
            Medication,
            DateTime<Utc>,
        )>,
        FhirError,
    > {
        let place = entry.place();
        let res = entry.resource;
        let label = entry.resource_type.to_owned();
        let status = text(res, "status", &place)?.unwrap_or("");
        if status == "entered-in-error" {
            self.skip(entry, label, "entered in error");
            return Ok(None);
        }
        if status == "not-taken" {
            self.skip(entry, label, "recorded as not taken");
            return Ok(None);
        }
        let concept = match concept_at(res, "medicationCodeableConcept", &place)? {
            Some(c) => Some(c),
            None => match object(res, "medicationReference", &place)? {
                Some(reference) => {
                    match self.bundle.resolve(res, &Value::Object(reference.clone())) {
                        Some(medication) => concept_at(medication, "code", &place)?,
                        None => match reference.get("display").and_then(Value::as_str) {
                            Some(d) => Some(Concept {
                                text: Some(d.to_owned()),
                                codings: Vec::new(),
                            }),
                            None => {
                                self.skip(
                                    entry,
                                    label,
                                    "refers to a medication that is not in the bundle",
                                );
                                return Ok(None);
                            }
                        },
                    }
                }
                None => None,
            },
        };
        let Some(concept) = concept else {
            self.skip(entry, label, "names no medication");
            return Ok(None);
        };
        if concept.states_absence() {
            self.skip(entry, label, "states that no medication is known");
            return Ok(None);
        }
        let Some(name) = concept.name() else {
            self.skip(entry, label, "names no medication");
            return Ok(None);
        };
        let date_fields: &[&'static str] = if entry.resource_type == "MedicationRequest" {
            &["authoredOn"]
        } else {
            &["effectiveDateTime", "effectivePeriod", "dateAsserted"]
        };
        let date = match self.first_day(res, date_fields, &place)? {
            Some(d) => d,
            None => match self.bundle_updated {
                Some(t) => {
                    self.adjusted
                        .push(format!("{place}: no date of its own, dated as the bundle"));
                    t.date_naive()
                }
                None => {
                    self.skip(entry, label, "has no date");
                    return Ok(None);
                }
            },
        };
        let mut instructions = Vec::new();
        let dosages = if entry.resource_type == "MedicationRequest" {
            "dosageInstruction"
        } else {
            "dosage"
        };
        let mut bounds_end = None;
        for dosage in objects(res, dosages, &place)? {
            if let Some(t) = text_in(dosage, "text", dosages, &place)? {
                instructions.push(t.to_owned());
            } else if let Some(t) = text_in(dosage, "patientInstruction", dosages, &place)? {
                instructions.push(t.to_owned());
            }
            if let Some(end) = dosage
                .get("timing")
                .and_then(|t| t.get("repeat"))
                .and_then(|r| r.get("boundsPeriod"))
                .and_then(|b| b.get("end"))
                .and_then(Value::as_str)
            {
                bounds_end = Some(self.day(end, &place, "boundsPeriod")?);
            }
        }
        let mut duration = None;
        let mut renewals = 0u8;
        if let Some(dispense) = object(res, "dispenseRequest", &place)? {
            if let Some(n) = dispense.get("numberOfRepeatsAllowed") {
                let n = n.as_u64().ok_or_else(|| {
                    invalid(&place, "numberOfRepeatsAllowed", "is not a whole number")
                })?;
                renewals = u8::try_from(n).unwrap_or_else(|_| {
                    self.adjusted
                        .push(format!("{place}: more than 255 renewals, kept as 255"));
                    u8::MAX
                });
            }
            if let Some(supply) = dispense
                .get("expectedSupplyDuration")
                .and_then(Value::as_object)
            {
                let value = supply.get("value").and_then(Value::as_f64);
                let unit = supply
                    .get("code")
                    .or(supply.get("unit"))
                    .and_then(Value::as_str);
                let days = match (value, unit) {
                    (Some(v), Some("d" | "day" | "days")) => Some(v),
                    (Some(v), Some("wk" | "week" | "weeks")) => Some(v * 7.0),
                    (Some(v), Some("mo" | "month" | "months")) => {
                        self.adjusted.push(format!(
                            "{place}: a supply in months, counted as 30 days a month"
                        ));
                        Some(v * 30.0)
                    }
                    _ => None,
                };
                if let Some(days) = days.filter(|d| d.fract() == 0.0 && *d >= 1.0 && *d <= 36_500.0)
                {
                    duration = Some(MedicationDuration::Days(days as u32));
                }
            }
            if let Some(end) = dispense
                .get("validityPeriod")
                .and_then(|p| p.get("end"))
                .and_then(Value::as_str)
            {
                let end = self.day(end, &place, "validityPeriod")?;
                duration = duration.or(Some(MedicationDuration::Until(end)));
            }
        }
        if let Some(end) = res
            .get("effectivePeriod")
            .and_then(|p| p.get("end"))
            .and_then(Value::as_str)
        {
            let end = self.day(end, &place, "effectivePeriod")?;
            duration = duration.or(Some(MedicationDuration::Until(end)));
        }
        if let Some(end) = bounds_end {
            duration = duration.or(Some(MedicationDuration::Until(end)));
        }
        if let Some(MedicationDuration::Until(end)) = duration {
            if end < date {
                self.adjusted.push(format!(
                    "{place}: its end is before its start; kept without an end"
                ));
                duration = None;
            }
        }
        // A medication the file says is stopped or cancelled is never read as current: it ends
        // when the file said so (a statement's `dateAsserted`), else on its own date, unless it
        // gave an earlier end. (A completed one keeps its end, or the open-ended default: Carnet
        // itself exports a past prescription as completed.)
        match status {
            "stopped" | "cancelled" => {
                let asserted = if entry.resource_type == "MedicationStatement" {
                    self.first_day(res, &["dateAsserted"], &place)?
                } else {
                    None
                };
                let asserted = asserted.filter(|d| *d >= date);
                let end = asserted.unwrap_or(date);
                if !matches!(duration, Some(MedicationDuration::Until(given)) if given <= end) {
                    self.adjusted.push(format!(
                        "{place}: {status} in the file, so ended on the date it was {}",
                        if asserted.is_some() {
                            "asserted"
                        } else {
                            "written"
                        }
                    ));
                    duration = Some(MedicationDuration::Until(end));
                }
            }
            _ => {}
        }
        let mut notes: Vec<String> = objects(res, "note", &place)?
            .into_iter()
            .filter_map(|n| n.get("text").and_then(Value::as_str).map(str::to_owned))
            .collect();
        if matches!(status, "stopped" | "on-hold" | "cancelled") {
            notes.push(format!("status in the file: {status}"));
        }
        let strength = carnet_extension(res, STRENGTH_EXTENSION, &place)?.map(str::to_owned);
        let who = if entry.resource_type == "MedicationRequest" {
            "requester"
        } else {
            "informationSource"
        };
        let (prescriber_name, rpps) = self
            .party_at(res, who, &place)?
            .unwrap_or_else(|| (NO_PRESCRIBER.to_owned(), None));
        let group = object(res, "groupIdentifier", &place)?.and_then(|g| {
            g.get("value").and_then(Value::as_str).map(|v| {
                let system = g.get("system").and_then(Value::as_str).unwrap_or("");
                format!("prescription|{system}|{v}")
            })
        });
        let medication = Medication {
            name,
            code: concept.best(),
            strength,
            instructions: instructions.join("; "),
            duration,
            renewals,
            notes: (!notes.is_empty()).then(|| notes.join("; ")),
            stop: None,
        };
        let prescriber = Prescriber {
            name: prescriber_name,
            specialty: None,
            rpps,
        };
        let updated = self.updated(res, date);
        Ok(Some((group, date, prescriber, medication, updated)))
    }

    fn allergy(&mut self, entry: &Entry<'_>) -> Result<(), FhirError> {
        let place = entry.place();
        let res = entry.resource;
        let label = "AllergyIntolerance".to_owned();
        if let Some(v) = status_in(res, "verificationStatus", &place)? {
            if v == "entered-in-error" || v == "refuted" {
                self.skip(entry, label, "entered in error or refuted");
                return Ok(());
            }
        }
        if let Some(c) = status_in(res, "clinicalStatus", &place)? {
            if c == "inactive" || c == "resolved" {
                self.skip(
                    entry,
                    label,
                    "no longer active (Carnet keeps current allergies)",
                );
                return Ok(());
            }
        }
        let Some(code) = concept_at(res, "code", &place)? else {
            self.skip(entry, label, "names no substance");
            return Ok(());
        };
        if code.states_absence() {
            self.skip(entry, label, "states that no allergy is known");
            return Ok(());
        }
        let Some(substance) = code.name() else {
            self.skip(entry, label, "names no substance");
            return Ok(());
        };
        let mut reactions = Vec::new();
        let mut severity = None;
        for reaction in objects(res, "reaction", &place)? {
            for m in objects(reaction, "manifestation", &place)? {
                if let Some(n) = concept(m, "manifestation", &place)?.name() {
                    if n != NO_REACTION {
                        reactions.push(n);
                    }
                }
            }
            if reactions.is_empty() {
                if let Some(d) = text_in(reaction, "description", "reaction", &place)? {
                    reactions.push(d.to_owned());
                }
            }
            let s = match text_in(reaction, "severity", "reaction", &place)? {
                Some("mild") => Some(AllergySeverity::Mild),
                Some("moderate") => Some(AllergySeverity::Moderate),
                Some("severe") => Some(AllergySeverity::Severe),
                Some(other) => {
                    // Not a FHIR severity ("low" is a criticality): left out, and said.
                    self.adjusted.push(format!(
                        "{place}: reaction severity {} is not mild, moderate or severe; left out",
                        safe_name(other)
                    ));
                    None
                }
                None => None,
            };
            // The worst reaction says how severe the allergy is.
            let rank = |s: Option<AllergySeverity>| s.map(|s| s as u8 + 1).unwrap_or(0);
            if rank(s) > rank(severity) {
                severity = s;
            }
        }
        let noted_on = self.first_day(
            res,
            &["recordedDate", "onsetDateTime", "onsetPeriod"],
            &place,
        )?;
        import::count(&mut self.items, ItemKind::Allergy, 1);
        let issued = noted_on
            .or(self.bundle_updated.map(|t| t.date_naive()))
            .unwrap_or(NaiveDate::MIN);
        let updated = self.updated(res, issued);
        let body = RecordBody::Allergy(Allergy {
            substance,
            code: code.best(),
            reaction: (!reactions.is_empty()).then(|| reactions.join(", ")),
            severity,
            noted_on,
        });
        self.push(
            resource_key(self.bundle, entry),
            issued,
            updated,
            body,
            None,
        );
        Ok(())
    }

    fn condition(&mut self, entry: &Entry<'_>) -> Result<(), FhirError> {
        let place = entry.place();
        let res = entry.resource;
        let label = "Condition".to_owned();
        if let Some(v) = status_in(res, "verificationStatus", &place)? {
            if v == "entered-in-error" || v == "refuted" {
                self.skip(entry, label, "entered in error or refuted");
                return Ok(());
            }
        }
        let Some(code) = concept_at(res, "code", &place)? else {
            self.skip(entry, label, "names no condition");
            return Ok(());
        };
        if code.states_absence() {
            self.skip(entry, label, "states that no problem is known");
            return Ok(());
        }
        let Some(name) = code.name() else {
            self.skip(entry, label, "names no condition");
            return Ok(());
        };
        let status = match status_in(res, "clinicalStatus", &place)?.as_deref() {
            Some("inactive" | "remission" | "resolved") => ConditionStatus::Resolved,
            _ => ConditionStatus::Active,
        };
        let onset = self.first_day(res, &["onsetDateTime", "onsetPeriod"], &place)?;
        let notes: Vec<String> = objects(res, "note", &place)?
            .into_iter()
            .filter_map(|n| n.get("text").and_then(Value::as_str).map(str::to_owned))
            .collect();
        import::count(&mut self.items, ItemKind::Condition, 1);
        let recorded = self.first_day(res, &["recordedDate"], &place)?;
        let issued = onset
            .or(recorded)
            .or(self.bundle_updated.map(|t| t.date_naive()))
            .unwrap_or(NaiveDate::MIN);
        let updated = self.updated(res, issued);
        let body = RecordBody::Condition(Condition {
            name,
            code: code.best(),
            status,
            onset,
            notes: (!notes.is_empty()).then(|| notes.join("; ")),
        });
        self.push(
            resource_key(self.bundle, entry),
            issued,
            updated,
            body,
            None,
        );
        Ok(())
    }

    fn immunisation(&mut self, entry: &Entry<'_>) -> Result<(), FhirError> {
        let place = entry.place();
        let res = entry.resource;
        let label = "Immunization".to_owned();
        match text(res, "status", &place)? {
            Some("not-done") => {
                self.skip(entry, label, "recorded as not done");
                return Ok(());
            }
            Some("entered-in-error") => {
                self.skip(entry, label, "entered in error");
                return Ok(());
            }
            _ => {}
        }
        let Some(code) = concept_at(res, "vaccineCode", &place)? else {
            self.skip(entry, label, "names no vaccine");
            return Ok(());
        };
        if code.states_absence() {
            self.skip(entry, label, "states that no immunisation is known");
            return Ok(());
        }
        let Some(vaccine) = code.name() else {
            self.skip(entry, label, "names no vaccine");
            return Ok(());
        };
        let Some(date) = self.first_day(res, &["occurrenceDateTime"], &place)? else {
            self.skip(entry, label, "has no date Carnet can read");
            return Ok(());
        };
        let mut dose = None;
        if let Some(p) = objects(res, "protocolApplied", &place)?.first() {
            dose = match p.get("doseNumberString").or(p.get("doseNumberPositiveInt")) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(format!("dose {n}")),
                _ => None,
            };
        }
        let administered_by = self.party_at(res, "performer", &place)?.map(|(n, _)| n);
        import::count(&mut self.items, ItemKind::Immunisation, 1);
        let updated = self.updated(res, date);
        let body = RecordBody::Immunisation(Immunisation {
            vaccine,
            code: code.best(),
            date,
            dose,
            lot: text(res, "lotNumber", &place)?.map(str::to_owned),
            administered_by,
        });
        self.push(resource_key(self.bundle, entry), date, updated, body, None);
        Ok(())
    }

    fn is_laboratory(res: &Object, place: &str) -> Result<bool, FhirError> {
        for category in objects(res, "category", place)? {
            if concept(category, "category", place)?
                .codings
                .iter()
                .any(|(_, c, _)| c == "laboratory" || c == "LAB")
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A laboratory result: (laboratory, date, result, updated), or `None` when skipped.
    fn lab_result(&mut self, entry: &Entry<'_>) -> Result<Option<LabRead>, FhirError> {
        let place = entry.place();
        let res = entry.resource;
        if !Self::is_laboratory(res, &place)? {
            let category = objects(res, "category", &place)?
                .into_iter()
                .filter_map(|c| c.get("coding")?.as_array()?.first()?.get("code")?.as_str())
                .next()
                .map(|c| format!("Observation ({})", safe_name(c).trim_matches('"')))
                .unwrap_or_else(|| "Observation (no category)".to_owned());
            self.skip(entry, category, "not a laboratory result");
            return Ok(None);
        }
        let label = "Observation (laboratory)".to_owned();
        if let Some("entered-in-error" | "cancelled") = text(res, "status", &place)? {
            self.skip(entry, label, "entered in error or cancelled");
            return Ok(None);
        }
        let Some(code) = concept_at(res, "code", &place)? else {
            self.skip(entry, label, "names no analyte");
            return Ok(None);
        };
        let Some(analyte) = code.name() else {
            self.skip(entry, label, "names no analyte");
            return Ok(None);
        };
        let value = self.lab_value(res, &place)?;
        let Some((value, unit)) = value else {
            let reason = if res.get("hasMember").is_some() {
                "a panel without a value of its own (its members are read)"
            } else if res.get("component").is_some() {
                "its values are in components, which Carnet does not keep"
            } else {
                "has no value"
            };
            self.skip(entry, label, reason);
            return Ok(None);
        };
        let Some(date) = self.first_day(
            res,
            &[
                "effectiveDateTime",
                "effectivePeriod",
                "effectiveInstant",
                "issued",
            ],
            &place,
        )?
        else {
            self.skip(entry, label, "has no date");
            return Ok(None);
        };
        let mut reference_range = None;
        if let Some(range) = objects(res, "referenceRange", &place)?.first() {
            let bound = |field: &'static str| -> Result<Option<f64>, FhirError> {
                match range.get(field).and_then(|q| q.get("value")) {
                    None => Ok(None),
                    Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                        invalid(&place, "referenceRange", "has a bound that is not a number")
                    }),
                }
            };
            reference_range = Some(ReferenceRange {
                low: bound("low")?,
                high: bound("high")?,
                text: text_in(range, "text", "referenceRange", &place)?.map(str::to_owned),
            });
        }
        let mut abnormal = false;
        for i in objects(res, "interpretation", &place)? {
            abnormal |= concept(i, "interpretation", &place)?
                .codings
                .iter()
                .any(|(_, c, _)| !matches!(c.as_str(), "N" | "normal" | "IND" | "NEG" | "ND"));
        }
        let laboratory = self
            .party_at(res, "performer", &place)?
            .map(|(n, _)| n)
            .unwrap_or_else(|| NO_LABORATORY.to_owned());
        import::count(&mut self.items, ItemKind::LabResult, 1);
        let updated = self.updated(res, date);
        Ok(Some(LabRead {
            laboratory,
            date,
            result: LabResult {
                analyte,
                loinc: code.code_in(LOINC).map(str::to_owned),
                value,
                unit,
                reference_range,
                abnormal,
            },
            updated,
            keys: vec![resource_key(self.bundle, entry)],
        }))
    }

    /// A result's value and unit exactly as written, or `None` when it has none Carnet keeps.
    fn lab_value(
        &self,
        res: &Object,
        place: &str,
    ) -> Result<Option<(LabValue, Option<String>)>, FhirError> {
        if let Some(q) = object(res, "valueQuantity", place)? {
            let number = q
                .get("value")
                .ok_or_else(|| invalid(place, "valueQuantity", "has no value"))?;
            let n = number.as_f64().filter(|n| n.is_finite()).ok_or_else(|| {
                invalid(place, "valueQuantity", "has a value that is not a number")
            })?;
            let unit = text_in(q, "unit", "valueQuantity", place)?
                .or(text_in(q, "code", "valueQuantity", place)?)
                .map(str::to_owned);
            let value = match text_in(q, "comparator", "valueQuantity", place)? {
                Some(c) => LabValue::Text(format!("{c}{number}")),
                None => LabValue::Numeric(n),
            };
            return Ok(Some((value, unit)));
        }
        if let Some(s) = text(res, "valueString", place)? {
            let unit = carnet_extension(res, UNIT_EXTENSION, place)?.map(str::to_owned);
            return Ok(Some((LabValue::Text(s.to_owned()), unit)));
        }
        if let Some(c) = concept_at(res, "valueCodeableConcept", place)? {
            return Ok(c.name().map(|n| (LabValue::Text(n), None)));
        }
        match res.get("valueInteger") {
            Some(Value::Number(n)) => return Ok(n.as_f64().map(|n| (LabValue::Numeric(n), None))),
            Some(_) => return Err(invalid(place, "valueInteger", "is not a number")),
            None => {}
        }
        if let Some(b) = res.get("valueBoolean") {
            let b = b
                .as_bool()
                .ok_or_else(|| invalid(place, "valueBoolean", "is not true or false"))?;
            return Ok(Some((
                LabValue::Text(if b { "yes" } else { "no" }.into()),
                None,
            )));
        }
        if let Some(r) = object(res, "valueRange", place)? {
            let part = |f: &str| r.get(f).and_then(|q| q.get("value")).map(|v| v.to_string());
            let unit = r
                .get("low")
                .or(r.get("high"))
                .and_then(|q| q.get("unit"))
                .and_then(Value::as_str);
            let text = match (part("low"), part("high")) {
                (Some(l), Some(h)) => format!("{l}–{h}"),
                (Some(l), None) => format!(">={l}"),
                (None, Some(h)) => format!("<={h}"),
                (None, None) => return Ok(None),
            };
            return Ok(Some((LabValue::Text(text), unit.map(str::to_owned))));
        }
        Ok(None)
    }

    fn lab_report(&mut self, entry: &Entry<'_>) -> Result<(), FhirError> {
        let place = entry.place();
        let res = entry.resource;
        let label = "DiagnosticReport".to_owned();
        if matches!(
            text(res, "status", &place)?,
            Some("entered-in-error" | "cancelled")
        ) {
            self.skip(entry, label, "entered in error or cancelled");
            for r in objects(res, "result", &place)? {
                if let Some(obs) = self.bundle.resolve_entry(&Value::Object(r.clone())) {
                    if self.results_read.insert(obs.resource as *const Object) {
                        self.skip(
                            obs,
                            "Observation (laboratory)".into(),
                            "in a report entered in error or cancelled",
                        );
                    }
                }
            }
            return Ok(());
        }
        let mut results = Vec::new();
        let mut first_date = None;
        let mut lab_of_results = None;
        let mut updated = None;
        for r in objects(res, "result", &place)? {
            let value = Value::Object(r.clone());
            let obs = self.bundle.resolve_entry(&value);
            let Some(obs) = obs else {
                // Extracts often leave a report's results behind: say so, keep the rest.
                self.skip(
                    entry,
                    "DiagnosticReport result".into(),
                    "refers to a result that is not in the bundle",
                );
                continue;
            };
            if !self.results_read.insert(obs.resource as *const Object) {
                continue;
            }
            if let Some(lab) = self.lab_result(obs)? {
                first_date = first_date.or(Some(lab.date));
                lab_of_results = lab_of_results.or(Some(lab.laboratory));
                updated = updated.max(Some(lab.updated));
                results.push(lab.result);
            }
        }
        let date = match self.first_day(
            res,
            &["effectiveDateTime", "effectivePeriod", "issued"],
            &place,
        )? {
            Some(d) => Some(d),
            None => first_date,
        };
        let laboratory = self
            .party_at(res, "performer", &place)?
            .map(|(n, _)| n)
            .or(lab_of_results)
            .unwrap_or_else(|| NO_LABORATORY.to_owned());
        let attachment = self.presented_form(res, &place)?;
        let Some(date) = date else {
            self.skip(entry, label, "has no date");
            return Ok(());
        };
        let updated = updated
            .unwrap_or(self.updated(res, date))
            .max(self.updated(res, date));
        let key = resource_key(self.bundle, entry);
        if results.is_empty() {
            // A report that is only its PDF is a document.
            match attachment {
                Some(file) => {
                    let title = concept_at(res, "code", &place)?
                        .and_then(|c| c.name())
                        .unwrap_or_else(|| "Lab report".to_owned());
                    import::count(&mut self.items, ItemKind::Document, 1);
                    let body = RecordBody::Document(Document {
                        title,
                        date,
                        media_type: file.media_type.clone(),
                    });
                    self.push(key, date, updated, body, Some(file));
                }
                None => self.skip(entry, label, "holds no result Carnet can read"),
            }
            return Ok(());
        }
        let body = RecordBody::LabReport(LabReport {
            laboratory,
            collection_date: date,
            results,
        });
        self.push(key, date, updated, body, attachment);
        Ok(())
    }

    /// The first attachment with inline data of `presentedForm`.
    fn presented_form(&self, res: &Object, place: &str) -> Result<Option<IntakeFile>, FhirError> {
        for form in objects(res, "presentedForm", place)? {
            if let Some(file) = attachment_file(form, place, "report")? {
                return Ok(Some(file));
            }
        }
        Ok(None)
    }

    fn document(&mut self, entry: &Entry<'_>) -> Result<(), FhirError> {
        let place = entry.place();
        let res = entry.resource;
        let label = "DocumentReference".to_owned();
        if matches!(
            text(res, "status", &place)?,
            Some("entered-in-error" | "superseded")
        ) {
            self.skip(entry, label, "entered in error or superseded");
            return Ok(());
        }
        let mut file = None;
        let mut linked = false;
        let mut declared: Option<String> = None;
        for content in objects(res, "content", &place)? {
            if let Some(att) = object(content, "attachment", &place)? {
                if let Some(f) = attachment_file(att, &place, "document")? {
                    file = Some(f);
                    break;
                }
                linked |= att.contains_key("url");
                if declared.is_none() {
                    declared =
                        text_in(att, "contentType", "attachment", &place)?.map(str::to_owned);
                }
            }
        }
        let file = match (file, declared) {
            (Some(f), _) => f,
            (None, _) if linked => {
                self.skip(
                    entry,
                    label,
                    "its content is not in the file, only a link to it",
                );
                return Ok(());
            }
            // Neither data nor a link: an empty letter, or a document known by its title only.
            (None, Some(media_type)) => IntakeFile {
                file_name: String::new(),
                media_type,
                data: FileData::Bytes(Vec::new()),
            },
            (None, None) => {
                self.skip(entry, label, "has no content");
                return Ok(());
            }
        };
        let Some(date) = self.first_day(res, &["date"], &place)?.or(
            match res.get("context").and_then(|c| c.get("period")) {
                Some(Value::Object(p)) => match p.get("start").and_then(Value::as_str) {
                    Some(s) => Some(self.day(s, &place, "context")?),
                    None => None,
                },
                _ => None,
            },
        ) else {
            self.skip(entry, label, "has no date");
            return Ok(());
        };
        let kind_name = concept_at(res, "type", &place)?.and_then(|c| c.name());
        let title = text(res, "description", &place)?
            .map(str::to_owned)
            .or(kind_name)
            .or_else(|| Some(file.file_name.clone()).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| "Document".to_owned());
        let updated = self.updated(res, date);
        let key = resource_key(self.bundle, entry);
        if file.media_type.starts_with("text/plain") {
            let FileData::Bytes(text) = file.data else {
                return Err(invalid(
                    &place,
                    "attachment",
                    "holds a text that is not inline",
                ));
            };
            let body = String::from_utf8(text)
                .map_err(|_| invalid(&place, "attachment", "holds text that is not UTF-8"))?;
            let (author, _) = self
                .party_at(res, "author", &place)?
                .unwrap_or_else(|| (NO_AUTHOR.to_owned(), None));
            import::count(&mut self.items, ItemKind::Letter, 1);
            let specialty = carnet_extension(res, SPECIALTY_EXTENSION, &place)?.map(str::to_owned);
            let body = RecordBody::Letter(Letter {
                author,
                specialty,
                date,
                subject: title,
                body,
            });
            self.push(key, date, updated, body, None);
        } else {
            import::count(&mut self.items, ItemKind::Document, 1);
            let body = RecordBody::Document(Document {
                title,
                date,
                media_type: file.media_type.clone(),
            });
            let file = (!file.data.is_empty()).then_some(file);
            self.push(key, date, updated, body, file);
        }
        Ok(())
    }
}

/// The extension Carnet's export uses for a letter's author's specialty.
pub const SPECIALTY_EXTENSION: &str = "urn:carnet:fhir:extension:author-specialty";

/// Names Carnet gives what a file leaves out.
pub const NO_PRESCRIBER: &str = "Prescriber not stated in the file";
pub const NO_LABORATORY: &str = "Laboratory not stated in the file";
pub const NO_AUTHOR: &str = "Author not stated in the file";
/// The manifestation Carnet's export writes for an allergy whose severity is known and whose
/// reaction is not (FHIR needs one to carry a severity); read back as no reaction.
pub const NO_REACTION: &str = "Reaction not described";

/// An Attachment with inline data, decoded.
fn attachment_file(
    att: &Object,
    place: &str,
    default_name: &str,
) -> Result<Option<IntakeFile>, FhirError> {
    let Some(data) = text_in(att, "data", "attachment", place)? else {
        return Ok(None);
    };
    let media_type = text_in(att, "contentType", "attachment", place)?
        .unwrap_or("application/octet-stream")
        .to_owned();
    let cleaned: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let data = BASE64
        .decode(cleaned.as_bytes())
        .map_err(|_| invalid(place, "attachment", "holds data that is not base64"))?;
    let extension = match media_type.split(';').next().unwrap_or("").trim() {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "text/html" => "html",
        _ => "bin",
    };
    let file_name = text_in(att, "title", "attachment", place)?
        .map(|t| {
            t.chars()
                .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                .take(100)
                .collect::<String>()
        })
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| format!("{default_name}.{extension}"));
    Ok(Some(IntakeFile {
        file_name,
        media_type,
        data: FileData::Bytes(data),
    }))
}
