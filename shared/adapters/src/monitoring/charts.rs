//! The owner's requests on charts, series and alerts.

use super::DynamoMonitoringRepository;
use super::keys::{AlertRef, alert_key, alert_ref_key, chart_key, chart_partition};
use super::points::new_chart_attributes;
use crate::store::{
    ClientToken, Condition, Query, SortKey, StoreError, Update, Versioned, Write, attribute,
};
use domain::monitoring::{
    Alert, Appended, Chart, ChartStore, Mute, PageError, RecordPoints, Series,
};
use domain::{AlertId, ChartId, Cursor, CustomerId, Limit, Page, Slug, Unexpected};

impl ChartStore for DynamoMonitoringRepository {
    async fn create_chart(&self, chart: &Chart) -> Result<(), Unexpected> {
        self.store
            .create_with(chart, new_chart_attributes())
            .await?;
        Ok(())
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

    async fn save_chart(&self, chart: &Chart, version: u64) -> Result<bool, Unexpected> {
        match self.store.save(chart, version).await {
            Ok(_) => Ok(true),
            Err(StoreError::VersionConflict) => Ok(false),
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
        let writes = vec![
            Write::save(chart, version, table)?,
            Write::create(alert, table)?,
            Write::create(&reference, table)?,
        ];
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
        match self.store.query::<Alert>(&query, limit, cursor).await {
            Ok(page) => Ok(Page {
                items: page.items.into_iter().map(|v| v.doc).collect(),
                next_cursor: page.next_cursor,
            }),
            Err(StoreError::InvalidCursor(_)) => Err(PageError::InvalidCursor),
            Err(e) => Err(PageError::Unexpected(e.into())),
        }
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
    ) -> Result<Option<Alert>, Unexpected> {
        let update = Update::new(
            alert_key(chart, alert),
            "SET #data.#mute = :mute",
            Condition::new("attribute_exists(pk)")
                .name("#data", "data")
                .name("#mute", "mute")
                .value(":mute", attribute(&mute)?),
        );
        let updated = self.store.update::<Alert>(update).await?;
        Ok(updated.map(|v| v.doc))
    }
}
