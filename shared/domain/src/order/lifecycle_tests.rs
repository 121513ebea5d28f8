//! Shipping, delivering, listing and telling the customer, on the in-memory fakes.

use super::*;
use crate::catalog::{CreateProduct, Product, ProductDescription, ProductName, Stock};
use crate::fakes::{FixedClock, InMemoryOrders, RecordingNotifications, RecordingPublisher};
use crate::{
    Caller, Clock, Currency, CustomerId, Email, Limit, OrderId, Price, ProductId, Slug, Validation,
};

fn caller(id: &str, admin: bool) -> Caller {
    Caller {
        customer_id: CustomerId::parse(id).unwrap(),
        email: Some(Email::parse(&format!("{id}@example.com")).unwrap()),
        admin,
    }
}

fn clock() -> FixedClock {
    FixedClock::at("2026-11-21T10:00:00Z")
}

fn mug() -> Product {
    let command = CreateProduct {
        name: ProductName::parse("Mug <large>").unwrap(),
        description: ProductDescription::parse("").unwrap(),
        category: Slug::parse("kitchen").unwrap(),
        price: Price::parse("2.50").unwrap(),
        stock: Stock::new(100).unwrap(),
        active: true,
    };
    Product::create(ProductId::new(), command, Currency::USD, clock().now())
}

async fn place(store: &InMemoryOrders, who: &Caller, product: &Product) -> Order {
    let id = product.id().to_string();
    let lines = [LineInput {
        product_id: Some(&id),
        quantity: Some(2),
    }];
    let mut validation = Validation::new();
    let command = CreateOrder::parse(Some(&lines), &mut validation).unwrap();
    let answer = create_order(
        who,
        &command,
        None,
        Currency::USD,
        &clock(),
        store,
        &RecordingPublisher::default(),
    )
    .await
    .unwrap();
    match answer.outcome {
        Outcome::Placed(order) => order,
        Outcome::Refused(refusal) => panic!("{refusal}"),
    }
}

#[tokio::test]
async fn admins_ship_then_deliver_and_each_step_is_published() {
    let product = mug();
    let store = InMemoryOrders::with_products(std::slice::from_ref(&product)).await;
    let events = RecordingPublisher::default();
    let order = place(&store, &caller("bob", false), &product).await;
    assert_eq!(order.customer_email().unwrap().as_str(), "bob@example.com");
    let id = order.id();
    let step = |who: Caller, step| {
        let (store, events) = (&store, &events);
        async move { fulfil_order(&who, id, step, &clock(), store, events).await }
    };
    assert!(matches!(
        step(caller("bob", false), Fulfilment::Ship).await,
        Err(FulfilOrderError::Forbidden)
    ));
    assert!(matches!(
        step(caller("ann", true), Fulfilment::Deliver).await,
        Err(FulfilOrderError::WrongStatus(_))
    ));
    let shipped = step(caller("ann", true), Fulfilment::Ship).await.unwrap();
    assert_eq!(shipped.status(), OrderStatus::Shipped);
    let delivered = step(caller("ann", true), Fulfilment::Deliver)
        .await
        .unwrap();
    assert_eq!(delivered.status(), OrderStatus::Delivered);
    let kinds: Vec<OrderEventKind> = events.published().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [OrderEventKind::OrderShipped, OrderEventKind::OrderDelivered]
    );
    assert!(matches!(
        fulfil_order(
            &caller("ann", true),
            OrderId::new(),
            Fulfilment::Ship,
            &clock(),
            &store,
            &events
        )
        .await,
        Err(FulfilOrderError::NotFound(_))
    ));
}

#[tokio::test]
async fn customers_list_their_own_orders_and_admins_anyones() {
    let product = mug();
    let store = InMemoryOrders::with_products(std::slice::from_ref(&product)).await;
    let bob = caller("bob", false);
    let mut placed = Vec::new();
    for _ in 0..3 {
        placed.push(place(&store, &bob, &product).await.id());
    }
    place(&store, &caller("eve", false), &product).await;
    let limit = Limit::new(2).unwrap();
    let first = list_orders(&bob, None, None, limit, None, &store)
        .await
        .unwrap();
    let second = list_orders(&bob, None, None, limit, first.next_cursor.as_ref(), &store)
        .await
        .unwrap();
    let ids: Vec<OrderId> = first
        .items
        .iter()
        .chain(&second.items)
        .map(Order::id)
        .collect();
    placed.reverse();
    assert_eq!(ids, placed, "newest first, no repeats");
    assert!(second.next_cursor.is_none());

    let eve = Some(CustomerId::parse("eve").unwrap());
    assert!(matches!(
        list_orders(&bob, eve.clone(), None, limit, None, &store).await,
        Err(ListOrdersError::Forbidden)
    ));
    let admin = caller("ann", true);
    let eves = list_orders(&admin, eve, None, limit, None, &store)
        .await
        .unwrap();
    assert_eq!(eves.items.len(), 1);
    let cancelled = list_orders(
        &bob,
        None,
        Some(OrderStatus::Cancelled),
        limit,
        None,
        &store,
    )
    .await
    .unwrap();
    assert!(cancelled.items.is_empty());
}

#[tokio::test]
async fn a_customer_is_told_once_per_event_and_a_failed_send_is_retried() {
    let product = mug();
    let store = InMemoryOrders::with_products(std::slice::from_ref(&product)).await;
    let order = place(&store, &caller("bob", false), &product).await;
    let (cancelled, event) = order.cancel(clock().now()).unwrap();
    let notifications = RecordingNotifications::default();
    let bob = cancelled.customer_email().unwrap().clone();

    notifications.refuse(&bob);
    assert!(matches!(
        notify_customer(&event, clock().now(), &notifications, &notifications).await,
        Err(NotifyError::Unexpected { .. })
    ));
    notifications.accept_all();
    for expected in [Notified::Sent, Notified::AlreadySent] {
        let told = notify_customer(&event, clock().now(), &notifications, &notifications).await;
        assert_eq!(told.unwrap(), expected);
    }
    let sent = notifications.sent();
    assert_eq!(sent.len(), 1);
    let (to, email) = &sent[0];
    assert_eq!(to, &bob);
    assert!(email.subject.contains("cancelled") && email.subject.contains(&order.id().to_string()));
    assert!(email.text.contains("2 x Mug <large> at 2.50 USD: 5.00 USD"));
    assert!(email.html.contains("Mug &lt;large&gt;") && email.html.contains("5.00 USD"));

    let (_, delivered_event) = {
        let (shipped, _) = order.fulfil(Fulfilment::Ship, clock().now()).unwrap();
        shipped.fulfil(Fulfilment::Deliver, clock().now()).unwrap()
    };
    assert_eq!(
        notify_customer(
            &delivered_event,
            clock().now(),
            &notifications,
            &notifications
        )
        .await
        .unwrap(),
        Notified::NotTold
    );
}
