//! Orders: the [`Order`] aggregate (placed at catalog prices, cancelled while pending), the
//! command to place one, idempotency keys, the events every change causes, the ports they are
//! stored through (one capability a trait), and the use cases: [`create_order`],
//! [`get_order`], [`cancel_order`] and [`publish_pending_events`], the sweep that publishes
//! what a failed publish left in the outbox.

mod command;
mod create;
mod idempotency;
mod model;
mod notification;
mod ports;
mod use_cases;

pub use crate::events::{
    DomainEvent, EventPublisher, MAX_PUBLISH_ATTEMPTS, Outbox, PendingEvent, PublishEventsError,
    Rejected, SweepSummary, publish_pending_events,
};
pub use command::{CreateOrder, LineInput, LineRequest, MAX_LINES, MAX_QUANTITY};
pub use create::{CreateOrderAnswer, CreateOrderError, create_order};
pub use idempotency::{
    IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_RETENTION_SECONDS, IdempotencyKey,
    InvalidIdempotencyKey, KeyClaim, KeyState, Outcome,
};
pub use model::{
    EVENT_SOURCE, Fulfilment, InvalidStatus, NotPending, Order, OrderEvent, OrderEventKind,
    OrderLine, OrderRefusal, OrderStatus, Shortage, WrongStatus,
};
pub use notification::{
    CustomerMailer, NOTIFICATION_LEASE_SECONDS, NotificationClaim, NotificationLog, Notified,
    NotifyError, OrderEmail, notify_customer,
};
pub use ports::{
    IdempotencyStore, OrderFilter, OrderHistory, OrderStore, PlaceRefused, ProductReader,
};
pub use use_cases::{
    CancelOrderError, FulfilOrderError, GetOrderError, ListOrdersError, cancel_order, fulfil_order,
    get_order, list_orders,
};

#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod tests;
