//! What the scheduled evaluation reads and writes.

use super::DynamoMonitoringRepository;
use super::keys::{TickMark, chart_partition, shard_partition};
use super::lifecycle::at_alert_version;
use crate::store::{
    ClientToken, Condition, Document, Index, Query, SortKey, Update, Write, attribute, decode,
    entity_of,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::{Alert, Chart, ChartContents, EvaluationStore};
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
        // The chart and its alerts: `ALERT#...` and `CHART` sort next to each other.
        let query = Query::table(chart_partition(id))
            .sort(SortKey::Between("ALERT#".into(), "CHART".into()));
        let mut chart = None;
        let mut alerts = Vec::new();
        let mut start = None;
        loop {
            let (items, next) = self.store.query_items(&query, 1000, start.take()).await?;
            for item in items {
                match entity_of(&item) {
                    Some(Chart::ENTITY) => chart = Some((decode::<Chart>(item.clone())?.doc, item)),
                    Some(Alert::ENTITY) => alerts.push(decode::<Alert>(item)?.doc),
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
        }))
    }

    async fn claim_tick(&self, chart: &ChartId, tick: &str) -> Result<bool, Unexpected> {
        let mark = TickMark {
            chart_id: *chart,
            tick: tick.to_owned(),
        };
        Ok(self
            .store
            .put_if(
                &mark,
                Condition::new("attribute_not_exists(pk) OR #data.#tick <> :tick")
                    .name("#data", "data")
                    .name("#tick", "tick")
                    .value(":tick", AttributeValue::S(tick.to_owned())),
            )
            .await?)
    }

    async fn save_states(&self, alerts: &[Alert]) -> Result<(), Unexpected> {
        let table = self.store.table();
        let writes = alerts
            .iter()
            .map(|alert| {
                // Saved only over the alert as evaluated: an owner's change since (a new
                // condition, a mute) makes the chart's save fail, and the next tick judge it
                // afresh.
                let update = Update::new(
                    alert.key(),
                    "SET #data.#state = :state, #data.#firing_since = :firing_since, #data.#last_notified_at = :last_notified_at, #data.#history = :history",
                    at_alert_version(alert)
                        .name("#state", "state")
                        .name("#firing_since", "firing_since")
                        .name("#last_notified_at", "last_notified_at")
                        .name("#history", "history")
                        .value(":state", attribute(&alert.state())?)
                        .value(":firing_since", attribute(&alert.firing_since())?)
                        .value(":last_notified_at", attribute(&alert.last_notified_at())?)
                        .value(":history", attribute(alert.history())?),
                );
                Ok(Write::update(update, table)?)
            })
            .collect::<Result<Vec<_>, Unexpected>>()?;
        // The request is the states it stores.
        let parts: Vec<String> = alerts
            .iter()
            .map(|a| {
                format!(
                    "{}:{:?}:{:?}:{:?}",
                    a.id(),
                    a.state(),
                    a.firing_since(),
                    a.last_notified_at()
                )
            })
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        Ok(self
            .store
            .transact(writes, &ClientToken::of(&parts))
            .await?)
    }
}
