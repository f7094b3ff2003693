//! A profile is one person whose records the vault keeps: the owner, or a child, a parent or
//! a partner in the owner's care.

use super::{Ins, ModelError, ProfileId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the person relates to the vault's owner.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The owner of the phone and the vault.
    #[serde(rename = "self")]
    Owner,
    Child,
    Parent,
    Partner,
    Other,
}

impl FromStr for Relationship {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "self" | "owner" => Ok(Self::Owner),
            "child" => Ok(Self::Child),
            "parent" => Ok(Self::Parent),
            "partner" => Ok(Self::Partner),
            "other" => Ok(Self::Other),
            _ => Err(ModelError::Unknown {
                what: "relationship (self, child, parent, partner, other)",
            }),
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Owner => "self",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Partner => "partner",
            Self::Other => "other",
        })
    }
}

/// ABO group and RhD factor.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BloodGroup {
    #[serde(rename = "A+")]
    APos,
    #[serde(rename = "A-")]
    ANeg,
    #[serde(rename = "B+")]
    BPos,
    #[serde(rename = "B-")]
    BNeg,
    #[serde(rename = "AB+")]
    AbPos,
    #[serde(rename = "AB-")]
    AbNeg,
    #[serde(rename = "O+")]
    OPos,
    #[serde(rename = "O-")]
    ONeg,
}

impl BloodGroup {
    pub const ALL: [BloodGroup; 8] = [
        Self::APos,
        Self::ANeg,
        Self::BPos,
        Self::BNeg,
        Self::AbPos,
        Self::AbNeg,
        Self::OPos,
        Self::ONeg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::APos => "A+",
            Self::ANeg => "A-",
            Self::BPos => "B+",
            Self::BNeg => "B-",
            Self::AbPos => "AB+",
            Self::AbNeg => "AB-",
            Self::OPos => "O+",
            Self::ONeg => "O-",
        }
    }
}

impl FromStr for BloodGroup {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised = s.trim().to_ascii_uppercase().replace(' ', "");
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == normalised)
            .ok_or(ModelError::BloodGroup)
    }
}

impl fmt::Display for BloodGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who to call in an emergency.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub phone: String,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
}

impl fmt::Debug for EmergencyContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmergencyContact(<redacted>)")
    }
}

/// What a caller supplies to add a profile.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProfile {
    pub display_name: String,
    pub birth_date: NaiveDate,
    pub relationship: Relationship,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ins: Option<Ins>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_group: Option<BloodGroup>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_contact: Option<EmergencyContact>,
}

impl NewProfile {
    pub fn new(
        display_name: impl Into<String>,
        birth_date: NaiveDate,
        relationship: Relationship,
    ) -> Self {
        Self {
            display_name: display_name.into(),
            birth_date,
            relationship,
            ins: None,
            blood_group: None,
            emergency_contact: None,
        }
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        if self.display_name.trim().is_empty() {
            return Err(ModelError::Empty {
                field: "display name",
            });
        }
        if let Some(contact) = &self.emergency_contact {
            if contact.name.trim().is_empty() {
                return Err(ModelError::Empty {
                    field: "emergency contact name",
                });
            }
            if contact.phone.trim().is_empty() {
                return Err(ModelError::Empty {
                    field: "emergency contact phone",
                });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for NewProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewProfile")
            .field("relationship", &self.relationship)
            .finish_non_exhaustive()
    }
}

/// Where a profile's INS came from, when not typed in by hand.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsOrigin {
    /// Read from the INS datamatrix of a health document and confirmed by the patient: the
    /// document's word, not checked against the national teleservice (INSi).
    ReadFromDocument,
}

/// A stored profile. `Debug` shows only its id and relationship: names and birth dates are
/// personal data.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: ProfileId,
    pub display_name: String,
    pub birth_date: NaiveDate,
    pub relationship: Relationship,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ins: Option<Ins>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_group: Option<BloodGroup>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_contact: Option<EmergencyContact>,
    /// Where the INS came from; `None` when it was typed in (or there is none).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ins_origin: Option<InsOrigin>,
}

impl Profile {
    pub fn from_new(id: ProfileId, new: NewProfile) -> Self {
        Self {
            id,
            display_name: new.display_name,
            birth_date: new.birth_date,
            relationship: new.relationship,
            ins: new.ins,
            blood_group: new.blood_group,
            emergency_contact: new.emergency_contact,
            ins_origin: None,
        }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.birth_date).unwrap_or(0)
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("id", &self.id)
            .field("relationship", &self.relationship)
            .finish_non_exhaustive()
    }
}
