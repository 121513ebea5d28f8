//! The metrics the functions print (CloudWatch's embedded metric format), one use case of
//! each context, read back as the log pipeline would.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::lambda::Invocation;
use adapters::metrics;
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::orders::DynamoOrderRepository;
use domain::Currency;
use integration_tests::{EventTap, Stack, event, parts, request, with_body, with_claims};
use serde_json::{Value, json};

/// The value of `metric` in the records that have it, with their dimensions.
fn values(records: &[Value], metric: &str) -> Vec<(f64, Value)> {
    records
        .iter()
        .filter(|r| r.get(metric).is_some())
        .map(|r| {
            let directive = &r["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], "Shop");
            let names = directive["Metrics"].as_array().unwrap();
            assert!(names.iter().any(|m| m["Name"] == metric), "{r}");
            let dimensions = directive["Dimensions"][0].clone();
            (r[metric].as_f64().unwrap(), dimensions)
        })
        .collect()
}

#[tokio::test]
async fn a_created_product_is_counted() {
    let stack = Stack::new().await;
    let capture = metrics::capture("create-product");
    let deps = create_product::Deps {
        products: DynamoProductRepository::new(stack.store()),
        events: stack.publisher(),
        auth: AuthMode::Jwt,
        currency: Currency::USD,
    };
    assert_eq!(
        parts(&create_product::handle(request(&event("create-product.json")), &deps).await).0,
        201
    );
    assert_eq!(
        parts(&create_product::handle(request(&event("create-product.json")), &deps).await).0,
        409
    );
    let records = capture.records();
    assert_eq!(
        values(&records, "ProductsChanged"),
        [(1.0, json!(["function"]))]
    );
    assert!(records.iter().all(|r| r["function"] == "create-product"));
}

#[tokio::test]
async fn orders_placed_refused_and_replayed_are_counted_by_reason() {
    let stack = Stack::new().await;
    let tap = EventTap::new(&stack).await;
    let product = integration_tests::product("Mug", "", "things", "2.50", 1, true);
    DynamoProductRepository::new(stack.store())
        .import(std::slice::from_ref(&product))
        .await
        .unwrap();
    let deps = create_order::Deps {
        orders: DynamoOrderRepository::new(stack.store()),
        events: adapters::events::EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&stack.aws),
            &tap.bus,
        ),
        auth: AuthMode::Jwt,
        currency: Currency::USD,
    };
    let capture = metrics::capture("create-order");
    let order = |quantity: u32, key: &str| {
        let body = json!({"items": [{"product_id": product.id(), "quantity": quantity}]});
        let mut e = with_claims(
            with_body(event("create-order.json"), &body),
            Some(json!({"sub": "ada"})),
        );
        e["headers"]["idempotency-key"] = json!(key);
        e
    };
    for (quantity, key) in [(1, "first"), (1, "first"), (5, "second")] {
        create_order::handle(request(&order(quantity, key)), &deps)
            .await
            .unwrap();
    }
    let records = capture.records();
    assert_eq!(
        values(&records, "OrdersPlaced"),
        [(1.0, json!(["function"]))]
    );
    assert_eq!(
        values(&records, "IdempotentReplays"),
        [(1.0, json!(["function"]))]
    );
    assert_eq!(
        values(&records, "OrdersRefused"),
        [(1.0, json!(["function", "reason"]))]
    );
    let refused = records
        .iter()
        .find(|r| r.get("OrdersRefused").is_some())
        .unwrap();
    assert_eq!(refused["reason"], "insufficient_stock");
}

#[tokio::test]
async fn a_tick_prints_its_figures() {
    let stack = Stack::new().await;
    let sender = format!("reports-{}@example.com", uuid::Uuid::now_v7().simple());
    local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
        .await
        .unwrap();
    let created = domain::Timestamp::from(time::OffsetDateTime::now_utc());
    let items = integration_tests::chart_items(
        "ada",
        "Checkout",
        "oncall@example.com",
        &["p99"],
        &[domain::monitoring::Point {
            at_millis: created.unix_millis(),
            value: 900.0,
        }],
        |series| {
            integration_tests::alert_above(series, 100.0, domain::monitoring::Aggregation::Last, 1)
        },
        created,
    );
    stack.store().batch_put(items).await.unwrap();
    let deps = evaluate_alerts::Deps {
        charts: DynamoMonitoringRepository::new(stack.store()),
        mailer: integration_tests::report_mailer(&stack.aws, &sender),
        repeat_interval: time::Duration::hours(4),
        shards: None,
    };
    let capture = metrics::capture("evaluate-alerts");
    let mut tick = event("evaluate-alerts.json");
    tick["time"] = json!(domain::Timestamp::from(time::OffsetDateTime::now_utc()).to_string());
    evaluate_alerts::handle(Invocation::with_timeout(tick, 900), &deps)
        .await
        .unwrap();
    let records = capture.records();
    for (metric, expected) in [
        ("ChartsEvaluated", 1.0),
        ("AlertsEvaluated", 1.0),
        ("AlertsFiring", 1.0),
        ("ReportsSent", 1.0),
        ("ReportsFailed", 0.0),
    ] {
        assert_eq!(
            values(&records, metric),
            [(expected, json!(["function"]))],
            "{metric}"
        );
    }
}

#[tokio::test]
async fn a_sweep_prints_what_it_published_and_the_backlog_left() {
    let stack = Stack::new().await;
    let tap = EventTap::new(&stack).await;
    let product = integration_tests::product("Mug", "", "things", "2.50", 5, true);
    DynamoProductRepository::new(stack.store())
        .import(std::slice::from_ref(&product))
        .await
        .unwrap();
    // The bus unreachable when the order is placed: its event waits in the outbox.
    let down = aws_sdk_eventbridge::config::Builder::from(&stack.aws)
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let deps = create_order::Deps {
        orders: DynamoOrderRepository::new(stack.store()),
        events: adapters::events::EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::from_conf(down),
            &tap.bus,
        ),
        auth: AuthMode::Jwt,
        currency: Currency::USD,
    };
    let body = json!({"items": [{"product_id": product.id(), "quantity": 1}]});
    let mut placed = with_body(event("create-order.json"), &body);
    placed["headers"]
        .as_object_mut()
        .unwrap()
        .remove("idempotency-key");
    assert_eq!(
        parts(&create_order::handle(request(&placed), &deps).await).0,
        201
    );

    let capture = metrics::capture("publish-events");
    let sweep = publish_events::Deps {
        orders: DynamoOrderRepository::new(stack.store()),
        events: adapters::events::EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&stack.aws),
            &tap.bus,
        ),
    };
    publish_events::handle(
        Invocation::with_timeout(event("publish-events.json"), 10),
        &sweep,
    )
    .await
    .unwrap();
    let records = capture.records();
    for (metric, expected) in [
        ("EventsPublished", 1.0),
        ("EventsRefused", 0.0),
        ("EventsSetAside", 0.0),
        ("OutboxBacklog", 0.0),
        ("OutboxOldestAgeSeconds", 0.0),
    ] {
        assert_eq!(
            values(&records, metric),
            [(expected, json!(["function"]))],
            "{metric}"
        );
    }
}
