//! The events an order's changes cause: stored with the change (the outbox) and published
//! after.

use super::model::Order;
use crate::{EventId, Timestamp};
use serde::{Deserialize, Serialize};

/// What happened to an order, for the event bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEventKind {
    OrderCreated,
    OrderCancelled,
    OrderShipped,
    OrderDelivered,
}

impl OrderEventKind {
    pub fn detail_type(self) -> &'static str {
        match self {
            OrderEventKind::OrderCreated => "OrderCreated",
            OrderEventKind::OrderCancelled => "OrderCancelled",
            OrderEventKind::OrderShipped => "OrderShipped",
            OrderEventKind::OrderDelivered => "OrderDelivered",
        }
    }
}

/// A domain event, stored with the change that causes it and published after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub event_id: EventId,
    pub kind: OrderEventKind,
    pub order: Order,
    pub occurred_at: Timestamp,
}

pub const EVENT_SOURCE: &str = "shop.orders";

impl OrderEvent {
    pub(crate) fn new(kind: OrderEventKind, order: &Order) -> Self {
        Self {
            event_id: EventId::new(),
            kind,
            order: order.clone(),
            occurred_at: order.updated_at(),
        }
    }

    /// The event's `detail`: the order's fields plus `event_id`.
    pub fn detail(&self) -> serde_json::Value {
        let mut detail = serde_json::to_value(&self.order).unwrap_or_default();
        if let Some(fields) = detail.as_object_mut() {
            fields.insert("event_id".into(), serde_json::json!(self.event_id));
        }
        detail
    }
}
