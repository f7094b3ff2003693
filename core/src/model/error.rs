use thiserror::Error;

/// Why a piece of health data was refused. Messages name the field and the rule, never the
/// value, so they can be shown and logged without leaking personal data.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ModelError {
    #[error("INS must be 15 characters: 13 digits (2A/2B allowed for Corsica) and a 2-digit key")]
    InsFormat,
    #[error("INS control key does not match the number")]
    InsKey,
    #[error("RPPS must be exactly 11 digits")]
    RppsFormat,
    #[error("RPPS check digit (Luhn) does not match")]
    RppsCheckDigit,
    #[error("blood group is not one of A+, A-, B+, B-, AB+, AB-, O+, O-")]
    BloodGroup,
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is invalid: {rule}")]
    Invalid {
        field: &'static str,
        rule: &'static str,
    },
    #[error("unknown {what}")]
    Unknown { what: &'static str },
}
