//! The commands on alerts: create one, change one, mute one.

use super::template::MessageTemplate;
use super::values::{Aggregation, Condition, Mute, Op, PendingFor, StaleAfter};
use crate::{Slug, Text, Timestamp, Validation};

#[derive(Debug, Clone, PartialEq)]
pub struct CreateAlert {
    pub series: Slug,
    pub condition: Condition,
    pub aggregation: Aggregation,
    pub window: u16,
    pub message: MessageTemplate,
    pub pending_for: PendingFor,
    pub stale_after: StaleAfter,
}

/// An alert fires at once unless told to wait.
pub const DEFAULT_PENDING_FOR: PendingFor = PendingFor::seconds(0);
/// A series silent for an hour has no data.
pub const DEFAULT_STALE_AFTER: StaleAfter = StaleAfter::seconds(3600);

#[derive(Debug, Clone, Default)]
pub struct CreateAlertInput<'a> {
    pub series: Option<&'a str>,
    /// `None` when `condition` is missing.
    pub op: Option<Option<&'a str>>,
    pub threshold: Option<f64>,
    pub aggregation: Option<&'a str>,
    pub window: Option<i64>,
    pub message: Option<&'a str>,
    /// `for`.
    pub pending_for: Option<&'a str>,
    pub stale_after: Option<&'a str>,
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
        let series = validation.required("series", input.series, Slug::parse);
        let condition = match input.op {
            None => {
                validation.push("condition", "is required");
                None
            }
            Some(op) => parse_condition(op, input.threshold, validation),
        };
        let aggregation = match input.aggregation {
            None => Some(Aggregation::default()),
            Some(text) => parse_aggregation(text, validation),
        };
        let window = match input.window {
            None => Some(1),
            Some(w) => parse_window(w, validation),
        };
        let message = validation.required("message", input.message, MessageTemplate::parse);
        let pending_for = match input.pending_for {
            None => Some(DEFAULT_PENDING_FOR),
            Some(text) => validation.check("for", PendingFor::parse(text)),
        };
        let stale_after = match input.stale_after {
            None => Some(DEFAULT_STALE_AFTER),
            Some(text) => validation.check("stale_after", StaleAfter::parse(text)),
        };
        Some(Self {
            series: series?,
            condition: condition?,
            aggregation: aggregation?,
            window: window?,
            message: message?,
            pending_for: pending_for?,
            stale_after: stale_after?,
        })
    }
}

fn parse_condition(
    op: Option<&str>,
    threshold: Option<f64>,
    validation: &mut Validation,
) -> Option<Condition> {
    let op = validation.required("condition.op", op, |text| {
        Op::parse(text).ok_or("must be gt, gte, lt or lte")
    });
    let threshold = validation.required("condition.threshold", threshold, |t| {
        storable(t)
            .then_some(t)
            .ok_or("must be 0 or a number whose magnitude is between 1e-125 and 1e125")
    });
    op.zip(threshold)
        .map(|(op, threshold)| Condition { op, threshold })
}

fn parse_aggregation(text: &str, validation: &mut Validation) -> Option<Aggregation> {
    Aggregation::parse(text).or_else(|| {
        validation.push("aggregation", "must be last, avg, min or max");
        None
    })
}

fn parse_window(window: i64, validation: &mut Validation) -> Option<u16> {
    match window {
        w if (1..=MAX_WINDOW).contains(&w) => u16::try_from(w).ok(),
        _ => {
            validation.push("window", "must be an integer from 1 to 100");
            None
        }
    }
}

/// The owner's change of an alert (`PATCH /alerts/{id}`): any of its fields, with the rules
/// of a new alert.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertChange {
    pub(super) series: Option<Slug>,
    pub(super) condition: Option<Condition>,
    pub(super) aggregation: Option<Aggregation>,
    pub(super) window: Option<u16>,
    pub(super) message: Option<MessageTemplate>,
    pub(super) pending_for: Option<PendingFor>,
    pub(super) stale_after: Option<StaleAfter>,
}

impl AlertChange {
    /// `input` as for a new alert, every field optional; at least one is named.
    pub fn parse(input: CreateAlertInput<'_>, validation: &mut Validation) -> Option<Self> {
        let CreateAlertInput {
            series,
            op,
            threshold,
            aggregation,
            window,
            message,
            pending_for,
            stale_after,
        } = input;
        if series.is_none()
            && op.is_none()
            && aggregation.is_none()
            && window.is_none()
            && message.is_none()
            && pending_for.is_none()
            && stale_after.is_none()
        {
            if validation.is_empty() {
                validation.push(
                    super::chart_change::EMPTY_CHANGE_FIELD,
                    "must name at least one of series, condition, aggregation, window, message, for, stale_after",
                );
            }
            return None;
        }
        let mut valid = true;
        let change = Self {
            series: given(
                series.map(|s| validation.check("series", Slug::parse(s))),
                &mut valid,
            ),
            condition: given(
                op.map(|op| parse_condition(op, threshold, validation)),
                &mut valid,
            ),
            aggregation: given(
                aggregation.map(|a| parse_aggregation(a, validation)),
                &mut valid,
            ),
            window: given(window.map(|w| parse_window(w, validation)), &mut valid),
            message: given(
                message.map(|m| validation.check("message", MessageTemplate::parse(m))),
                &mut valid,
            ),
            pending_for: given(
                pending_for.map(|t| validation.check("for", PendingFor::parse(t))),
                &mut valid,
            ),
            stale_after: given(
                stale_after.map(|t| validation.check("stale_after", StaleAfter::parse(t))),
                &mut valid,
            ),
        };
        valid.then_some(change)
    }
}

/// A field of a change: `None` when not given, the value when given and valid; an invalid
/// one (already reported) clears `valid`.
fn given<T>(parsed: Option<Option<T>>, valid: &mut bool) -> Option<T> {
    match parsed {
        None => None,
        Some(None) => {
            *valid = false;
            None
        }
        Some(value) => value,
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
    use crate::monitoring::test_data::at;

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
                pending_for: Some("5x"),
                stale_after: Some("30s"),
            },
            &mut validation,
        );
        assert!(parsed.is_none());
        let fields: Vec<_> = validation.fields();
        assert_eq!(
            fields,
            [
                "series",
                "condition.op",
                "condition.threshold",
                "aggregation",
                "window",
                "message",
                "for",
                "stale_after"
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
}
