//! Time: an injectable clock, so rules that depend on "now" are tested without sleeping.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

/// An instant in UTC, written as RFC 3339 (`2026-11-21T10:15:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an RFC 3339 time of the years 0000 to 9999 in UTC, such as 2026-11-21T10:15:00Z")]
pub struct InvalidTimestamp;

impl Timestamp {
    pub fn parse(text: &str) -> Result<Self, InvalidTimestamp> {
        let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| InvalidTimestamp)?;
        Self::in_utc(at).ok_or(InvalidTimestamp)
    }

    /// The instant in UTC; `None` when it falls outside the years 0000..=9999 there (an
    /// offset can carry `9999-12-31T23:30:00-01:00` into the year 10000), which RFC 3339
    /// cannot write.
    fn in_utc(at: OffsetDateTime) -> Option<Self> {
        at.checked_to_offset(UtcOffset::UTC)
            .filter(|utc| (0..=9999).contains(&utc.year()))
            .map(Self)
    }

    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(Self::from)
    }

    pub fn unix_millis(&self) -> i64 {
        i64::try_from(self.0.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        // Whole seconds, then the milliseconds: nanoseconds would take 128-bit arithmetic,
        // and a chart's answer converts a thousand of these.
        let millisecond = u16::try_from(millis.rem_euclid(1000)).ok()?;
        OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
            .ok()?
            .replace_millisecond(millisecond)
            .ok()
            .map(Self::from)
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn saturating_add(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(duration))
    }

    pub fn saturating_sub(self, duration: Duration) -> Self {
        Self(self.0.saturating_sub(duration))
    }

    pub fn elapsed_since(self, earlier: Timestamp) -> Duration {
        self.0 - earlier.0
    }
}

/// For instants known to be in range, such as the system clock's; one outside the years
/// 0000..=9999 in UTC is clamped to the nearest end rather than panicking.
impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Self::in_utc(at).unwrap_or_else(|| {
            let bound = if at.year() < 0 {
                time::macros::datetime!(0000-01-01 00:00 UTC)
            } else {
                time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC)
            };
            Self(bound)
        })
    }
}

impl Timestamp {
    /// The RFC 3339 text, written into `buf` rather than a new string: an answer may hold a
    /// thousand of these (a chart's points). Written by hand: a UTC time in the years
    /// 0000..=9999 has one fixed shape, and `time`'s general formatter costs twice as much.
    fn rfc3339<'b>(&self, buf: &'b mut [u8; RFC3339_MAX_LEN]) -> Result<&'b str, fmt::Error> {
        let (year, month, day) = self.0.to_calendar_date();
        let (hour, minute, second, nanos) = self.0.to_hms_nano();
        let date = (year, u8::from(month), day);
        write_rfc3339(buf, date, (hour, minute, second), nanos).ok_or(fmt::Error)
    }

    /// The RFC 3339 text of `millis` since the epoch, as [`Timestamp::from_unix_millis`]
    /// would write it (clamped to the years 0000..=9999 likewise), straight from the number:
    /// a chart's answer writes a thousand points' times, and building each `Timestamp` first
    /// costs twice as much.
    pub(crate) fn write_unix_millis(millis: i64, buf: &mut [u8; RFC3339_MAX_LEN]) -> Option<&str> {
        const DAY: i64 = 86_400_000;
        let millis = millis.clamp(*UNIX_MILLIS.start(), *UNIX_MILLIS.end());
        let (days, of_day) = (millis.div_euclid(DAY), millis.rem_euclid(DAY));
        let date = civil_from_days(days)?;
        let seconds = of_day / 1000;
        // Each fits its type: the hour is below 24, the others below 60, the nanoseconds
        // below a billion.
        let time = (
            (seconds / 3600) as u8,
            (seconds / 60 % 60) as u8,
            (seconds % 60) as u8,
        );
        write_rfc3339(buf, date, time, (of_day % 1000 * 1_000_000) as u32)
    }
}

/// The longest RFC 3339 text: `9999-12-31T23:59:59.999999999Z`.
pub(crate) const RFC3339_MAX_LEN: usize = 30;

/// The milliseconds since the epoch of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
const UNIX_MILLIS: std::ops::RangeInclusive<i64> = -62_167_219_200_000..=253_402_300_799_999;

/// The date of a day counted from 1970-01-01, by the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`); `None` outside the years 0000..=9999.
fn civil_from_days(days: i64) -> Option<(i32, u8, u8)> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some((year as i32, month as u8, day as u8))
}

