//! Random identifiers. They are stored in plaintext columns (the store needs them to find
//! rows) and so carry no meaning: 128 random bits, shown as a UUID.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random identifier.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
            /// The 16 bytes stored in the vault.
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
            /// The first 8 hex digits: enough for a person to pick a record in a list.
            pub fn short(&self) -> String {
                self.0.simple().to_string()[..8].to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0.hyphenated())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl From<[u8; 16]> for $name {
            fn from(bytes: [u8; 16]) -> Self {
                Self::from_bytes(bytes)
            }
        }

        impl FromStr for $name {
            type Err = crate::model::ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::model::ModelError::Invalid {
                        field: stringify!($name),
                        rule: "not a UUID",
                    })
            }
        }
    };
}

random_id!(
    /// Identifies a profile (one person) inside a vault.
    ProfileId
);
random_id!(
    /// Identifies a record; stable across updates, backups and handovers.
    RecordId
);
random_id!(
    /// Identifies an attachment (a scan, a PDF) of a record.
    AttachmentId
);
