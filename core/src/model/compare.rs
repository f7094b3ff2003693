//! What a new copy of a record takes away from the old one: the changes a doctor relies on the
//! record not to make silently (an allergy made milder, a condition no longer active, a
//! medication gone from a prescription). A merge shows them to the patient and applies them
//! only when the patient says so.

use super::{AllergySeverity, ConditionStatus, RecordBody, fold};

fn severity_rank(s: Option<AllergySeverity>) -> u8 {
    match s {
        None => 0,
        Some(AllergySeverity::Mild) => 1,
        Some(AllergySeverity::Moderate) => 2,
        Some(AllergySeverity::Severe) => 3,
    }
}

fn severity_name(s: Option<AllergySeverity>) -> &'static str {
    match s {
        None => "unstated",
        Some(AllergySeverity::Mild) => "mild",
        Some(AllergySeverity::Moderate) => "moderate",
        Some(AllergySeverity::Severe) => "severe",
    }
}

/// How `after` weakens `before`, in words for the patient's screen (health data: never for a
/// log), or `None` when it takes nothing away.
pub fn weakening(before: &RecordBody, after: &RecordBody) -> Option<String> {
    match (before, after) {
        (RecordBody::Allergy(a), RecordBody::Allergy(b)) => {
            if fold(&a.substance) != fold(&b.substance) {
                Some(format!(
                    "allergy to {} replaced by an allergy to {}",
                    a.substance, b.substance
                ))
            } else if severity_rank(b.severity) < severity_rank(a.severity) {
                Some(format!(
                    "allergy to {}: {} becomes {}",
                    a.substance,
                    severity_name(a.severity),
                    severity_name(b.severity)
                ))
            } else if a.reaction.is_some() && b.reaction.is_none() {
                Some(format!(
                    "allergy to {}: its reaction is removed",
                    a.substance
                ))
            } else {
                None
            }
        }
        (RecordBody::Condition(a), RecordBody::Condition(b)) => {
            if a.status == ConditionStatus::Active && b.status != ConditionStatus::Active {
                Some(format!("{}: no longer active", a.name))
            } else if fold(&a.name) != fold(&b.name) {
                Some(format!("condition {} replaced by {}", a.name, b.name))
            } else {
                None
            }
        }
        (RecordBody::Prescription(a), RecordBody::Prescription(b)) => {
            let removed: Vec<&str> = a
                .medications
                .iter()
                .filter(|m| !b.medications.iter().any(|n| fold(&n.name) == fold(&m.name)))
                .map(|m| m.name.as_str())
                .collect();
            (!removed.is_empty())
                .then(|| format!("removed from the prescription: {}", removed.join(", ")))
        }
        (a, b) if a.kind() != b.kind() => Some(format!(
            "a {} replaced by a {}",
            a.kind().as_str().replace('_', " "),
            b.kind().as_str().replace('_', " ")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Allergy, Condition};

    fn allergy(severity: Option<AllergySeverity>, reaction: Option<&str>) -> RecordBody {
        RecordBody::Allergy(Allergy {
            substance: "Arachide".into(),
            code: None,
            reaction: reaction.map(str::to_owned),
            severity,
            noted_on: None,
        })
    }

    #[test]
    fn milder_inactive_or_fewer_is_a_weakening_more_is_not() {
        let severe = allergy(Some(AllergySeverity::Severe), Some("anaphylaxie"));
        let mild = allergy(Some(AllergySeverity::Mild), Some("anaphylaxie"));
        assert_eq!(
            weakening(&severe, &mild).as_deref(),
            Some("allergy to Arachide: severe becomes mild")
        );
        assert_eq!(weakening(&mild, &severe), None);
        assert!(weakening(&severe, &allergy(Some(AllergySeverity::Severe), None)).is_some());
        let active = RecordBody::Condition(Condition {
            name: "Diabète de type 2".into(),
            code: None,
            status: ConditionStatus::Active,
            onset: None,
            notes: None,
        });
        let RecordBody::Condition(mut c) = active.clone() else {
            unreachable!()
        };
        c.status = ConditionStatus::Resolved;
        assert!(weakening(&active, &RecordBody::Condition(c)).is_some());
        assert!(weakening(&active, &severe).is_some());
    }
}
