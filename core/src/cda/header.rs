//! The ClinicalDocument's header: which volet it is, its ids and date, its author (name,
//! specialty, RPPS) and organisation, the patient it is about; and the HL7 dates and names
//! every part of a document is written with.

use super::CdaError;
use super::xml::Element;
use crate::fhir::codes::RPPS_SYSTEM;
use crate::import::PatientTraits;
use crate::model::{Ins, Rpps};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The INS-NIR's OID, and the test INS-NIR of the ANS's examples.
const INS_OIDS: [&str; 2] = ["1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.10"];

/// The CI-SIS volets, by the templateId root of their ClinicalDocument.
pub(super) const VOLETS: [(&str, &str); 8] = [
    ("1.2.250.1.213.1.1.1.55", "CR-BIO"),
    ("1.2.250.1.213.1.1.1.59", "TROD"),
    ("1.2.250.1.213.1.1.1.29", "LDL-SES"),
    ("1.2.250.1.213.1.1.1.13", "VSM"),
    ("1.2.250.1.213.1.1.1.51", "IPS-FR"),
    ("1.2.250.1.213.1.1.1.37", "VAC"),
    ("1.2.250.1.213.1.1.1.39", "eP-MED-DM"),
    ("1.2.250.1.213.1.1.1.12", "LDL-EES"),
];

/// An HL7 date or timestamp ("20210401171000+0100", "20140402"), as the day it names.
pub fn hl7_day(value: &str) -> Option<NaiveDate> {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    NaiveDate::parse_from_str(digits.get(..8)?, "%Y%m%d").ok()
}

pub(super) fn hl7_instant(value: &str) -> Option<DateTime<Utc>> {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    // Fractional seconds ("171000.000+0100") are dropped; a zone that is there must parse.
    let zone = value[digits.len()..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if !zone.is_empty() && parse_zone(zone).is_none() {
        return None;
    }
    let base = match digits.len() {
        14.. => NaiveDateTime::parse_from_str(&digits[..14], "%Y%m%d%H%M%S").ok()?,
        12..=13 => NaiveDateTime::parse_from_str(&digits[..12], "%Y%m%d%H%M").ok()?,
        _ => hl7_day(value)?.and_hms_opt(0, 0, 0)?,
    };
    let offset = chrono::FixedOffset::east_opt(parse_zone(zone).unwrap_or(0))?;
    Some(
        base.and_local_timezone(offset)
            .single()?
            .with_timezone(&Utc),
    )
}

fn parse_zone(zone: &str) -> Option<i32> {
    let sign = match zone.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let hh: i32 = zone.get(1..3)?.parse().ok()?;
    let mm: i32 = zone.get(3..5)?.parse().ok()?;
    Some(sign * (hh * 3600 + mm * 60))
}

pub(super) fn name_of(e: &Element) -> Option<String> {
    let name = e.child("name")?;
    let mut parts = Vec::new();
    for part in ["prefix", "given", "family"] {
        for p in name.children_named(part) {
            let t = p.text.trim();
            // A birth name and a used name often repeat the same parts.
            if !t.is_empty() && !parts.iter().any(|q| q == t) {
                parts.push(t.to_owned());
            }
        }
    }
    if parts.is_empty() {
        let t = name.all_text();
        return (!t.is_empty()).then_some(t);
    }
    Some(parts.join(" "))
}

pub(super) fn instance_id(e: Option<&Element>) -> Option<String> {
    let e = e?;
    let root = e.attr("root")?;
    Some(match e.attr("extension") {
        Some(x) => format!("{root}^{x}"),
        None => root.to_owned(),
    })
}

pub(super) struct Header {
    pub volet: Option<(&'static str, Option<String>)>,
    pub id: Option<String>,
    pub set_id: Option<String>,
    pub date: Option<DateTime<Utc>>,
    /// The document's day where it was written (not in UTC).
    pub day: Option<NaiveDate>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub specialty: Option<String>,
    pub rpps: Option<Rpps>,
    pub organisation: Option<String>,
    pub patient: Option<PatientTraits>,
}

/// A level-3 document's body: its sections.
pub(super) fn structured_body(doc: &Element) -> Result<&Element, CdaError> {
    doc.at(&["component", "structuredBody"])
        .ok_or(CdaError::NotCda)
}

pub(super) fn header(doc: &Element) -> Header {
    let volet = doc.children_named("templateId").find_map(|t| {
        let root = t.attr("root")?;
        VOLETS
            .iter()
            .find(|(oid, _)| *oid == root)
            .map(|(_, name)| (*name, t.attr("extension").map(str::to_owned)))
    });
    let author = doc.at(&["author", "assignedAuthor"]);
    let rpps = author.and_then(|a| {
        a.children_named("id")
            .find(|id| id.attr("root") == Some(RPPS_SYSTEM.trim_start_matches("urn:oid:")))
            .and_then(|id| id.attr("extension"))
            .and_then(|x| Rpps::parse(x.strip_prefix('8').unwrap_or(x)).ok())
    });
    let patient_role = doc.at(&["recordTarget", "patientRole"]);
    let patient = patient_role.map(|role| {
        let ins = role
            .children_named("id")
            .find(|id| id.attr("root").is_some_and(|r| INS_OIDS.contains(&r)))
            .and_then(|id| id.attr("extension"))
            .and_then(|x| Ins::parse(x).ok())
            .map(|i| i.as_str().to_owned());
        let person = role.child("patient");
        PatientTraits {
            name: person.and_then(name_of),
            birth_date: person
                .and_then(|p| p.child("birthTime"))
                .and_then(|b| b.attr("value"))
                .and_then(hl7_day),
            ins,
        }
    });
    Header {
        volet,
        id: instance_id(doc.child("id")),
        set_id: instance_id(doc.child("setId")),
        date: doc
            .child("effectiveTime")
            .and_then(|t| t.attr("value"))
            .and_then(hl7_instant),
        day: doc
            .child("effectiveTime")
            .and_then(|t| t.attr("value"))
            .and_then(hl7_day),
        title: doc
            .child("title")
            .map(|t| t.all_text())
            .filter(|t| !t.is_empty()),
        author: author
            .and_then(|a| a.child("assignedPerson"))
            .and_then(name_of),
        specialty: author
            .and_then(|a| a.child("code"))
            .and_then(|c| c.attr("displayName"))
            .map(str::to_owned),
        rpps,
        organisation: author
            .and_then(|a| a.at(&["representedOrganization", "name"]))
            .map(|n| n.all_text())
            .filter(|n| !n.is_empty()),
        patient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hl7_dates_are_read_in_their_zone() {
        assert_eq!(
            hl7_day("20140402145521+0200"),
            NaiveDate::from_ymd_opt(2014, 4, 2)
        );
        assert_eq!(hl7_day("2014"), None);
        let t = hl7_instant("20210401171000+0100").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-04-01T16:10:00+00:00");
        // The day is where it was written: half past midnight in Paris is still that day.
        assert_eq!(
            hl7_day("20210401003000+0200"),
            NaiveDate::from_ymd_opt(2021, 4, 1)
        );
        let t = hl7_instant("20210401171000.000+0100").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-04-01T16:10:00+00:00");
        assert_eq!(hl7_instant("20210401171000+01"), None);
    }
}
