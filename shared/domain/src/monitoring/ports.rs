//! What monitoring needs from storage and from the mail service.

use super::alert::Alert;
use super::chart::{Chart, ChartView};
use super::evaluation::Report;
use super::schedule::{Tick, TickClaim};
use super::series::{RecordPoints, Series};
use super::subscription::{Subscription, SubscriptionChanges, SubscriptionToken};
use super::values::Mute;
use crate::clock::RFC3339_MAX_LEN;
use crate::{
    AlertId, ChartId, Cursor, CustomerId, Limit, Page, PageError, Slug, Timestamp, Unexpected,
};
use serde::Serialize;
use std::future::Future;

/// What appending points found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Every point was appended.
    Done,
    /// No such chart, or not the caller's: nothing was appended.
    NoChart,
    /// A series of the points is not one of the chart's yet: nothing was appended.
    UnknownSeries,
}

/// Everything a chart's evaluation reads: the chart, its alerts, and the newest points of the
/// series they watch (as many as the widest window over each).
#[derive(Debug, Clone)]
pub struct ChartContents {
    pub chart: Chart,
    pub series: Vec<Series>,
    pub alerts: Vec<Alert>,
    /// The last tick that claimed the chart.
    pub claim: Option<TickClaim>,
}

/// A chart as its owner reads it: the chart, the newest points of the series asked for, the
/// alerts when asked for, and how many points were ever appended to those series (which
/// changes whenever one arrives).
#[derive(Debug, Clone)]
pub struct ChartData {
    pub chart: Chart,
    pub series: Vec<Series>,
    pub alerts: Vec<Alert>,
    pub points_appended: u64,
}

impl ChartData {
    /// The chart with its series, as `GET /charts/{id}` answers it.
    pub fn view(&self) -> ChartDataView<'_> {
        ChartDataView {
            chart: self.chart.view(),
            series: self
                .series
                .iter()
                .map(|s| SeriesView {
                    name: s.name(),
                    points: s
                        .points()
                        .map(|p| PointView {
                            at_millis: p.at_millis,
                            value: p.value,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// What the answer's `ETag` stands for: the chart's version and the points appended to
    /// the series read, so that it changes when either does.
    pub fn revision(&self) -> String {
        format!("{}-{}", self.chart.version(), self.points_appended)
    }
}

#[derive(Debug, Serialize)]
pub struct ChartDataView<'a> {
    #[serde(flatten)]
    pub chart: ChartView<'a>,
    pub series: Vec<SeriesView<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SeriesView<'a> {
    pub name: &'a Slug,
    pub points: Vec<PointView>,
}

/// A point as answered: `{"at": <RFC 3339>, "value": <number>}`.
#[derive(Debug)]
pub struct PointView {
    pub(super) at_millis: i64,
    pub(super) value: f64,
}

impl PointView {
    pub(super) const OUT_OF_RANGE: &str = "a time outside the years 0000 to 9999";
}

impl Serialize for PointView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeStruct};
        let mut buf = [0; RFC3339_MAX_LEN];
        let at = Timestamp::write_unix_millis(self.at_millis, &mut buf)
            .ok_or_else(|| S::Error::custom(Self::OUT_OF_RANGE))?;
        let mut point = serializer.serialize_struct("PointView", 2)?;
        point.serialize_field("at", at)?;
        point.serialize_field("value", &self.value)?;
        point.end()
    }
}

/// Which series of a chart to read, and how many of the newest points of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesChoice {
    /// `None`: every series of the chart.
    pub names: Option<Vec<Slug>>,
    pub newest: usize,
    pub with_alerts: bool,
}

