use super::support::{Broken, Failures, broken, lock};
use crate::monitoring::evaluation::Report;
use crate::monitoring::{
    Alert, Appended, Chart, ChartContents, ChartStore, EvaluationStore, MAX_POINTS_PER_SERIES,
    Mailer, Mute, PageError, Point, RecordPoints, Series, shard_of,
};
use crate::{AlertId, ChartId, Cursor, CustomerId, Email, Limit, Page, Slug, Unexpected};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Charts, series and alerts with the real store's version checks. Operations named in
/// [`InMemoryCharts::fail`] fail; `"contend"` makes every conditional write lose to another
/// writer.
#[derive(Debug, Default)]
pub struct InMemoryCharts {
    charts: Mutex<BTreeMap<ChartId, (Chart, u64)>>,
    points: Mutex<HashMap<(ChartId, Slug), Vec<Point>>>,
    alerts: Mutex<BTreeMap<AlertId, Alert>>,
    ticks: Mutex<HashMap<ChartId, String>>,
    failures: Failures,
}

impl InMemoryCharts {
    pub fn fail(&self, operation: &'static str) {
        self.failures.fail(operation);
    }

    pub fn heal(&self, operation: &'static str) {
        self.failures.heal(operation);
    }

    pub fn alert(&self, id: &AlertId) -> Option<Alert> {
        lock(&self.alerts).get(id).cloned()
    }

    /// The newest `newest` points a series was sent (by arrival, as the table keeps them).
    fn series_of(&self, chart: ChartId, name: &Slug, newest: usize) -> Option<Series> {
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
    async fn create_chart(&self, chart: &Chart) -> Result<(), Unexpected> {
        self.failures.check("create_chart")?;
        lock(&self.charts).insert(chart.id(), (chart.clone(), 1));
        Ok(())
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
            let series = stored_points.entry((*chart, name.clone())).or_default();
            series.extend_from_slice(new);
            let drop = series.len().saturating_sub(MAX_POINTS_PER_SERIES);
            series.drain(..drop);
        }
        Ok(Appended::Done)
    }

    async fn save_chart(&self, chart: &Chart, version: u64) -> Result<bool, Unexpected> {
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
        lock(&self.alerts).insert(alert.id(), alert.clone());
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
        let after = match cursor {
            None => None,
            Some(c) => Some(AlertId::parse(c.as_str()).map_err(|_| PageError::InvalidCursor)?),
        };
        let size = usize::from(limit.get());
        let mut items: Vec<Alert> = lock(&self.alerts)
            .values()
            .filter(|a| a.chart_id() == *chart && after.is_none_or(|after| a.id() > after))
            .take(size + 1)
            .cloned()
            .collect();
        let next_cursor = (items.len() > size).then(|| {
            items.truncate(size);
            Cursor::new(items[size - 1].id().to_string())
        });
        Ok(Page { items, next_cursor })
    }

    async fn alert_owner(
        &self,
        alert: &AlertId,
    ) -> Result<Option<(ChartId, CustomerId)>, Unexpected> {
        self.failures.check("alert_owner")?;
        Ok(lock(&self.alerts)
            .get(alert)
            .map(|a| (a.chart_id(), a.owner_id().clone())))
    }

    async fn set_mute(
        &self,
        chart: &ChartId,
        alert: &AlertId,
        mute: Option<Mute>,
    ) -> Result<Option<Alert>, Unexpected> {
        self.failures.check("set_mute")?;
        let mut alerts = lock(&self.alerts);
        Ok(alerts
            .get_mut(alert)
            .filter(|a| a.chart_id() == *chart)
            .map(|a| {
                a.set_mute(mute);
                a.clone()
            }))
    }
}

impl EvaluationStore for InMemoryCharts {
    async fn charts_with_alerts(
        &self,
        shard: u8,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<ChartId>, Option<Cursor>), Unexpected> {
        self.failures.check("charts_with_alerts")?;
        // One page holds a whole shard here; the cursor only has to end the walk.
        if cursor.is_some() {
            return Ok((Vec::new(), None));
        }
        Ok((
            lock(&self.charts)
                .values()
                .filter(|(c, _)| c.alert_count() > 0 && shard_of(&c.id()) == shard)
                .map(|(c, _)| c.id())
                .collect(),
            None,
        ))
    }

    async fn load_for_evaluation(&self, id: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        self.failures.check("load_for_evaluation")?;
        let Some((chart, _)) = lock(&self.charts).get(id).cloned() else {
            return Ok(None);
        };
        let series = chart
            .series_names()
            .iter()
            .filter_map(|name| self.series_of(*id, name, MAX_POINTS_PER_SERIES))
            .collect();
        let alerts = lock(&self.alerts)
            .values()
            .filter(|a| a.chart_id() == *id)
            .cloned()
            .collect();
        Ok(Some(ChartContents {
            chart,
            series,
            alerts,
        }))
    }

    async fn claim_tick(&self, chart: &ChartId, tick: &str) -> Result<bool, Unexpected> {
        self.failures.check("claim_tick")?;
        let mut ticks = lock(&self.ticks);
        if ticks.get(chart).is_some_and(|t| t == tick) {
            return Ok(false);
        }
        ticks.insert(*chart, tick.to_owned());
        Ok(true)
    }

    async fn save_states(&self, alerts: &[Alert]) -> Result<(), Unexpected> {
        self.failures.check("save_states")?;
        let mut stored = lock(&self.alerts);
        for alert in alerts {
            if let Some(current) = stored.get_mut(&alert.id()) {
                current.keep_evaluation_of(alert);
            }
        }
        Ok(())
    }
}

/// Keeps every report it was asked to send, with its recipients; refuses reports to the
/// addresses it was told to refuse.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<(Vec<Email>, Report)>>,
    refused: Mutex<Vec<Email>>,
}

impl RecordingMailer {
    pub fn sent(&self) -> Vec<(Vec<Email>, Report)> {
        lock(&self.sent).clone()
    }

    pub fn refuse(&self, address: &Email) {
        lock(&self.refused).push(address.clone());
    }
}

impl Mailer for RecordingMailer {
    async fn send(&self, to: &[Email], report: &Report) -> Result<(), Unexpected> {
        if to.iter().any(|a| lock(&self.refused).contains(a)) {
            return Err("the mail service refused the report".into());
        }
        lock(&self.sent).push((to.to_vec(), report.clone()));
        Ok(())
    }
}

impl EvaluationStore for Broken {
    async fn charts_with_alerts(
        &self,
        _: u8,
        _: Option<Cursor>,
    ) -> Result<(Vec<ChartId>, Option<Cursor>), Unexpected> {
        Err(broken())
    }

    async fn load_for_evaluation(&self, _: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        Err(broken())
    }

    async fn claim_tick(&self, _: &ChartId, _: &str) -> Result<bool, Unexpected> {
        Err(broken())
    }

    async fn save_states(&self, _: &[Alert]) -> Result<(), Unexpected> {
        Err(broken())
    }
}
