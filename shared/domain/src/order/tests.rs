//! The order use cases on the in-memory fakes: every refusal and failure branch.

use super::*;
use crate::catalog::{CreateProduct, Product, ProductDescription, ProductName, Stock};
use crate::fakes::{Broken, FixedClock, InMemoryOrders, RecordingPublisher};
use crate::{Caller, Clock, Currency, CustomerId, Price, ProductId, Slug, Validation};

fn caller(id: &str) -> Caller {
    Caller {
        customer_id: CustomerId::parse(id).unwrap(),
        email: None,
        admin: false,
    }
}

fn product(name: &str, stock: i64, active: bool) -> Product {
    let command = CreateProduct {
        name: ProductName::parse(name).unwrap(),
        description: ProductDescription::parse("").unwrap(),
        category: Slug::parse("kitchen").unwrap(),
        price: Price::parse("2.50").unwrap(),
        stock: Stock::new(stock).unwrap(),
        active,
    };
    Product::create(ProductId::new(), command, Currency::USD, clock().now())
}

fn clock() -> FixedClock {
    FixedClock::at("2026-11-21T10:00:00Z")
}

fn command(lines: &[(&Product, i64)]) -> CreateOrder {
    let ids: Vec<String> = lines.iter().map(|(p, _)| p.id().to_string()).collect();
    let inputs: Vec<LineInput<'_>> = ids
        .iter()
        .zip(lines)
        .map(|(id, (_, q))| LineInput {
            product_id: Some(id),
            quantity: Some(*q),
        })
        .collect();
    let mut validation = Validation::new();
    CreateOrder::parse(Some(&inputs), &mut validation).unwrap()
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text).unwrap()
}

async fn order(
    store: &InMemoryOrders,
    events: &RecordingPublisher,
    lines: &[(&Product, i64)],
    key: Option<&IdempotencyKey>,
) -> Result<CreateOrderAnswer, CreateOrderError> {
    create_order(
        &caller("bob"),
        &command(lines),
        key,
        Currency::USD,
        &clock(),
        store,
        events,
    )
    .await
}

fn placed(answer: CreateOrderAnswer) -> Order {
    match answer.outcome {
        Outcome::Placed(order) => order,
        Outcome::Refused(refusal) => panic!("refused: {refusal}"),
    }
}

#[tokio::test]
async fn an_order_takes_stock_and_publishes_its_event() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let order = placed(order(&store, &events, &[(&mug, 2)], None).await.unwrap());
    assert_eq!(store.stock(mug.id()).await, 3);
    assert_eq!(events.published()[0].order, order);
    assert!(
        store.outbox().is_empty(),
        "a published event leaves the outbox"
    );
}

#[tokio::test]
async fn unknown_inactive_and_short_products_are_refused_with_nothing_taken() {
    let mug = product("Mug", 1, true);
    let retired = product("Retired", 9, false);
    let store = InMemoryOrders::with_products(&[mug.clone(), retired.clone()]).await;
    let events = RecordingPublisher::default();
    let answer = order(&store, &events, &[(&mug, 1), (&retired, 1)], None)
        .await
        .unwrap();
    assert_eq!(
        answer.outcome,
        Outcome::Refused(OrderRefusal::UnknownProducts {
            product_ids: vec![retired.id()]
        })
    );
    let answer = order(&store, &events, &[(&mug, 2)], None).await.unwrap();
    assert!(matches!(
        answer.outcome,
        Outcome::Refused(OrderRefusal::InsufficientStock { .. })
    ));
    assert_eq!(store.stock(mug.id()).await, 1);
    assert!(store.orders().is_empty() && events.published().is_empty());
}

/// A sweep with all the time it wants.
async fn sweep(
    store: &InMemoryOrders,
    events: &RecordingPublisher,
) -> Result<SweepSummary, PublishEventsError> {
    let until = crate::Timestamp::parse("2026-11-21T11:00:00Z").unwrap();
    publish_pending_events(until, &clock(), store, events).await
}

#[tokio::test]
async fn a_failed_publish_leaves_the_event_for_the_sweep() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    events.fail();
    let order = placed(order(&store, &events, &[(&mug, 1)], None).await.unwrap());
    assert_eq!(store.outbox().len(), 1, "stored with the order");
    events.heal();
    assert_eq!(sweep(&store, &events).await.unwrap().published, 1);
    assert_eq!(events.published()[0].order, order);
    assert_eq!(
        sweep(&store, &events).await.unwrap(),
        SweepSummary::default()
    );
}

