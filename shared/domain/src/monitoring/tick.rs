//! [`evaluate_alerts`]: one scheduled tick over the charts that have alerts, one report per
//! chart.

use super::evaluation::evaluate_chart;
use super::ports::{ChartContents, EvaluationStore, Mailer};
use crate::{Causes, ChartId, Timestamp, Unexpected};
use futures_util::StreamExt;

/// Charts with alerts are spread over this many shards (by the last byte of their id), so a
/// tick can be split into independent parts.
pub const SHARDS: u8 = 16;

pub fn shard_of(chart: &ChartId) -> u8 {
    chart.as_uuid().as_bytes()[15] % SHARDS
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

#[derive(Debug, thiserror::Error)]
pub enum EvaluateAlertsError {
    #[error("could not list the charts of shard {shard}")]
    Listing {
        shard: u8,
        #[source]
        cause: Unexpected,
    },
}

enum ChartResult {
    Missing,
    Done {
        alerts: usize,
        firing: usize,
        sent: bool,
    },
    Failed(Unexpected),
}

/// Evaluates the charts of `scope`, up to `concurrency` at a time. One chart's failure (its
/// e-mail refused, a storage error) leaves that chart's state as it was, is logged with its
/// cause, and does not stop the others; it is listed in `failed_charts`. Only listing the
/// charts can fail the tick.
pub async fn evaluate_alerts(
    tick: &Tick,
    scope: Scope,
    repeat_interval: time::Duration,
    concurrency: usize,
    store: &impl EvaluationStore,
    mailer: &impl Mailer,
) -> Result<TickSummary, EvaluateAlertsError> {
    let mut summary = TickSummary::default();
    let shards: Vec<u8> = match scope {
        Scope::Chart(id) => {
            let result = evaluate_one(tick, id, repeat_interval, store, mailer).await;
            record(&mut summary, tick, id, result);
            return Ok(summary);
        }
        Scope::Shard(shard) => vec![shard],
        Scope::All => (0..SHARDS).collect(),
    };
    for shard in shards {
        let mut cursor = None;
        loop {
            let (ids, next) = store
                .charts_with_alerts(shard, cursor)
                .await
                .map_err(|cause| EvaluateAlertsError::Listing { shard, cause })?;
            let results: Vec<(ChartId, ChartResult)> = futures_util::stream::iter(ids)
                .map(|id| async move {
                    (
                        id,
                        evaluate_one(tick, id, repeat_interval, store, mailer).await,
                    )
                })
                .buffer_unordered(concurrency.max(1))
                .collect()
                .await;
            for (id, result) in results {
                record(&mut summary, tick, id, result);
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(summary)
}

fn record(summary: &mut TickSummary, tick: &Tick, id: ChartId, result: ChartResult) {
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
        ChartResult::Failed(cause) => {
            tracing::error!(
                chart_id = %id,
                tick = %tick.id,
                error = %Causes(cause.as_ref()),
                "chart evaluation failed; its alerts keep their previous state"
            );
            summary.charts += 1;
            summary.failed_charts.push(id);
        }
    }
}

async fn evaluate_one(
    tick: &Tick,
    id: ChartId,
    repeat_interval: time::Duration,
    store: &impl EvaluationStore,
    mailer: &impl Mailer,
) -> ChartResult {
    let ChartContents {
        chart,
        series,
        alerts,
    } = match store.load_for_evaluation(&id).await {
        Ok(Some(contents)) => contents,
        Ok(None) => return ChartResult::Missing,
        Err(cause) => return ChartResult::Failed(cause),
    };
    let evaluation = evaluate_chart(&chart, &series, &alerts, tick.now, repeat_interval);
    let done = |sent| ChartResult::Done {
        alerts: evaluation.evaluated,
        firing: evaluation.firing,
        sent,
    };
    let mut sent = false;
    if let Some(report) = &evaluation.report {
        // Only the first delivery of a tick sends; a repeat finds the tick claimed.
        match store.claim_tick(&chart.id(), &tick.id).await {
            Ok(true) => {}
            Ok(false) => return done(false),
            Err(cause) => return ChartResult::Failed(cause),
        }
        if let Err(cause) = mailer.send(chart.recipients(), report).await {
            return ChartResult::Failed(cause);
        }
        sent = true;
    }
    if !evaluation.changed.is_empty()
        && let Err(cause) = store.save_states(&evaluation.changed).await
    {
        return ChartResult::Failed(cause);
    }
    done(sent)
}
