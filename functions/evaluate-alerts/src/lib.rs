//! `evaluate-alerts`: on each scheduled tick, every chart that has alerts is evaluated and
//! e-mails one report to its confirmed recipients; an event with `detail.chart_id` evaluates
//! that chart alone.
//!
//! # A fleet too large for one invocation
//!
//! Charts with alerts are listed per shard (`CHARTS_WITH_ALERTS#<0..15>`). Deployed (with
//! `SHARD_EVENT_BUS_NAME` set), the schedule's event only dispatches: it puts one `EvaluateShard`
//! event per shard on the bus (`detail`: the tick's id and time, and the shard), and a rule
//! brings each back here as its own invocation, with its own timeout, retries and
//! dead-letter queue. Without a bus (locally), the schedule's event evaluates every shard in
//! one invocation. Overlapping ticks and redeliveries are safe per chart (see
//! `domain::monitoring::evaluate_alerts`).

use adapters::config::{ConfigError, SdkConfig};
use adapters::events::{Client, EventBridgePublisher};
use adapters::lambda::{FromEnv, Invocation};
use adapters::mail::ReportMailer;
use adapters::metrics::{self, Unit};
use adapters::monitoring::DynamoMonitoringRepository;
use domain::monitoring::{SHARDS, Scope, Tick, TickSummary, evaluate_alerts};
use domain::{Causes, ChartId, Timestamp};
use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde_json::{Value, json};

/// The events that split a tick by shard.
pub const SHARD_SOURCE: &str = "shop.monitoring";
pub const SHARD_DETAIL_TYPE: &str = "EvaluateShard";

/// Charts evaluated at the same time.
pub const CONCURRENCY: usize = 16;
const DEFAULT_REPEAT_INTERVAL: &str = "4h";

pub struct Deps {
    pub charts: DynamoMonitoringRepository,
    pub mailer: ReportMailer,
    pub repeat_interval: time::Duration,
    /// Where a scheduled tick's shards are sent; `None`: evaluate them all here.
    pub shards: Option<EventBridgePublisher>,
}

impl FromEnv for Deps {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        let bus = std::env::var("SHARD_EVENT_BUS_NAME")
            .ok()
            .filter(|b| !b.trim().is_empty());
        Ok(Self {
            charts: DynamoMonitoringRepository::from_env(aws)?,
            mailer: ReportMailer::from_env(aws)?,
            repeat_interval: repeat_interval(
                std::env::var("ALERT_REPEAT_INTERVAL").ok().as_deref(),
            )?,
            shards: bus.map(|bus| EventBridgePublisher::new(Client::new(aws), bus)),
        })
    }
}

/// `ALERT_REPEAT_INTERVAL`: `4h`, `30m`, `90s`, `1h 30m`; 4 hours when unset.
pub fn repeat_interval(text: Option<&str>) -> Result<time::Duration, ConfigError> {
    let text = text
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(DEFAULT_REPEAT_INTERVAL);
    let invalid = |problem: String| ConfigError {
        variable: "ALERT_REPEAT_INTERVAL",
        problem,
    };
    let parsed = humantime::parse_duration(text.trim())
        .map_err(|e| invalid(format!("is {text:?}: {e} (use e.g. 4h, 30m, 90s)")))?;
    if parsed.is_zero() {
        return Err(invalid("must be longer than zero".into()));
    }
    time::Duration::try_from(parsed).map_err(|e| invalid(e.to_string()))
}

/// Why an invocation failed, typed so that whoever retries knows whether it can help.
#[derive(Debug)]
pub enum EvaluateError {
    /// The event is not one this function understands: retrying the same event cannot help.
    InvalidEvent(String),
    /// Listing the charts failed (storage unavailable, throttled): a retry can help.
    Transient(String),
}

impl From<EvaluateError> for Diagnostic {
    fn from(error: EvaluateError) -> Self {
        let (error_type, error_message) = match error {
            EvaluateError::InvalidEvent(m) => ("InvalidEvent", m),
            EvaluateError::Transient(m) => ("Transient", m),
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message,
        }
    }
}

/// The tick and the scope an EventBridge event asks for. A shard's event carries the tick
/// it is part of (`detail.tick`, `detail.time`); any other event is a tick of its own.
pub fn parse_event(event: &Value) -> Result<(Tick, Scope), EvaluateError> {
    let invalid = |m: &str| EvaluateError::InvalidEvent(m.to_owned());
    let detail = &event["detail"];
    let (id, time) = match detail.get("tick").filter(|v| !v.is_null()) {
        Some(tick) => (tick, &detail["time"]),
        None => (&event["id"], &event["time"]),
    };
    let id = id
        .as_str()
        .filter(|id| (1..=256).contains(&id.len()))
        .ok_or_else(|| invalid("the event has no id"))?;
    let now = time
        .as_str()
        .and_then(|t| Timestamp::parse(t).ok())
        .ok_or_else(|| invalid("the event has no RFC 3339 time"))?;
    let scope = if let Some(chart) = detail.get("chart_id").filter(|v| !v.is_null()) {
        let id = chart
            .as_str()
            .and_then(|c| ChartId::parse(c).ok())
            .ok_or_else(|| invalid("detail.chart_id is not a chart id"))?;
        Scope::Chart(id)
    } else if let Some(shard) = detail.get("shard").filter(|v| !v.is_null()) {
        let shard = shard
            .as_u64()
            .filter(|s| *s < u64::from(SHARDS))
            .ok_or_else(|| invalid("detail.shard must be an integer from 0 to 15"))?;
        Scope::Shard(shard as u8)
    } else {
        Scope::All
    };
    Ok((
        Tick {
            id: id.to_owned(),
            now,
        },
        scope,
    ))
}