#[tokio::test]
async fn a_failed_sweep_says_how_far_it_got_and_keeps_the_rest() {
    let mug = product("Mug", 50, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    events.fail();
    for _ in 0..3 {
        order(&store, &events, &[(&mug, 1)], None).await.unwrap();
    }
    let Err(PublishEventsError::Unexpected { summary, .. }) = sweep(&store, &events).await else {
        panic!("a bus that fails as a whole stops the sweep");
    };
    assert_eq!(summary.published, 0);
    assert_eq!(
        store.outbox().len(),
        3,
        "nothing is counted against the events"
    );
    let until = crate::Timestamp::parse("2026-11-21T11:00:00Z").unwrap();
    assert!(
        publish_pending_events(until, &clock(), &Broken, &events)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_event_the_bus_refuses_does_not_hold_back_the_others_and_is_set_aside() {
    let mug = product("Mug", 500, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    events.fail();
    let mut placed_orders = Vec::new();
    for _ in 0..25 {
        placed_orders.push(placed(
            order(&store, &events, &[(&mug, 1)], None).await.unwrap(),
        ));
    }
    events.heal();
    let poison = store.outbox()[0].event_id();
    events.refuse(poison);
    for sweep_number in 1..MAX_PUBLISH_ATTEMPTS {
        let summary = sweep(&store, &events).await.unwrap();
        let expected_published = if sweep_number == 1 { 24 } else { 0 };
        assert_eq!((summary.published, summary.failed), (expected_published, 1));
        assert_eq!(
            (summary.backlog, summary.oldest_pending_seconds),
            (1, Some(0)),
            "the refused event is what is left, placed at the clock's time"
        );
    }
    let last = sweep(&store, &events).await.unwrap();
    assert_eq!((last.failed, last.set_aside), (0, 1));
    assert_eq!((last.backlog, last.oldest_pending_seconds), (0, None));
    assert!(
        store.outbox().is_empty(),
        "the refused event is no longer pending"
    );
    let set_aside = store.set_aside();
    assert_eq!(set_aside[0].0.event_id(), poison);
    assert_eq!(set_aside[0].1.as_deref(), Some("refused by the test"));
    assert_eq!(events.published().len(), 24);
}

#[tokio::test]
async fn a_sweep_stops_at_its_deadline() {
    let mug = product("Mug", 500, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    events.fail();
    order(&store, &events, &[(&mug, 1)], None).await.unwrap();
    events.heal();
    let now = clock().now();
    let summary = publish_pending_events(now, &clock(), &store, &events)
        .await
        .unwrap();
    assert!(summary.stopped_early);
    assert_eq!((summary.published, store.outbox().len()), (0, 1));
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_outcome_and_creates_nothing() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let k = key("checkout-1");
    let first = order(&store, &events, &[(&mug, 2)], Some(&k))
        .await
        .unwrap();
    assert!(!first.replayed);
    let again = order(&store, &events, &[(&mug, 2)], Some(&k))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.outcome, first.outcome);
    assert_eq!(store.orders().len(), 1);
    assert_eq!(store.stock(mug.id()).await, 3);

    let other_body = order(&store, &events, &[(&mug, 1)], Some(&k)).await;
    assert!(matches!(other_body, Err(CreateOrderError::KeyReused)));
}

#[tokio::test]
async fn a_refusal_is_replayed_too() {
    let mug = product("Mug", 1, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let k = key("k");
    let first = order(&store, &events, &[(&mug, 3)], Some(&k))
        .await
        .unwrap();
    assert!(matches!(first.outcome, Outcome::Refused(_)));
    let again = order(&store, &events, &[(&mug, 3)], Some(&k))
        .await
        .unwrap();
    assert!(again.replayed && again.outcome == first.outcome);
}

#[tokio::test]
async fn a_key_in_flight_is_a_conflict_until_its_lease_runs_out() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let k = key("k");
    // A first attempt that claimed the key and died.
    let fingerprint = command(&[(&mug, 1)]).fingerprint();
    let now = clock().now();
    store
        .claim_key(&caller("bob").customer_id, &k, &fingerprint, now)
        .await
        .unwrap();
    let busy = order(&store, &events, &[(&mug, 1)], Some(&k)).await;
    assert!(matches!(busy, Err(CreateOrderError::InFlight)));

    let later = FixedClock::at("2026-11-21T10:01:01Z");
    let taken_over = create_order(
        &caller("bob"),
        &command(&[(&mug, 1)]),
        Some(&k),
        Currency::USD,
        &later,
        &store,
        &events,
    )
    .await
    .unwrap();
    assert!(!taken_over.replayed);
    placed(taken_over);
}

#[tokio::test]
async fn a_storage_failure_releases_the_key_so_a_retry_runs() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let k = key("k");
    store.fail("place");
    assert!(matches!(
        order(&store, &events, &[(&mug, 1)], Some(&k)).await,
        Err(CreateOrderError::Unexpected(_))
    ));
    store.heal("place");
    let retry = order(&store, &events, &[(&mug, 1)], Some(&k))
        .await
        .unwrap();
    placed(retry);

    // A failed release is logged and only delays the retry.
    store.fail("place");
    store.fail("release_key");
    let k2 = key("k2");
    assert!(matches!(
        order(&store, &events, &[(&mug, 1)], Some(&k2)).await,
        Err(CreateOrderError::Unexpected(_))
    ));
    store.heal("place");
    assert!(matches!(
        order(&store, &events, &[(&mug, 1)], Some(&k2)).await,
        Err(CreateOrderError::InFlight)
    ));
}

#[tokio::test]
async fn failures_before_and_after_placing_are_unexpected() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    for operation in ["claim_key", "products"] {
        store.fail(operation);
        let result = order(&store, &events, &[(&mug, 1)], Some(&key(operation))).await;
        assert!(
            matches!(result, Err(CreateOrderError::Unexpected(_))),
            "{operation}"
        );
        store.heal(operation);
    }
    store.fail("settle_key");
    let result = order(&store, &events, &[(&mug, 9)], Some(&key("short"))).await;
    assert!(matches!(result, Err(CreateOrderError::Unexpected(_))));
}

#[tokio::test]
async fn orders_are_read_by_their_customer_or_an_admin_only() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let order = placed(order(&store, &events, &[(&mug, 1)], None).await.unwrap());
    assert_eq!(
        get_order(&caller("bob"), order.id(), &store).await.unwrap(),
        order
    );
    assert!(matches!(
        get_order(&caller("eve"), order.id(), &store).await,
        Err(GetOrderError::NotFound(_))
    ));
    let admin = Caller {
        admin: true,
        ..caller("ada")
    };
    assert!(get_order(&admin, order.id(), &store).await.is_ok());
    assert!(matches!(
        get_order(&caller("bob"), order.id(), &Broken).await,
        Err(GetOrderError::Unexpected(_))
    ));
}

#[tokio::test]
async fn cancelling_returns_the_stock_once() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let order = placed(order(&store, &events, &[(&mug, 2)], None).await.unwrap());
    let cancelled = cancel_order(&caller("bob"), order.id(), &clock(), &store, &events)
        .await
        .unwrap();
    assert_eq!(cancelled.status(), OrderStatus::Cancelled);
    assert_eq!(store.stock(mug.id()).await, 5);
    assert_eq!(events.published().len(), 2);
    assert!(matches!(
        cancel_order(&caller("bob"), order.id(), &clock(), &store, &events).await,
        Err(CancelOrderError::NotPending(NotPending(
            OrderStatus::Cancelled
        )))
    ));
    assert!(matches!(
        cancel_order(&caller("eve"), order.id(), &clock(), &store, &events).await,
        Err(CancelOrderError::NotFound(_))
    ));
    assert_eq!(store.stock(mug.id()).await, 5);
}

#[tokio::test]
async fn a_cancel_that_loses_a_race_reads_again_and_is_refused() {
    let mug = product("Mug", 5, true);
    let store = InMemoryOrders::with_products(std::slice::from_ref(&mug)).await;
    let events = RecordingPublisher::default();
    let order = placed(order(&store, &events, &[(&mug, 2)], None).await.unwrap());
    store.fail("cancel_race");
    assert!(matches!(
        cancel_order(&caller("bob"), order.id(), &clock(), &store, &events).await,
        Err(CancelOrderError::NotPending(_))
    ));
    store.fail("cancel");
    let other = placed(
        self::order(&store, &events, &[(&mug, 1)], None)
            .await
            .unwrap(),
    );
    assert!(matches!(
        cancel_order(&caller("bob"), other.id(), &clock(), &store, &events).await,
        Err(CancelOrderError::Unexpected(_))
    ));
}
