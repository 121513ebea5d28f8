//! Monitoring: customers' [`chart::Chart`]s of numeric series, [`alert::Alert`]s on them,
//! mutes, and the scheduled evaluation that e-mails one report per chart
//! ([`evaluation::evaluate_chart`], [`evaluate_alerts`]).

pub mod alert;
pub mod chart;
pub mod evaluation;

use crate::{
    AlertId, Caller, ChartId, Clock, Cursor, Email, Limit, Page, Slug, Timestamp, Unexpected,
};
use alert::{Alert, AlertState, CreateAlert, MuteRequest};
use chart::{Chart, CreateChart, MAX_ALERTS, MAX_SERIES, RecordPoints, Series};
use evaluation::{Report, evaluate_chart};
use futures_util::StreamExt;
use std::future::Future;

/// Charts with alerts are spread over this many shards (by the last hex digit of their id),
/// so a tick can be split into independent parts.
pub const SHARDS: u8 = 16;

pub fn shard_of(chart: &ChartId) -> u8 {
    chart.as_uuid().as_bytes()[15] % SHARDS
}

/// Attempts of an optimistic read-modify-write before the caller is told to retry.
const ATTEMPTS: usize = 8;

/// A chart and what a points write needs of it.
#[derive(Debug, Clone)]
pub struct PointsSnapshot {
    pub chart: Chart,
    pub chart_version: u64,
    /// The requested series that exist, with their versions.
    pub series: Vec<(Series, u64)>,
}

/// Everything a chart's evaluation reads.
#[derive(Debug, Clone)]
pub struct ChartContents {
    pub chart: Chart,
    pub series: Vec<Series>,
    pub alerts: Vec<Alert>,
}

/// Where charts, series and alerts are kept.
pub trait MonitoringRepository: Send + Sync {
    fn create_chart(&self, chart: &Chart) -> impl Future<Output = Result<(), Unexpected>> + Send;

    fn get_chart(
        &self,
        id: &ChartId,
    ) -> impl Future<Output = Result<Option<(Chart, u64)>, Unexpected>> + Send;

    /// The chart and those of `series` that exist, read consistently in one round trip.
    fn load_for_points(
        &self,
        id: &ChartId,
        series: &[Slug],
    ) -> impl Future<Output = Result<Option<PointsSnapshot>, Unexpected>> + Send;

