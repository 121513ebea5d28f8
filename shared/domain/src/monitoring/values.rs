//! The value objects of alerts: the condition, the aggregation it is judged on, a mute.

use crate::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub(super) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            _ => return None,
        })
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Gt => value > threshold,
            Op::Gte => value >= threshold,
            Op::Lt => value < threshold,
            Op::Lte => value <= threshold,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub op: Op,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    #[default]
    Last,
    Avg,
    Min,
    Max,
}

impl Aggregation {
    pub(super) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "last" => Aggregation::Last,
            "avg" => Aggregation::Avg,
            "min" => Aggregation::Min,
            "max" => Aggregation::Max,
            _ => return None,
        })
    }

    /// `None` for no values.
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        let last = *values.last()?;
        Some(match self {
            Aggregation::Last => last,
            Aggregation::Avg => values.iter().sum::<f64>() / values.len() as f64,
            Aggregation::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Aggregation::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mute {
    pub until: Option<Timestamp>,
    pub reason: Option<String>,
}

/// A whole number of seconds within `MIN..=MAX`, written as alerts show it: `0s`, `90s`,
/// `10m`, `1h30m`, `7d` (read also with spaces, `1h 30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Span<const MIN: u32, const MAX: u32>(u32);

/// How long an alert's condition must hold before it fires: `0s` to `24h`.
pub type PendingFor = Span<0, 86_400>;
/// How old a series' newest point may be before an alert on it has no data: `1m` to `7d`.
pub type StaleAfter = Span<60, 604_800>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a duration such as 90s, 10m or 1h30m, from {min} to {max}")]
pub struct InvalidSpan {
    min: String,
    max: String,
}

const UNITS: [(char, u32); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

impl<const MIN: u32, const MAX: u32> Span<MIN, MAX> {
    pub const fn seconds(seconds: u32) -> Self {
        assert!(seconds >= MIN && seconds <= MAX);
        Self(seconds)
    }

    pub fn parse(text: &str) -> Result<Self, InvalidSpan> {
        let invalid = || InvalidSpan {
            min: format_seconds(MIN),
            max: format_seconds(MAX),
        };
        let compact: String = text.chars().filter(|c| *c != ' ').collect();
        if compact.is_empty() || compact.len() > 24 {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        let mut units_left = &UNITS[..];
        for c in compact.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            // Each unit once, largest first: `1h30m`, not `30m1h`.
            let at = units_left
                .iter()
                .position(|(unit, _)| *unit == c)
                .ok_or_else(invalid)?;
            let value: u64 = number.parse().map_err(|_| invalid())?;
            total = value
                .checked_mul(u64::from(units_left[at].1))
                .and_then(|part| total.checked_add(part))
                .ok_or_else(invalid)?;
            units_left = &units_left[at + 1..];
            number.clear();
        }
        if !number.is_empty() {
            return Err(invalid());
        }
        u32::try_from(total)
            .ok()
            .filter(|s| (MIN..=MAX).contains(s))
            .map(Self)
            .ok_or_else(invalid)
    }

    pub fn as_seconds(self) -> u32 {
        self.0
    }

    pub fn duration(self) -> time::Duration {
        time::Duration::seconds(i64::from(self.0))
    }
}

/// `0s`, `90s` as `1m30s`, `1h30m`, `2d`.
fn format_seconds(mut seconds: u32) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if seconds >= size {
            out.push_str(&format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    out
}

impl<const MIN: u32, const MAX: u32> std::fmt::Display for Span<MIN, MAX> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_seconds(self.0))
    }
}

impl<const MIN: u32, const MAX: u32> TryFrom<String> for Span<MIN, MAX> {
    type Error = InvalidSpan;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl<const MIN: u32, const MAX: u32> From<Span<MIN, MAX>> for String {
    fn from(span: Span<MIN, MAX>) -> String {
        span.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn aggregations() {
        let values = [3.0, 1.0, 2.0];
        assert_eq!(Aggregation::Last.apply(&values), Some(2.0));
        assert_eq!(Aggregation::Avg.apply(&values), Some(2.0));
        assert_eq!(Aggregation::Min.apply(&values), Some(1.0));
        assert_eq!(Aggregation::Max.apply(&values), Some(3.0));
        assert_eq!(Aggregation::Max.apply(&[]), None);
    }

    #[test]
    fn spans_read_and_write_the_short_form() {
        for (text, seconds, shown) in [
            ("0s", 0, "0s"),
            ("90s", 90, "1m30s"),
            ("10m", 600, "10m"),
            ("1h30m", 5400, "1h30m"),
            ("1h 30m", 5400, "1h30m"),
            ("24h", 86_400, "1d"),
        ] {
            let span = PendingFor::parse(text).unwrap();
            assert_eq!(
                (span.as_seconds(), span.to_string().as_str()),
                (seconds, shown)
            );
        }
        for bad in [
            "",
            "5",
            "m",
            "1x",
            "-1m",
            "30m1h",
            "1h1h",
            "24h1s",
            "99999999999999h",
            "9999999999999999999d",
        ] {
            assert!(PendingFor::parse(bad).is_err(), "{bad}");
        }
        assert!(StaleAfter::parse("59s").is_err());
        assert!(StaleAfter::parse("7d").is_ok() && StaleAfter::parse("7d1s").is_err());
        let error = StaleAfter::parse("0s").unwrap_err().to_string();
        assert!(error.contains("from 1m to 7d"), "{error}");
    }

    proptest! {
        #[test]
        fn a_span_reads_back_what_it_writes(seconds in 0u32..=86_400) {
            let span = PendingFor::seconds(seconds);
            prop_assert_eq!(PendingFor::parse(&span.to_string()).unwrap(), span);
        }

        #[test]
        fn ops_agree_with_their_definition(value in -1e6f64..1e6, threshold in -1e6f64..1e6) {
            prop_assert_eq!(Op::Gt.holds(value, threshold), value > threshold);
            prop_assert_eq!(Op::Lte.holds(value, threshold), !Op::Gt.holds(value, threshold));
            prop_assert_eq!(Op::Lt.holds(value, threshold), !Op::Gte.holds(value, threshold));
        }
    }
}
