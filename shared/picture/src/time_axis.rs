//! The time axis: tick times at round UTC steps and labels formatted by the span shown.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;

/// Steps short of a year, in milliseconds; years follow as 1, 2, 5 times powers of ten.
const STEPS: [i64; 34] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    SECOND,
    2 * SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
    60 * DAY,
    91 * DAY,
    182 * DAY,
];

/// How tick labels are written; chosen from the step and the span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// 13:05:30.250
    Millis,
    /// 13:05:30
    Seconds,
    /// 13:05
    Minutes,
    /// Nov 28 13:05
    DayMinutes,
    /// Nov 28
    Day,
    /// 2025-11-28
    Date,
    /// Nov 2025
    Month,
}

impl TimeFormat {
    fn choose(step: i64, span: i64) -> TimeFormat {
        if step < SECOND {
            TimeFormat::Millis
        } else if step < MINUTE {
            TimeFormat::Seconds
        } else if step < DAY {
            if span <= DAY {
                TimeFormat::Minutes
            } else {
                TimeFormat::DayMinutes
            }
        } else if step >= YEAR {
            TimeFormat::Month
        } else if span <= 300 * DAY {
            TimeFormat::Day
        } else {
            TimeFormat::Date
        }
    }

    /// The labels' length in characters, to size them before formatting any.
    fn chars(self) -> usize {
        match self {
            TimeFormat::Millis => 12,
            TimeFormat::Seconds => 8,
            TimeFormat::Minutes => 5,
            TimeFormat::DayMinutes => 12,
            TimeFormat::Day => 6,
            TimeFormat::Date => 10,
            TimeFormat::Month => 8,
        }
    }

    fn items(self) -> &'static [BorrowedFormatItem<'static>] {
        match self {
            TimeFormat::Millis => {
                format_description!("[hour]:[minute]:[second].[subsecond digits:3]")
            }
            TimeFormat::Seconds => format_description!("[hour]:[minute]:[second]"),
            TimeFormat::Minutes => format_description!("[hour]:[minute]"),
            TimeFormat::DayMinutes => {
                format_description!("[month repr:short] [day] [hour]:[minute]")
            }
            TimeFormat::Day => format_description!("[month repr:short] [day]"),
            TimeFormat::Date => format_description!("[year]-[month]-[day]"),
            TimeFormat::Month => format_description!("[month repr:short] [year]"),
        }
    }
}

/// The time axis: tick times (unix ms, ascending) and the format of their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    pub step: i64,
    pub format: TimeFormat,
    pub ticks: Vec<i64>,
}

/// Ticks for `start..=end` (start < end) whose labels, `char_width` pixels per character,
/// fit side by side in `width` pixels: at most 6 of them, more than one unless the labels
/// are too wide for two to fit.
pub fn time_axis(start: i64, end: i64, width: f64, char_width: f64) -> TimeAxis {
    let span = end.saturating_sub(start).max(1);
    let years = (0..18).flat_map(|power| {
        [1, 2, 5]
            .into_iter()
            .map(move |n| YEAR.saturating_mul(n * 10i64.pow(power)))
    });
    for step in STEPS.into_iter().chain(years) {
        let format = TimeFormat::choose(step, span);
        // A label's width plus a gap to the next.
        let room = format.chars() as f64 * char_width + 16.0;
        let fit = ((width / room).floor() as i64).clamp(2, 6);
        if span / step < fit {
            return TimeAxis {
                step,
                format,
                ticks: ticks(start, end, step),
            };
        }
        if step == i64::MAX {
            break;
        }
    }
    // Unreachable for i64 spans, but a fallback costs less than a panic.
    TimeAxis {
        step: span,
        format: TimeFormat::Date,
        ticks: vec![start, end],
    }
}

/// The multiples of `step` (counted from the unix epoch, so at round UTC times) within
/// `start..=end`.
fn ticks(start: i64, end: i64, step: i64) -> Vec<i64> {
    let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
    let first = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    let mut out = Vec::new();
    let mut tick = first;
    while tick <= end && out.len() < 10 {
        // Within start..=end, so it fits an i64.
        out.push(tick as i64);
        tick += step;
    }
    out
}

/// `time` (unix ms) as UTC in `format`; empty where the date is beyond what can be shown.
pub fn label(time: i64, format: TimeFormat) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(time) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format.items()).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2025-11-28T00:00:00Z
    const MIDNIGHT: i64 = 1_764_288_000_000;

    fn labels(start: i64, end: i64, width: f64) -> Vec<String> {
        let axis = time_axis(start, end, width, 6.6);
        axis.ticks.iter().map(|&t| label(t, axis.format)).collect()
    }

    #[test]
    fn within_a_day_shows_hours_and_minutes() {
        let got = labels(
            MIDNIGHT + 10 * HOUR + 7 * MINUTE,
            MIDNIGHT + 11 * HOUR,
            700.0,
        );
        assert_eq!(got, ["10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]);
        let got = labels(MIDNIGHT, MIDNIGHT + DAY, 700.0);
        assert_eq!(got, ["00:00", "06:00", "12:00", "18:00", "00:00"]);
    }

    #[test]
    fn short_spans_show_seconds() {
        let got = labels(MIDNIGHT, MIDNIGHT + 40 * SECOND, 700.0);
        assert_eq!(
            got,
            ["00:00:00", "00:00:10", "00:00:20", "00:00:30", "00:00:40"]
        );
    }

    #[test]
    fn beyond_a_day_shows_the_date() {
        let got = labels(MIDNIGHT - 2 * DAY, MIDNIGHT, 700.0);
        assert_eq!(
            got,
            [
                "Nov 26 00:00",
                "Nov 26 12:00",
                "Nov 27 00:00",
                "Nov 27 12:00",
                "Nov 28 00:00"
            ]
        );

        let got = labels(MIDNIGHT - 3 * DAY, MIDNIGHT, 700.0);
        assert_eq!(got, ["Nov 25", "Nov 26", "Nov 27", "Nov 28"]);

        let got = labels(MIDNIGHT - 30 * DAY, MIDNIGHT, 700.0);
        assert!(got.len() >= 3 && got.len() <= 6, "{got:?}");
        assert!(got.iter().all(|l| l.len() == 6), "{got:?}");
        assert_eq!(got.last().map(String::as_str), Some("Nov 27"));

        let got = labels(MIDNIGHT - 3 * YEAR, MIDNIGHT, 700.0);
        assert!(got.len() >= 2 && got.len() <= 6, "{got:?}");
    }

    #[test]
    fn sub_second_spans_show_milliseconds() {
        let got = labels(MIDNIGHT + 5, MIDNIGHT + 800, 700.0);
        assert_eq!(
            got,
            [
                "00:00:00.200",
                "00:00:00.400",
                "00:00:00.600",
                "00:00:00.800"
            ]
        );
    }

    #[test]
    fn narrow_charts_get_fewer_labels() {
        let got = labels(MIDNIGHT, MIDNIGHT + DAY, 150.0);
        assert!(got.len() >= 2 && got.len() <= 3, "{got:?}");
    }

    #[test]
    fn any_span_is_handled() {
        for (start, end) in [
            (i64::MIN, i64::MAX),
            (0, 1),
            (-5, 5),
            (i64::MAX - 1, i64::MAX),
        ] {
            let axis = time_axis(start, end, 600.0, 6.6);
            assert!(axis.ticks.len() <= 10);
            assert!(axis.ticks.iter().all(|t| (start..=end).contains(t)));
            for &t in &axis.ticks {
                let _ = label(t, axis.format);
            }
        }
    }
}
