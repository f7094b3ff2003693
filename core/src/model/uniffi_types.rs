//! How the model's scalar types cross the UniFFI boundary (feature `uniffi` only; the
//! `carnet-ffi` crate turns it on). Plain data types derive their UniFFI traits next to their
//! definitions; the types below are not records or enums, so they are declared here as
//! custom types over a builtin:
//!
//! | Rust                             | foreign type                      | form                     |
//! |----------------------------------|-----------------------------------|--------------------------|
//! | `ProfileId`, `RecordId`, `AttachmentId` | `String`                   | hyphenated UUID          |
//! | `Ins`, `Rpps`                    | `String`                          | validated when lifted    |
//! | `chrono::NaiveDate` (`IsoDate`)  | `String`                          | ISO 8601, `2026-03-14`   |
//! | `DateTime<Utc>` (`UtcTimestamp`) | timestamp (`Instant`, `Date`, `datetime`) | UTC              |
//!
//! A string that does not parse is refused when it is lifted: the foreign call fails with
//! the boundary's "invalid argument" error, before any core code runs.

use super::{AttachmentId, Ins, ProfileId, RecordId, Rpps};
use chrono::{DateTime, NaiveDate, Utc};
use std::str::FromStr;
use std::time::SystemTime;

/// A calendar date, as an ISO 8601 string (`YYYY-MM-DD`).
pub type IsoDate = NaiveDate;
/// An instant in UTC.
pub type UtcTimestamp = DateTime<Utc>;

uniffi::custom_type!(ProfileId, String, {
    lower: |id| id.to_string(),
    try_lift: |s| Ok(ProfileId::from_str(&s)?),
});
uniffi::custom_type!(RecordId, String, {
    lower: |id| id.to_string(),
    try_lift: |s| Ok(RecordId::from_str(&s)?),
});
uniffi::custom_type!(AttachmentId, String, {
    lower: |id| id.to_string(),
    try_lift: |s| Ok(AttachmentId::from_str(&s)?),
});
uniffi::custom_type!(Ins, String, {
    lower: |ins| ins.as_str().to_owned(),
    try_lift: |s| Ok(Ins::parse(&s)?),
});
uniffi::custom_type!(Rpps, String, {
    lower: |rpps| rpps.as_str().to_owned(),
    try_lift: |s| Ok(Rpps::parse(&s)?),
});
uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |date| crate::time::format_date(date),
    try_lift: |s| Ok(crate::time::parse_date(&s)?),
});
uniffi::custom_type!(UtcTimestamp, SystemTime, {
    remote,
    lower: |at| SystemTime::from(at),
    try_lift: |t| Ok(DateTime::<Utc>::from(t)),
});
