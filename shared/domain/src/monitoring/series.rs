//! Series of points: a chart's numeric data, newest points kept.

use super::chart::MAX_SERIES;
use crate::{ChartId, Slug, Timestamp, Validation};
use serde::{Deserialize, Serialize};

pub const MAX_POINTS_PER_SERIES: usize = 1000;
pub const MAX_POINTS_PER_CALL: usize = 500;
/// Points may be stamped at most this far ahead of the server's clock (clock skew).
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// One series' newest points, oldest first. Stored as two parallel columns so that a full
/// series (1,000 points) stays a few tens of kilobytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    chart_id: ChartId,
    name: Slug,
    /// Unix milliseconds, ascending.
    at: Vec<i64>,
    /// Stored as text: any finite `f64` round-trips, where a stored number would be limited
    /// to DynamoDB's range (about ±1e125).
    #[serde(with = "values_as_text")]
    values: Vec<f64>,
}

mod values_as_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        // Rust prints the shortest text that parses back to the same f64.
        serializer.collect_seq(values.iter().map(|v| v.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|text| text.parse::<f64>().map_err(serde::de::Error::custom))
            .collect()
    }
}

/// One point as sent: a finite value, a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at_millis: i64,
    pub value: f64,
}

impl Series {
    pub fn new(chart_id: ChartId, name: Slug) -> Self {
        Self {
            chart_id,
            name,
            at: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn chart_id(&self) -> ChartId {
        self.chart_id
    }

    pub fn name(&self) -> &Slug {
        &self.name
    }

    /// The points' times (Unix milliseconds), oldest first.
    pub fn at_millis(&self) -> &[i64] {
        &self.at
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Adds points and keeps the newest [`MAX_POINTS_PER_SERIES`] by time (equal times keep
    /// their arrival order).
    pub fn append(&mut self, points: &[Point]) {
        let mut all: Vec<(i64, f64)> = self
            .at
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .collect();
        all.extend(points.iter().map(|p| (p.at_millis, p.value)));
        all.sort_by_key(|(at, _)| *at);
        let drop = all.len().saturating_sub(MAX_POINTS_PER_SERIES);
        all.drain(..drop);
        (self.at, self.values) = all.into_iter().unzip();
    }

    /// The newest `n` values, oldest first; `None` when there are fewer.
    pub fn newest(&self, n: usize) -> Option<&[f64]> {
        self.values
            .len()
            .checked_sub(n)
            .map(|start| &self.values[start..])
    }
}

/// Points grouped by series, each series' points in the order they were sent.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPoints {
    pub by_series: Vec<(Slug, Vec<Point>)>,
}

#[derive(Debug, Clone, Default)]
pub struct PointInput<'a> {
    pub series: Option<&'a str>,
    pub value: Option<f64>,
    pub at: Option<&'a str>,
}

impl RecordPoints {
    pub fn parse(
        points: Option<&[PointInput<'_>]>,
        now: Timestamp,
        validation: &mut Validation,
    ) -> Option<Self> {
        let Some(points) = points else {
            validation.push("points", "is required");
            return None;
        };
        if points.is_empty() || points.len() > MAX_POINTS_PER_CALL {
            validation.push(
                "points",
                format!("must hold 1 to {MAX_POINTS_PER_CALL} points"),
            );
            return None;
        }
        let latest = now.unix_seconds() + MAX_FUTURE_SECONDS;
        let mut by_series: Vec<(Slug, Vec<Point>)> = Vec::new();
        let mut valid = true;
        for (i, point) in points.iter().enumerate() {
            let series =
                validation.required(format!("points[{i}].series"), point.series, Slug::parse);
            let value = validation.required(format!("points[{i}].value"), point.value, |v| {
                v.is_finite().then_some(v).ok_or("must be a finite number")
            });
            let at = match point.at {
                None => Some(now),
                Some(text) => validation
                    .check(format!("points[{i}].at"), Timestamp::parse(text))
                    .filter(|at| {
                        let ok = at.unix_seconds() <= latest;
                        if !ok {
                            validation.push(
                                format!("points[{i}].at"),
                                "must not be more than 5 minutes in the future",
                            );
                        }
                        ok
                    }),
            };
            let (Some(series), Some(value), Some(at)) = (series, value, at) else {
                valid = false;
                continue;
            };
            let point = Point {
                at_millis: at.unix_millis(),
                value,
            };
            match by_series.iter_mut().find(|(s, _)| *s == series) {
                Some((_, list)) => list.push(point),
                None => by_series.push((series, vec![point])),
            }
        }
        if by_series.len() > MAX_SERIES {
            validation.push(
                "points",
                format!("a chart holds at most {MAX_SERIES} series"),
            );
            valid = false;
        }
        valid.then_some(Self { by_series })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::test_data::slug;
    use proptest::prelude::*;

    #[test]
    fn values_round_trip_exactly_through_their_stored_form() {
        let mut series = Series::new(ChartId::new(), slug("x"));
        let values = [
            0.1,
            -8.083997065067045e231,
            5e-324,
            f64::MAX,
            -0.0,
            1.0 / 3.0,
        ];
        let points: Vec<Point> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                at_millis: i as i64,
                value: *v,
            })
            .collect();
        series.append(&points);
        let stored = serde_json::to_string(&series).unwrap();
        let read: Series = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            read.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_series_keeps_its_newest_thousand_points_in_time_order() {
        let mut series = Series::new(ChartId::new(), slug("cpu"));
        let points: Vec<Point> = (0..1200)
            .rev()
            .map(|i| Point {
                at_millis: i,
                value: i as f64,
            })
            .collect();
        series.append(&points);
        assert_eq!(series.len(), MAX_POINTS_PER_SERIES);
        assert_eq!(series.at.first(), Some(&200));
        assert_eq!(series.at.last(), Some(&1199));
        series.append(&[Point {
            at_millis: 5,
            value: -1.0,
        }]);
        assert_eq!(
            series.at.first(),
            Some(&200),
            "an old point falls off at once"
        );
        assert_eq!(series.newest(2), Some(&[1198.0, 1199.0][..]));
        assert_eq!(Series::new(ChartId::new(), slug("x")).newest(1), None);
    }

    proptest! {
        #[test]
        fn a_series_never_outgrows_its_bound(batches in proptest::collection::vec(proptest::collection::vec(any::<i32>(), 0..600), 0..5)) {
            let mut series = Series::new(ChartId::new(), slug("s"));
            for batch in batches {
                let points: Vec<Point> = batch.iter().map(|&t| Point { at_millis: i64::from(t), value: 1.0 }).collect();
                series.append(&points);
                prop_assert!(series.len() <= MAX_POINTS_PER_SERIES);
                prop_assert!(series.at.windows(2).all(|w| w[0] <= w[1]));
                prop_assert_eq!(series.at.len(), series.values.len());
            }
        }
    }

    fn point<'a>(series: &'a str, value: Option<f64>, at: Option<&'a str>) -> PointInput<'a> {
        PointInput {
            series: Some(series),
            value,
            at,
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-21T10:00:00Z").unwrap()
    }

    #[test]
    fn points_are_grouped_by_series_and_checked() {
        let mut validation = Validation::new();
        let parsed = RecordPoints::parse(
            Some(&[
                point("cpu", Some(1.0), None),
                point("mem", Some(2.0), Some("2026-11-21T09:00:00Z")),
                point("cpu", Some(3.0), None),
            ]),
            now(),
            &mut validation,
        )
        .unwrap();
        assert_eq!(parsed.by_series.len(), 2);
        assert_eq!(parsed.by_series[0].1.len(), 2);
        assert_eq!(parsed.by_series[0].1[0].at_millis, now().unix_millis());

        let mut validation = Validation::new();
        let bad = RecordPoints::parse(
            Some(&[
                point("CPU", Some(1.0), None),
                point("cpu", None, None),
                point("cpu", Some(f64::INFINITY), Some("2026-11-21T10:06:00Z")),
            ]),
            now(),
            &mut validation,
        );
        assert!(bad.is_none());
        let fields: Vec<_> = validation.fields();
        assert_eq!(
            fields,
            [
                "points[0].series",
                "points[1].value",
                "points[2].value",
                "points[2].at"
            ]
        );
    }

    #[test]
    fn point_counts_and_series_counts_are_bounded() {
        let mut validation = Validation::new();
        let many: Vec<PointInput> = (0..501).map(|_| point("a", Some(1.0), None)).collect();
        assert!(RecordPoints::parse(Some(&many), now(), &mut validation).is_none());
        let names: Vec<String> = (0..21).map(|i| format!("s{i}")).collect();
        let wide: Vec<PointInput> = names
            .iter()
            .map(|n| PointInput {
                series: Some(n),
                value: Some(1.0),
                at: None,
            })
            .collect();
        let mut validation = Validation::new();
        assert!(RecordPoints::parse(Some(&wide), now(), &mut validation).is_none());
        assert_eq!(validation.errors()[0].field, "points");
    }
}
