//! [`DynamoMonitoringRepository`]: charts, series and alerts.
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | chart | `CHART#<id>` | `CHART` | gsi2 `CHARTS_WITH_ALERTS#<shard>` / `CHART#<id>` once it has alerts |
//! | series | `CHART#<id>` | `SERIES#<name>` | |
//! | alert | `CHART#<id>` | `ALERT#<id>` | |
//! | alert reference | `ALERT#<id>` | `ALERT` | (the chart and owner of an alert, for mutes by alert id) |
//! | tick mark | `CHART#<id>` | `TICK` | (the last tick that sent this chart's report) |
//!
//! A chart's partition holds everything its evaluation needs, so one query reads it. A series
//! keeps its points as two columns (times, values): a full series is about 30 KB, a full chart
//! (20 series, 50 alerts) well under a megabyte across its items, and no item nears DynamoDB's
//! 400 KB limit.

use crate::store::{
    Condition, Document, DocumentStore, Index, IndexKeys, Key, Query, SortKey, StoreError, Write,
    decode, entity_of,
};
use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::alert::{Alert, Mute};
use domain::monitoring::chart::{Chart, Series};
use domain::monitoring::{
    ChartContents, MonitoringRepository, PageError, PointsSnapshot, shard_of,
};
use domain::{AlertId, ChartId, Cursor, CustomerId, Limit, Page, Slug, Unexpected};
use serde::{Deserialize, Serialize};

fn chart_partition(id: &ChartId) -> String {
    format!("CHART#{id}")
}

fn chart_key(id: &ChartId) -> Key {
    Key::new(chart_partition(id), "CHART")
}

fn series_key(chart: &ChartId, name: &Slug) -> Key {
    Key::new(chart_partition(chart), format!("SERIES#{name}"))
}

fn alert_key(chart: &ChartId, alert: &AlertId) -> Key {
    Key::new(chart_partition(chart), format!("ALERT#{alert}"))
}

fn alert_ref_key(alert: &AlertId) -> Key {
    Key::new(format!("ALERT#{alert}"), "ALERT")
}

fn shard_partition(shard: u8) -> String {
    format!("CHARTS_WITH_ALERTS#{shard}")
}

impl Document for Chart {
    const ENTITY: &'static str = "chart";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        chart_key(&self.id)
    }

    fn indexes(&self) -> IndexKeys {
        IndexKeys {
            gsi1: None,
            gsi2: (self.alert_count > 0).then(|| {
                Key::new(
                    shard_partition(shard_of(&self.id)),
                    format!("CHART#{}", self.id),
                )
            }),
        }
    }
}

impl Document for Series {
    const ENTITY: &'static str = "series";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        series_key(&self.chart_id, &self.name)
    }
}

impl Document for Alert {
    const ENTITY: &'static str = "alert";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        alert_key(&self.chart_id, &self.id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AlertRef {
    alert_id: AlertId,
    chart_id: ChartId,
    owner_id: CustomerId,
}

impl Document for AlertRef {
    const ENTITY: &'static str = "alert_ref";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        alert_ref_key(&self.alert_id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TickMark {
    chart_id: ChartId,
    tick: String,
}

impl Document for TickMark {
    const ENTITY: &'static str = "tick_mark";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        Key::new(chart_partition(&self.chart_id), "TICK")
    }
}

/// What the monitoring HTTP functions need: the repository, and how callers are identified.
pub struct HttpDeps {
    pub charts: DynamoMonitoringRepository,
    pub auth: crate::config::AuthMode,
}

impl HttpDeps {
    pub fn from_env(aws: &crate::config::SdkConfig) -> Result<Self, crate::config::ConfigError> {
        Ok(Self {
            charts: DynamoMonitoringRepository::new(DocumentStore::from_env(aws)?),
            auth: crate::config::auth_mode()?,
        })
    }
}

/// Charts a page of the tick's listing holds.
const CHARTS_PAGE: u16 = 100;

#[derive(Debug, Clone)]
pub struct DynamoMonitoringRepository {
    store: DocumentStore,
}

impl DynamoMonitoringRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }
}

fn attribute<T: Serialize>(value: &T) -> Result<AttributeValue, Unexpected> {
    Ok(serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value)
        .context("serializing a field")?)
}

impl MonitoringRepository for DynamoMonitoringRepository {
    async fn create_chart(&self, chart: &Chart) -> Result<(), Unexpected> {
        self.store.create(chart).await?;
        Ok(())
    }

    async fn get_chart(&self, id: &ChartId) -> Result<Option<(Chart, u64)>, Unexpected> {
        Ok(self
            .store
            .get::<Chart>(&chart_key(id))
            .await?
            .map(|v| (v.doc, v.version)))
    }

