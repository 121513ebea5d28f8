//! The value axis: its range, "nice" tick values, and their compact labels.

/// Values beyond this are clamped, so that spans, padding and rounding to tick multiples
/// stay finite (f64 overflows past about 1.8e308).
const LIMIT: f64 = 1e300;
/// Spans smaller than this are treated as zero: their steps would underflow.
const TINY: f64 = 1e-280;

/// The value axis: its range and the tick values inside it, lowest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAxis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

/// An axis covering `lo..=hi` (finite, lo <= hi), padded a little and widened to whole
/// steps, with about `target` ticks (at least 2).
pub fn value_axis(lo: f64, hi: f64, target: usize) -> ValueAxis {
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let mid = lo / 2.0 + hi / 2.0;
    let span = hi - lo;
    let (lo, hi) = if span <= (mid.abs() * 1e-12).max(TINY) {
        // All values (about) equal: show a band around them instead of dividing by zero.
        let half = if mid.abs() > TINY {
            mid.abs() * 0.1
        } else {
            1.0
        };
        (mid - half, mid + half)
    } else {
        let pad = span * 0.02;
        // A non-negative series reads best from zero up: don't pad it into negatives.
        let padded_lo = if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        let padded_hi = if hi <= 0.0 {
            (hi + pad).min(0.0)
        } else {
            hi + pad
        };
        (padded_lo, padded_hi)
    };
    let step = nice_step(hi - lo, target.max(2));
    let (min, max) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let (min, max) = if min.is_finite() && max.is_finite() && min < max {
        (min, max)
    } else {
        (lo, hi)
    };
    ValueAxis {
        min,
        max,
        step,
        ticks: ticks(min, max, step),
    }
}

/// A step of 1, 2 or 5 times a power of ten that cuts `span` into about `target - 1` parts.
fn nice_step(span: f64, target: usize) -> f64 {
    let rough = span / (target - 1) as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    let norm = rough / magnitude;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    let step = nice * magnitude;
    if step.is_finite() && step > 0.0 {
        step
    } else {
        span.abs().max(1.0)
    }
}

/// The multiples of `step` within `min..=max`, at most a few dozen.
fn ticks(min: f64, max: f64, step: f64) -> Vec<f64> {
    let first = (min / step).ceil();
    let last = (max / step).floor();
    let count = last - first;
    // Where precision runs out (huge values, tiny step) the count is meaningless: show the
    // ends only.
    if !(0.0..=50.0).contains(&count) {
        return vec![min, max];
    }
    (0..=count as usize)
        .map(|i| {
            let tick = (first + i as f64) * step;
            // Multiples of 0.1 etc. are not exact: snap near-zero to zero so it reads "0".
            if tick.abs() < step * 1e-9 { 0.0 } else { tick }
        })
        .collect()
}

/// Labels for ticks `step` apart: compact (1.5k, 2M), as many decimals as the step needs,
/// scientific where neither reads well.
pub fn labels(ticks: &[f64], step: f64) -> Vec<String> {
    let largest = ticks.iter().fold(0f64, |m, t| m.max(t.abs()));
    ticks
        .iter()
        .map(|&t| format_value(t, step, largest))
        .collect()
}

/// One value formatted for an axis whose ticks are `step` apart and reach `largest`.
pub fn format_value(value: f64, step: f64, largest: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    if largest >= 1e15 || (step < 1e-4 && largest < 1e-3) {
        let digits = (largest.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
        return scientific(value, digits);
    }
    let (scale, unit) = UNITS
        .iter()
        .copied()
        .find(|(scale, _)| largest >= *scale)
        .unwrap_or((1.0, ""));
    let decimals = decimals_for(step / scale);
    format!(
        "{}{unit}",
        trim_zeros(format!("{:.*}", decimals, value / scale))
    )
}

/// Decimals needed to tell apart values `step` apart.
fn decimals_for(step: f64) -> usize {
    if step >= 1.0 || !step.is_finite() || step <= 0.0 {
        0
    } else {
        // The epsilon keeps 0.1 (stored as 0.1000...01) from asking for two decimals.
        ((-step.log10() - 1e-9).ceil() as usize).min(12)
    }
}

fn scientific(value: f64, digits: usize) -> String {
    let text = format!("{:.*e}", digits, value);
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa.to_owned())),
        None => text,
    }
}

/// "1.50" -> "1.5", "2.0" -> "2", "-0" -> "0".
fn trim_zeros(text: String) -> String {
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    if trimmed == "-0" {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let axis = value_axis(3.0, 97.0, 5);
        assert_eq!(axis.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!((axis.min, axis.max, axis.step), (0.0, 100.0, 20.0));

        let axis = value_axis(-7.5, 12.0, 5);
        assert!(axis.min <= -7.5 && axis.max >= 12.0);
        assert_eq!(axis.step, 5.0);
        assert!(axis.ticks.contains(&0.0));

        let axis = value_axis(0.12, 0.18, 5);
        assert!(axis.min <= 0.12 && axis.max >= 0.18, "{axis:?}");
        assert!((4..=8).contains(&axis.ticks.len()), "{axis:?}");
    }

    #[test]
    fn non_negative_data_is_not_padded_below_zero() {
        let axis = value_axis(0.0, 50.0, 5);
        assert_eq!(axis.min, 0.0);
        assert!(axis.max >= 50.0);
    }

    #[test]
    fn equal_values_get_a_band() {
        let axis = value_axis(5.0, 5.0, 5);
        assert!(axis.min < 5.0 && axis.max > 5.0, "{axis:?}");
        let axis = value_axis(0.0, 0.0, 5);
        assert!(axis.min < 0.0 && axis.max > 0.0, "{axis:?}");
        assert!(axis.ticks.len() >= 2);
    }

    #[test]
    fn extreme_values_stay_finite() {
        for (lo, hi) in [
            (-f64::MAX, f64::MAX),
            (f64::MAX, f64::MAX),
            (1e16, 1e16 + 2.0),
            (-1e-320, 1e-320),
            (1e-300, 2e-300),
        ] {
            let axis = value_axis(lo, hi, 5);
            assert!(axis.min.is_finite() && axis.max.is_finite() && axis.min < axis.max);
            assert!(axis.step.is_finite() && axis.step > 0.0, "{axis:?}");
            assert!(axis.ticks.iter().all(|t| t.is_finite()));
            assert!(!axis.ticks.is_empty() && axis.ticks.len() <= 51);
            for label in labels(&axis.ticks, axis.step) {
                assert!(label.len() <= 16, "{label}");
            }
        }
    }

    #[test]
    fn labels_are_compact() {
        assert_eq!(
            labels(&[0.0, 500.0, 1000.0, 1500.0], 500.0),
            ["0", "0.5k", "1k", "1.5k"]
        );
        assert_eq!(labels(&[0.0, 2e6, 4e6], 2e6), ["0", "2M", "4M"]);
        assert_eq!(labels(&[0.0, 20.0, 40.0], 20.0), ["0", "20", "40"]);
        assert_eq!(
            labels(&[0.1, 0.2, 0.30000000000000004], 0.1),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(labels(&[-0.5, 0.0, 0.5], 0.5), ["-0.5", "0", "0.5"]);
        assert_eq!(labels(&[0.0, 5e17, 1e18], 5e17), ["0", "5e17", "1e18"]);
        assert_eq!(labels(&[1e-6, 2e-6], 1e-6), ["1e-6", "2e-6"]);
        assert_eq!(labels(&[3e9, 3.5e9], 5e8), ["3G", "3.5G"]);
    }
}