/// What an invocation did: evaluated charts, or sent a tick's shards on.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Evaluated(TickSummary),
    Dispatched { tick: String, shards: u8 },
}

pub async fn handle(invocation: Invocation, deps: &Deps) -> Result<Outcome, EvaluateError> {
    let (tick, scope) = parse_event(&invocation.event)?;
    if let (Scope::All, Some(bus)) = (scope, &deps.shards) {
        return dispatch(&tick, bus).await;
    }
    evaluate(&tick, scope, deps).await.map(Outcome::Evaluated)
}

/// One `EvaluateShard` event per shard, carrying the tick. A redelivered schedule event
/// dispatches again; each chart's claim keeps the tick from reporting twice.
async fn dispatch(tick: &Tick, bus: &EventBridgePublisher) -> Result<Outcome, EvaluateError> {
    let details: Vec<Value> = (0..SHARDS)
        .map(|shard| json!({"tick": tick.id, "time": tick.now, "shard": shard}))
        .collect();
    bus.put_details(SHARD_SOURCE, SHARD_DETAIL_TYPE, &details)
        .await
        .map_err(|e| {
            let cause = Causes(e.as_ref()).to_string();
            tracing::error!(error = %cause, tick = %tick.id, "could not dispatch the tick's shards");
            EvaluateError::Transient(cause)
        })?;
    tracing::info!(tick = %tick.id, shards = SHARDS, "tick dispatched by shard");
    Ok(Outcome::Dispatched {
        tick: tick.id.clone(),
        shards: SHARDS,
    })
}

async fn evaluate(tick: &Tick, scope: Scope, deps: &Deps) -> Result<TickSummary, EvaluateError> {
    let summary = evaluate_alerts(
        tick,
        scope,
        deps.repeat_interval,
        CONCURRENCY,
        &deps.charts,
        &deps.mailer,
    )
    .await
    .map_err(|e| {
        let cause = Causes(&e).to_string();
        tracing::error!(error = %cause, tick = %tick.id, "evaluation failed");
        EvaluateError::Transient(cause)
    })?;
    metrics::record(
        &[
            ("ChartsEvaluated", summary.charts as f64, Unit::Count),
            ("AlertsEvaluated", summary.alerts as f64, Unit::Count),
            ("AlertsFiring", summary.firing as f64, Unit::Count),
            ("ReportsSent", summary.reports_sent as f64, Unit::Count),
            (
                "ReportsFailed",
                summary.failed_charts.len() as f64,
                Unit::Count,
            ),
        ],
        None,
    );
    tracing::info!(
        tick = %tick.id,
        charts = summary.charts,
        reports_sent = summary.reports_sent,
        failed = summary.failed_charts.len(),
        "tick evaluated"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_intervals() {
        assert_eq!(repeat_interval(None).unwrap(), time::Duration::hours(4));
        assert_eq!(
            repeat_interval(Some("30m")).unwrap(),
            time::Duration::minutes(30)
        );
        assert_eq!(
            repeat_interval(Some("90s")).unwrap(),
            time::Duration::seconds(90)
        );
        assert_eq!(
            repeat_interval(Some("1h 30m")).unwrap(),
            time::Duration::minutes(90)
        );
        for bad in ["0s", "soon", "-4h", "4"] {
            assert!(repeat_interval(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_name_their_scope() {
        let event = |detail: Value| serde_json::json!({"id": "t-1", "time": "2026-11-21T10:00:00Z", "detail": detail});
        assert_eq!(
            parse_event(&event(serde_json::json!({}))).unwrap().1,
            Scope::All
        );
        assert_eq!(
            parse_event(&event(serde_json::json!({"shard": 3})))
                .unwrap()
                .1,
            Scope::Shard(3)
        );
        let id = ChartId::new();
        assert_eq!(
            parse_event(&event(serde_json::json!({"chart_id": id})))
                .unwrap()
                .1,
            Scope::Chart(id)
        );
        let shard = parse_event(&event(
            json!({"tick": "t-0", "time": "2026-11-21T09:00:00Z", "shard": 5}),
        ))
        .unwrap();
        assert_eq!(shard.0.id, "t-0", "a shard's event carries its tick");
        assert_eq!(
            shard.0.now,
            Timestamp::parse("2026-11-21T09:00:00Z").unwrap()
        );
        assert_eq!(shard.1, Scope::Shard(5));
        for bad in [
            serde_json::json!({"shard": 16}),
            serde_json::json!({"chart_id": "x"}),
            serde_json::json!({"tick": "t-0", "time": "soon", "shard": 1}),
        ] {
            assert!(matches!(
                parse_event(&event(bad)),
                Err(EvaluateError::InvalidEvent(_))
            ));
        }
        assert!(parse_event(&serde_json::json!({"time": "2026-11-21T10:00:00Z"})).is_err());
        assert!(parse_event(&serde_json::json!({"id": "x", "time": "yesterday"})).is_err());
    }
}