    async fn load_for_points(
        &self,
        id: &ChartId,
        series: &[Slug],
    ) -> Result<Option<PointsSnapshot>, Unexpected> {
        let mut keys = vec![chart_key(id)];
        keys.extend(series.iter().map(|name| series_key(id, name)));
        let items = self.store.batch_get_items(&keys).await?;
        let mut chart = None;
        let mut found = Vec::new();
        for item in items {
            match entity_of(&item) {
                Some(Chart::ENTITY) => {
                    let v = decode::<Chart>(item)?;
                    chart = Some((v.doc, v.version));
                }
                Some(Series::ENTITY) => {
                    let v = decode::<Series>(item)?;
                    found.push((v.doc, v.version));
                }
                _ => {}
            }
        }
        Ok(chart.map(|(chart, chart_version)| PointsSnapshot {
            chart,
            chart_version,
            series: found,
        }))
    }

    async fn save_points(
        &self,
        chart: Option<(&Chart, u64)>,
        series: &[(Series, Option<u64>)],
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let mut writes = Vec::with_capacity(series.len() + 1);
        for (s, version) in series {
            writes.push(match version {
                Some(v) => Write::save(s, *v, table)?,
                None => Write::create(s, table)?,
            });
        }
        if let Some((chart, version)) = chart {
            writes.push(Write::save(chart, version, table)?);
        }
        match self.store.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.iter().any(|r| {
                    r.condition_failed() || r.code.as_deref() == Some("TransactionConflict")
                }) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn add_alert(
        &self,
        chart: &Chart,
        version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let reference = AlertRef {
            alert_id: alert.id,
            chart_id: chart.id,
            owner_id: chart.owner_id.clone(),
        };
        let writes = vec![
            Write::save(chart, version, table)?,
            Write::create(alert, table)?,
            Write::create(&reference, table)?,
        ];
        match self.store.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.first().is_some_and(|r| {
                    r.condition_failed() || r.code.as_deref() == Some("TransactionConflict")
                }) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn alerts_page(
        &self,
        chart: &ChartId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Alert>, PageError> {
        let query = Query::table(chart_partition(chart)).sort(SortKey::BeginsWith("ALERT#".into()));
        match self.store.query::<Alert>(&query, limit, cursor).await {
            Ok(page) => Ok(Page {
                items: page.items.into_iter().map(|v| v.doc).collect(),
                next_cursor: page.next_cursor,
            }),
            Err(StoreError::InvalidCursor(_)) => Err(PageError::InvalidCursor),
            Err(e) => Err(PageError::Unexpected(e.into())),
        }
    }

    async fn set_mute(
        &self,
        alert: &AlertId,
        owner: &CustomerId,
        mute: Option<Mute>,
    ) -> Result<Option<Alert>, Unexpected> {
        let Some(reference) = self.store.get::<AlertRef>(&alert_ref_key(alert)).await? else {
            return Ok(None);
        };
        if &reference.doc.owner_id != owner {
            return Ok(None);
        }
        let updated = self
            .store
            .update::<Alert>(
                &alert_key(&reference.doc.chart_id, alert),
                "SET #data.#mute = :mute",
                Condition::new("attribute_exists(pk)")
                    .name("#data", "data")
                    .name("#mute", "mute")
                    .value(":mute", attribute(&mute)?),
            )
            .await?;
        Ok(updated.map(|v| v.doc))
    }

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
            page.items.into_iter().map(|v| v.doc.id).collect(),
            page.next_cursor,
        ))
    }

    async fn load_for_evaluation(&self, id: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        let query = Query::table(chart_partition(id));
        let mut chart = None;
        let mut series = Vec::new();
        let mut alerts = Vec::new();
        let mut start = None;
        // A chart's partition is bounded (1 chart, 20 series, 50 alerts): one or two pages.
        for _ in 0..4 {
            let (items, next) = self.store.query_items(&query, 1000, start.take()).await?;
            for item in items {
                match entity_of(&item) {
                    Some(Chart::ENTITY) => chart = Some(decode::<Chart>(item)?.doc),
                    Some(Series::ENTITY) => series.push(decode::<Series>(item)?.doc),
                    Some(Alert::ENTITY) => alerts.push(decode::<Alert>(item)?.doc),
                    _ => {}
                }
            }
            match next {
                Some(key) => start = Some(key),
                None => {
                    return Ok(chart.map(|chart| ChartContents {
                        chart,
                        series,
                        alerts,
                    }));
                }
            }
        }
        Err(anyhow::anyhow!("chart {id} spans more pages than its bounds allow").into())
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
                Ok(Write::update(
                    &alert.key(),
                    "SET #data.#state = :state, #data.#firing_since = :firing_since, #data.#last_notified_at = :last_notified_at",
                    Condition::new("attribute_exists(pk)")
                        .name("#data", "data")
                        .name("#state", "state")
                        .name("#firing_since", "firing_since")
                        .name("#last_notified_at", "last_notified_at")
                        .value(":state", attribute(&alert.state)?)
                        .value(":firing_since", attribute(&alert.firing_since)?)
                        .value(":last_notified_at", attribute(&alert.last_notified_at)?),
                    table,
                )?)
            })
            .collect::<Result<Vec<_>, Unexpected>>()?;
        Ok(self.store.transact(writes).await?)
    }
}
