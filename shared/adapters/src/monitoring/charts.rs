//! The owner's requests on charts, series and alerts.

use super::DynamoMonitoringRepository;
use super::keys::{AlertRef, alert_key, alert_ref_key, chart_key, chart_partition, series_key};
use crate::store::{
    ClientToken, Condition, Document, Query, SortKey, StoreError, Update, Versioned, Write,
    attribute, decode, entity_of,
};
use domain::monitoring::{Alert, Chart, ChartStore, Mute, PageError, PointsSnapshot, Series};
use domain::{AlertId, ChartId, Cursor, CustomerId, Limit, Page, Slug, Unexpected};

impl ChartStore for DynamoMonitoringRepository {
    async fn create_chart(&self, chart: &Chart) -> Result<(), Unexpected> {
        self.store.create(chart).await?;
        Ok(())
    }

    async fn get_chart(&self, id: &ChartId) -> Result<Option<(Chart, u64)>, Unexpected> {
        let found = self.store.get::<Chart>(&chart_key(id)).await?;
        Ok(found.map(Versioned::into_pair))
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
        // The request is the versions it writes over and what it writes there: concurrent
        // calls over the same versions are told apart by their points.
        let mut parts = vec!["points".to_owned()];
        parts.extend(chart.map(|(c, v)| format!("{}@{v}", c.id())));
        for (s, v) in series {
            parts.push(format!("{}/{}@{v:?}", s.chart_id(), s.name()));
            parts.push(serde_json::to_string(s).map_err(anyhow::Error::from)?);
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        self.transact_unless_raced(writes, &ClientToken::of(&parts), |_| true)
            .await
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
        // Only the chart's write can lose a race: the alert and its reference are new.
        let token = ClientToken::of(&["add-alert", &alert.id().to_string()]);
        self.transact_unless_raced(writes, &token, |write| write == 0)
            .await
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
