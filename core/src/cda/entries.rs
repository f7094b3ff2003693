//! The IHE PCC entries the CI-SIS volets share (a problem, an allergy, a medication, an
//! immunisation), each read into its Carnet value.
//!
//! The summary (VSM, IPS-FR), the vaccination record (VAC) and the prescription (eP-MED-DM)
//! are built from the same entry templates; [`super::summary`] decides which entries of which
//! section become which record, this module reads one entry. Where an entry's narrative and its
//! coded parts both say something, the narrative wins: in CDA the narrative is what the author
//! attested, the codes are there to be computed on.
//!
//! | entry (templateId) | Carnet |
//! |------|--------|
//! | problem concern `1.3.6.1.4.1.19376.1.5.3.1.4.5.2` | a condition: the problem's value (name, CIM-10 or SNOMED code), onset, resolved when the concern is completed or the problem has ended |
//! | allergy concern `…4.5.3` | an allergy: the agent (participant `CSM`), the reaction (`MFST`), the severity (`…4.1`), the day it was noted; an inactive one is left out, as FHIR's is |
//! | medication `…4.7` | a prescription line: name, code (ATC, then CIP13, then CIS), strength, the posology as written, the end, renewals, the patient's instructions |
//! | immunisation `…4.12` | an immunisation: vaccine, code, date, dose number, lot, who gave it |

use super::CdaError;
use super::header::{hl7_day, name_of};
use super::narrative::{Ids, Rows, is_blank, referenced_text};
use super::xml::Element;
use crate::fhir::codes::RPPS_SYSTEM;
use crate::import::Skipped;
use crate::model::{
    Allergy, AllergySeverity, CodedConcept, Condition, ConditionStatus, Immunisation, Medication,
    MedicationDuration, Rpps,
};
use chrono::NaiveDate;

pub(super) const PROBLEM_CONCERN: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5.2";
pub(super) const ALLERGY_CONCERN: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5.3";
const PROBLEM: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.5";
pub(super) const MEDICATION: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.7";
pub(super) const IMMUNISATION: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.12";
const SEVERITY: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.1";
const PATIENT_INSTRUCTIONS: &str = "1.3.6.1.4.1.19376.1.5.3.1.4.3";

/// The terminologies of the CI-SIS by OID, as Carnet names them (those FHIR also knows by a
/// name share it, see `fhir::codes`).
const CODE_SYSTEMS: [(&str, &str); 9] = [
    ("2.16.840.1.113883.6.73", "ATC"),
    ("1.2.250.1.213.2.3.2", "CIP13"),
    ("1.2.250.1.213.2.3.1", "CIS"),
    ("2.16.840.1.113883.6.96", "SNOMED CT"),
    ("2.16.840.1.113883.6.3", "CIM-10"),
    ("2.16.840.1.113883.6.1", "LOINC"),
    ("2.16.840.1.113883.12.292", "CVX"),
    ("0.4.0.127.0.16.1.1.2.1", "EDQM"),
    ("1.2.250.1.213.2.59", "MV"),
];

/// A coded element (`code`, `value xsi:type="CD"`, `translation`) as a Carnet concept.
fn concept(e: &Element) -> Option<CodedConcept> {
    if e.attr("nullFlavor").is_some() {
        return None;
    }
    let code = e.attr("code").filter(|c| !c.trim().is_empty())?;
    let oid = e.attr("codeSystem")?;
    let system = CODE_SYSTEMS
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or_else(|| format!("urn:oid:{oid}"), |(_, name)| (*name).to_owned());
    Some(CodedConcept {
        system,
        code: code.trim().to_owned(),
    })
}

/// A coded element and its translations, the first found in `systems`' order, then its own.
fn best_concept(e: &Element, systems: &[&str]) -> Option<CodedConcept> {
    let mut all: Vec<CodedConcept> = concept(e).into_iter().collect();
    all.extend(e.children_named("translation").filter_map(concept));
    systems
        .iter()
        .find_map(|s| all.iter().find(|c| c.system == *s).cloned())
        .or_else(|| all.into_iter().next())
}

/// What a document's entries are read against, and what reading them left out or adjusted.
pub(super) struct Entries<'d> {
    ids: Ids<'d>,
    rows: Rows<'d>,
    /// The document's day: a problem that ended by then is resolved.
    day: NaiveDate,
    pub skipped: Vec<Skipped>,
    pub adjusted: Vec<String>,
}

