//! The [`Order`] aggregate: priced lines, a status that only moves forward, and the events its
//! changes cause ([`OrderEvent`]: stored with the change that causes it, the outbox, and
//! published after).

use super::command::LineRequest;
use crate::catalog::Offer;
use crate::{Currency, CustomerId, Email, EventId, Money, OrderId, ProductId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Cancelled,
    Shipped,
    Delivered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be pending, cancelled, shipped or delivered")]
pub struct InvalidStatus;

impl OrderStatus {
    pub fn parse(text: &str) -> Result<Self, InvalidStatus> {
        Ok(match text {
            "pending" => OrderStatus::Pending,
            "cancelled" => OrderStatus::Cancelled,
            "shipped" => OrderStatus::Shipped,
            "delivered" => OrderStatus::Delivered,
            _ => return Err(InvalidStatus),
        })
    }
}

/// One product of an order, priced when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    product_id: ProductId,
    name: String,
    unit_price: Money,
    quantity: u32,
    line_total: Money,
}

impl OrderLine {
    pub fn product_id(&self) -> ProductId {
        self.product_id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    pub fn line_total(&self) -> Money {
        self.line_total
    }

    pub fn quantity(&self) -> u32 {
        self.quantity
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    id: OrderId,
    customer_id: CustomerId,
    status: OrderStatus,
    items: Vec<OrderLine>,
    total: Money,
    currency: Currency,
    created_at: Timestamp,
    updated_at: Timestamp,
    /// The customer's address when they placed it (their `email` claim), for notifications.
    #[serde(default)]
    customer_email: Option<Email>,
    #[serde(default)]
    shipped_at: Option<Timestamp>,
    #[serde(default)]
    delivered_at: Option<Timestamp>,
}

/// Why an order was not placed, as the client is told (and told again on a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderRefusal {
    #[error("unknown or inactive products: {}", list(.product_ids))]
    UnknownProducts { product_ids: Vec<ProductId> },
    #[error("not enough stock for {}", shortages.iter().map(|s| format!("{} ({} left)", s.product_id, s.available)).collect::<Vec<_>>().join(", "))]
    InsufficientStock { shortages: Vec<Shortage> },
}

fn list(ids: &[ProductId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub product_id: ProductId,
    pub requested: u32,
    pub available: u32,
}

impl OrderRefusal {
    /// The refusal for lines whose stock could not be taken, judged on each product as the
    /// store saw it then (`None`: it does not exist): unknown or inactive products first,
    /// else the short ones. `None` when every product could supply its line after all (the
    /// failure was something else).
    pub fn for_failed_lines<'a>(
        failed: impl IntoIterator<Item = (ProductId, u32, Option<&'a Offer>)>,
    ) -> Option<Self> {
        let mut unknown = Vec::new();
        let mut shortages = Vec::new();
        for (product_id, quantity, product) in failed {
            match product {
                Some(p) if p.can_supply(quantity) => {}
                Some(p) if p.is_active() => shortages.push(Shortage {
                    product_id,
                    requested: quantity,
                    available: p.stock().units(),
                }),
                _ => unknown.push(product_id),
            }
        }
        if !unknown.is_empty() {
            Some(Self::UnknownProducts {
                product_ids: unknown,
            })
        } else if !shortages.is_empty() {
            Some(Self::InsufficientStock { shortages })
        } else {
            None
        }
    }
}

/// A change refused because the order is no longer pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only a pending order can be cancelled; this one is {0:?}")]
pub struct NotPending(pub OrderStatus);

/// A step of an order's delivery, taken by an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fulfilment {
    /// `pending` to `shipped`.
    Ship,
    /// `shipped` to `delivered`.
    Deliver,
}

/// A step refused because the order is not where the step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only a {expected:?} order can be {step:?}ed; this one is {found:?}")]
pub struct WrongStatus {
    pub step: Fulfilment,
    pub expected: OrderStatus,
    pub found: OrderStatus,
}

impl Order {
    /// Places an order for `lines` at the catalog's current prices, and the event that says
    /// so. `products` must hold every line's product, active; otherwise the refusal names each
    /// one that is not. Stock is not checked here: the store takes it atomically.
    pub fn place(
        customer_id: CustomerId,
        customer_email: Option<Email>,
        lines: &[LineRequest],
        products: &[Offer],
        currency: Currency,
        now: Timestamp,
    ) -> Result<(Order, OrderEvent), OrderRefusal> {
        let find = |id: ProductId| products.iter().find(|p| p.id() == id && p.is_active());
        let unknown: Vec<ProductId> = lines
            .iter()
            .map(|l| l.product_id)
            .filter(|id| find(*id).is_none())
            .collect();
        let mut items = Vec::with_capacity(lines.len());
        let mut total = Money::ZERO;
        for line in lines {
            let Some(product) = find(line.product_id) else {
                continue;
            };
            let unit_price = product.price().money();
            // 1,000,000.00 x 1000 x 25 lines is far inside a decimal's range.
            let line_total = unit_price.checked_mul(line.quantity).unwrap_or(unit_price);
            total = total.checked_add(line_total).unwrap_or(total);
            items.push(OrderLine {
                product_id: line.product_id,
                name: product.name().as_str().to_owned(),
                unit_price,
                quantity: line.quantity,
                line_total,
            });
        }
        if !unknown.is_empty() {
            return Err(OrderRefusal::UnknownProducts {
                product_ids: unknown,
            });
        }
        let order = Order {
            id: OrderId::new(),
            customer_id,
            status: OrderStatus::Pending,
            items,
            total,
            currency,
            created_at: now,
            updated_at: now,
            customer_email,
            shipped_at: None,
            delivered_at: None,
        };
        let event = OrderEvent::new(OrderEventKind::OrderCreated, &order);
        Ok((order, event))
    }

