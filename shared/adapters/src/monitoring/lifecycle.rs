//! Deleting charts and alerts.
//!
//! A chart is deleted in one transaction of its item and its alerts' references: from then
//! on no request finds it (by chart or alert id) and no tick lists it. Its other items
//! (alerts, points, the tick mark) can no longer be reached and are purged right after, a
//! page at a time; a purge cut short (logged) leaves only such unreachable items.

use super::DynamoMonitoringRepository;
use super::keys::{
    alert_key, alert_ref_key, chart_count_key, chart_key, chart_partition, subscription_key,
};
use crate::store::Update;
use crate::store::{ClientToken, Condition, Key, Query, SortKey, StoreError, Write, attribute};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::{Alert, Chart};
use domain::{AlertId, Causes, ChartId, Unexpected};

/// Items of a chart's partition read (keys only kept) per page of the purge.
const PURGE_PAGE: i32 = 500;

/// The alert is still at the client-visible version it was read at (alerts stored before
/// versions were kept read as version 1).
pub(super) fn at_alert_version(alert: &Alert) -> Condition {
    let expression = if alert.version() == 1 {
        "attribute_exists(pk) AND (attribute_not_exists(#data.#alert_version) OR #data.#alert_version = :alert_version)"
    } else {
        "attribute_exists(pk) AND #data.#alert_version = :alert_version"
    };
    Condition::new(expression)
        .name("#data", "data")
        .name("#alert_version", "version")
        .value(
            ":alert_version",
            AttributeValue::N(alert.version().to_string()),
        )
}

fn is_race(error: &StoreError) -> bool {
    matches!(error, StoreError::TransactionCancelled(reasons)
        if reasons.iter().any(|r| r.condition_failed() || r.conflicted()))
}

impl DynamoMonitoringRepository {
    pub(super) async fn delete_chart_at(
        &self,
        chart: &Chart,
        version: u64,
    ) -> Result<bool, Unexpected> {
        let id = chart.id();
        let query = Query::table(chart_partition(&id)).sort(SortKey::BeginsWith("ALERT#".into()));
        // At most 50 alerts: one page.
        let (alerts, _) = self.store.query_items(&query, 100, None).await?;
        let table = self.store.table();
        let writes = || {
            let mut writes = vec![Write::delete(
                &chart_key(&id),
                Condition::at_version(version),
                table,
            )?];
            for item in &alerts {
                let Some(AttributeValue::S(sk)) = item.get("sk") else {
                    continue;
                };
                let alert = AlertId::parse(sk.trim_start_matches("ALERT#"))
                    .map_err(|e| anyhow::anyhow!("alert item {sk}: {e}"))?;
                writes.push(Write::delete(
                    &alert_ref_key(&alert),
                    Condition::default(),
                    table,
                )?);
            }
            for subscription in chart.subscriptions() {
                writes.push(Write::delete(
                    &subscription_key(subscription.token()),
                    Condition::default(),
                    table,
                )?);
            }
            // Unconditional, so a delete never waits on the count: charts created before they
            // were counted make it run low (the owner may then hold a few more), never high.
            writes.push(Write::update(
                Update::beside(
                    chart_count_key(chart.owner_id()),
                    "SET #count = if_not_exists(#count, :zero) - :one",
                    Condition::default()
                        .name("#count", "count")
                        .value(":zero", AttributeValue::N("0".into()))
                        .value(":one", AttributeValue::N("1".into())),
                ),
                table,
            )?);
            Ok(writes)
        };
        let token = ClientToken::of(&["delete-chart", &id.to_string(), &version.to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => {}
            Err(e) if is_race(&e) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        if let Err(cause) = self.purge(&id).await {
            tracing::error!(
                chart_id = %id,
                error = %Causes(cause.as_ref()),
                "the deleted chart's items were not all purged; what is left is unreachable"
            );
        }
        Ok(true)
    }

    /// Deletes every item left in a deleted chart's partition.
    async fn purge(&self, chart: &ChartId) -> Result<(), Unexpected> {
        let query = Query::table(chart_partition(chart));
        loop {
            // Deleted items are gone from the next read, so each page starts afresh.
            let (items, next) = self.store.query_items(&query, PURGE_PAGE, None).await?;
            let keys: Vec<Key> = items
                .iter()
                .filter_map(|item| match (item.get("pk"), item.get("sk")) {
                    (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
                        Some(Key::new(pk.clone(), sk.clone()))
                    }
                    _ => None,
                })
                .collect();
            self.store.batch_delete(&keys).await?;
            if next.is_none() {
                return Ok(());
            }
        }
    }

    pub(super) async fn delete_alert_at(
        &self,
        chart: &Chart,
        chart_version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let writes = || {
            Ok(vec![
                Write::save(chart, chart_version, table)?,
                Write::delete(
                    &alert_key(&chart.id(), &alert.id()),
                    at_alert_version(alert),
                    table,
                )?,
                Write::delete(&alert_ref_key(&alert.id()), Condition::default(), table)?,
            ])
        };
        let token = ClientToken::of(&["delete-alert", &alert.id().to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(e) if is_race(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The update of an alert's mute: the mute replaced, its version raised.
pub(super) fn mute_update(
    mute: &Option<domain::monitoring::Mute>,
    now: domain::Timestamp,
) -> Result<(String, Condition), StoreError> {
    Ok((
        "SET #data.#mute = :mute, #data.#alert_version = if_not_exists(#data.#alert_version, :one) + :one, #data.#alert_updated = :now".to_owned(),
        Condition::new("attribute_exists(pk)")
            .name("#data", "data")
            .name("#mute", "mute")
            .name("#alert_version", "version")
            .name("#alert_updated", "updated_at")
            .value(":mute", attribute(mute)?)
            .value(":now", attribute(&now)?),
    ))
}