impl<'d> Entries<'d> {
    pub fn new(body: &'d Element, day: NaiveDate) -> Self {
        let all = body.descendants();
        let ids = all
            .iter()
            .filter_map(|e| Some((e.attr("ID")?, *e)))
            .collect();
        Entries {
            rows: Rows::new(&all),
            ids,
            day,
            skipped: Vec::new(),
            adjusted: Vec::new(),
        }
    }

    pub fn skip(&mut self, item_type: &str, place: &str, reason: &str) {
        self.skipped.push(Skipped {
            item_type: item_type.to_owned(),
            place: place.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// The text an element's `reference` (or `originalText/reference`) points at.
    fn referenced(&self, e: Option<&Element>) -> Option<String> {
        let e = e?;
        let reference = e
            .child("reference")
            .or_else(|| e.at(&["originalText", "reference"]))?;
        referenced_text(&self.ids, reference.attr("value")?).filter(|t| !is_blank(t))
    }

    /// The narrative an entry's `text` points at.
    pub fn text_of(&self, act: &Element) -> Option<String> {
        self.referenced(act.child("text"))
    }

    /// What a device supply names: its narrative, else its device's code.
    pub fn device(&self, supply: &Element) -> Option<String> {
        self.text_of(supply).or_else(|| {
            self.named(supply.at(&["participant", "participantRole", "playingDevice", "code"]))
        })
    }

    /// What a coded element names: its narrative text, its own text, its display name.
    fn named(&self, e: Option<&Element>) -> Option<String> {
        let e = e?;
        self.referenced(Some(e))
            .or_else(|| {
                e.child("originalText")
                    .map(|o| o.all_text())
                    .filter(|t| !is_blank(t))
            })
            .or_else(|| e.attr("displayName").map(str::to_owned))
            .filter(|t| !is_blank(t))
    }

    /// An HL7 date as a day: a year or a month alone is read as its first day, and said.
    fn day_of(
        &mut self,
        value: &str,
        place: &str,
        field: &'static str,
    ) -> Result<NaiveDate, CdaError> {
        let invalid = || CdaError::Invalid {
            place: place.to_owned(),
            field,
            problem: "is not an HL7 date",
        };
        let digits = value.chars().take_while(char::is_ascii_digit).count();
        let padded = match digits {
            4 => format!("{}0101", &value[..4]),
            6 => format!("{}01", &value[..6]),
            _ => return hl7_day(value).ok_or_else(invalid),
        };
        let day = hl7_day(&padded).ok_or_else(invalid)?;
        self.adjusted.push(format!(
            "{place}: {field} gives {} only, read as {day}",
            if digits == 4 { "a year" } else { "a month" }
        ));
        Ok(day)
    }

    /// A time element's day: its `value`, or the `low` (or `high`) bound of an interval.
    fn time(
        &mut self,
        e: Option<&Element>,
        bound: &str,
        place: &str,
        field: &'static str,
    ) -> Result<Option<NaiveDate>, CdaError> {
        let Some(e) = e else { return Ok(None) };
        let value = match e.attr("value") {
            Some(v) if bound == "low" => Some(v),
            _ => e.child(bound).and_then(|b| b.attr("value")),
        };
        value.map(|v| self.day_of(v, place, field)).transpose()
    }

    /// The inner observation of a concern (`entryRelationship typeCode="SUBJ"`) with `template`.
    fn concerned<'e>(act: &'e Element, template: &str) -> Option<&'e Element> {
        act.children_named("entryRelationship")
            .filter_map(|r| r.child("observation"))
            .find(|o| o.has_template(template))
    }

    pub fn condition(&mut self, act: &Element, place: &str) -> Result<Option<Condition>, CdaError> {
        let label = "problem";
        let Some(obs) = Self::concerned(act, PROBLEM) else {
            self.skip(label, place, "holds no problem observation");
            return Ok(None);
        };
        if obs.attr("negationInd") == Some("true") {
            self.skip(label, place, "states that the problem is absent");
            return Ok(None);
        }
        let value = obs.child("value");
        let Some(name) = self
            .named(value)
            .or_else(|| self.referenced(obs.child("text")))
        else {
            self.skip(label, place, "names no problem");
            return Ok(None);
        };
        let onset = self.time(obs.child("effectiveTime"), "low", place, "effectiveTime")?;
        let ended = self.time(
            obs.child("effectiveTime")
                .filter(|t| t.attr("value").is_none()),
            "high",
            place,
            "effectiveTime",
        )?;
        let concern = act.child("statusCode").and_then(|s| s.attr("code"));
        let status = if concern == Some("completed") || ended.is_some_and(|d| d <= self.day) {
            ConditionStatus::Resolved
        } else {
            ConditionStatus::Active
        };
        Ok(Some(Condition {
            name,
            code: value.and_then(concept),
            status,
            onset,
            notes: ended.map(|d| format!("ended {d}")),
        }))
    }

    pub fn allergy(&mut self, act: &Element, place: &str) -> Result<Option<Allergy>, CdaError> {
        let label = "allergy";
        let Some(obs) = act
            .children_named("entryRelationship")
            .filter_map(|r| r.child("observation"))
            .find(|o| o.has_template(PROBLEM))
        else {
            self.skip(label, place, "holds no allergy observation");
            return Ok(None);
        };
        if obs.attr("negationInd") == Some("true") {
            self.skip(label, place, "states that no allergy is known");
            return Ok(None);
        }
        let concern = act.child("statusCode").and_then(|s| s.attr("code"));
        // The allergy's clinical status, when the author gave one (an observation coded
        // LOINC 33999-4 "Status").
        let status = obs
            .children_named("entryRelationship")
            .filter_map(|r| r.child("observation"))
            .find(|o| o.child("code").and_then(|c| c.attr("code")) == Some("33999-4"))
            .and_then(|o| o.child("value"))
            .and_then(|v| v.attr("code"));
        if concern == Some("completed") || matches!(status, Some("inactive" | "resolved")) {
            self.skip(
                label,
                place,
                "no longer active (Carnet keeps current allergies)",
            );
            return Ok(None);
        }
        let agent = obs
            .children_named("participant")
            .filter(|p| p.attr("typeCode").is_none_or(|t| t == "CSM"))
            .find_map(|p| p.at(&["participantRole", "playingEntity"]));
        let agent_code = agent.and_then(|a| a.child("code"));
        let substance = self
            .named(agent_code)
            .or_else(|| {
                agent
                    .and_then(|a| a.child("name"))
                    .map(|n| n.all_text())
                    .filter(|t| !is_blank(t))
            })
            .or_else(|| self.named(obs.child("value")));
        let Some(substance) = substance else {
            self.skip(label, place, "names no substance");
            return Ok(None);
        };
        let code = agent_code
            .and_then(concept)
            .or_else(|| obs.child("value").and_then(concept));
        let related = |kind: &str| {
            obs.children_named("entryRelationship")
                .filter(move |r| r.attr("typeCode") == Some(kind))
                .filter_map(|r| r.child("observation"))
                .collect::<Vec<_>>()
        };
        let reactions: Vec<String> = related("MFST")
            .into_iter()
            .filter_map(|o| self.named(o.child("value")))
            .collect();
        let severity = related("SUBJ")
            .into_iter()
            .find(|o| o.has_template(SEVERITY))
            .and_then(|o| o.child("value"))
            .and_then(|v| v.attr("code"))
            .and_then(|c| match c {
                // HL7 ObservationValue, and SNOMED CT's severities.
                "H" | "24484000" => Some(AllergySeverity::Severe),
                "M" | "6736007" => Some(AllergySeverity::Moderate),
                "L" | "255604002" => Some(AllergySeverity::Mild),
                _ => None,
            });
        let noted_on = self.time(obs.child("effectiveTime"), "low", place, "effectiveTime")?;
        Ok(Some(Allergy {
            substance,
            code,
            reaction: (!reactions.is_empty()).then(|| reactions.join(", ")),
            severity,
            noted_on,
        }))
    }

    /// A medication (a `substanceAdministration`) as a prescription line.
    pub fn medication(
        &mut self,
        sa: &Element,
        place: &str,
    ) -> Result<Option<Medication>, CdaError> {
        let label = "medication";
        if let Some(status) = sa.child("statusCode").and_then(|s| s.attr("code")) {
            if matches!(status, "aborted" | "nullified" | "cancelled") {
                self.skip(label, place, &format!("its status is {status}"));
                return Ok(None);
            }
        }
        if sa.attr("negationInd") == Some("true") {
            self.skip(label, place, "recorded as not taken");
            return Ok(None);
        }
        let material = sa.at(&["consumable", "manufacturedProduct", "manufacturedMaterial"]);
        let code = material.and_then(|m| m.child("code"));
        let name = material
            .and_then(|m| m.child("name"))
            .filter(|n| n.attr("nullFlavor").is_none())
            .map(|n| n.all_text())
            .filter(|t| !is_blank(t))
            .or_else(|| self.named(code));
        let Some(name) = name else {
            self.skip(label, place, "names no medication");
            return Ok(None);
        };
        let class = material
            .and_then(|m| m.at(&["asSpecializedKind", "generalizedMedicineClass", "code"]))
            .and_then(concept);
        let code = class
            .filter(|c| c.system == "ATC")
            .or_else(|| code.and_then(|c| best_concept(c, &["ATC", "CIP13", "CIS"])));
        let strength: Vec<String> = material
            .into_iter()
            .flat_map(|m| m.children_named("ingredient"))
            .filter(|i| i.attr("classCode").is_none_or(|c| c == "ACTI"))
            .filter_map(|i| {
                let q = i.child("quantity")?;
                let n = q.child("numerator")?;
                let per_one = q
                    .child("denominator")
                    .is_none_or(|d| d.attr("value") == Some("1") && d.attr("unit").is_none());
                per_one.then(|| {
                    let v = n.attr("value")?;
                    Some(match n.attr("unit").filter(|u| *u != "1") {
                        Some(u) => format!("{v} {u}"),
                        None => v.to_owned(),
                    })
                })?
            })
            .collect();
        let instructions = self.posology(sa, code_reference(material))?;
        let times: Vec<&Element> = sa.children_named("effectiveTime").collect();
        let period = times
            .iter()
            .copied()
            .find(|t| t.child("low").is_some() || t.child("high").is_some());
        let start = self.time(period, "low", place, "effectiveTime")?;
        let end = match period
            .and_then(|p| p.child("high"))
            .and_then(|h| h.attr("value"))
        {
            Some(v) => Some(self.day_of(v, place, "effectiveTime")?),
            None => None,
        };
        let duration = match (start, end) {
            (Some(s), Some(e)) if e < s => {
                self.adjusted.push(format!(
                    "{place}: its end is before its start; kept without an end"
                ));
                None
            }
            (_, Some(e)) => Some(MedicationDuration::Until(e)),
            _ => None,
        };
        let renewals = match sa.child("repeatNumber").and_then(|r| r.attr("value")) {
            Some(v) => {
                let n: u64 = v.trim().parse().map_err(|_| CdaError::Invalid {
                    place: place.to_owned(),
                    field: "repeatNumber",
                    problem: "is not a whole number",
                })?;
                u8::try_from(n).unwrap_or_else(|_| {
                    self.adjusted
                        .push(format!("{place}: more than 255 renewals, kept as 255"));
                    u8::MAX
                })
            }
            None => 0,
        };
        let mut notes = Vec::new();
        if let Some(route) = self.named(sa.child("routeCode")) {
            notes.push(route);
        }
        for act in sa
            .children_named("entryRelationship")
            .filter_map(|r| r.child("act"))
            .filter(|a| a.has_template(PATIENT_INSTRUCTIONS))
        {
            notes.extend(self.referenced(act.child("text")));
        }
        Ok(Some(Medication {
            name,
            code,
            strength: (!strength.is_empty()).then(|| strength.join(" + ")),
            instructions,
            duration,
            renewals,
            notes: (!notes.is_empty()).then(|| notes.join("; ")),
            stop: None,
        }))
    }

    /// The posology as written: the narrative's "Posologie" column in the row that names the
    /// medication (where the CI-SIS narrative puts it), else each phase's dose and rhythm
    /// (their narrative, else their values), else the administration's own text.
    fn posology(&mut self, sa: &Element, product: Option<&str>) -> Result<String, CdaError> {
        let reference = sa.at(&["text", "reference"]).and_then(|r| r.attr("value"));
        for r in [reference, product].into_iter().flatten() {
            if let Some(t) = self.rows.column(r, "posologie") {
                return Ok(t);
            }
        }
        let mut phases: Vec<&Element> = sa
            .children_named("entryRelationship")
            .filter_map(|r| r.child("substanceAdministration"))
            .collect();
        if phases.is_empty() {
            phases.push(sa);
        }
        let written: Vec<String> = phases.iter().filter_map(|p| self.phase(p)).collect();
        if !written.is_empty() {
            return Ok(written.join(" puis "));
        }
        // The administration's text, unless it only names the product again.
        Ok(self
            .referenced(sa.child("text"))
            .filter(|_| reference.is_some() && reference != product)
            .unwrap_or_default())
    }

    /// One phase of a posology: its dose and its rhythm.
    fn phase(&self, sa: &Element) -> Option<String> {
        let quantity = |q: &Element| {
            self.referenced(q.child("translation")).or_else(|| {
                let v = q.attr("value")?;
                Some(match q.attr("unit").filter(|u| *u != "1") {
                    Some(u) => format!("{v} {u}"),
                    None => v.to_owned(),
                })
            })
        };
        let dose = sa.child("doseQuantity").and_then(|d| {
            match (
                d.child("low").and_then(quantity),
                d.child("high").and_then(quantity),
            ) {
                (Some(l), Some(h)) if l == h => Some(l),
                (Some(l), Some(h)) => Some(format!("{l} à {h}")),
                (one, other) => one.or(other).or_else(|| quantity(d)),
            }
        });
        let rhythm = sa
            .descendants()
            .into_iter()
            .find(|e| e.name == "period" && e.attr("value").is_some())
            .and_then(|p| {
                self.referenced(p.child("translation")).or_else(|| {
                    let unit = p.attr("unit").unwrap_or("");
                    Some(
                        format!("toutes les {} {unit}", p.attr("value")?)
                            .trim_end()
                            .to_owned(),
                    )
                })
            });
        match (dose, rhythm) {
            (None, None) => None,
            (d, r) => Some([d, r].into_iter().flatten().collect::<Vec<_>>().join(" ")),
        }
    }

    pub fn immunisation(
        &mut self,
        sa: &Element,
        place: &str,
    ) -> Result<Option<Immunisation>, CdaError> {
        let label = "immunisation";
        if sa.attr("negationInd") == Some("true") {
            self.skip(label, place, "recorded as not given");
            return Ok(None);
        }
        if let Some(status) = sa.child("statusCode").and_then(|s| s.attr("code")) {
            if matches!(status, "aborted" | "nullified" | "cancelled") {
                self.skip(label, place, &format!("its status is {status}"));
                return Ok(None);
            }
        }
        let material = sa.at(&["consumable", "manufacturedProduct", "manufacturedMaterial"]);
        let code = material.and_then(|m| m.child("code"));
        let vaccine = material
            .and_then(|m| m.child("name"))
            .map(|n| n.all_text())
            .filter(|t| !is_blank(t))
            .or_else(|| self.named(code));
        let Some(vaccine) = vaccine else {
            self.skip(label, place, "names no vaccine");
            return Ok(None);
        };
        let Some(date) = self.time(sa.child("effectiveTime"), "low", place, "effectiveTime")?
        else {
            self.skip(label, place, "has no date");
            return Ok(None);
        };
        let dose = sa
            .children_named("entryRelationship")
            .filter_map(|r| r.child("observation"))
            // LOINC 30973-2, "Dose number".
            .find(|o| o.child("code").and_then(|c| c.attr("code")) == Some("30973-2"))
            .and_then(|o| o.child("value"))
            .and_then(|v| v.attr("value"))
            .map(|n| format!("dose {}", n.trim()));
        let lot = material
            .and_then(|m| m.child("lotNumberText"))
            .map(|l| l.all_text())
            .filter(|t| !is_blank(t));
        let administered_by = sa
            .children_named("performer")
            .find_map(|p| p.child("assignedEntity"))
            .and_then(|a| {
                let name = a.child("assignedPerson").and_then(name_of)?;
                let rpps = a
                    .children_named("id")
                    .find(|id| id.attr("root") == Some(RPPS_SYSTEM.trim_start_matches("urn:oid:")))
                    .and_then(|id| id.attr("extension"))
                    .and_then(|x| Rpps::parse(x.strip_prefix('8').unwrap_or(x)).ok());
                Some(match rpps {
                    Some(r) => format!("{name}, RPPS {}", r.as_str()),
                    None => name,
                })
            });
        Ok(Some(Immunisation {
            vaccine,
            code: code.and_then(|c| best_concept(c, &["ATC", "CVX", "CIS"])),
            date,
            dose,
            lot,
            administered_by,
        }))
    }
}

/// The narrative reference of a medication's product code (`code/originalText/reference`).
fn code_reference(material: Option<&Element>) -> Option<&str> {
    material?
        .at(&["code", "originalText", "reference"])?
        .attr("value")
}
