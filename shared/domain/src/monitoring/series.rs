//! Series of points: a chart's numeric data, newest points kept.

use super::chart::MAX_SERIES;
use crate::{Slug, Timestamp, Validation};

pub const MAX_POINTS_PER_SERIES: usize = 1000;
pub const MAX_POINTS_PER_CALL: usize = 500;
/// Points may be stamped at most this far ahead of the server's clock (clock skew).
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// The newest points of one series, oldest first by time. A chart keeps the last
/// [`MAX_POINTS_PER_SERIES`] points each series was sent (newest by arrival, so that keeping
/// them costs the same whatever is stored); earlier ones fall off.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    name: Slug,
    /// Unix milliseconds, ascending (equal times in their order of arrival).
    at: Vec<i64>,
    values: Vec<f64>,
}

/// One point as sent: a finite value, a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at_millis: i64,
    pub value: f64,
}

impl Series {
    /// The series `name` holding the last [`MAX_POINTS_PER_SERIES`] of `points` (in their
    /// order of arrival), sorted by time.
    pub fn new(name: Slug, points: impl IntoIterator<Item = Point>) -> Self {
        let mut points: Vec<Point> = points.into_iter().collect();
        points.drain(..points.len().saturating_sub(MAX_POINTS_PER_SERIES));
        points.sort_by_key(|p| p.at_millis);
        Self {
            name,
            at: points.iter().map(|p| p.at_millis).collect(),
            values: points.iter().map(|p| p.value).collect(),
        }
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

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        self.at.iter().zip(&self.values).map(|(at, value)| Point {
            at_millis: *at,
            value: *value,
        })
    }

    /// When the latest of its points was taken.
    pub fn latest_at_millis(&self) -> Option<i64> {
        self.at.iter().copied().max()
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

    fn points(times: impl IntoIterator<Item = i64>) -> Vec<Point> {
        times
            .into_iter()
            .map(|t| Point {
                at_millis: t,
                value: t as f64,
            })
            .collect()
    }

    #[test]
    fn a_series_keeps_its_newest_thousand_points() {
        let series = Series::new(slug("cpu"), points(0..1200));
        assert_eq!(series.len(), MAX_POINTS_PER_SERIES);
        assert_eq!(series.at_millis().first(), Some(&200));
        assert_eq!(series.at_millis().last(), Some(&1199));
        assert_eq!(series.newest(2), Some(&[1198.0, 1199.0][..]));
        assert_eq!(Series::new(slug("x"), []).newest(1), None);
    }

    #[test]
    fn a_late_point_is_kept_in_its_place_in_time() {
        let arrived = [10, 30, 20, 30].map(|t| Point {
            at_millis: t,
            value: t as f64 + if t == 30 { 0.0 } else { 0.5 },
        });
        let series = Series::new(slug("cpu"), arrived);
        assert_eq!(series.at_millis(), [10, 20, 30, 30]);
        assert_eq!(series.newest(3), Some(&[20.5, 30.0, 30.0][..]));
    }

    proptest! {
        #[test]
        fn a_series_never_outgrows_its_bound(times in proptest::collection::vec(any::<i32>(), 0..2500)) {
            let series = Series::new(slug("s"), points(times.iter().map(|t| i64::from(*t))));
            prop_assert_eq!(series.len(), times.len().min(MAX_POINTS_PER_SERIES));
            prop_assert_eq!(series.at_millis().len(), series.len());
            prop_assert!(series.at_millis().is_sorted());
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
