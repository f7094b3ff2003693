//! The terminologies Carnet names by a short word ("ATC", "CIM-10") and FHIR by a URI, both
//! ways; which units are UCUM as written; FHIR dates read into days.
//!
//! The UCUM check is a list of the units laboratories print, not a UCUM parser: no Rust crate
//! parses UCUM, and a unit Carnet is not sure of travels as text only (`Quantity.unit`), which
//! is what FHIR asks for a non-UCUM unit.

use chrono::{DateTime, NaiveDate, Utc};

/// (Carnet's name, FHIR system URI), in order of preference for a medication's code.
const SYSTEMS: [(&str, &str); 10] = [
    ("ATC", "http://www.whocc.no/atc"),
    ("CIP13", "urn:oid:1.2.250.1.213.2.3.2"),
    ("SNOMED CT", "http://snomed.info/sct"),
    ("RxNorm", "http://www.nlm.nih.gov/research/umls/rxnorm"),
    ("LOINC", "http://loinc.org"),
    ("CIM-10", "http://hl7.org/fhir/sid/icd-10"),
    ("ICD-10-CM", "http://hl7.org/fhir/sid/icd-10-cm"),
    ("CVX", "http://hl7.org/fhir/sid/cvx"),
    ("EDQM", "http://standardterms.edqm.eu"),
    ("UCUM", "http://unitsofmeasure.org"),
];

/// The prefix of a code system Carnet knows by a name only (typed by hand).
const LOCAL_SYSTEM: &str = "urn:carnet:code-system:";

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const SNOMED: &str = "http://snomed.info/sct";
/// The INS, as the ANS publishes it for FHIR (the NIR-based INS-NIR).
pub const INS_SYSTEM: &str = "urn:oid:1.2.250.1.213.1.4.8";
/// RPPS numbers, as FHIR identifiers: the ANS's national practitioner identifier (value "8"
/// followed by the RPPS).
pub const RPPS_SYSTEM: &str = "urn:oid:1.2.250.1.71.4.2.1";

/// The FHIR URI of a Carnet system name.
pub fn system_uri(name: &str) -> String {
    if let Some((_, uri)) = SYSTEMS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return (*uri).to_owned();
    }
    if name.contains(':') && !name.contains(char::is_whitespace) {
        return name.to_owned();
    }
    let safe: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{LOCAL_SYSTEM}{safe}")
}

/// Carnet's name for a FHIR system URI (the URI itself for one it has no name for).
pub fn system_name(uri: &str) -> String {
    if let Some((name, _)) = SYSTEMS.iter().find(|(_, u)| *u == uri) {
        return (*name).to_owned();
    }
    if let Some(local) = uri.strip_prefix(LOCAL_SYSTEM) {
        return percent_decode(local);
    }
    uri.to_owned()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(v) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rank of a system among those Carnet prefers for a medication (lower is better).
pub fn preference(uri: &str) -> usize {
    SYSTEMS
        .iter()
        .position(|(_, u)| *u == uri)
        .unwrap_or(SYSTEMS.len())
}

/// Units laboratories print that are UCUM codes as they stand, and the ones whose UCUM code is
/// spelt otherwise (µ for u).
const UCUM_AS_WRITTEN: [&str; 55] = [
    "%",
    "g/L",
    "g/dL",
    "mg/L",
    "mg/dL",
    "ug/L",
    "ng/mL",
    "ng/L",
    "pg/mL",
    "mmol/L",
    "umol/L",
    "nmol/L",
    "pmol/L",
    "mol/L",
    "meq/L",
    "U/L",
    "[IU]/L",
    "m[IU]/L",
    "[iU]/L",
    "m[iU]/L",
    "u[IU]/mL",
    "mU/L",
    "kU/L",
    "U/mL",
    "10*9/L",
    "10*12/L",
    "10*6/L",
    "10*3/uL",
    "10*6/uL",
    "/uL",
    "/mm3",
    "fL",
    "pg",
    "g",
    "kg",
    "mg",
    "cm",
    "m",
    "mm[Hg]",
    "kg/m2",
    "s",
    "min",
    "h",
    "d",
    "L",
    "mL",
    "mL/min",
    "mL/min/{1.73_m2}",
    "mg/mmol",
    "mg/g",
    "g/mol",
    "{ratio}",
    "Cel",
    "[pH]",
    "mosm/kg",
];

/// The UCUM code of `unit` as a laboratory wrote it, when Carnet is sure of it.
pub fn ucum_code(unit: &str) -> Option<String> {
    let unit = unit.trim();
    if UCUM_AS_WRITTEN.contains(&unit) {
        return Some(unit.to_owned());
    }
    let spelt = unit.replace(['µ', 'μ'], "u");
    UCUM_AS_WRITTEN.contains(&spelt.as_str()).then_some(spelt)
}

/// A FHIR date or dateTime read as a day: "2024-03-05", "2024-03-05T10:00:00+01:00". A
/// partial date ("2024", "2024-03") is read as its first day, and `adjusted` is true.
pub fn day(text: &str) -> Option<(NaiveDate, bool)> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some((d, false));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        // The day where it happened, not in UTC: a blood test at 00:30 in Paris was that day.
        return Some((t.date_naive(), false));
    }
    if let Some(date) = text
        .get(..10)
        .filter(|_| text.len() > 10 && text.as_bytes()[10] == b'T')
    {
        // A dateTime without seconds or zone is not valid FHIR, but its day is unambiguous.
        if let Ok(d) = NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            return Some((d, false));
        }
    }
    if text.len() == 7 {
        if let Ok(d) = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
            return Some((d, true));
        }
    }
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        let year: i32 = text.parse().ok()?;
        return NaiveDate::from_ymd_opt(year, 1, 1).map(|d| (d, true));
    }
    None
}

/// A FHIR instant or dateTime read as an instant in UTC (a date alone is its midnight UTC).
pub fn instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    let (d, _) = day(text)?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_travel_both_ways() {
        for name in ["ATC", "CIM-10", "SNOMED CT", "CIP13", "local code", "é"] {
            assert_eq!(system_name(&system_uri(name)), name);
        }
        assert_eq!(
            system_name("http://example.org/codes"),
            "http://example.org/codes"
        );
        assert!(!system_uri("local code").contains(' '));
    }

    #[test]
    fn units_are_ucum_only_when_sure() {
        assert_eq!(ucum_code("mmol/L").as_deref(), Some("mmol/L"));
        assert_eq!(ucum_code("µmol/L").as_deref(), Some("umol/L"));
        assert_eq!(ucum_code("G/L"), None);
        assert_eq!(ucum_code("mUI/L"), None);
    }

    #[test]
    fn dates_are_read_as_days_and_partial_ones_are_flagged() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(day("2024-03-05"), Some((d(2024, 3, 5), false)));
        assert_eq!(
            day("2024-03-05T00:30:00+01:00"),
            Some((d(2024, 3, 5), false))
        );
        assert_eq!(day("2024-03"), Some((d(2024, 3, 1), true)));
        assert_eq!(day("2024"), Some((d(2024, 1, 1), true)));
        assert_eq!(day("2024-13-01"), None);
        assert_eq!(day("yesterday"), None);
    }
}
