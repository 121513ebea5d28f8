use super::support::{Failures, lock};
use crate::monitoring::{
    Alert, Appended, Chart, ChartData, ChartStore, MAX_POINTS_PER_SERIES, Mute, PageError, Point,
    RecordPoints, Series, SeriesChoice, SubscriptionChanges, SubscriptionToken, TickClaim,
};
use crate::{AlertId, ChartId, Cursor, CustomerId, Limit, Page, Slug, Timestamp, Unexpected};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Charts, series and alerts with the real store's version checks. Operations named in
/// [`InMemoryCharts::fail`] fail; `"contend"` makes every conditional write lose to another
/// writer.
#[derive(Debug, Default)]
pub struct InMemoryCharts {
    pub(super) charts: Mutex<BTreeMap<ChartId, (Chart, u64)>>,
    points: Mutex<HashMap<(ChartId, Slug), Vec<Point>>>,
    appended: Mutex<HashMap<(ChartId, Slug), u64>>,
    pub(super) alerts: Mutex<BTreeMap<AlertId, (Alert, u64)>>,
    pub(super) ticks: Mutex<HashMap<ChartId, TickClaim>>,
    pub(super) failures: Failures,
}

impl InMemoryCharts {
    pub fn fail(&self, operation: &'static str) {
        self.failures.fail(operation);
    }

    pub fn heal(&self, operation: &'static str) {
        self.failures.heal(operation);
    }

    pub fn alert(&self, id: &AlertId) -> Option<Alert> {
        lock(&self.alerts).get(id).map(|(a, _)| a.clone())
    }

    /// One page of `items` (in key order) after the cursor naming the last key of the page
    /// before.
    fn page<K: Ord + Copy, T: Clone>(
        items: impl Iterator<Item = (K, T)>,
        limit: Limit,
        cursor: Option<&Cursor>,
        (parse, show): (impl Fn(&str) -> Option<K>, impl Fn(K) -> String),
    ) -> Result<Page<T>, PageError> {
        let after = match cursor {
            None => None,
            Some(c) => Some(parse(c.as_str()).ok_or(PageError::InvalidCursor)?),
        };
        let size = usize::from(limit.get());
        let mut items: Vec<(K, T)> = items
            .filter(|(k, _)| after.is_none_or(|after| *k > after))
            .take(size + 1)
            .collect();
        let next_cursor = (items.len() > size).then(|| {
            items.truncate(size);
            Cursor::new(show(items[size - 1].0))
        });
        Ok(Page {
            items: items.into_iter().map(|(_, t)| t).collect(),
            next_cursor,
        })
    }

    /// The newest `newest` points a series was sent (by arrival, as the table keeps them).
    pub(super) fn series_of(&self, chart: ChartId, name: &Slug, newest: usize) -> Option<Series> {
        let points = lock(&self.points).get(&(chart, name.clone())).cloned()?;
        let skip = points.len().saturating_sub(newest);
        Some(Series::new(name.clone(), points.into_iter().skip(skip)))
    }

    /// Saves `chart` if it is still at `version`; `false` when it was not (or `contend`).
    fn save_at_version(
        &self,
        chart: &Chart,
        version: u64,
        op: &'static str,
    ) -> Result<bool, Unexpected> {
        self.failures.check(op)?;
        if self.failures.check("contend").is_err() {
            return Ok(false);
        }
        let mut charts = lock(&self.charts);
        if charts.get(&chart.id()).is_none_or(|(_, v)| *v != version) {
            return Ok(false);
        }
        charts.insert(chart.id(), (chart.clone(), version + 1));
        Ok(true)
    }
}

impl ChartStore for InMemoryCharts {
    async fn create_chart(&self, chart: &Chart, max_charts: u32) -> Result<bool, Unexpected> {
        self.failures.check("create_chart")?;
        let mut charts = lock(&self.charts);
        let owned = charts
            .values()
            .filter(|(c, _)| c.owner_id() == chart.owner_id())
            .count();
        if owned >= max_charts as usize {
            return Ok(false);
        }
        charts.insert(chart.id(), (chart.clone(), 1));
        Ok(true)
    }

    async fn chart_of_subscription(
        &self,
        token: &SubscriptionToken,
    ) -> Result<Option<(Chart, u64)>, Unexpected> {
        self.failures.check("chart_of_subscription")?;
        Ok(lock(&self.charts)
            .values()
            .find(|(c, _)| c.subscription(token).is_some())
            .cloned())
    }

    async fn get_chart(&self, id: &ChartId) -> Result<Option<(Chart, u64)>, Unexpected> {
        self.failures.check("get_chart")?;
        Ok(lock(&self.charts).get(id).cloned())
    }

    async fn append_points(
        &self,
        owner: &CustomerId,
        chart: &ChartId,
        points: &RecordPoints,
    ) -> Result<Appended, Unexpected> {
        self.failures.check("append_points")?;
        let charts = lock(&self.charts);
        let Some((stored, _)) = charts.get(chart).filter(|(c, _)| c.is_owned_by(owner)) else {
            return Ok(Appended::NoChart);
        };
        if points
            .by_series
            .iter()
            .any(|(name, _)| !stored.series_names().contains(name))
        {
            return Ok(Appended::UnknownSeries);
        }
        let mut stored_points = lock(&self.points);
        for (name, new) in &points.by_series {
            *lock(&self.appended)
                .entry((*chart, name.clone()))
                .or_default() += new.len() as u64;
            let series = stored_points.entry((*chart, name.clone())).or_default();
            series.extend_from_slice(new);
            let drop = series.len().saturating_sub(MAX_POINTS_PER_SERIES);
            series.drain(..drop);
        }
        Ok(Appended::Done)
    }

