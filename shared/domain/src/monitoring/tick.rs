//! [`evaluate_alerts`]: one scheduled tick over the charts that have alerts, one report per
//! chart.

use super::evaluation::evaluate_chart;
use super::ports::{ChartContents, EvaluationStore, Mailer};
use super::schedule::{CLAIM_LEASE, PICTURE_POINTS, SHARDS, Scope, Tick, TickClaim};
use crate::{Causes, ChartId, Unexpected};
use futures_util::StreamExt;

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
    /// Gone, or another tick's: this tick leaves it alone.
    Skipped,
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
    Evaluator {
        repeat_interval,
        concurrency,
        store,
        mailer,
    }
    .run(tick, scope)
    .await
}

/// The parts a tick works with.
struct Evaluator<'a, S, M> {
    repeat_interval: time::Duration,
    concurrency: usize,
    store: &'a S,
    mailer: &'a M,
}

impl<S: EvaluationStore, M: Mailer> Evaluator<'_, S, M> {
    async fn run(&self, tick: &Tick, scope: Scope) -> Result<TickSummary, EvaluateAlertsError> {
        let mut summary = TickSummary::default();
        let shards: Vec<u8> = match scope {
            Scope::Chart(id) => {
                let result = self.evaluate_one(tick, id).await;
                record(&mut summary, tick, id, result);
                return Ok(summary);
            }
            Scope::Shard(shard) => vec![shard],
            Scope::All => (0..SHARDS).collect(),
        };
        for shard in shards {
            let mut cursor = None;
            loop {
                let (ids, next) = self
                    .store
                    .charts_with_alerts(shard, cursor)
                    .await
                    .map_err(|cause| EvaluateAlertsError::Listing { shard, cause })?;
                let results: Vec<(ChartId, ChartResult)> = futures_util::stream::iter(ids)
                    .map(|id| async move { (id, self.evaluate_one(tick, id).await) })
                    .buffer_unordered(self.concurrency.max(1))
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

    /// One chart: read, judge, and when anything changed, claim the chart for this tick (so
    /// that no other tick reports the same change), send the report, then store the states
    /// and settle the claim in one write.
    async fn evaluate_one(&self, tick: &Tick, id: ChartId) -> ChartResult {
        let ChartContents {
            chart,
            series,
            alerts,
            claim,
        } = match self.store.load_for_evaluation(&id).await {
            Ok(Some(contents)) => contents,
            Ok(None) => return ChartResult::Skipped,
            Err(cause) => return ChartResult::Failed(cause),
        };
        if !may_take(claim.as_ref(), tick) {
            return ChartResult::Skipped;
        }
        let mut evaluation =
            evaluate_chart(&chart, &series, &alerts, tick.now, self.repeat_interval);
        let done = |sent| ChartResult::Done {
            alerts: evaluation.evaluated,
            firing: evaluation.firing,
            sent,
        };
        if evaluation.changed.is_empty() && evaluation.report.is_none() {
            return done(false);
        }
        match self.store.claim_tick(&id, tick, claim.as_ref()).await {
            Ok(true) => {}
            Ok(false) => return ChartResult::Skipped,
            Err(cause) => return ChartResult::Failed(cause),
        }
        let mut sent = false;
        if let Some(report) = evaluation.report.as_mut() {
            let sending = async {
                let names = report.reported_series();
                let pictures = self
                    .store
                    .recent_points(&id, &names, PICTURE_POINTS)
                    .await?;
                report.attach_pictures(pictures);
                self.mailer
                    .send(&chart.confirmed_subscriptions(), report)
                    .await
            };
            if let Err(cause) = sending.await {
                self.release(&id, tick).await;
                return ChartResult::Failed(cause);
            }
            sent = true;
        }
        match self.store.save_states(&id, &evaluation.changed, tick).await {
            Ok(true) => done(sent),
            Ok(false) => {
                // An owner's change (or a later tick) came first: judged afresh next tick.
                self.release(&id, tick).await;
                ChartResult::Failed("the chart changed during its evaluation".into())
            }
            Err(cause) => {
                self.release(&id, tick).await;
                ChartResult::Failed(cause)
            }
        }
    }

    /// Gives the chart back for the next tick, its states as they were.
    async fn release(&self, chart: &ChartId, tick: &Tick) {
        if let Err(cause) = self.store.release_tick(chart, tick).await {
            tracing::warn!(
                chart_id = %chart,
                tick = %tick.id,
                error = %Causes(cause.as_ref()),
                "could not give a chart's claim back; other ticks wait for its lease to end"
            );
        }
    }
}

/// Whether `tick` may evaluate a chart last claimed as `claim`: not a tick already seen,
/// not an earlier tick than the last, and not while another tick holds it (within its lease).
fn may_take(claim: Option<&TickClaim>, tick: &Tick) -> bool {
    claim.is_none_or(|claim| {
        claim.tick != tick.id
            && claim.at <= tick.now
            && (claim.settled || tick.now.elapsed_since(claim.at) >= CLAIM_LEASE)
    })
}

fn record(summary: &mut TickSummary, tick: &Tick, id: ChartId, result: ChartResult) {
    match result {
        ChartResult::Skipped => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn claim(tick: &str, time: &str, settled: bool) -> TickClaim {
        TickClaim {
            tick: tick.into(),
            at: at(time),
            settled,
        }
    }

    #[test]
    fn a_tick_takes_a_chart_only_after_every_earlier_one_and_never_twice() {
        let tick = Tick {
            id: "t2".into(),
            now: at("2026-11-21T10:01:00Z"),
        };
        assert!(may_take(None, &tick));
        assert!(may_take(
            Some(&claim("t1", "2026-11-21T10:00:00Z", true)),
            &tick
        ));
        assert!(
            !may_take(Some(&claim("t2", "2026-11-21T10:01:00Z", true)), &tick),
            "seen"
        );
        assert!(
            !may_take(Some(&claim("t3", "2026-11-21T10:02:00Z", true)), &tick),
            "later"
        );
        assert!(
            !may_take(Some(&claim("t1", "2026-11-21T10:00:00Z", false)), &tick),
            "held by a running tick"
        );
        assert!(
            may_take(Some(&claim("t0", "2026-11-21T09:46:00Z", false)), &tick),
            "a claim past its lease is taken over"
        );
    }
}