/// `YYYY-MM-DDThh:mm:ss[.fraction]Z`, the fraction without its trailing zeros as RFC 3339
/// writers do; `None` for a year outside 0000..=9999.
fn write_rfc3339(
    buf: &mut [u8; RFC3339_MAX_LEN],
    (year, month, day): (i32, u8, u8),
    (hour, minute, second): (u8, u8, u8),
    nanos: u32,
) -> Option<&str> {
    let year = u32::try_from(year).ok().filter(|year| *year <= 9999)?;
    let two = |buf: &mut [u8; RFC3339_MAX_LEN], at: usize, n: u32| {
        buf[at] = b'0' + (n / 10 % 10) as u8;
        buf[at + 1] = b'0' + (n % 10) as u8;
    };
    *buf = *b"0000-00-00T00:00:00.000000000Z";
    two(buf, 0, year / 100);
    two(buf, 2, year % 100);
    two(buf, 5, u32::from(month));
    two(buf, 8, u32::from(day));
    two(buf, 11, u32::from(hour));
    two(buf, 14, u32::from(minute));
    two(buf, 17, u32::from(second));
    let mut len = 19;
    if nanos != 0 {
        let mut rest = nanos;
        for at in (20..29).rev() {
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        len = 29;
        while buf[len - 1] == b'0' {
            len -= 1;
        }
    }
    buf[len] = b'Z';
    len += 1;
    std::str::from_utf8(&buf[..len]).ok()
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rfc3339(&mut [0; RFC3339_MAX_LEN])?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0; RFC3339_MAX_LEN];
        let text = self
            .rfc3339(&mut buf)
            .map_err(|_| serde::ser::Error::custom("a time outside the years 0000 to 9999"))?;
        serializer.serialize_str(text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// Waits between the attempts of an optimistic change that lost a race to another writer, so
/// that racing writers spread apart instead of colliding again at once.
pub trait Backoff: Send + Sync {
    /// The pause before attempt `attempt + 1` (the first retry follows attempt 1).
    fn pause(&self, attempt: u32) -> impl std::future::Future<Output = ()> + Send;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        OffsetDateTime::now_utc().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn parses_offsets_into_utc() {
        let at = Timestamp::parse("2026-11-21T12:00:00+02:00").unwrap();
        assert_eq!(at.to_string(), "2026-11-21T10:00:00Z");
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            "\"2026-11-21T10:00:00Z\""
        );
    }

    #[test]
    fn refuses_times_outside_the_years_rfc_3339_can_write_in_utc() {
        for bad in ["9999-12-31T23:30:00-01:00", "0000-01-01T00:30:00+01:00"] {
            assert_eq!(Timestamp::parse(bad), Err(InvalidTimestamp), "{bad:?}");
        }
        for good in [
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T22:30:00-01:00",
        ] {
            let at = Timestamp::parse(good).unwrap();
            assert_eq!(Timestamp::parse(&at.to_string()), Ok(at), "{good:?}");
        }
    }

    #[test]
    fn refuses_other_formats() {
        for bad in [
            "",
            "2026-11-21",
            "2026-11-21 10:00:00",
            "yesterday",
            "1700000000",
        ] {
            assert_eq!(Timestamp::parse(bad), Err(InvalidTimestamp), "{bad:?}");
        }
    }

    #[test]
    fn the_longest_time_fits_and_keeps_its_nanoseconds() {
        let at = Timestamp::parse("9999-12-31T23:59:59.999999999Z").unwrap();
        assert_eq!(at.to_string(), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            "\"9999-12-31T23:59:59.999999999Z\""
        );
    }

    proptest::proptest! {
        #[test]
        fn writes_what_the_time_crate_writes(
            seconds in -62_167_219_200i64..253_402_300_800,
            nanos in proptest::prop_oneof![
                proptest::strategy::Just(0u32),
                (0u32..1000).prop_map(|millis| millis * 1_000_000),
                0u32..1_000_000_000,
            ],
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + Duration::nanoseconds(i64::from(nanos));
            proptest::prop_assume!((0..=9999).contains(&at.year()));
            let expected = at.format(&Rfc3339).unwrap();
            let ours = Timestamp::from(at);
            proptest::prop_assert_eq!(ours.to_string(), expected.clone());
            proptest::prop_assert_eq!(serde_json::to_string(&ours).unwrap(), format!("\"{expected}\""));
            proptest::prop_assert_eq!(Timestamp::parse(&expected), Ok(ours));
        }

        #[test]
        fn reads_unix_millis_as_the_time_crate_does(millis in -62_167_219_200_000i64..253_402_300_800_000) {
            let expected = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap();
            let ours = Timestamp::from_unix_millis(millis).unwrap();
            proptest::prop_assert_eq!(ours, Timestamp::from(expected));
            proptest::prop_assert_eq!(ours.unix_millis(), millis);
        }

        #[test]
        fn writes_unix_millis_as_a_timestamp_of_them_writes(
            millis in proptest::prop_oneof![
                -62_167_219_200_000i64..253_402_300_800_000,
                // Before the year 0000, as far back as `time` goes: clamped.
                -377_705_116_800_000i64..0,
            ],
        ) {
            let expected = Timestamp::from_unix_millis(millis);
            proptest::prop_assume!(expected.is_some());
            let expected = expected.unwrap().to_string();
            let mut buf = [0; RFC3339_MAX_LEN];
            proptest::prop_assert_eq!(Timestamp::write_unix_millis(millis, &mut buf), Some(expected.as_str()));
        }
    }

    #[test]
    fn writes_the_bounds_of_unix_millis_and_clamps_beyond_them() {
        let mut buf = [0; RFC3339_MAX_LEN];
        for (millis, text) in [
            (*UNIX_MILLIS.start(), "0000-01-01T00:00:00Z"),
            (*UNIX_MILLIS.end(), "9999-12-31T23:59:59.999Z"),
            (i64::MIN, "0000-01-01T00:00:00Z"),
            (i64::MAX, "9999-12-31T23:59:59.999Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_500, "2000-02-29T00:00:00.5Z"),
        ] {
            assert_eq!(
                Timestamp::write_unix_millis(millis, &mut buf),
                Some(text),
                "{millis}"
            );
        }
    }
}