    async fn save_chart(
        &self,
        chart: &Chart,
        version: u64,
        _: &SubscriptionChanges,
    ) -> Result<bool, Unexpected> {
        self.save_at_version(chart, version, "save_chart")
    }

    async fn series(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> Result<Vec<Series>, Unexpected> {
        self.failures.check("series")?;
        Ok(names
            .iter()
            .filter_map(|name| self.series_of(*chart, name, newest))
            .collect())
    }

    async fn add_alert(
        &self,
        chart: &Chart,
        version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        if !self.save_at_version(chart, version, "add_alert")? {
            return Ok(false);
        }
        lock(&self.alerts).insert(alert.id(), (alert.clone(), 1));
        Ok(true)
    }

    async fn alerts_page(
        &self,
        chart: &ChartId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Alert>, PageError> {
        self.failures
            .check("alerts_page")
            .map_err(PageError::Unexpected)?;
        let alerts = lock(&self.alerts);
        let items = alerts
            .values()
            .filter(|(a, _)| a.chart_id() == *chart)
            .map(|(a, _)| (a.id(), a.clone()));
        let parse = |c: &str| AlertId::parse(c).ok();
        Self::page(items, limit, cursor, (parse, |id: AlertId| id.to_string()))
    }

    async fn alert_owner(
        &self,
        alert: &AlertId,
    ) -> Result<Option<(ChartId, CustomerId)>, Unexpected> {
        self.failures.check("alert_owner")?;
        Ok(lock(&self.alerts)
            .get(alert)
            .map(|(a, _)| (a.chart_id(), a.owner_id().clone())))
    }

    async fn set_mute(
        &self,
        chart: &ChartId,
        alert: &AlertId,
        mute: Option<Mute>,
        now: Timestamp,
    ) -> Result<Option<Alert>, Unexpected> {
        self.failures.check("set_mute")?;
        let mut alerts = lock(&self.alerts);
        Ok(alerts
            .get_mut(alert)
            .filter(|(a, _)| a.chart_id() == *chart)
            .map(|(a, version)| {
                a.set_mute(mute, now);
                *version += 1;
                a.clone()
            }))
    }

    async fn charts_page(
        &self,
        owner: &CustomerId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Chart>, PageError> {
        self.failures
            .check("charts_page")
            .map_err(PageError::Unexpected)?;
        let charts = lock(&self.charts);
        // Chart ids are UUIDv7: newest first is descending id order.
        let items = charts
            .values()
            .rev()
            .filter(|(c, _)| c.is_owned_by(owner))
            .map(|(c, _)| (std::cmp::Reverse(c.id()), c.clone()));
        let parse = |c: &str| ChartId::parse(c).ok().map(std::cmp::Reverse);
        let show = |id: std::cmp::Reverse<ChartId>| id.0.to_string();
        Self::page(items, limit, cursor, (parse, show))
    }

    async fn chart_data(
        &self,
        id: &ChartId,
        choice: &SeriesChoice,
    ) -> Result<Option<ChartData>, Unexpected> {
        self.failures.check("chart_data")?;
        let Some((chart, _)) = lock(&self.charts).get(id).cloned() else {
            return Ok(None);
        };
        let names = choice.names.as_deref().unwrap_or(chart.series_names());
        let series: Vec<Series> = names
            .iter()
            .filter_map(|name| self.series_of(*id, name, choice.newest))
            .collect();
        let points_appended = names
            .iter()
            .filter_map(|name| lock(&self.appended).get(&(*id, name.clone())).copied())
            .sum();
        let alerts = if choice.with_alerts {
            lock(&self.alerts)
                .values()
                .filter(|(a, _)| a.chart_id() == *id)
                .map(|(a, _)| a.clone())
                .collect()
        } else {
            Vec::new()
        };
        Ok(Some(ChartData {
            chart,
            series,
            alerts,
            points_appended,
        }))
    }

    async fn delete_chart(&self, chart: &Chart, version: u64) -> Result<bool, Unexpected> {
        self.failures.check("delete_chart")?;
        let mut charts = lock(&self.charts);
        if charts.get(&chart.id()).is_none_or(|(_, v)| *v != version) {
            return Ok(false);
        }
        charts.remove(&chart.id());
        lock(&self.alerts).retain(|_, (a, _)| a.chart_id() != chart.id());
        lock(&self.points).retain(|(c, _), _| *c != chart.id());
        Ok(true)
    }

    async fn get_alert(&self, id: &AlertId) -> Result<Option<(Alert, u64)>, Unexpected> {
        self.failures.check("get_alert")?;
        Ok(lock(&self.alerts).get(id).cloned())
    }

    async fn save_alert(&self, alert: &Alert, version: u64) -> Result<bool, Unexpected> {
        self.failures.check("save_alert")?;
        if self.failures.check("contend").is_err() {
            return Ok(false);
        }
        let mut alerts = lock(&self.alerts);
        match alerts.get_mut(&alert.id()) {
            Some((stored, v)) if *v == version => {
                *stored = alert.clone();
                *v += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_alert(
        &self,
        chart: &Chart,
        chart_version: u64,
        alert: &Alert,
    ) -> Result<bool, Unexpected> {
        let unchanged = lock(&self.alerts)
            .get(&alert.id())
            .is_some_and(|(a, _)| a.version() == alert.version());
        if !unchanged || !self.save_at_version(chart, chart_version, "delete_alert")? {
            return Ok(false);
        }
        lock(&self.alerts).remove(&alert.id());
        Ok(true)
    }
}
