//! `notify-customer`, on the bus's `OrderCreated`, `OrderShipped` and `OrderCancelled`: one
//! e-mail to the order's customer per event, at most once however often the event is
//! delivered. A failed send fails the invocation, so EventBridge delivers the event again
//! (then its dead-letter queue).

use adapters::lambda::Invocation;
use adapters::mail::OrderMailer;
use adapters::orders::DynamoOrderRepository;
use domain::order::{Notified, NotifyError, Order, OrderEvent, OrderEventKind, notify_customer};
use domain::{Causes, Clock, EventId, SystemClock};
use lambda_runtime::Diagnostic;
use serde_json::Value;

adapters::dependencies! {
    pub struct Deps {
        pub orders: DynamoOrderRepository,
        pub mailer: OrderMailer,
    }
}

/// Why an invocation failed, typed so that whoever retries knows whether it can help.
#[derive(Debug)]
pub enum NotifyFailure {
    /// Not an order event this function understands: retrying it cannot help.
    InvalidEvent(String),
    /// The e-mail or its record failed, or another delivery is sending it: a retry can help.
    Transient(String),
}

impl From<NotifyFailure> for Diagnostic {
    fn from(failure: NotifyFailure) -> Self {
        let (error_type, error_message) = match failure {
            NotifyFailure::InvalidEvent(m) => ("InvalidEvent", m),
            NotifyFailure::Transient(m) => ("Transient", m),
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message,
        }
    }
}

/// The order event an EventBridge event carries: its detail-type, and its detail (the order
/// plus `event_id`).
pub fn parse_event(event: &Value) -> Result<OrderEvent, NotifyFailure> {
    let invalid = |m: String| NotifyFailure::InvalidEvent(m);
    let kind = match event["detail-type"].as_str() {
        Some("OrderCreated") => OrderEventKind::OrderCreated,
        Some("OrderShipped") => OrderEventKind::OrderShipped,
        Some("OrderCancelled") => OrderEventKind::OrderCancelled,
        Some("OrderDelivered") => OrderEventKind::OrderDelivered,
        other => {
            return Err(invalid(format!(
                "not an order event: detail-type {other:?}"
            )));
        }
    };
    let detail = &event["detail"];
    let event_id = detail["event_id"]
        .as_str()
        .and_then(|id| EventId::parse(id).ok())
        .ok_or_else(|| invalid("detail.event_id is not an event id".into()))?;
    let order: Order = serde_json::from_value(detail.clone())
        .map_err(|e| invalid(format!("detail is not an order: {e}")))?;
    Ok(OrderEvent {
        event_id,
        kind,
        occurred_at: order.updated_at(),
        order,
    })
}

pub async fn handle(invocation: Invocation, deps: &Deps) -> Result<Notified, NotifyFailure> {
    let event = parse_event(&invocation.event)?;
    let told = notify_customer(&event, SystemClock.now(), &deps.orders, &deps.mailer)
        .await
        .map_err(|e| {
            let cause = Causes(&e).to_string();
            match e {
                NotifyError::InFlight(_) => tracing::warn!(event_id = %event.event_id, error = %cause, "e-mail in flight elsewhere; the bus retries"),
                NotifyError::Unexpected { .. } => tracing::error!(event_id = %event.event_id, error = %cause, "customer e-mail failed; the bus retries"),
            }
            NotifyFailure::Transient(cause)
        })?;
    if told == Notified::Sent {
        adapters::metrics::count("EmailsSent", 1, None);
    }
    tracing::info!(event_id = %event.event_id, order_id = %event.order.id(), outcome = ?told, "customer notified");
    Ok(told)
}
