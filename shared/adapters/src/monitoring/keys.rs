//! Monitoring's items and their keys (the table is in the module docs of [`super`]).

use crate::store::{Document, IndexKeys, Key};
use domain::monitoring::{Alert, Chart, SubscriptionToken, shard_of};
use domain::{AlertId, ChartId, CustomerId, Timestamp};
use serde::{Deserialize, Serialize};

pub(super) fn chart_partition(id: &ChartId) -> String {
    format!("CHART#{id}")
}

pub(super) fn chart_key(id: &ChartId) -> Key {
    Key::new(chart_partition(id), "CHART")
}

pub(super) fn alert_key(chart: &ChartId, alert: &AlertId) -> Key {
    Key::new(chart_partition(chart), format!("ALERT#{alert}"))
}

pub(super) fn alert_ref_key(alert: &AlertId) -> Key {
    Key::new(format!("ALERT#{alert}"), "ALERT")
}

/// The owner's charts in gsi1, newest first by their UUIDv7 ids.
pub(super) fn owner_partition(owner: &CustomerId) -> String {
    format!("CHARTS#{owner}")
}

pub(super) fn shard_partition(shard: u8) -> String {
    format!("CHARTS_WITH_ALERTS#{shard}")
}

impl Document for Chart {
    const ENTITY: &'static str = "chart";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        chart_key(&self.id())
    }

    fn indexes(&self) -> IndexKeys {
        IndexKeys {
            gsi1: Some(Key::new(
                owner_partition(self.owner_id()),
                format!("CHART#{}", self.id()),
            )),
            gsi2: (self.alert_count() > 0).then(|| {
                Key::new(
                    shard_partition(shard_of(&self.id())),
                    format!("CHART#{}", self.id()),
                )
            }),
        }
    }
}

impl Document for Alert {
    const ENTITY: &'static str = "alert";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        alert_key(&self.chart_id(), &self.id())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AlertRef {
    pub(super) alert_id: AlertId,
    pub(super) chart_id: ChartId,
    pub(super) owner_id: CustomerId,
}

impl Document for AlertRef {
    const ENTITY: &'static str = "alert_ref";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        alert_ref_key(&self.alert_id)
    }
}

/// The last tick that claimed a chart. Its sort key sorts right after the chart's, so the
/// evaluation's one query reads it with the chart and its alerts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct TickMark {
    pub(super) chart_id: ChartId,
    pub(super) tick: String,
    pub(super) at: Timestamp,
    pub(super) settled: bool,
}

pub(super) const TICK_MARK_SK: &str = "CHART#TICK";

pub(super) fn tick_mark_key(chart: &ChartId) -> Key {
    Key::new(chart_partition(chart), TICK_MARK_SK)
}

impl Document for TickMark {
    const ENTITY: &'static str = "tick_mark";
    const SCHEMA_VERSION: u32 = 2;

    fn key(&self) -> Key {
        tick_mark_key(&self.chart_id)
    }
}

/// A subscription token's item: the token is the key, the item names its chart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SubscriptionRef {
    pub(super) token: SubscriptionToken,
    pub(super) chart_id: ChartId,
}

pub(super) fn subscription_key(token: &SubscriptionToken) -> Key {
    Key::new(format!("SUBSCRIPTION#{}", token.as_str()), "SUBSCRIPTION")
}

impl Document for SubscriptionRef {
    const ENTITY: &'static str = "subscription_ref";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        subscription_key(&self.token)
    }
}

/// How many charts a customer owns, kept beside their charts for the bound on them.
pub(super) fn chart_count_key(owner: &CustomerId) -> Key {
    Key::new(format!("CHART_COUNT#{owner}"), "CHART_COUNT")
}
