//! The owner's use cases that read, change and delete charts and alerts.

use super::alert::Alert;
use super::alert_commands::AlertChange;
use super::chart::Chart;
use super::chart_change::ChartChange;
use super::ports::{ChartData, ChartStore, SeriesChoice, SubscriptionMailer};
use super::subscribe::invite_all;
use crate::PageError;
use crate::{
    AlertId, Backoff, Caller, ChartId, Clock, Cursor, IfMatch, Limit, Page, Unexpected,
    VersionMismatch,
};

/// Attempts of an optimistic read-modify-write before the caller is told to retry later.
const ATTEMPTS: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum ListChartsError {
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error("could not list the charts")]
    Unexpected(#[source] Unexpected),
}

/// A page of the caller's charts, newest first.
pub async fn list_charts(
    caller: &Caller,
    limit: Limit,
    cursor: Option<&Cursor>,
    charts: &impl ChartStore,
) -> Result<Page<Chart>, ListChartsError> {
    charts
        .charts_page(&caller.customer_id, limit, cursor)
        .await
        .map_err(|e| match e {
            PageError::InvalidCursor => ListChartsError::InvalidCursor,
            PageError::Unexpected(e) => ListChartsError::Unexpected(e),
        })
}

#[derive(Debug, thiserror::Error)]
pub enum GetChartError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error("could not read the chart")]
    Unexpected(#[source] Unexpected),
}

/// The caller's chart with the series of `choice`.
pub async fn get_chart(
    caller: &Caller,
    id: ChartId,
    choice: &SeriesChoice,
    charts: &impl ChartStore,
) -> Result<ChartData, GetChartError> {
    charts
        .chart_data(&id, choice)
        .await
        .map_err(GetChartError::Unexpected)?
        .filter(|data| data.chart.is_owned_by(&caller.customer_id))
        .ok_or(GetChartError::ChartNotFound(id))
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeChartError {
    #[error("no chart with id {0}")]
    ChartNotFound(ChartId),
    #[error(transparent)]
    VersionMismatch(#[from] VersionMismatch),
    #[error("the chart is being changed by other requests; try again")]
    Contended,
    #[error("could not change the chart")]
    Unexpected(#[source] Unexpected),
}

/// The caller's chart and the version to write it at, if `if_match` allows its version.
async fn owned_chart(
    caller: &Caller,
    id: ChartId,
    if_match: &IfMatch,
    charts: &impl ChartStore,
) -> Result<(Chart, u64), ChangeChartError> {
    let (chart, version) = charts
        .get_chart(&id)
        .await
        .map_err(ChangeChartError::Unexpected)?
        .filter(|(c, _)| c.is_owned_by(&caller.customer_id))
        .ok_or(ChangeChartError::ChartNotFound(id))?;
    if_match.check(chart.version())?;
    Ok((chart, version))
}

/// Where a chart change's effects go besides the chart: the confirmation e-mails.
pub struct ChartChangeDeps<'a, C, B, S, M> {
    pub clock: &'a C,
    pub backoff: &'a B,
    pub charts: &'a S,
    pub mailer: &'a M,
}

/// The owner changes their chart's name, description or recipients (new ones are invited to
/// confirm). A concurrent change is never lost: each applies whole to the version it read,
/// the later one reading again.
pub async fn update_chart<C: Clock, B: Backoff, S: ChartStore, M: SubscriptionMailer>(
    caller: &Caller,
    id: ChartId,
    change: ChartChange,
    if_match: &IfMatch,
    deps: ChartChangeDeps<'_, C, B, S, M>,
) -> Result<Chart, ChangeChartError> {
    let ChartChangeDeps {
        clock,
        backoff,
        charts,
        mailer,
    } = deps;
    for attempt in 1..=ATTEMPTS {
        let (mut chart, version) = owned_chart(caller, id, if_match, charts).await?;
        let subscriptions = chart.change(change.clone(), clock.now());
        if charts
            .save_chart(&chart, version, &subscriptions)
            .await
            .map_err(ChangeChartError::Unexpected)?
        {
            invite_all(&chart, &subscriptions, mailer).await;
            return Ok(chart);
        }
        backoff.pause(attempt).await;
    }
    Err(ChangeChartError::Contended)
}

/// The owner deletes their chart with everything in it.
pub async fn delete_chart(
    caller: &Caller,
    id: ChartId,
    if_match: &IfMatch,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<(), ChangeChartError> {
    for attempt in 1..=ATTEMPTS {
        let (chart, version) = owned_chart(caller, id, if_match, charts).await?;
        if charts
            .delete_chart(&chart, version)
            .await
            .map_err(ChangeChartError::Unexpected)?
        {
            return Ok(());
        }
        backoff.pause(attempt).await;
    }
    Err(ChangeChartError::Contended)
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("no alert with id {0}")]
    AlertNotFound(AlertId),
    #[error(transparent)]
    VersionMismatch(#[from] VersionMismatch),
    #[error("the alert is being changed by other requests; try again")]
    Contended,
    #[error("could not read or change the alert")]
    Unexpected(#[source] Unexpected),
}

/// An alert of the caller's chart, and the version to write it at.
async fn owned_alert(
    caller: &Caller,
    id: AlertId,
    charts: &impl ChartStore,
) -> Result<(Alert, u64), AlertError> {
    charts
        .get_alert(&id)
        .await
        .map_err(AlertError::Unexpected)?
        .filter(|(a, _)| a.owner_id() == &caller.customer_id)
        .ok_or(AlertError::AlertNotFound(id))
}

/// An alert of the caller's chart, with its history.
pub async fn get_alert(
    caller: &Caller,
    id: AlertId,
    charts: &impl ChartStore,
) -> Result<Alert, AlertError> {
    Ok(owned_alert(caller, id, charts).await?.0)
}

/// The owner changes an alert; a change of what it evaluates puts it back to `ok`.
pub async fn update_alert(
    caller: &Caller,
    id: AlertId,
    change: AlertChange,
    if_match: &IfMatch,
    clock: &impl Clock,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<Alert, AlertError> {
    for attempt in 1..=ATTEMPTS {
        let (mut alert, version) = owned_alert(caller, id, charts).await?;
        if_match.check(alert.version())?;
        alert.change(change.clone(), clock.now());
        if charts
            .save_alert(&alert, version)
            .await
            .map_err(AlertError::Unexpected)?
        {
            return Ok(alert);
        }
        backoff.pause(attempt).await;
    }
    Err(AlertError::Contended)
}

/// The owner deletes an alert; its place under the chart's 50 is free again.
pub async fn delete_alert(
    caller: &Caller,
    id: AlertId,
    if_match: &IfMatch,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<(), AlertError> {
    for attempt in 1..=ATTEMPTS {
        let (alert, _) = owned_alert(caller, id, charts).await?;
        if_match.check(alert.version())?;
        let (mut chart, chart_version) = charts
            .get_chart(&alert.chart_id())
            .await
            .map_err(AlertError::Unexpected)?
            .ok_or(AlertError::AlertNotFound(id))?;
        chart.remove_alert();
        if charts
            .delete_alert(&chart, chart_version, &alert)
            .await
            .map_err(AlertError::Unexpected)?
        {
            return Ok(());
        }
        backoff.pause(attempt).await;
    }
    Err(AlertError::Contended)
}
