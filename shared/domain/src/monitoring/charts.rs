//! The owner's use cases on charts and alerts: create a chart, record points, add, list and
//! mute alerts.

use super::alert::Alert;
use super::alert_commands::{CreateAlert, MuteRequest};
use super::chart::{Chart, CreateChart, TooManyAlerts, TooManySeries};
use super::ports::{Appended, ChartStore, SubscriptionMailer};
use super::series::RecordPoints;
use super::subscribe::invite_all;
use super::subscription::SubscriptionChanges;
use crate::PageError;
use crate::{
    AlertId, Backoff, Caller, ChartId, Clock, Cursor, Limit, Page, Slug, Timestamp, Unexpected,
};

/// Attempts of an optimistic read-modify-write, with backoff between them, before the caller
/// is told to retry later.
const ATTEMPTS: u32 = 6;

const CONTENDED: &str = "the chart is being changed by other requests; try again";

#[derive(Debug, thiserror::Error)]
pub enum CreateChartError {
    #[error("you own {0} charts already, the most a customer may own")]
    TooManyCharts(u32),
    #[error("could not create the chart")]
    Unexpected(#[source] Unexpected),
}

/// A customer creates a chart they own (at most `max_charts`); each recipient is invited to
/// confirm.
pub async fn create_chart(
    caller: &Caller,
    command: CreateChart,
    max_charts: u32,
    clock: &impl Clock,
    charts: &impl ChartStore,
    mailer: &impl SubscriptionMailer,
) -> Result<Chart, CreateChartError> {
    let chart = Chart::create(caller.customer_id.clone(), command, clock.now());
    let created = charts
        .create_chart(&chart, max_charts)
        .await
        .map_err(CreateChartError::Unexpected)?;
    if !created {
        return Err(CreateChartError::TooManyCharts(max_charts));
    }
    let invited = SubscriptionChanges {
        added: chart.subscriptions().to_vec(),
        removed: Vec::new(),
    };
    invite_all(&chart, &invited, mailer).await;
    Ok(chart)
}

#[derive(Debug, thiserror::Error)]
pub enum RecordPointsError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error(transparent)]
    TooManySeries(#[from] TooManySeries),
    #[error("{CONTENDED}")]
    Contended,
    #[error("could not record the points")]
    Unexpected(#[source] Unexpected),
}

/// Appends points to the owner's chart; concurrent calls never lose points. A series the
/// chart does not have yet joins it first (at most [`super::MAX_SERIES`]).
pub async fn record_points(
    caller: &Caller,
    chart_id: ChartId,
    command: &RecordPoints,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<usize, RecordPointsError> {
    let names: Vec<Slug> = command
        .by_series
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    let fail = RecordPointsError::Unexpected;
    for attempt in 1..=ATTEMPTS {
        match charts
            .append_points(&caller.customer_id, &chart_id, command)
            .await
            .map_err(fail)?
        {
            Appended::Done => return Ok(command.by_series.iter().map(|(_, p)| p.len()).sum()),
            Appended::NoChart => return Err(RecordPointsError::ChartNotFound(chart_id)),
            Appended::UnknownSeries => {}
        }
        let (mut chart, version) = charts
            .get_chart(&chart_id)
            .await
            .map_err(fail)?
            .filter(|(c, _)| c.is_owned_by(&caller.customer_id))
            .ok_or(RecordPointsError::ChartNotFound(chart_id))?;
        if chart.add_series(&names)?
            && !charts
                .save_chart(&chart, version, &SubscriptionChanges::default())
                .await
                .map_err(fail)?
        {
            // Another request changed the chart (another new series): read it again.
            backoff.pause(attempt).await;
        }
    }
    Err(RecordPointsError::Contended)
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAlertError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error(transparent)]
    TooManyAlerts(#[from] TooManyAlerts),
    #[error("{CONTENDED}")]
    Contended,
    #[error("could not create the alert")]
    Unexpected(#[source] Unexpected),
}

/// The owner adds an alert to their chart (at most 50).
pub async fn create_alert(
    caller: &Caller,
    chart_id: ChartId,
    command: CreateAlert,
    clock: &impl Clock,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<Alert, CreateAlertError> {
    let now = clock.now();
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            backoff.pause(attempt - 1).await;
        }
        let (mut chart, version) = charts
            .get_chart(&chart_id)
            .await
            .map_err(CreateAlertError::Unexpected)?
            .filter(|(c, _)| c.is_owned_by(&caller.customer_id))
            .ok_or(CreateAlertError::ChartNotFound(chart_id))?;
        chart.add_alert()?;
        let alert = Alert::new(&chart, command.clone(), now);
        if charts
            .add_alert(&chart, version, &alert)
            .await
            .map_err(CreateAlertError::Unexpected)?
        {
            return Ok(alert);
        }
    }
    Err(CreateAlertError::Contended)
}

#[derive(Debug, thiserror::Error)]
pub enum ListAlertsError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error("could not list the alerts")]
    Unexpected(#[source] Unexpected),
}

/// A page of the owner's chart's alerts.
pub async fn list_alerts(
    caller: &Caller,
    chart_id: ChartId,
    limit: Limit,
    cursor: Option<&Cursor>,
    charts: &impl ChartStore,
) -> Result<Page<Alert>, ListAlertsError> {
    charts
        .get_chart(&chart_id)
        .await
        .map_err(ListAlertsError::Unexpected)?
        .filter(|(c, _)| c.is_owned_by(&caller.customer_id))
        .ok_or(ListAlertsError::ChartNotFound(chart_id))?;
    charts
        .alerts_page(&chart_id, limit, cursor)
        .await
        .map_err(|e| match e {
            PageError::InvalidCursor => ListAlertsError::InvalidCursor,
            PageError::Unexpected(e) => ListAlertsError::Unexpected(e),
        })
}

#[derive(Debug, thiserror::Error)]
pub enum MuteAlertError {
    #[error("no alert with id {0}")]
    AlertNotFound(AlertId),
    #[error("could not change the alert's mute")]
    Unexpected(#[source] Unexpected),
}

/// Mutes (`Some`) or unmutes (`None`) an alert of the caller's chart.
pub async fn mute_alert(
    caller: &Caller,
    alert_id: AlertId,
    mute: Option<MuteRequest>,
    now: Timestamp,
    charts: &impl ChartStore,
) -> Result<Alert, MuteAlertError> {
    let not_found = MuteAlertError::AlertNotFound(alert_id);
    let chart = match charts
        .alert_owner(&alert_id)
        .await
        .map_err(MuteAlertError::Unexpected)?
    {
        Some((chart, owner)) if owner == caller.customer_id => chart,
        _ => return Err(not_found),
    };
    charts
        .set_mute(&chart, &alert_id, mute.map(MuteRequest::into_mute), now)
        .await
        .map_err(MuteAlertError::Unexpected)?
        .ok_or(not_found)
}
