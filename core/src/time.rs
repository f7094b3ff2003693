//! Time: one type for an instant, one clock, one date format.
//!
//! Every API of the core says "when" with [`DateTime<Utc>`]; formats that leave the device
//! encode it as Unix seconds in the width their documentation states (a share's expiry is a
//! `u32`, a signing time an `i64`) and convert at their edge, with [`from_unix`] and
//! [`unix`]. Durations are [`std::time::Duration`] and are added with [`after`], which refuses
//! an instant beyond what a format can hold instead of wrapping.
//!
//! The clock is injected where tests need a fixed time (expiries, signing times): code that
//! reads "now" takes it as a parameter or a [`Clock`]; the programs pass [`SystemClock`].

use chrono::{DateTime, Local, NaiveDate, TimeDelta, Utc};
use std::time::Duration;

/// How a calendar date is written everywhere Carnet writes one for a machine: ISO 8601.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// The source of "now".
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date where the person is (the device's time zone): what "current" medications
    /// and the ages of items are computed for.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&Local).date_naive()
    }
}

/// The device's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests and test vectors; `today` is that instant's UTC
/// date, so a test's result does not depend on the machine's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }

    fn today(&self) -> NaiveDate {
        self.0.date_naive()
    }
}

/// Now, by the device's clock.
pub fn now() -> DateTime<Utc> {
    SystemClock.now()
}

/// An instant as Unix seconds.
pub fn unix(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

/// The instant `seconds` after 1970-01-01 UTC; `None` beyond what chrono represents.
pub fn from_unix(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

/// [`from_unix`] for the unsigned seconds some formats carry.
pub fn from_unix_unsigned(seconds: u64) -> Option<DateTime<Utc>> {
    i64::try_from(seconds).ok().and_then(from_unix)
}

/// `at` plus `duration`, or `None` when that does not exist (instead of wrapping around).
pub fn after(at: DateTime<Utc>, duration: Duration) -> Option<DateTime<Utc>> {
    at.checked_add_signed(TimeDelta::from_std(duration).ok()?)
}

/// A date as [`DATE_FORMAT`] writes it.
pub fn format_date(date: NaiveDate) -> String {
    // chrono's `Display` writes the same text as `DATE_FORMAT` (a test holds the two together)
    // without parsing the format string each time: every date that crosses the bindings
    // goes through here.
    date.to_string()
}

/// Reads a date written as `DATE_FORMAT`, ignoring surrounding spaces.
pub fn parse_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(text.trim(), DATE_FORMAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_a_duration_never_wraps() {
        let at = from_unix(1_800_000_000).unwrap_or_default();
        assert_eq!(
            after(at, Duration::from_secs(60)).map(unix),
            Some(1_800_000_060)
        );
        assert_eq!(after(at, Duration::from_secs(u64::MAX)), None);
        assert_eq!(after(at, Duration::from_secs(i64::MAX as u64)), None);
    }

    #[test]
    fn dates_round_trip_and_a_fixed_clock_is_fixed() {
        let date = parse_date(" 2026-03-14 ").unwrap_or_default();
        assert_eq!(format_date(date), "2026-03-14");
        let clock = FixedClock(from_unix(1_795_000_000).unwrap_or_default());
        assert_eq!(clock.now(), clock.now());
        assert_eq!(clock.today(), clock.now().date_naive());
        assert!(from_unix_unsigned(u64::MAX).is_none());
    }

    #[test]
    fn a_date_is_written_as_its_format_says_at_every_year() {
        let mut years: Vec<i32> = (-1100..=11000).step_by(7).collect();
        years.extend([
            -262_143, -10_000, -1, 0, 1, 999, 1000, 9999, 10_000, 262_142,
        ]);
        for year in years {
            for (month, day) in [(1, 1), (2, 28), (12, 31)] {
                if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                    let written = format_date(date);
                    assert_eq!(written, date.format(DATE_FORMAT).to_string());
                    assert_eq!(parse_date(&written).ok(), Some(date));
                }
            }
        }
    }
}
