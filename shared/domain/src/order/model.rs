//! The [`Order`] aggregate: priced lines, a status that only moves forward, and the events its
//! changes cause ([`OrderEvent`], in [`super::events`]).

use super::command::LineRequest;
use super::events::{OrderEvent, OrderEventKind};
use crate::catalog::Product;
use crate::{Currency, CustomerId, Email, Money, OrderId, ProductId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Cancelled,
    Shipped,
    Delivered,
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
        failed: impl IntoIterator<Item = (ProductId, u32, Option<&'a Product>)>,
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
        products: &[Product],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CreateProduct, ProductDescription, ProductName, Stock};
    use crate::{Price, Slug};

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-21T10:00:00Z").unwrap()
    }

    fn product(price: &str, active: bool, stock: i64) -> Product {
        let command = CreateProduct {
            name: ProductName::parse("Mug").unwrap(),
            description: ProductDescription::parse("").unwrap(),
            category: Slug::parse("kitchen").unwrap(),
            price: Price::parse(price).unwrap(),
            stock: Stock::new(stock).unwrap(),
            active,
        };
        Product::create(ProductId::new(), command, Currency::USD, now())
    }

    fn line(product: &Product, quantity: u32) -> LineRequest {
        LineRequest {
            product_id: product.id(),
            quantity,
        }
    }

    fn customer() -> CustomerId {
        CustomerId::parse("c").unwrap()
    }

    #[test]
    fn pricing_uses_catalog_prices_exactly() {
        let (a, b) = (product("0.10", true, 10), product("19.99", true, 10));
        let (order, event) = Order::place(
            customer(),
            None,
            &[line(&a, 3), line(&b, 1000)],
            &[a, b],
            Currency::USD,
            now(),
        )
        .unwrap();
        assert_eq!(order.items[0].line_total.to_string(), "0.30");
        assert_eq!(order.items[1].line_total.to_string(), "19990.00");
        assert_eq!(order.total.to_string(), "19990.30");
        assert_eq!(order.status(), OrderStatus::Pending);
        assert_eq!(event.kind, OrderEventKind::OrderCreated);
        assert_eq!(event.order, order);
    }

    #[test]
    fn unknown_and_inactive_products_are_all_named() {
        let (active, inactive) = (product("1", true, 10), product("1", false, 10));
        let missing = ProductId::new();
        let lines = [
            line(&active, 1),
            line(&inactive, 1),
            LineRequest {
                product_id: missing,
                quantity: 1,
            },
        ];
        let refusal = Order::place(
            customer(),
            None,
            &lines,
            &[active, inactive.clone()],
            Currency::USD,
            now(),
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            OrderRefusal::UnknownProducts {
                product_ids: vec![inactive.id(), missing]
            }
        );
    }

    #[test]
    fn only_pending_orders_cancel_and_cancelling_causes_an_event() {
        let p = product("1", true, 10);
        let (order, _) =
            Order::place(customer(), None, &[line(&p, 1)], &[p], Currency::USD, now()).unwrap();
        let (cancelled, event) = order.cancel(now()).unwrap();
        assert_eq!(cancelled.status(), OrderStatus::Cancelled);
        assert_eq!(event.kind, OrderEventKind::OrderCancelled);
        assert_eq!(
            cancelled.cancel(now()),
            Err(NotPending(OrderStatus::Cancelled))
        );
    }

    #[test]
    fn orders_ship_then_deliver_and_nothing_else() {
        let p = product("1", true, 10);
        let (order, _) =
            Order::place(customer(), None, &[line(&p, 1)], &[p], Currency::USD, now()).unwrap();
        let later = Timestamp::parse("2026-11-22T10:00:00Z").unwrap();
        let wrong = |order: &Order, step| order.fulfil(step, later).unwrap_err().found;
        assert_eq!(wrong(&order, Fulfilment::Deliver), OrderStatus::Pending);
        let (shipped, event) = order.fulfil(Fulfilment::Ship, later).unwrap();
        assert_eq!(
            (shipped.status(), shipped.shipped_at),
            (OrderStatus::Shipped, Some(later))
        );
        assert_eq!(event.kind, OrderEventKind::OrderShipped);
        assert_eq!(wrong(&shipped, Fulfilment::Ship), OrderStatus::Shipped);
        assert_eq!(
            shipped.cancel(later),
            Err(NotPending(OrderStatus::Shipped)),
            "a shipped order cannot be cancelled"
        );
        let (delivered, event) = shipped.fulfil(Fulfilment::Deliver, later).unwrap();
        assert_eq!(delivered.delivered_at, Some(later));
        assert_eq!(event.kind, OrderEventKind::OrderDelivered);
        for step in [Fulfilment::Ship, Fulfilment::Deliver] {
            assert_eq!(wrong(&delivered, step), OrderStatus::Delivered);
        }
        let (cancelled, _) = order.cancel(later).unwrap();
        for step in [Fulfilment::Ship, Fulfilment::Deliver] {
            assert_eq!(wrong(&cancelled, step), OrderStatus::Cancelled);
        }
    }

    #[test]
    fn event_detail_is_the_order_plus_its_event_id() {
        let p = product("2.50", true, 10);
        let (order, event) =
            Order::place(customer(), None, &[line(&p, 2)], &[p], Currency::USD, now()).unwrap();
        let detail = event.detail();
        assert_eq!(detail["event_id"], serde_json::json!(event.event_id));
        assert_eq!(detail["id"], serde_json::json!(order.id()));
        assert_eq!(detail["total"], "5.00");
        assert_eq!(detail["status"], "pending");
    }

    #[test]
    fn failed_lines_are_unknown_before_short() {
        let short = product("1", true, 2);
        let inactive = product("1", false, 50);
        let fine = product("1", true, 50);
        let gone = ProductId::new();
        assert_eq!(
            OrderRefusal::for_failed_lines([
                (short.id(), 3, Some(&short)),
                (fine.id(), 3, Some(&fine))
            ]),
            Some(OrderRefusal::InsufficientStock {
                shortages: vec![Shortage {
                    product_id: short.id(),
                    requested: 3,
                    available: 2
                }]
            })
        );
        assert_eq!(
            OrderRefusal::for_failed_lines([
                (short.id(), 3, Some(&short)),
                (inactive.id(), 1, Some(&inactive)),
                (gone, 1, None)
            ]),
            Some(OrderRefusal::UnknownProducts {
                product_ids: vec![inactive.id(), gone]
            })
        );
        assert_eq!(
            OrderRefusal::for_failed_lines([(fine.id(), 3, Some(&fine))]),
            None
        );
    }
}