/// Where charts, their series and their alerts are kept, for their owners' requests.
pub trait ChartStore: Send + Sync {
    /// Stores a new chart with its subscriptions' tokens, if its owner has fewer than
    /// `max_charts`; `Ok(false)` when they have that many already.
    fn create_chart(
        &self,
        chart: &Chart,
        max_charts: u32,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// The chart a subscription token belongs to, with the version to save it at.
    fn chart_of_subscription(
        &self,
        token: &SubscriptionToken,
    ) -> impl Future<Output = Result<Option<(Chart, u64)>, Unexpected>> + Send;

    fn get_chart(
        &self,
        id: &ChartId,
    ) -> impl Future<Output = Result<Option<(Chart, u64)>, Unexpected>> + Send;

    /// One page of `owner`'s charts, newest first.
    fn charts_page(
        &self,
        owner: &CustomerId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page<Chart>, PageError>> + Send;

    /// The chart with the series (and alerts) of `choice`.
    fn chart_data(
        &self,
        id: &ChartId,
        choice: &SeriesChoice,
    ) -> impl Future<Output = Result<Option<ChartData>, Unexpected>> + Send;

    /// Deletes the chart if still at `version`, with its alerts, series and everything else
    /// of it: at once for every reader; `Ok(false)` when it changed since.
    fn delete_chart(
        &self,
        chart: &Chart,
        version: u64,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Appends the points to their series of `owner`'s chart, if every series is one of the
    /// chart's. Concurrent appends to one chart all succeed; an append writes only its own
    /// points (its cost does not grow with the points stored), and each series keeps its
    /// newest [`super::MAX_POINTS_PER_SERIES`] points.
    fn append_points(
        &self,
        owner: &CustomerId,
        chart: &ChartId,
        points: &RecordPoints,
    ) -> impl Future<Output = Result<Appended, Unexpected>> + Send;

    /// Saves the chart's own fields (its name, its series' names, ...) with the tokens of
    /// `subscriptions` added and removed, if it is still at `version`; `Ok(false)` when it
    /// changed since. Its points are not touched.
    fn save_chart(
        &self,
        chart: &Chart,
        version: u64,
        subscriptions: &SubscriptionChanges,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// The newest `newest` points of each of `names` that has points, oldest first.
    fn series(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> impl Future<Output = Result<Vec<Series>, Unexpected>> + Send;

    /// Saves the chart (with its alert count raised) if still at `version`, and the alert,
    /// at once; `Ok(false)` when the chart changed since.
    fn add_alert(
        &self,
        chart: &Chart,
        version: u64,
        alert: &Alert,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// One page of a chart's alerts, oldest first.
    fn alerts_page(
        &self,
        chart: &ChartId,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page<Alert>, PageError>> + Send;

    /// The chart an alert belongs to and that chart's owner, in one read by alert id.
    fn alert_owner(
        &self,
        alert: &AlertId,
    ) -> impl Future<Output = Result<Option<(ChartId, CustomerId)>, Unexpected>> + Send;

    /// Sets (`Some`) or clears (`None`) an alert's mute in one write, raising its version,
    /// leaving the rest of the alert as it is; the alert after the write, or `None` when it no
    /// longer exists.
    fn set_mute(
        &self,
        chart: &ChartId,
        alert: &AlertId,
        mute: Option<Mute>,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<Alert>, Unexpected>> + Send;

    /// An alert by its id, with the version to save it at.
    fn get_alert(
        &self,
        id: &AlertId,
    ) -> impl Future<Output = Result<Option<(Alert, u64)>, Unexpected>> + Send;

    /// Saves the alert if still at `version`; `Ok(false)` when it changed (or went) since.
    fn save_alert(
        &self,
        alert: &Alert,
        version: u64,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Deletes the alert if still at its version and saves its chart (one alert fewer) if
    /// still at `chart_version`, at once; `Ok(false)` when either changed since.
    fn delete_alert(
        &self,
        chart: &Chart,
        chart_version: u64,
        alert: &Alert,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;
}

/// What the scheduled evaluation reads and writes.
pub trait EvaluationStore: Send + Sync {
    /// One page of the ids of the charts of `shard` that have alerts.
    fn charts_with_alerts(
        &self,
        shard: u8,
        cursor: Option<Cursor>,
    ) -> impl Future<Output = Result<(Vec<ChartId>, Option<Cursor>), Unexpected>> + Send;

    /// A chart with its alerts, its last claim, and the newest points of the series its
    /// alerts watch (as many as the widest window over each), and nothing else.
    fn load_for_evaluation(
        &self,
        id: &ChartId,
    ) -> impl Future<Output = Result<Option<ChartContents>, Unexpected>> + Send;

    /// Claims the chart for `tick` (unsettled) if its last claim is still `last`;
    /// `Ok(false)` when another tick claimed it since.
    fn claim_tick(
        &self,
        chart: &ChartId,
        tick: &Tick,
        last: Option<&TickClaim>,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Settles `tick`'s claim without storing anything else, if it still holds it.
    fn release_tick(
        &self,
        chart: &ChartId,
        tick: &Tick,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// Stores the evaluation fields of alerts (each if still at its version: not changed by
    /// its owner since) and settles `tick`'s claim (if it still holds it), in one write;
    /// `Ok(false)` when a condition failed and nothing was stored.
    fn save_states(
        &self,
        chart: &ChartId,
        alerts: &[Alert],
        tick: &Tick,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// The newest `newest` points of each of `names` that has points, for a report's pictures.
    fn recent_points(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> impl Future<Output = Result<Vec<Series>, Unexpected>> + Send;
}

/// Sends reports (SES): one copy to each recipient, with their own subscription's links;
/// `Err` unless every copy was accepted.
pub trait Mailer: Send + Sync {
    fn send(
        &self,
        to: &[&Subscription],
        report: &Report,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// Sends a newly listed recipient the link to confirm their subscription.
pub trait SubscriptionMailer: Send + Sync {
    fn invite(
        &self,
        chart: &Chart,
        subscription: &Subscription,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}
