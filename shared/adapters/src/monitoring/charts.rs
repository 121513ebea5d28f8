//! The owner's requests on charts, series and alerts.

use super::DynamoMonitoringRepository;
use super::keys::{
    AlertRef, SubscriptionRef, alert_key, alert_ref_key, chart_count_key, chart_key,
    chart_partition, owner_partition, subscription_key,
};
use super::lifecycle::mute_update;
use super::points::{new_chart_attributes, seqs_of};
use crate::store::{
    ClientToken, Condition, Index, Query, SortKey, StoreError, Update, Versioned, Write, decode,
    new_item,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::{
    Alert, Appended, Chart, ChartData, ChartStore, Mute, PageError, RecordPoints, Series,
    SeriesChoice, SubscriptionChanges, SubscriptionToken,
};
use domain::{AlertId, ChartId, Cursor, CustomerId, Limit, Page, Slug, Timestamp, Unexpected};

fn page_error(error: StoreError) -> PageError {
    match error {
        StoreError::InvalidCursor(_) => PageError::InvalidCursor,
        e => PageError::Unexpected(e.into()),
    }
}

/// Whether the transaction was cancelled because its `at`th write's condition failed.
fn condition_failed_at(error: &StoreError, at: usize) -> bool {
    matches!(error, StoreError::TransactionCancelled(reasons)
        if reasons.get(at).is_some_and(|r| r.condition_failed() || r.conflicted()))
}

/// The writes of a chart's subscription tokens added and removed.
fn subscription_writes(
    chart: &Chart,
    changes: &SubscriptionChanges,
    table: &str,
) -> Result<Vec<Write>, StoreError> {
    let added = changes.added.iter().map(|s| {
        let reference = SubscriptionRef {
            token: s.token().clone(),
            chart_id: chart.id(),
        };
        Write::create(&reference, table)
    });
    let removed = changes
        .removed
        .iter()
        .map(|token| Write::delete(&subscription_key(token), Condition::default(), table));
    added.chain(removed).collect()
}

impl ChartStore for DynamoMonitoringRepository {
    async fn create_chart(&self, chart: &Chart, max_charts: u32) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let writes = || {
            // First, so that a refusal is told by the first write's reason.
            let count = Update::beside(
                chart_count_key(chart.owner_id()),
                "SET #count = if_not_exists(#count, :zero) + :one",
                Condition::new("attribute_not_exists(#count) OR #count < :max")
                    .name("#count", "count")
                    .value(":zero", AttributeValue::N("0".into()))
                    .value(":one", AttributeValue::N("1".into()))
                    .value(":max", AttributeValue::N(max_charts.to_string())),
            );
            let mut item = new_item(chart)?;
            item.extend(new_chart_attributes());
            let mut writes = vec![
                Write::update(count, table)?,
                Write::create_item(item, table)?,
            ];
            let invited = SubscriptionChanges {
                added: chart.subscriptions().to_vec(),
                removed: Vec::new(),
            };
            writes.extend(subscription_writes(chart, &invited, table)?);
            Ok(writes)
        };
        let token = ClientToken::of(&["create-chart", &chart.id().to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(e) if condition_failed_at(&e, 0) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn chart_of_subscription(
        &self,
        token: &SubscriptionToken,
    ) -> Result<Option<(Chart, u64)>, Unexpected> {
        let Some(reference) = self
            .store
            .get::<SubscriptionRef>(&subscription_key(token))
            .await?
        else {
            return Ok(None);
        };
        self.get_chart(&reference.doc.chart_id).await
    }

    async fn get_chart(&self, id: &ChartId) -> Result<Option<(Chart, u64)>, Unexpected> {
        let found = self.store.get::<Chart>(&chart_key(id)).await?;
        Ok(found.map(Versioned::into_pair))
    }

    async fn append_points(
        &self,
        owner: &CustomerId,
        chart: &ChartId,
        points: &RecordPoints,
    ) -> Result<Appended, Unexpected> {
        self.append(owner, chart, points).await
    }

    async fn save_chart(
        &self,
        chart: &Chart,
        version: u64,
        subscriptions: &SubscriptionChanges,
    ) -> Result<bool, Unexpected> {
        if subscriptions.is_empty() {
            return match self.store.save(chart, version).await {
                Ok(_) => Ok(true),
                Err(StoreError::VersionConflict) => Ok(false),
                Err(e) => Err(e.into()),
            };
        }
        let table = self.store.table();
        let writes = || {
            let mut writes = vec![Write::save(chart, version, table)?];
            writes.extend(subscription_writes(chart, subscriptions, table)?);
            Ok(writes)
        };
        let token = ClientToken::of(&["save-chart", &chart.id().to_string(), &version.to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(e) if condition_failed_at(&e, 0) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn series(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> Result<Vec<Series>, Unexpected> {
        let Some(item) = self.store.get_item(&chart_key(chart)).await? else {
            return Ok(Vec::new());
        };
        let windows: Vec<(Slug, usize)> = names.iter().map(|n| (n.clone(), newest)).collect();
        self.read_series(&item, chart, &windows).await
    }

    async fn add_alert(
        &self,
        chart: &Chart,
        version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let reference = AlertRef {
            alert_id: alert.id(),
            chart_id: chart.id(),
            owner_id: chart.owner_id().clone(),
        };
        let writes = || {
            Ok(vec![
                Write::save(chart, version, table)?,
                Write::create(alert, table)?,
                Write::create(&reference, table)?,
            ])
        };
        let token = ClientToken::of(&["add-alert", &alert.id().to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            // Only the chart's write (the first) can lose a race: the alert and its
            // reference are new.
            Err(StoreError::TransactionCancelled(reasons))
                if reasons
                    .first()
                    .is_some_and(|r| r.condition_failed() || r.conflicted()) =>
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
        let page = self
            .store
            .query::<Alert>(&query, limit, cursor)
            .await
            .map_err(page_error)?;
        Ok(Page {
            items: page.items.into_iter().map(|v| v.doc).collect(),
            next_cursor: page.next_cursor,
        })
    }

    async fn alert_owner(
        &self,
        alert: &AlertId,
    ) -> Result<Option<(ChartId, CustomerId)>, Unexpected> {
        let reference = self.store.get::<AlertRef>(&alert_ref_key(alert)).await?;
        Ok(reference.map(|r| (r.doc.chart_id, r.doc.owner_id)))
    }

    async fn set_mute(
        &self,
        chart: &ChartId,
        alert: &AlertId,
        mute: Option<Mute>,
        now: Timestamp,
    ) -> Result<Option<Alert>, Unexpected> {
        let (expression, condition) = mute_update(&mute, now)?;
        let update = Update::new(alert_key(chart, alert), &expression, condition);
        let updated = self.store.update::<Alert>(update).await?;
        Ok(updated.map(|v| v.doc))
    }

    async fn charts_page(
        &self,
        owner: &CustomerId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Chart>, PageError> {
        let query = Query::index(Index::Gsi1, owner_partition(owner)).descending();
        let page = self
            .store
            .query::<Chart>(&query, limit, cursor)
            .await
            .map_err(page_error)?;
        Ok(Page {
            items: page.items.into_iter().map(|v| v.doc).collect(),
            next_cursor: page.next_cursor,
        })
    }

    async fn chart_data(
        &self,
        id: &ChartId,
        choice: &SeriesChoice,
    ) -> Result<Option<ChartData>, Unexpected> {
        let Some(item) = self.store.get_item(&chart_key(id)).await? else {
            return Ok(None);
        };
        let chart = decode::<Chart>(item.clone())?.doc;
        let names: Vec<Slug> = match &choice.names {
            // The chart's own order, each once, whatever the choice repeats.
            Some(names) => chart
                .series_names()
                .iter()
                .filter(|n| names.contains(n))
                .cloned()
                .collect(),
            None => chart.series_names().to_vec(),
        };
        let windows: Vec<(Slug, usize)> =
            names.iter().map(|n| (n.clone(), choice.newest)).collect();
        let alerts = async {
            if !choice.with_alerts {
                return Ok(Vec::new());
            }
            let query =
                Query::table(chart_partition(id)).sort(SortKey::BeginsWith("ALERT#".into()));
            // At most 50 alerts: one page.
            let (items, _) = self.store.query_items(&query, 100, None).await?;
            items
                .into_iter()
                .map(|item| Ok(decode::<Alert>(item)?.doc))
                .collect::<Result<Vec<_>, Unexpected>>()
        };
        let (series, alerts) =
            futures_util::future::try_join(self.read_series(&item, id, &windows), alerts).await?;
        let points_appended = match seqs_of(&item) {
            Some(seqs) => names.iter().filter_map(|n| seqs.get(n.as_str())).sum(),
            None => series.iter().map(|s| s.points().count() as u64).sum(),
        };
        Ok(Some(ChartData {
            chart,
            series,
            alerts,
            points_appended,
        }))
    }

    async fn delete_chart(&self, chart: &Chart, version: u64) -> Result<bool, Unexpected> {
        self.delete_chart_at(chart, version).await
    }

    async fn get_alert(&self, id: &AlertId) -> Result<Option<(Alert, u64)>, Unexpected> {
        let Some((chart, _)) = self.alert_owner(id).await? else {
            return Ok(None);
        };
        let found = self.store.get::<Alert>(&alert_key(&chart, id)).await?;
        Ok(found.map(Versioned::into_pair))
    }

    async fn save_alert(&self, alert: &Alert, version: u64) -> Result<bool, Unexpected> {
        match self.store.save(alert, version).await {
            Ok(_) => Ok(true),
            Err(StoreError::VersionConflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete_alert(
        &self,
        chart: &Chart,
        chart_version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        self.delete_alert_at(chart, chart_version, alert).await
    }
}
