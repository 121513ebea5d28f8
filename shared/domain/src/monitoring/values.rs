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

    proptest! {
        #[test]
        fn ops_agree_with_their_definition(value in -1e6f64..1e6, threshold in -1e6f64..1e6) {
            prop_assert_eq!(Op::Gt.holds(value, threshold), value > threshold);
            prop_assert_eq!(Op::Lte.holds(value, threshold), !Op::Gt.holds(value, threshold));
            prop_assert_eq!(Op::Lt.holds(value, threshold), !Op::Gte.holds(value, threshold));
        }
    }
}
