//! The order aggregate's rules: pricing, refusals, the status machine, events.

use super::*;
use crate::catalog::{CreateProduct, Offer, Product, ProductDescription, ProductName, Stock};
use crate::{Price, Slug};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-21T10:00:00Z").unwrap()
}

/// What a new product offers an order.
fn product(price: &str, active: bool, stock: i64) -> Offer {
    let command = CreateProduct {
        name: ProductName::parse("Mug").unwrap(),
        description: ProductDescription::parse("").unwrap(),
        category: Slug::parse("kitchen").unwrap(),
        price: Price::parse(price).unwrap(),
        stock: Stock::new(stock).unwrap(),
        active,
    };
    Offer::from(&Product::create(
        ProductId::new(),
        command,
        Currency::USD,
        now(),
    ))
}

fn line(product: &Offer, quantity: u32) -> LineRequest {
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
    let detail: serde_json::Value = serde_json::from_str(&event.detail().unwrap()).unwrap();
    assert_eq!(detail["event_id"], serde_json::json!(event.event_id));
    assert_eq!(detail["id"], serde_json::json!(order.id()));
    assert_eq!(detail["total"], "5.00");
    assert_eq!(detail["status"], "pending");
    let mut whole = serde_json::to_value(&order).unwrap();
    whole["event_id"] = serde_json::json!(event.event_id);
    assert_eq!(
        detail, whole,
        "every field of the order, and the event's id"
    );
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
