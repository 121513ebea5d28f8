//! Alerts on a chart's series: condition, aggregation over a window, a message template,
//! mutes, and the state kept across evaluations.

use crate::{AlertId, ChartId, CustomerId, Slug, Text, Timestamp, Validation};
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
    fn parse(text: &str) -> Option<Self> {
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
    fn parse(text: &str) -> Option<Self> {
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

/// A message with `{chart}`, `{series}`, `{value}` and `{threshold}` placeholders, checked
/// when the alert is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageTemplate(Text<1, 500>);

const PLACEHOLDERS: [&str; 4] = ["chart", "series", "value", "threshold"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("must be between 1 and 500 characters")]
    Length,
    #[error(
        "has an unknown placeholder {{{0}}}; use {{chart}}, {{series}}, {{value}} or {{threshold}}"
    )]
    Unknown(String),
    #[error("has a brace that opens or closes no placeholder")]
    Unbalanced,
}

impl MessageTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let text = Text::<1, 500>::parse(text).map_err(|_| TemplateError::Length)?;
        let mut rest = text.as_str();
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(TemplateError::Unbalanced);
            }
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(TemplateError::Unbalanced)?;
            let name = &after[..close];
            if name.contains('{') {
                return Err(TemplateError::Unbalanced);
            }
            if !PLACEHOLDERS.contains(&name) {
                return Err(TemplateError::Unknown(name.to_owned()));
            }
            rest = &after[close + 1..];
        }
        Ok(Self(text))
    }

    pub fn render(&self, chart: &str, series: &str, value: Option<f64>, threshold: f64) -> String {
        let value = value.map_or_else(|| "no data".to_owned(), format_number);
        self.0
            .as_str()
            .replace("{chart}", chart)
            .replace("{series}", series)
            .replace("{value}", &value)
            .replace("{threshold}", &format_number(threshold))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Up to four decimals, without trailing zeros: `0.5`, `12`, `3.1416`.
pub fn format_number(n: f64) -> String {
    let text = format!("{n:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    #[default]
    Ok,
    Firing,
    NoData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mute {
    pub until: Option<Timestamp>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    pub chart_id: ChartId,
    /// The chart's owner, copied so a mute is authorised from the alert alone.
    pub owner_id: CustomerId,
    pub series: Slug,
    pub condition: Condition,
    pub aggregation: Aggregation,
    pub window: u16,
    pub message: MessageTemplate,
    pub mute: Option<Mute>,
    pub state: AlertState,
    pub firing_since: Option<Timestamp>,
    pub last_notified_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Alert {
    /// A mute whose `until` has passed no longer mutes.
    pub fn is_muted(&self, now: Timestamp) -> bool {
        self.mute
            .as_ref()
            .is_some_and(|m| m.until.is_none_or(|until| until > now))
    }

    /// The alert as the contract shows it at `now`.
    pub fn view(&self, now: Timestamp) -> AlertView<'_> {
        let mute = self.mute.as_ref().filter(|_| self.is_muted(now));
        AlertView {
            id: self.id,
            chart_id: self.chart_id,
            series: &self.series,
            condition: self.condition,
            aggregation: self.aggregation,
            window: self.window,
            message: self.message.as_str(),
            muted: mute.is_some(),
            muted_until: mute.and_then(|m| m.until),
            mute_reason: mute.and_then(|m| m.reason.as_deref()),
            state: self.state,
            firing_since: self.firing_since,
            last_notified_at: self.last_notified_at,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertView<'a> {
    pub id: AlertId,
    pub chart_id: ChartId,
    pub series: &'a Slug,
    pub condition: Condition,
    pub aggregation: Aggregation,
    pub window: u16,
    pub message: &'a str,
    pub muted: bool,
    pub muted_until: Option<Timestamp>,
    pub mute_reason: Option<&'a str>,
    pub state: AlertState,
    pub firing_since: Option<Timestamp>,
    pub last_notified_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateAlert {
    pub series: Slug,
    pub condition: Condition,
    pub aggregation: Aggregation,
    pub window: u16,
    pub message: MessageTemplate,
}

#[derive(Debug, Clone, Default)]
pub struct CreateAlertInput<'a> {
    pub series: Option<&'a str>,
    /// `None` when `condition` is missing.
    pub op: Option<Option<&'a str>>,
    pub threshold: Option<f64>,
    pub aggregation: Option<&'a str>,
    pub window: Option<i64>,
    pub message: Option<&'a str>,
}

pub const MAX_WINDOW: i64 = 100;

/// Thresholds are kept as DynamoDB numbers, whose range is about 1e-130 to 1e125 in
/// magnitude; the bounds here are rounder and inside it.
pub const MAX_THRESHOLD: f64 = 1e125;
pub const MIN_NONZERO_THRESHOLD: f64 = 1e-125;

fn storable(t: f64) -> bool {
    t == 0.0 || (MIN_NONZERO_THRESHOLD..=MAX_THRESHOLD).contains(&t.abs())
}

impl CreateAlert {
    pub fn parse(input: CreateAlertInput<'_>, validation: &mut Validation) -> Option<Self> {
        let series = match input.series {
            Some(s) => validation.check("series", Slug::parse(s)),
            None => {
                validation.push("series", "is required");
                None
            }
        };
        let condition = match input.op {
            None => {
                validation.push("condition", "is required");
                None
            }
            Some(op) => {
                let op = match op {
                    Some(text) => Op::parse(text).or_else(|| {
                        validation.push("condition.op", "must be gt, gte, lt or lte");
                        None
                    }),
                    None => {
                        validation.push("condition.op", "is required");
                        None
                    }
                };
                let threshold = match input.threshold {
                    Some(t) if storable(t) => Some(t),
                    Some(_) => {
                        validation.push(
                            "condition.threshold",
                            "must be 0 or a number whose magnitude is between 1e-125 and 1e125",
                        );
                        None
                    }
                    None => {
                        validation.push("condition.threshold", "is required");
                        None
                    }
                };
                op.zip(threshold)
                    .map(|(op, threshold)| Condition { op, threshold })
            }
        };
        let aggregation = match input.aggregation {
            None => Some(Aggregation::default()),
            Some(text) => Aggregation::parse(text).or_else(|| {
                validation.push("aggregation", "must be last, avg, min or max");
                None
            }),
        };
        let window = match input.window {
            None => Some(1),
            Some(w) if (1..=MAX_WINDOW).contains(&w) => u16::try_from(w).ok(),
            Some(_) => {
                validation.push("window", "must be an integer from 1 to 100");
                None
            }
        };
        let message = match input.message {
            Some(m) => validation.check("message", MessageTemplate::parse(m)),
            None => {
                validation.push("message", "is required");
                None
            }
        };
        Some(Self {
            series: series?,
            condition: condition?,
            aggregation: aggregation?,
            window: window?,
            message: message?,
        })
    }
}

/// A mute request: until when (in the future, at most a year ahead) and why (at most 200
/// characters); both optional.
#[derive(Debug, Clone, PartialEq)]
pub struct MuteRequest {
    pub until: Option<Timestamp>,
    pub reason: Option<Text<0, 200>>,
}

pub const MAX_MUTE_SECONDS: i64 = 366 * 24 * 3600;

impl MuteRequest {
    pub fn parse(
        until: Option<&str>,
        reason: Option<&str>,
        now: Timestamp,
        validation: &mut Validation,
    ) -> Option<Self> {
        let until = match until {
            None => Some(None),
            Some(text) => match Timestamp::parse(text) {
                Ok(at) if at <= now => {
                    validation.push("until", "must be in the future");
                    None
                }
                Ok(at) if at.unix_seconds() - now.unix_seconds() > MAX_MUTE_SECONDS => {
                    validation.push("until", "must be at most a year ahead");
                    None
                }
                Ok(at) => Some(Some(at)),
                Err(e) => {
                    validation.push("until", e.to_string());
                    None
                }
            },
        };
        let reason = match reason {
            None => Some(None),
            Some(text) => validation
                .check("reason", Text::<0, 200>::parse(text))
                .map(Some),
        };
        Some(Self {
            until: until?,
            reason: reason?,
        })
    }

    pub fn into_mute(self) -> Mute {
        Mute {
            until: self.until,
            reason: self
                .reason
                .map(|r| r.as_str().to_owned())
                .filter(|r| !r.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn templates_accept_only_known_placeholders() {
        let ok =
            MessageTemplate::parse("{series} on {chart} is {value} (limit {threshold})").unwrap();
        assert_eq!(
            ok.render("API", "p99", Some(512.25), 500.0),
            "p99 on API is 512.25 (limit 500)"
        );
        assert!(MessageTemplate::parse("no placeholders").is_ok());
        assert_eq!(
            MessageTemplate::parse("{host} down"),
            Err(TemplateError::Unknown("host".into()))
        );
        assert_eq!(
            MessageTemplate::parse("{}"),
            Err(TemplateError::Unknown(String::new()))
        );
        for bad in ["{value", "value}", "{{value}}", "{va{lue}"] {
            assert_eq!(
                MessageTemplate::parse(bad),
                Err(TemplateError::Unbalanced),
                "{bad}"
            );
        }
        assert_eq!(MessageTemplate::parse(""), Err(TemplateError::Length));
        assert_eq!(
            MessageTemplate::parse(&"x".repeat(501)),
            Err(TemplateError::Length)
        );
    }

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
    fn numbers_render_briefly() {
        assert_eq!(format_number(500.0), "500");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-0.00001), "0");
        assert_eq!(format_number(1.23456789), "1.2346");
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn mutes_expire_on_their_own() {
        let now = at("2026-11-21T10:00:00Z");
        let mut validation = Validation::new();
        let mute = MuteRequest::parse(
            Some("2026-11-21T11:00:00Z"),
            Some("deploy"),
            now,
            &mut validation,
        )
        .unwrap();
        assert_eq!(mute.reason.as_ref().unwrap().as_str(), "deploy");
        for (until, ok) in [
            ("2026-11-21T09:00:00Z", false),
            ("2026-11-21T10:00:00Z", false),
            ("2027-11-22T10:00:01Z", false),
            ("2027-11-21T10:00:00Z", true),
            ("soon", false),
        ] {
            let mut validation = Validation::new();
            assert_eq!(
                MuteRequest::parse(Some(until), None, now, &mut validation).is_some(),
                ok,
                "{until}"
            );
        }
        let mut validation = Validation::new();
        assert!(MuteRequest::parse(None, Some(&"r".repeat(201)), now, &mut validation).is_none());
    }

    #[test]
    fn parse_lists_every_invalid_field() {
        let mut validation = Validation::new();
        let parsed = CreateAlert::parse(
            CreateAlertInput {
                series: Some("Bad Series"),
                op: Some(Some("eq")),
                threshold: None,
                aggregation: Some("median"),
                window: Some(101),
                message: Some("{nope}"),
            },
            &mut validation,
        );
        assert!(parsed.is_none());
        let fields: Vec<_> = validation
            .errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "series",
                "condition.op",
                "condition.threshold",
                "aggregation",
                "window",
                "message"
            ]
        );
    }

    #[test]
    fn thresholds_stay_inside_what_storage_holds() {
        let parse = |threshold: f64| {
            let mut validation = Validation::new();
            CreateAlert::parse(
                CreateAlertInput {
                    series: Some("p99"),
                    op: Some(Some("gt")),
                    threshold: Some(threshold),
                    message: Some("m"),
                    ..Default::default()
                },
                &mut validation,
            )
            .is_some()
        };
        for ok in [0.0, -0.0, 1.5, -1e125, 1e125, 1e-125] {
            assert!(parse(ok), "{ok}");
        }
        for bad in [1e126, -8e231, 1e-200, f64::NAN, f64::INFINITY] {
            assert!(!parse(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn templates_never_panic(text in "\\PC{0,80}") {
            if let Ok(template) = MessageTemplate::parse(&text) {
                let _ = template.render("c", "s", Some(1.0), 2.0);
            }
        }

        #[test]
        fn ops_agree_with_their_definition(value in -1e6f64..1e6, threshold in -1e6f64..1e6) {
            prop_assert_eq!(Op::Gt.holds(value, threshold), value > threshold);
            prop_assert_eq!(Op::Lte.holds(value, threshold), !Op::Gt.holds(value, threshold));
            prop_assert_eq!(Op::Lt.holds(value, threshold), !Op::Gte.holds(value, threshold));
        }
    }
}
