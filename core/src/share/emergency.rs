//! The emergency card: a small QR code for a lock screen or a printed wallet card, readable by
//! any phone camera with no key and no app. Its content is plain text in French and English:
//! allergies, blood group, current medications, conditions, emergency contact.
//!
//! # Format (version 1)
//!
//! Plain UTF-8 lines (QR byte mode). The last line is `Carnet YYYY-MM-DD C1-XXXXXXXX`: the date
//! the card was made and a check, the first 4 bytes of SHA-256 over `"carnet.emergency.v1"`
//! and every byte before that line, in hex. The Carnet reader recomputes it: a misread or
//! edited card is reported as damaged, and an old card as old. The check guards against
//! errors, not forgery; the card is public by design and carries nothing secret.

use super::ShareError;
use crate::crypto::digest;
use crate::model::{AllergySeverity, PatientSummary};
use crate::qr::{QrError, QrMatrix};
use chrono::NaiveDate;

/// The card's QR code stays at or under this version (85 x 85 modules), small enough for a
/// lock screen (12 pixels a module on a 1080-pixel screen) and a wallet card; 17 rather than
/// 15 so that an adult's usual treatment fits with its doses (the demo adult's does).
pub const CARD_MAX_VERSION: i16 = 17;

fn check(text: &str) -> String {
    digest::sha256_in(b"carnet.emergency.v1", text.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Builds the card text from the summary, shortening the lists until its code fits
/// [`CARD_MAX_VERSION`].
pub fn card_text(summary: &PatientSummary) -> Result<String, ShareError> {
    for detail in [2usize, 1, 0] {
        let text = compose(summary, detail);
        if QrMatrix::encode_text(&text, CARD_MAX_VERSION).is_ok() {
            return Ok(text);
        }
    }
    Err(QrError::DoesNotFit {
        max_version: CARD_MAX_VERSION,
    }
    .into())
}

/// `detail` 2: everything; 1: no reactions, doses without their form; 0: names only, lists
/// capped.
fn compose(summary: &PatientSummary, detail: usize) -> String {
    let p = &summary.profile;
    let mut lines = vec!["URGENCE MEDICALE / MEDICAL EMERGENCY".to_owned()];
    lines.push(format!(
        "{} - {} ({} ans/years)",
        p.display_name,
        p.birth_date.format("%d/%m/%Y"),
        p.age_on(summary.as_of)
    ));
    if let Some(b) = p.blood_group {
        lines.push(format!("Groupe sanguin / Blood group: {b}"));
    }
    let cap = |items: Vec<String>| -> String {
        let limit = if detail == 0 { 6 } else { usize::MAX };
        let extra = items.len().saturating_sub(limit);
        let mut shown: Vec<String> = items.into_iter().take(limit).collect();
        if extra > 0 {
            shown.push(format!("+{extra}"));
        }
        if shown.is_empty() {
            "-".to_owned()
        } else {
            shown.join("; ")
        }
    };
    let allergies = summary
        .allergies
        .iter()
        .map(|a| {
            let severe = if a.item.severity == Some(AllergySeverity::Severe) {
                " !SEVERE!"
            } else {
                ""
            };
            match (&a.item.reaction, detail) {
                (Some(r), 2) => format!("{}{severe} ({r})", a.item.substance),
                _ => format!("{}{severe}", a.item.substance),
            }
        })
        .collect();
    lines.push(format!("ALLERGIES: {}", cap(allergies)));
    let meds = summary
        .current_medications
        .iter()
        .map(|m| match (&m.medication.strength, detail) {
            (Some(s), 2) if !s.trim().is_empty() => format!("{} {}", m.medication.name, s.trim()),
            (Some(s), 1) if !s.trim().is_empty() => format!("{} {}", m.medication.name, dose_of(s)),
            _ => m.medication.name.clone(),
        })
        .collect();
    lines.push(format!("TRAITEMENT / MEDICATIONS: {}", cap(meds)));
    lines.push(format!(
        "MALADIES / CONDITIONS: {}",
        cap(summary
            .conditions
            .iter()
            .map(|c| c.item.name.clone())
            .collect())
    ));
    if let Some(c) = &p.emergency_contact {
        let rel = c
            .relationship
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        lines.push(format!("CONTACT: {}{rel} {}", c.name, c.phone));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    let date = crate::time::format_date(summary.as_of);
    let footer = format!("Carnet {date} C1-{}", check(&text));
    text.push_str(&footer);
    text
}

/// The dose of a strength as printed, without its form: "2,5 mg, comprimé" gives "2,5 mg".
/// Only a ", " followed by a word ends the dose; a decimal comma ("2,5", "0,15") never does,
/// and a strength with no form is kept whole. The dose is always the recorded text itself.
fn dose_of(strength: &str) -> &str {
    let strength = strength.trim();
    strength
        .match_indices(", ")
        .find(|(at, sep)| {
            strength[at + sep.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
        })
        .map_or(strength, |(at, _)| &strength[..at])
}

/// Whether a scanned text is an emergency card (rather than a share or something else).
pub fn looks_like_card(text: &str) -> bool {
    text.trim_end()
        .rsplit('\n')
        .next()
        .is_some_and(|last| last.starts_with("Carnet ") && last.contains(" C"))
}

/// A card read back and checked.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedCard {
    /// The card's lines, without the check line.
    pub lines: Vec<String>,
    pub made_on: NaiveDate,
    /// Days between the card's date and `today`.
    pub age_days: i64,
}

/// Checks a scanned card: its check line must match, and its date is reported.
pub fn verify(text: &str, today: NaiveDate) -> Result<VerifiedCard, ShareError> {
    if text.len() > 4096 {
        return Err(QrError::TooLarge.into());
    }
    let text = text.trim_end_matches(['\r', '\n']).replace("\r\n", "\n");
    let (body, footer) = text
        .rsplit_once('\n')
        .ok_or(ShareError::Code(QrError::NotACarnetCode))?;
    let mut parts = footer.split(' ');
    let (Some("Carnet"), Some(date), Some(check_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(QrError::NotACarnetCode.into());
    };
    let Some(sum) = check_part.strip_prefix("C1-") else {
        return match check_part.get(..1) {
            Some("C") => Err(QrError::UnsupportedVersion(
                check_part
                    .as_bytes()
                    .get(1)
                    .map(|b| b.wrapping_sub(b'0'))
                    .unwrap_or(0),
            )
            .into()),
            _ => Err(QrError::NotACarnetCode.into()),
        };
    };
    let mut body_with_newline = body.to_owned();
    body_with_newline.push('\n');
    if check(&body_with_newline) != sum.to_ascii_uppercase() {
        return Err(ShareError::EmergencyCardDamaged);
    }
    let made_on: NaiveDate = date.parse().map_err(|_| ShareError::EmergencyCardDamaged)?;
    Ok(VerifiedCard {
        lines: body.lines().map(str::to_owned).collect(),
        made_on,
        age_days: today.signed_duration_since(made_on).num_days(),
    })
}

#[cfg(test)]
mod tests {
    use super::dose_of;

    #[test]
    fn a_dose_keeps_its_decimal_comma_and_loses_only_its_form() {
        assert_eq!(dose_of("2,5 mg, comprimé"), "2,5 mg");
        assert_eq!(dose_of("0,15 mg"), "0,15 mg");
        assert_eq!(dose_of("1000 mg, comprimé pelliculé"), "1000 mg");
        assert_eq!(dose_of("5 mg/ml, 2,5 ml"), "5 mg/ml, 2,5 ml");
        assert_eq!(dose_of(" 75 µg "), "75 µg");
    }
}