    /// Cancels a pending order, and the event that says so.
    pub fn cancel(&self, now: Timestamp) -> Result<(Order, OrderEvent), NotPending> {
        if self.status != OrderStatus::Pending {
            return Err(NotPending(self.status));
        }
        let cancelled = Order {
            status: OrderStatus::Cancelled,
            updated_at: now,
            ..self.clone()
        };
        let event = OrderEvent::new(OrderEventKind::OrderCancelled, &cancelled);
        Ok((cancelled, event))
    }

    /// Takes a step of its delivery, and the event that says so.
    pub fn fulfil(
        &self,
        step: Fulfilment,
        now: Timestamp,
    ) -> Result<(Order, OrderEvent), WrongStatus> {
        let (expected, next, kind) = match step {
            Fulfilment::Ship => (
                OrderStatus::Pending,
                OrderStatus::Shipped,
                OrderEventKind::OrderShipped,
            ),
            Fulfilment::Deliver => (
                OrderStatus::Shipped,
                OrderStatus::Delivered,
                OrderEventKind::OrderDelivered,
            ),
        };
        if self.status != expected {
            return Err(WrongStatus {
                step,
                expected,
                found: self.status,
            });
        }
        let mut changed = Order {
            status: next,
            updated_at: now,
            ..self.clone()
        };
        match step {
            Fulfilment::Ship => changed.shipped_at = Some(now),
            Fulfilment::Deliver => changed.delivered_at = Some(now),
        }
        let event = OrderEvent::new(kind, &changed);
        Ok((changed, event))
    }

    pub fn id(&self) -> OrderId {
        self.id
    }

    pub fn customer_email(&self) -> Option<&Email> {
        self.customer_email.as_ref()
    }

    pub fn total(&self) -> Money {
        self.total
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    pub fn status(&self) -> OrderStatus {
        self.status
    }

    pub fn items(&self) -> &[OrderLine] {
        &self.items
    }

    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }
}

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

    /// The event's `detail`: the order's fields plus `event_id`, written straight to text
    /// (a 25-line order through a JSON value tree cost a fifth of placing it).
    pub fn detail(&self) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct Detail<'a> {
            #[serde(flatten)]
            order: &'a Order,
            event_id: EventId,
        }
        serde_json::to_string(&Detail {
            order: &self.order,
            event_id: self.event_id,
        })
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
