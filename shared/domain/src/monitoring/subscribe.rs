//! The recipients' side of subscriptions: the invitation e-mail a newly listed address gets,
//! and what the holder of its token can do (see it, confirm it, unsubscribe).

use super::chart::Chart;
use super::ports::{ChartStore, SubscriptionMailer};
use super::subscription::{
    Subscription, SubscriptionChanges, SubscriptionError, SubscriptionStatus, SubscriptionToken,
};
use crate::{Backoff, Causes, Clock, Unexpected, escape_html};

/// Attempts of an optimistic read-modify-write of the chart.
const ATTEMPTS: u32 = 6;

/// An e-mail asking a newly listed address to confirm.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The invitation to `subscription` of `chart`, linking to its page.
pub fn invitation(chart: &Chart, page_link: &str) -> Invitation {
    let name = chart.name().as_str();
    let text = format!(
        "You were listed as a recipient of the alert reports of the chart \"{name}\".\n\n\
         You will get them only once you confirm: {page_link}\n\n\
         If you did not expect this, ignore this e-mail; the link stops working in 7 days.\n"
    );
    let link = escape_html(page_link);
    let html = format!(
        "<!doctype html><html><body><p>You were listed as a recipient of the alert reports of \
         the chart <b>{}</b>.</p><p>You will get them only once you <a href=\"{link}\">confirm</a>.\
         </p><p><small>If you did not expect this, ignore this e-mail; the link stops working in \
         7 days.</small></p></body></html>",
        escape_html(name)
    );
    Invitation {
        subject: format!("Confirm the alert reports of \"{name}\""),
        text,
        html,
    }
}

/// Invites each new subscription; a failed invitation is logged with its cause (the address
/// stays pending: its owner may list it again to send another).
pub(super) async fn invite_all(
    chart: &Chart,
    changes: &SubscriptionChanges,
    mailer: &impl SubscriptionMailer,
) {
    for subscription in &changes.added {
        if let Err(cause) = mailer.invite(chart, subscription).await {
            tracing::error!(
                chart_id = %chart.id(),
                error = %Causes(cause.as_ref()),
                "could not send a confirmation e-mail; the recipient stays pending"
            );
        }
    }
}

/// What the holder of a token sees.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionPage {
    pub chart_name: String,
    pub email: String,
    pub status: SubscriptionStatus,
    /// Whether the last request changed it (`false` for a repeat, or a read).
    pub changed: bool,
}

impl SubscriptionPage {
    fn of(chart: &Chart, subscription: &Subscription, changed: bool) -> Self {
        Self {
            chart_name: chart.name().as_str().to_owned(),
            email: subscription.email().as_str().to_owned(),
            status: subscription.status(),
            changed,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManageSubscriptionError {
    #[error(transparent)]
    Refused(#[from] SubscriptionError),
    #[error("the chart is being changed by other requests; try again")]
    Contended,
    #[error("could not read or change the subscription")]
    Unexpected(#[source] Unexpected),
}

/// The subscription of `token`, if it exists and its link still works.
pub async fn subscription_page(
    token: &SubscriptionToken,
    clock: &impl Clock,
    charts: &impl ChartStore,
) -> Result<SubscriptionPage, ManageSubscriptionError> {
    let (chart, _) = chart_of(token, charts).await?;
    let subscription = chart
        .subscription(token)
        .filter(|s| !s.is_expired(clock.now()))
        .ok_or(SubscriptionError::NotFound)?;
    Ok(SubscriptionPage::of(&chart, subscription, false))
}

/// What the holder of a token asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionRequest {
    Confirm,
    Unsubscribe,
}

/// Confirms or ends the subscription of `token`; a repeat changes nothing and succeeds.
pub async fn manage_subscription(
    token: &SubscriptionToken,
    request: SubscriptionRequest,
    clock: &impl Clock,
    backoff: &impl Backoff,
    charts: &impl ChartStore,
) -> Result<SubscriptionPage, ManageSubscriptionError> {
    for attempt in 1..=ATTEMPTS {
        let (mut chart, version) = chart_of(token, charts).await?;
        let now = clock.now();
        let changed = match request {
            SubscriptionRequest::Confirm => chart.confirm(token, now)?,
            SubscriptionRequest::Unsubscribe => chart.unsubscribe(token, now)?,
        };
        let page = |chart: &Chart, changed| {
            chart
                .subscription(token)
                .map(|s| SubscriptionPage::of(chart, s, changed))
                .ok_or(ManageSubscriptionError::Refused(
                    SubscriptionError::NotFound,
                ))
        };
        if !changed {
            return page(&chart, false);
        }
        let saved = charts
            .save_chart(&chart, version, &SubscriptionChanges::default())
            .await
            .map_err(ManageSubscriptionError::Unexpected)?;
        if saved {
            return page(&chart, true);
        }
        backoff.pause(attempt).await;
    }
    Err(ManageSubscriptionError::Contended)
}

async fn chart_of(
    token: &SubscriptionToken,
    charts: &impl ChartStore,
) -> Result<(Chart, u64), ManageSubscriptionError> {
    charts
        .chart_of_subscription(token)
        .await
        .map_err(ManageSubscriptionError::Unexpected)?
        .ok_or(ManageSubscriptionError::Refused(
            SubscriptionError::NotFound,
        ))
}
