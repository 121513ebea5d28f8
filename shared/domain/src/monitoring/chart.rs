//! Charts and their series of points.

use crate::{ChartId, CustomerId, Email, Slug, Text, Timestamp, Validation};
use serde::{Deserialize, Serialize};

pub type ChartName = Text<1, 100>;
pub type ChartDescription = Text<0, 1000>;

pub const MAX_RECIPIENTS: usize = 10;
pub const MAX_SERIES: usize = 20;
pub const MAX_POINTS_PER_SERIES: usize = 1000;
pub const MAX_POINTS_PER_CALL: usize = 500;
pub const MAX_ALERTS: u32 = 50;
/// Points may be stamped at most this far ahead of the server's clock (clock skew).
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// A customer's chart. Its series live in their own documents; the chart keeps their names
/// so that the 20-series bound holds under concurrent writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub id: ChartId,
    pub owner_id: CustomerId,
    pub name: ChartName,
    pub description: ChartDescription,
    pub recipients: Vec<Email>,
    pub created_at: Timestamp,
    #[serde(default)]
    pub series: Vec<Slug>,
    #[serde(default)]
    pub alert_count: u32,
}

/// The part of a chart its owner sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartView<'a> {
    pub id: ChartId,
    pub owner_id: &'a CustomerId,
    pub name: &'a ChartName,
    pub description: &'a ChartDescription,
    pub recipients: &'a [Email],
    pub created_at: Timestamp,
}

impl Chart {
    pub fn view(&self) -> ChartView<'_> {
        ChartView {
            id: self.id,
            owner_id: &self.owner_id,
            name: &self.name,
            description: &self.description,
            recipients: &self.recipients,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateChart {
    pub name: ChartName,
    pub description: ChartDescription,
    pub recipients: Vec<Email>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateChartInput<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    /// `None` when missing; each element `None` when not a string (already reported).
    pub recipients: Option<Vec<Option<&'a str>>>,
}

impl CreateChart {
    pub fn parse(input: CreateChartInput<'_>, validation: &mut Validation) -> Option<Self> {
        let name = match input.name {
            Some(name) => validation.check("name", ChartName::parse(name)),
            None => {
                validation.push("name", "is required");
                None
            }
        };
        let description = validation.check(
            "description",
            ChartDescription::parse(input.description.unwrap_or("")),
        );
        let recipients = match input.recipients {
            None => {
                validation.push("recipients", "is required");
                None
            }
            Some(list) if list.is_empty() || list.len() > MAX_RECIPIENTS => {
                validation.push(
                    "recipients",
                    format!("must hold 1 to {MAX_RECIPIENTS} addresses"),
                );
                None
            }
            Some(list) => {
                let mut parsed = Vec::new();
                let mut all_valid = true;
                for (i, text) in list.iter().enumerate() {
                    let field = format!("recipients[{i}]");
                    match text.map(|t| validation.check(field.clone(), Email::parse(t))) {
                        Some(Some(email)) if !parsed.contains(&email) => parsed.push(email),
                        Some(Some(_duplicate)) => {}
                        Some(None) => all_valid = false,
                        None => {
                            validation.push(field, "must be a string");
                            all_valid = false;
                        }
                    }
                }
                all_valid.then_some(parsed)
            }
        };
        Some(Self {
            name: name?,
            description: description?,
            recipients: recipients?,
        })
    }
}

/// One series' newest points, oldest first. Stored as two parallel columns so that a full
/// series (1,000 points) stays a few tens of kilobytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub chart_id: ChartId,
    pub name: Slug,
    /// Unix milliseconds, ascending.
    pub at: Vec<i64>,
    /// Stored as text: any finite `f64` round-trips, where a stored number would be limited
    /// to DynamoDB's range (about ±1e125).
    #[serde(with = "values_as_text")]
    pub values: Vec<f64>,
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
            let series = match point.series {
                Some(s) => validation.check(format!("points[{i}].series"), Slug::parse(s)),
                None => {
                    validation.push(format!("points[{i}].series"), "is required");
                    None
                }
            };
            let value = match point.value {
                Some(v) if v.is_finite() => Some(v),
                Some(_) => {
                    validation.push(format!("points[{i}].value"), "must be a finite number");
                    None
                }
                None => {
                    validation.push(format!("points[{i}].value"), "is required");
                    None
                }
            };
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
    use proptest::prelude::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

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

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-21T10:00:00Z").unwrap()
    }

    #[test]
    fn points_are_grouped_by_series_and_checked() {
        let mut validation = Validation::new();
        let parsed = RecordPoints::parse(
            Some(&[
                PointInput {
                    series: Some("cpu"),
                    value: Some(1.0),
                    at: None,
                },
                PointInput {
                    series: Some("mem"),
                    value: Some(2.0),
                    at: Some("2026-11-21T09:00:00Z"),
                },
                PointInput {
                    series: Some("cpu"),
                    value: Some(3.0),
                    at: None,
                },
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
                PointInput {
                    series: Some("CPU"),
                    value: Some(1.0),
                    at: None,
                },
                PointInput {
                    series: Some("cpu"),
                    value: None,
                    at: None,
                },
                PointInput {
                    series: Some("cpu"),
                    value: Some(f64::INFINITY),
                    at: Some("2026-11-21T10:06:00Z"),
                },
            ]),
            now(),
            &mut validation,
        );
        assert!(bad.is_none());
        let fields: Vec<_> = validation
            .errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
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
        let many: Vec<PointInput> = (0..501)
            .map(|_| PointInput {
                series: Some("a"),
                value: Some(1.0),
                at: None,
            })
            .collect();
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

    #[test]
    fn charts_need_a_name_and_one_to_ten_recipients() {
        let mut validation = Validation::new();
        let chart = CreateChart::parse(
            CreateChartInput {
                name: Some(" Latency "),
                description: None,
                recipients: Some(vec![Some("a@example.com"), Some("a@example.com")]),
            },
            &mut validation,
        )
        .unwrap();
        assert_eq!(chart.name.as_str(), "Latency");
        assert_eq!(chart.recipients.len(), 1, "duplicates are merged");

        let eleven: Vec<Option<&str>> = vec![Some("a@example.com"); 11];
        for (input, field) in [
            (
                CreateChartInput {
                    name: None,
                    description: None,
                    recipients: Some(vec![Some("a@example.com")]),
                },
                "name",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(vec![]),
                },
                "recipients",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(eleven),
                },
                "recipients",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(vec![Some("nope")]),
                },
                "recipients[0]",
            ),
        ] {
            let mut validation = Validation::new();
            assert!(CreateChart::parse(input, &mut validation).is_none());
            assert_eq!(validation.errors()[0].field, field);
        }
    }
}
