//! Telling a customer what happened to their order: one e-mail per event, at most once, to
//! the address they placed it with.

use super::model::Order;
use super::model::{OrderEvent, OrderEventKind};
use crate::{Causes, Email, EventId, Timestamp, Unexpected, escape_html};
use std::future::Future;

/// An e-mail to a customer about one of their orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl OrderEmail {
    /// The e-mail an event sends; `None` for events customers are not told of.
    pub fn of(event: &OrderEvent) -> Option<Self> {
        let order = &event.order;
        let (what, headline) = match event.kind {
            OrderEventKind::OrderCreated => ("received", "Thank you: we have your order."),
            OrderEventKind::OrderShipped => ("shipped", "Your order is on its way."),
            OrderEventKind::OrderCancelled => ("cancelled", "Your order was cancelled."),
            OrderEventKind::OrderDelivered => return None,
        };
        let subject = format!("Order {} {what}", order.id());
        Some(Self {
            text: text(order, headline),
            html: html(order, headline),
            subject,
        })
    }
}

fn text(order: &Order, headline: &str) -> String {
    let currency = order.currency();
    let mut text = format!("{headline}\n\nOrder {}\n\n", order.id());
    for line in order.items() {
        text.push_str(&format!(
            "{} x {} at {} {currency}: {} {currency}\n",
            line.quantity(),
            line.name(),
            line.unit_price(),
            line.line_total()
        ));
    }
    text.push_str(&format!("\nTotal: {} {currency}\n", order.total()));
    text
}

fn html(order: &Order, headline: &str) -> String {
    let currency = order.currency();
    let rows: String = order
        .items()
        .iter()
        .map(|line| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} {currency}</td><td>{} {currency}</td></tr>",
                escape_html(line.name()),
                line.quantity(),
                line.unit_price(),
                line.line_total()
            )
        })
        .collect();
    format!(
        "<html><body><p>{}</p><p>Order {}</p><table><tr><th>Product</th><th>Quantity</th><th>Price</th><th>Line total</th></tr>{rows}</table><p>Total: <b>{} {currency}</b></p></body></html>",
        escape_html(headline),
        order.id(),
        order.total()
    )
}

/// What a claim on an event's e-mail found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationClaim {
    /// This delivery sends it.
    Claimed,
    /// An earlier delivery sent it.
    AlreadySent,
    /// An earlier delivery is sending it (its lease has not run out).
    InFlight,
}

/// How long a delivery may take to send an e-mail before another may try.
pub const NOTIFICATION_LEASE_SECONDS: i64 = 60;

/// Which events' e-mails were sent.
pub trait NotificationLog: Send + Sync {
    /// Claims the e-mail of `event` for this delivery: fresh, or left by a delivery whose
    /// lease ran out.
    fn claim(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> impl Future<Output = Result<NotificationClaim, Unexpected>> + Send;

    fn mark_sent(&self, event: &EventId) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// Gives a claim up after a failed send, so a retry sends at once.
    fn release(&self, event: &EventId) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// Sends e-mails to customers (SES).
pub trait CustomerMailer: Send + Sync {
    fn send(
        &self,
        to: &Email,
        email: &OrderEmail,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// What became of an event's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Notified {
    Sent,
    AlreadySent,
    /// The order has no address (placed without an `email` claim).
    NoAddress,
    /// Customers are not told of this kind of event.
    NotTold,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("another delivery of event {0} is sending its e-mail")]
    InFlight(EventId),
    #[error("could not send the e-mail of event {event}")]
    Unexpected {
        event: EventId,
        #[source]
        cause: Unexpected,
    },
}

/// Sends the customer the e-mail of `event`, once however often the event is delivered. A
/// failed send gives the claim back and fails, so the bus delivers the event again.
pub async fn notify_customer(
    event: &OrderEvent,
    now: Timestamp,
    log: &impl NotificationLog,
    mailer: &impl CustomerMailer,
) -> Result<Notified, NotifyError> {
    let Some(email) = OrderEmail::of(event) else {
        return Ok(Notified::NotTold);
    };
    let Some(to) = event.order.customer_email() else {
        return Ok(Notified::NoAddress);
    };
    let failed = |cause| NotifyError::Unexpected {
        event: event.event_id,
        cause,
    };
    match log.claim(&event.event_id, now).await.map_err(failed)? {
        NotificationClaim::Claimed => {}
        NotificationClaim::AlreadySent => return Ok(Notified::AlreadySent),
        NotificationClaim::InFlight => return Err(NotifyError::InFlight(event.event_id)),
    }
    if let Err(cause) = mailer.send(to, &email).await {
        if let Err(release) = log.release(&event.event_id).await {
            tracing::warn!(
                event_id = %event.event_id,
                error = %Causes(release.as_ref()),
                "could not give the e-mail's claim back; a retry waits for its lease"
            );
        }
        return Err(failed(cause));
    }
    log.mark_sent(&event.event_id).await.map_err(failed)?;
    Ok(Notified::Sent)
}
