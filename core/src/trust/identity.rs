//! Who a practitioner is, read from their certificate.
//!
//! IGC-Santé (the French health PKI, CPS cards and e-CPS) puts `8` followed by the 11-digit
//! RPPS number in the common name, the given name and surname in GN and SN, and the profession
//! in `title` (2.5.4.12). Certificates from other PKIs fall back to the common name and the
//! organisation.

use crate::model::Rpps;
use serde::{Deserialize, Serialize};
use x509_parser::oid_registry::{OID_X509_GIVEN_NAME, OID_X509_SURNAME, OID_X509_TITLE};
use x509_parser::x509::X509Name;

/// A practitioner as their certificate names them.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PractitionerIdentity {
    /// "Karim Benali", from GN and SN, else the common name.
    pub display_name: String,
    /// The RPPS number, when the certificate carries one (IGC-Santé: CN = "8" + RPPS) and its
    /// Luhn check digit is right.
    pub rpps: Option<Rpps>,
    /// "Médecin", from the `title` attribute.
    pub profession: Option<String>,
    pub organisation: Option<String>,
}

impl PractitionerIdentity {
    /// "Dr Karim Benali, Médecin, RPPS 10101234564".
    pub fn describe(&self) -> String {
        let mut parts = vec![self.display_name.clone()];
        if let Some(p) = &self.profession {
            parts.push(p.clone());
        }
        if let Some(r) = &self.rpps {
            parts.push(format!("RPPS {r}"));
        }
        parts.join(", ")
    }
}

/// The longest name part shown; a certificate's fields are not trusted to be short.
const MAX_FIELD_CHARS: usize = 80;

/// A name field as it may be shown: control characters (new lines that could push a warning
/// off screen) removed, whitespace collapsed, length capped.
fn clean(field: &str) -> String {
    let words: Vec<&str> = field
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ").chars().take(MAX_FIELD_CHARS).collect()
}

fn first(name: &X509Name<'_>, oid: &x509_parser::der_parser::oid::Oid<'_>) -> Option<String> {
    name.iter_by_oid(oid)
        .next()
        .and_then(|a| a.as_str().ok())
        .map(clean)
        .filter(|s| !s.is_empty())
}

pub(crate) fn read(subject: &X509Name<'_>) -> PractitionerIdentity {
    let cn = subject
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(clean);
    let given = first(subject, &OID_X509_GIVEN_NAME);
    let surname = first(subject, &OID_X509_SURNAME);
    let rpps = cn
        .as_deref()
        .and_then(|cn| cn.strip_prefix('8'))
        .filter(|d| d.len() == 11)
        .and_then(|d| Rpps::parse(d).ok());
    let display_name = match (given, surname) {
        (Some(g), Some(s)) => format!("{g} {s}"),
        (None, Some(s)) => s,
        (Some(g), None) => g,
        (None, None) => cn.clone().unwrap_or_else(|| "(unnamed)".into()),
    };
    let organisation = subject
        .iter_organization()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned);
    PractitionerIdentity {
        display_name,
        rpps,
        profession: first(subject, &OID_X509_TITLE),
        organisation,
    }
}

#[cfg(test)]
mod clean_tests {
    use super::clean;

    #[test]
    fn names_lose_control_characters_and_are_capped() {
        assert_eq!(
            clean(" Benali\n\u{7}verified by\tAC \r\n"),
            "Benali verified by AC"
        );
        assert_eq!(clean(&"é".repeat(200)).chars().count(), 80);
        assert_eq!(clean("\n\t"), "");
    }
}
