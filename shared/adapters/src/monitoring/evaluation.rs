//! What the scheduled evaluation reads and writes.

use super::DynamoMonitoringRepository;
use super::keys::{TICK_MARK_SK, TickMark, chart_partition, shard_partition, tick_mark_key};
use super::lifecycle::at_alert_version;
use crate::store::{
    ClientToken, Condition, Document, Index, Query, SortKey, StoreError, Update, Write, attribute,
    decode, entity_of,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::{
    Alert, Chart, ChartContents, ChartStore, EvaluationStore, Series, Tick, TickClaim,
};
use domain::{ChartId, Cursor, Limit, Slug, Unexpected};

/// Charts a page of the tick's listing holds.
const CHARTS_PAGE: u16 = 100;

impl EvaluationStore for DynamoMonitoringRepository {
    async fn charts_with_alerts(
        &self,
        shard: u8,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<ChartId>, Option<Cursor>), Unexpected> {
        let query = Query::index(Index::Gsi2, shard_partition(shard));
        let page = self
            .store
            .query::<Chart>(&query, Limit::new(CHARTS_PAGE)?, cursor.as_ref())
            .await?;
        Ok((
            page.items.into_iter().map(|v| v.doc.id()).collect(),
            page.next_cursor,
        ))
    }

    async fn load_for_evaluation(&self, id: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        // The chart, its alerts and its tick mark: `ALERT#...`, `CHART` and `CHART#TICK` sort
        // next to each other (the points, `POINT#...`, after them).
        let query = Query::table(chart_partition(id))
            .sort(SortKey::Between("ALERT#".into(), TICK_MARK_SK.into()));
        let mut chart = None;
        let mut claim = None;
        let mut alerts = Vec::new();
        let mut start = None;
        loop {
            let (items, next) = self.store.query_items(&query, 1000, start.take()).await?;
            for item in items {
                match entity_of(&item) {
                    Some(Chart::ENTITY) => chart = Some((decode::<Chart>(item.clone())?.doc, item)),
                    Some(Alert::ENTITY) => alerts.push(decode::<Alert>(item)?.doc),
                    Some(TickMark::ENTITY) => {
                        let mark = decode::<TickMark>(item)?.doc;
                        claim = Some(TickClaim {
                            tick: mark.tick,
                            at: mark.at,
                            settled: mark.settled,
                        });
                    }
                    _ => {}
                }
            }
            match next {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        let Some((chart, chart_item)) = chart else {
            return Ok(None);
        };
        // Each watched series, as far back as the widest window over it.
        let mut windows: Vec<(Slug, usize)> = Vec::new();
        for alert in &alerts {
            let (name, window) = alert.watches();
            match windows.iter_mut().find(|(n, _)| n == name) {
                Some((_, widest)) => *widest = (*widest).max(window),
                None => windows.push((name.clone(), window)),
            }
        }
        let series = self.read_series(&chart_item, id, &windows).await?;
        Ok(Some(ChartContents {
            chart,
            series,
            alerts,
            claim,
        }))
    }

    async fn claim_tick(
        &self,
        chart: &ChartId,
        tick: &Tick,
        last: Option<&TickClaim>,
    ) -> Result<bool, Unexpected> {
        let mark = TickMark {
            chart_id: *chart,
            tick: tick.id.clone(),
            at: tick.now,
            settled: false,
        };
        let condition = match last {
            None => Condition::new("attribute_not_exists(pk)"),
            Some(last) => Condition::new("#data.#tick = :tick AND #data.#settled = :settled")
                .name("#data", "data")
                .name("#tick", "tick")
                .name("#settled", "settled")
                .value(":tick", AttributeValue::S(last.tick.clone()))
                .value(":settled", AttributeValue::Bool(last.settled)),
        };
        Ok(self.store.put_if(&mark, condition).await?)
    }

    async fn release_tick(&self, chart: &ChartId, tick: &Tick) -> Result<(), Unexpected> {
        // Not settled if another tick claimed the chart since: it is that tick's now.
        self.store
            .update_attributes(settle(chart, tick))
            .await?
            .ok();
        Ok(())
    }

    async fn save_states(
        &self,
        chart: &ChartId,
        alerts: &[Alert],
        tick: &Tick,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let writes = || {
            let mut writes = alerts
                .iter()
                .map(|alert| {
                    // Saved only over the alert as evaluated: an owner's change since (a new
                    // condition, a mute) makes the chart's save fail, and the next tick judge it
                    // afresh.
                    let update = Update::new(
                        alert.key(),
                        "SET #data.#state = :state, #data.#firing_since = :firing_since, #data.#last_notified_at = :last_notified_at, #data.#history = :history, #data.#pending_since = :pending_since, #data.#seen_data = :seen_data",
                        at_alert_version(alert)
                            .name("#state", "state")
                            .name("#firing_since", "firing_since")
                            .name("#last_notified_at", "last_notified_at")
                            .name("#history", "history")
                            .name("#pending_since", "pending_since")
                            .name("#seen_data", "seen_data")
                            .value(":state", attribute(&alert.state())?)
                            .value(":firing_since", attribute(&alert.firing_since())?)
                            .value(":last_notified_at", attribute(&alert.last_notified_at())?)
                            .value(":history", attribute(alert.history())?)
                            .value(":pending_since", attribute(&alert.pending_since())?)
                            .value(":seen_data", attribute(&alert.seen_data())?),
                    );
                    Write::update(update, table)
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            // Only while this tick holds the chart: a later tick's states are never overwritten.
            writes.push(Write::update(settle(chart, tick), table)?);
            Ok(writes)
        };
        let token = ClientToken::of(&["save-states", &chart.to_string(), &tick.id]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.iter().any(|r| r.condition_failed()) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn recent_points(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> Result<Vec<Series>, Unexpected> {
        self.series(chart, names, newest).await
    }
}

/// Settles `tick`'s claim on the chart, if it still holds it.
fn settle(chart: &ChartId, tick: &Tick) -> Update {
    Update::beside(
        tick_mark_key(chart),
        "SET #data.#settled = :settled",
        Condition::new("#data.#tick = :tick")
            .name("#data", "data")
            .name("#tick", "tick")
            .name("#settled", "settled")
            .value(":tick", AttributeValue::S(tick.id.clone()))
            .value(":settled", AttributeValue::Bool(true)),
    )
}