    /// Saves series (new ones have no version) and, when it changed, the chart, all at once
    /// and only if none changed since they were read; `Ok(false)` when one did.
    fn save_points(
        &self,
        chart: Option<(&Chart, u64)>,
        series: &[(Series, Option<u64>)],
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Saves the chart (with its alert count raised) if still at `version`, and the alert,
    /// at once; `Ok(false)` when the chart changed since.
    fn add_alert(
        &self,
        chart: &Chart,
        version: u64,
        alert: &Alert,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// One page of a chart's alerts, oldest first.
    fn alerts_page(
        &self,
        chart: &ChartId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page<Alert>, PageError>> + Send;

    /// Sets (`Some`) or clears (`None`) an alert's mute in one write, if the alert exists and
    /// belongs to `owner`; the alert after the write, or `None`.
    fn set_mute(
        &self,
        alert: &AlertId,
        owner: &crate::CustomerId,
        mute: Option<alert::Mute>,
    ) -> impl Future<Output = Result<Option<Alert>, Unexpected>> + Send;

    /// One page of the ids of the charts of `shard` that have alerts.
    fn charts_with_alerts(
        &self,
        shard: u8,
        cursor: Option<Cursor>,
    ) -> impl Future<Output = Result<(Vec<ChartId>, Option<Cursor>), Unexpected>> + Send;

    /// A chart with its series and alerts, in one query.
    fn load_for_evaluation(
        &self,
        id: &ChartId,
    ) -> impl Future<Output = Result<Option<ChartContents>, Unexpected>> + Send;

    /// Marks `tick` as handled for the chart; `Ok(false)` when it already was.
    fn claim_tick(
        &self,
        chart: &ChartId,
        tick: &str,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Stores the evaluation fields (state, `firing_since`, `last_notified_at`) of alerts, in
    /// one write, leaving their mutes as they are.
    fn save_states(&self, alerts: &[Alert]) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Sends reports (SES).
pub trait Mailer: Send + Sync {
    fn send(
        &self,
        to: &[Email],
        report: &Report,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error("no alert with id {0}")]
    AlertNotFound(AlertId),
    #[error("a chart holds at most {MAX_SERIES} series")]
    TooManySeries,
    #[error("a chart holds at most {MAX_ALERTS} alerts")]
    TooManyAlerts,
    #[error("the chart is being changed by other requests; try again")]
    Contended,
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error("could not complete the request")]
    Unexpected(#[source] Unexpected),
}

use MonitoringError::Unexpected as Fail;

/// A customer creates a chart they own.
pub async fn create_chart(
    caller: &Caller,
    command: CreateChart,
    clock: &impl Clock,
    charts: &impl MonitoringRepository,
) -> Result<Chart, MonitoringError> {
    let chart = Chart {
        id: ChartId::new(),
        owner_id: caller.customer_id.clone(),
        name: command.name,
        description: command.description,
        recipients: command.recipients,
        created_at: clock.now(),
        series: Vec::new(),
        alert_count: 0,
    };
    charts.create_chart(&chart).await.map_err(Fail)?;
    Ok(chart)
}

/// Appends points to the owner's chart; concurrent calls never lose points.
pub async fn record_points(
    caller: &Caller,
    chart_id: ChartId,
    command: &RecordPoints,
    charts: &impl MonitoringRepository,
) -> Result<usize, MonitoringError> {
    let names: Vec<Slug> = command
        .by_series
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    for _ in 0..ATTEMPTS {
        let snapshot = charts
            .load_for_points(&chart_id, &names)
            .await
            .map_err(Fail)?
            .filter(|s| s.chart.owner_id == caller.customer_id)
            .ok_or(MonitoringError::ChartNotFound(chart_id))?;
        let mut chart = snapshot.chart;
        let new: Vec<&Slug> = names.iter().filter(|n| !chart.series.contains(n)).collect();
        if chart.series.len() + new.len() > MAX_SERIES {
            return Err(MonitoringError::TooManySeries);
        }
        chart.series.extend(new.iter().map(|n| (*n).clone()));
        let mut updates = Vec::with_capacity(names.len());
        for (name, points) in &command.by_series {
            let (mut series, version) = match snapshot.series.iter().find(|(s, _)| &s.name == name)
            {
                Some((series, version)) => (series.clone(), Some(*version)),
                None => (Series::new(chart_id, name.clone()), None),
            };
            series.append(points);
            updates.push((series, version));
        }
        let chart_write = (!new.is_empty()).then_some((&chart, snapshot.chart_version));
        if charts
            .save_points(chart_write, &updates)
            .await
            .map_err(Fail)?
        {
            return Ok(command.by_series.iter().map(|(_, p)| p.len()).sum());
        }
    }
    Err(MonitoringError::Contended)
}

/// The owner adds an alert to their chart (at most 50).
pub async fn create_alert(
    caller: &Caller,
    chart_id: ChartId,
    command: CreateAlert,
    clock: &impl Clock,
    charts: &impl MonitoringRepository,
) -> Result<Alert, MonitoringError> {
    let alert = Alert {
        id: AlertId::new(),
        chart_id,
        owner_id: caller.customer_id.clone(),
        series: command.series,
        condition: command.condition,
        aggregation: command.aggregation,
        window: command.window,
        message: command.message,
        mute: None,
        state: AlertState::Ok,
        firing_since: None,
        last_notified_at: None,
        created_at: clock.now(),
    };
    for _ in 0..ATTEMPTS {
        let (mut chart, version) = charts
            .get_chart(&chart_id)
            .await
            .map_err(Fail)?
            .filter(|(c, _)| c.owner_id == caller.customer_id)
            .ok_or(MonitoringError::ChartNotFound(chart_id))?;
        if chart.alert_count >= MAX_ALERTS {
            return Err(MonitoringError::TooManyAlerts);
        }
        chart.alert_count += 1;
        if charts
            .add_alert(&chart, version, &alert)
            .await
            .map_err(Fail)?
        {
            return Ok(alert);
        }
    }
    Err(MonitoringError::Contended)
}

/// A page of the owner's chart's alerts.
pub async fn list_alerts(
    caller: &Caller,
    chart_id: ChartId,
    limit: Limit,
    cursor: Option<&Cursor>,
    charts: &impl MonitoringRepository,
) -> Result<Page<Alert>, MonitoringError> {
    charts
        .get_chart(&chart_id)
        .await
        .map_err(Fail)?
        .filter(|(c, _)| c.owner_id == caller.customer_id)
        .ok_or(MonitoringError::ChartNotFound(chart_id))?;
    charts
        .alerts_page(&chart_id, limit, cursor)
        .await
        .map_err(|e| match e {
            PageError::InvalidCursor => MonitoringError::InvalidCursor,
            PageError::Unexpected(e) => Fail(e),
        })
}

/// Mutes (`Some`) or unmutes (`None`) an alert of the caller's chart.
pub async fn mute_alert(
    caller: &Caller,
    alert_id: AlertId,
    mute: Option<MuteRequest>,
    charts: &impl MonitoringRepository,
) -> Result<Alert, MonitoringError> {
    charts
        .set_mute(
            &alert_id,
            &caller.customer_id,
            mute.map(MuteRequest::into_mute),
        )
        .await
        .map_err(Fail)?
        .ok_or(MonitoringError::AlertNotFound(alert_id))
}

/// Which charts a tick evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Shard(u8),
    Chart(ChartId),
}

/// One delivery of the schedule (or of a per-chart event): its id makes a redelivery
/// harmless, its time is "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub id: String,
    pub now: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TickSummary {
    pub charts: usize,
    pub alerts: usize,
    pub firing: usize,
    pub reports_sent: usize,
    pub failed_charts: Vec<ChartId>,
}

enum ChartResult {
    Missing,
    Done {
        alerts: usize,
        firing: usize,
        sent: bool,
    },
    Failed,
}

/// Evaluates the charts of `scope`, up to `concurrency` at a time. One chart's failure (its
/// e-mail refused, a storage error) leaves that chart's state as it was and does not stop
/// the others; it is listed in `failed_charts`. Only listing the charts can fail the tick.
pub async fn evaluate_alerts(
    tick: &Tick,
    scope: Scope,
    repeat_interval: time::Duration,
    concurrency: usize,
    charts: &impl MonitoringRepository,
    mailer: &impl Mailer,
) -> Result<TickSummary, Unexpected> {
    let mut summary = TickSummary::default();
    let shards: Vec<u8> = match scope {
        Scope::Chart(id) => {
            let result = evaluate_one(tick, id, repeat_interval, charts, mailer).await;
            record(&mut summary, id, result);
            return Ok(summary);
        }
        Scope::Shard(shard) => vec![shard],
        Scope::All => (0..SHARDS).collect(),
    };
    for shard in shards {
        let mut cursor = None;
        loop {
            let (ids, next) = charts.charts_with_alerts(shard, cursor).await?;
            let results: Vec<(ChartId, ChartResult)> = futures_util::stream::iter(ids)
                .map(|id| async move {
                    (
                        id,
                        evaluate_one(tick, id, repeat_interval, charts, mailer).await,
                    )
                })
                .buffer_unordered(concurrency.max(1))
                .collect()
                .await;
            for (id, result) in results {
                record(&mut summary, id, result);
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(summary)
}

fn record(summary: &mut TickSummary, id: ChartId, result: ChartResult) {
    match result {
        ChartResult::Missing => {}
        ChartResult::Done {
            alerts,
            firing,
            sent,
        } => {
            summary.charts += 1;
            summary.alerts += alerts;
            summary.firing += firing;
            summary.reports_sent += usize::from(sent);
        }
        ChartResult::Failed => {
            summary.charts += 1;
            summary.failed_charts.push(id);
        }
    }
}

async fn evaluate_one(
    tick: &Tick,
    id: ChartId,
    repeat_interval: time::Duration,
    charts: &impl MonitoringRepository,
    mailer: &impl Mailer,
) -> ChartResult {
    let Ok(loaded) = charts.load_for_evaluation(&id).await else {
        return ChartResult::Failed;
    };
    let Some(ChartContents {
        chart,
        series,
        alerts,
    }) = loaded
    else {
        return ChartResult::Missing;
    };
    let evaluation = evaluate_chart(&chart, &series, &alerts, tick.now, repeat_interval);
    let mut sent = false;
    if let Some(report) = &evaluation.report {
        // Only the first delivery of a tick sends; a repeat finds the tick claimed.
        match charts.claim_tick(&chart.id, &tick.id).await {
            Ok(true) => {}
            Ok(false) => {
                return ChartResult::Done {
                    alerts: evaluation.evaluated,
                    firing: evaluation.firing,
                    sent: false,
                };
            }
            Err(_) => return ChartResult::Failed,
        }
        if mailer.send(&chart.recipients, report).await.is_err() {
            return ChartResult::Failed;
        }
        sent = true;
    }
    if !evaluation.changed.is_empty() && charts.save_states(&evaluation.changed).await.is_err() {
        return ChartResult::Failed;
    }
    ChartResult::Done {
        alerts: evaluation.evaluated,
        firing: evaluation.firing,
        sent,
    }
}
