//! create-order, get-order, cancel-order and the publish-events sweep against the local
//! AWS-protocol server, reading published events back through an SQS queue.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::respond;
use adapters::lambda::Invocation;
use adapters::orders::DynamoOrderRepository;
use domain::order::{IdempotencyKey, IdempotencyStore, KeyState, Outbox};
use domain::{Currency, CustomerId, ProductId, Timestamp};
use integration_tests::{
    EventTap, Stack, error_fields, event, on_resource, parts, rejected_fields, request, with_body,
    with_claims, with_path_param,
};
use serde_json::{Value, json};

struct Shop {
    stack: Stack,
    tap: EventTap,
}

impl Shop {
    /// The stored idempotency record of `customer`'s `key`, as the table holds it.
    async fn key_record(
        &self,
        customer: &str,
        key: &str,
    ) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        self.stack
            .dynamodb()
            .get_item()
            .table_name(&self.stack.table)
            .key(
                "pk",
                A::S(format!("IDEMPOTENCY#{}:{customer}#{key}", customer.len())),
            )
            .key("sk", A::S("IDEMPOTENCY".into()))
            .send()
            .await
            .unwrap()
            .item
            .expect("the idempotency record")
    }

    async fn new() -> Self {
        let stack = Stack::new().await;
        let tap = EventTap::new(&stack).await;
        Self { stack, tap }
    }

    fn publisher(&self) -> EventBridgePublisher {
        EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.stack.aws),
            &self.tap.bus,
        )
    }

    fn orders(&self) -> DynamoOrderRepository {
        DynamoOrderRepository::new(self.stack.store())
    }

    /// Each call builds new clients, as a separate Lambda instance would.
    fn create_deps(&self) -> create_order::Deps {
        create_order::Deps {
            orders: self.orders(),
            events: self.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        }
    }

    /// create-order's dependencies with EventBridge refusing connections.
    fn deps_with_bus_down(&self) -> create_order::Deps {
        let down = aws_sdk_eventbridge::config::Builder::from(&self.stack.aws)
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        create_order::Deps {
            events: EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::from_conf(down),
                &self.tap.bus,
            ),
            ..self.create_deps()
        }
    }

    async fn product(&self, name: &str, price: &str, stock: i64, active: bool) -> ProductId {
        let product = integration_tests::product(name, "", "things", price, stock, active);
        DynamoProductRepository::new(self.stack.store())
            .import(std::slice::from_ref(&product))
            .await
            .unwrap();
        product.id()
    }

    async fn stock(&self, id: ProductId) -> u32 {
        integration_tests::stock_of(&self.stack, id).await
    }

    async fn create_with(
        &self,
        deps: &create_order::Deps,
        customer: &str,
        body: &Value,
        key: Option<&str>,
    ) -> (u16, Value, bool) {
        let mut event = with_claims(
            with_body(event("create-order.json"), body),
            Some(claims(customer)),
        );
        match key {
            Some(key) => event["headers"]["idempotency-key"] = json!(key),
            None => {
                event["headers"]
                    .as_object_mut()
                    .unwrap()
                    .remove("idempotency-key");
            }
        }
        let response = respond(create_order::handle(request(&event), deps).await);
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let (status, body) = parts(&response);
        (status, body, replayed)
    }

    async fn create(&self, customer: &str, body: &Value) -> (u16, Value) {
        let (status, body, _) = self
            .create_with(&self.create_deps(), customer, body, None)
            .await;
        (status, body)
    }

    async fn get(&self, claims: Value, id: &str) -> (u16, Value) {
        let event = with_claims(
            with_path_param(event("get-order.json"), "id", id, &format!("/orders/{id}")),
            Some(claims),
        );
        let deps = get_order::Deps {
            orders: self.orders(),
            auth: AuthMode::Jwt,
        };
        parts(&get_order::handle(request(&event), &deps).await)
    }

    async fn cancel(&self, claims: Value, id: &str) -> (u16, Value) {
        let event = on_resource("cancel-order.json", "/orders/{id}/cancel", id, claims);
        let deps = cancel_order::Deps {
            orders: self.orders(),
            events: self.publisher(),
            auth: AuthMode::Jwt,
        };
        parts(&cancel_order::handle(request(&event), &deps).await)
    }

    async fn sweep(&self) -> Value {
        let deps = publish_events::Deps {
            orders: self.orders(),
            events: self.publisher(),
        };
        let summary = publish_events::handle(
            Invocation::with_timeout(event("publish-events.json"), 10),
            &deps,
        )
        .await
        .unwrap();
        serde_json::to_value(summary).unwrap()
    }
}

fn claims(customer: &str) -> Value {
    json!({"sub": customer, "email": format!("{customer}@example.com"), "cognito:groups": "[customers]"})
}

fn admin() -> Value {
    json!({"sub": "the-admin", "cognito:groups": "[admin]"})
}

fn lines(pairs: &[(ProductId, i64)]) -> Value {
    json!({"items": pairs.iter().map(|(id, q)| json!({"product_id": id, "quantity": q})).collect::<Vec<_>>()})
}

fn detail_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_order_takes_stock_at_catalog_prices_and_emits_its_event() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "12.50", 10, true).await;
    let tea = shop.product("Tea", "0.10", 100, true).await;
    let (status, order) = shop.create("ada", &lines(&[(mug, 2), (tea, 3)])).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["customer_id"], "ada");
    assert_eq!(order["currency"], "USD");
    assert_eq!(order["total"], "25.30");
    assert_eq!(order["items"][0]["name"], "Mug");
    assert_eq!(order["items"][0]["unit_price"], "12.50");
    assert_eq!(order["items"][0]["line_total"], "25.00");
    assert_eq!(order["items"][1]["line_total"], "0.30");
    assert_eq!((shop.stock(mug).await, shop.stock(tea).await), (8, 97));

    let events = shop.tap.drain().await;
    assert_eq!(detail_types(&events), ["OrderCreated"]);
    assert_eq!(events[0]["source"], "shop.orders");
    assert_eq!(events[0]["detail"]["id"], order["id"]);
    assert_eq!(events[0]["detail"]["total"], "25.30");
    assert!(events[0]["detail"]["event_id"].is_string());

    let (status, read) = shop.get(claims("ada"), order["id"].as_str().unwrap()).await;
    assert_eq!((status, &read), (200, &order));
}

#[tokio::test]
async fn the_sample_event_is_a_valid_order_request() {
    let shop = Shop::new().await;
    let response =
        create_order::handle(request(&event("create-order.json")), &shop.create_deps()).await;
    // Its products do not exist in a fresh table: the request is understood and refused.
    let (status, problem) = parts(&response);
    assert_eq!(status, 422);
    assert_eq!(problem["product_ids"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_and_inactive_products_are_all_named() {
    let shop = Shop::new().await;
    let active = shop.product("Active", "1.00", 5, true).await;
    let inactive = shop.product("Inactive", "1.00", 5, false).await;
    let missing = ProductId::new();
    let (status, problem) = shop
        .create("ada", &lines(&[(active, 1), (inactive, 1), (missing, 1)]))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["product_ids"], json!([inactive, missing]));
    assert_eq!(shop.stock(active).await, 5, "nothing taken");
    assert!(shop.tap.drain().await.is_empty());
}

#[tokio::test]
async fn duplicate_lines_are_merged() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "2.00", 10, true).await;
    let (status, order) = shop.create("ada", &lines(&[(mug, 2), (mug, 3)])).await;
    assert_eq!(status, 201);
    assert_eq!(order["items"].as_array().unwrap().len(), 1);
    assert_eq!(order["items"][0]["quantity"], 5);
    assert_eq!(order["total"], "10.00");
    assert_eq!(shop.stock(mug).await, 5);
}

#[tokio::test]
async fn line_and_quantity_bounds() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 5000, true).await;
    assert_eq!(
        rejected_fields(shop.create("ada", &lines(&[(mug, 0), (mug, 1001)])).await),
        ["items[0].quantity", "items[1].quantity"]
    );
    let (status, problem) = shop.create("ada", &json!({"items": []})).await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["items".to_owned()])
    );
    let body =
        json!({"items": [{"product_id": "nope", "quantity": "1", "extra": true}], "note": 1});
    assert_eq!(
        rejected_fields(shop.create("ada", &body).await),
        [
            "items[0].extra",
            "items[0].product_id",
            "items[0].quantity",
            "note"
        ]
    );
    let (status, _) = shop.create("ada", &lines(&[(mug, 1000)])).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_25_line_order_makes_as_many_round_trips_as_a_1_line_order() {
    let shop = Shop::new().await;
    let mut products = Vec::new();
    for i in 0..26 {
        products.push(shop.product(&format!("Item {i}"), "1.00", 10, true).await);
    }
    let (store, calls) = shop.stack.counted_store();
    let deps = create_order::Deps {
        orders: DynamoOrderRepository::new(store),
        ..shop.create_deps()
    };
    let mut counts = Vec::new();
    for count in [1usize, 25] {
        calls.reset();
        let body = lines(
            &products[..count]
                .iter()
                .map(|id| (*id, 1))
                .collect::<Vec<_>>(),
        );
        let (status, order, _) = shop
            .create_with(&deps, "ada", &body, Some(&format!("k{count}")))
            .await;
        assert_eq!(status, 201, "{order}");
        assert_eq!(order["items"].as_array().unwrap().len(), count);
        counts.push(calls.names());
    }
    assert_eq!(
        counts[0], counts[1],
        "same DynamoDB calls for 1 and 25 lines"
    );
    assert_eq!(
        counts[0],
        [
            "PutItem",
            "BatchGetItem",
            "TransactWriteItems",
            "DeleteItem"
        ]
    );

    let all: Vec<(ProductId, i64)> = products.iter().map(|id| (*id, 1)).collect();
    let (status, problem) = shop.create("ada", &lines(&all)).await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["items".to_owned()])
    );
}

#[tokio::test]
async fn short_stock_on_one_line_takes_nothing_anywhere() {
    let shop = Shop::new().await;
    let plenty = shop.product("Plenty", "1.00", 50, true).await;
    let short = shop.product("Short", "1.00", 2, true).await;
    let also_short = shop.product("Also Short", "1.00", 0, true).await;
    let (status, problem) = shop
        .create("ada", &lines(&[(plenty, 5), (short, 3), (also_short, 1)]))
        .await;
    assert_eq!(status, 409, "{problem}");
    let shortages = problem["shortages"].as_array().unwrap();
    let named: Vec<(&str, u64)> = shortages
        .iter()
        .map(|s| {
            (
                s["product_id"].as_str().unwrap(),
                s["available"].as_u64().unwrap(),
            )
        })
        .collect();
    let (short, also_short) = (short.to_string(), also_short.to_string());
    assert_eq!(
        named,
        [(short.as_str(), 2), (also_short.as_str(), 0)],
        "every short line"
    );
    assert_eq!(shop.stock(plenty).await, 50);
    assert!(shop.tap.drain().await.is_empty());
}

#[tokio::test]
async fn other_customers_orders_do_not_exist_for_them() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 5, true).await;
    let (_, order) = shop.create("ada", &lines(&[(mug, 1)])).await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(shop.get(claims("eve"), id).await.0, 404);
    assert_eq!(shop.cancel(claims("eve"), id).await.0, 404);
    assert_eq!(shop.get(admin(), id).await.0, 200);
    assert_eq!(
        shop.get(claims("ada"), &ProductId::new().to_string())
            .await
            .0,
        404
    );
    assert_eq!(shop.get(claims("ada"), "not-a-uuid").await.0, 400);
    assert_eq!(
        shop.stock(mug).await,
        4,
        "the failed cancel returned nothing"
    );
}

#[tokio::test]
async fn cancelling_returns_stock_exactly_once() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 5, true).await;
    let (_, order) = shop.create("ada", &lines(&[(mug, 3)])).await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(shop.stock(mug).await, 2);

    let (status, cancelled) = shop.cancel(claims("ada"), id).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(shop.stock(mug).await, 5);
    let (status, problem) = shop.cancel(claims("ada"), id).await;
    assert_eq!((status, problem["status"].as_u64()), (409, Some(409)));
    assert_eq!(shop.stock(mug).await, 5);
    assert_eq!(shop.get(claims("ada"), id).await.1["status"], "cancelled");

    let events = shop.tap.drain().await;
    assert_eq!(detail_types(&events), ["OrderCreated", "OrderCancelled"]);
    assert_eq!(events[1]["detail"]["status"], "cancelled");
    assert_ne!(
        events[0]["detail"]["event_id"],
        events[1]["detail"]["event_id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancels_return_stock_once() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 5, true).await;
    let (_, order) = shop.create("ada", &lines(&[(mug, 3)])).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let shop = std::sync::Arc::new(shop);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (shop, id) = (shop.clone(), id.clone());
        tasks.spawn(async move { shop.cancel(claims("ada"), &id).await.0 });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409]);
    assert_eq!(shop.stock(mug).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_never_oversell_and_none_is_lost() {
    let shop = std::sync::Arc::new(Shop::new().await);
    let stock = 5;
    let mug = shop.product("Scarce Mug", "3.00", stock, true).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let shop = shop.clone();
        tasks.spawn(async move {
            let deps = shop.create_deps();
            let (status, body, _) = shop
                .create_with(&deps, &format!("customer-{i}"), &lines(&[(mug, 1)]), None)
                .await;
            (status, body)
        });
    }
    let mut created = Vec::new();
    let mut refused = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            (201, order) => created.push(order["id"].as_str().unwrap().to_owned()),
            (409, problem) => {
                assert_eq!(problem["shortages"][0]["available"], 0);
                refused += 1;
            }
            (status, body) => panic!("unexpected {status}: {body}"),
        }
    }
    assert_eq!((created.len(), refused), (5, 11));
    assert_eq!(shop.stock(mug).await, 0);
    for id in &created {
        assert_eq!(shop.get(admin(), id).await.0, 200, "order {id} was stored");
    }
    let events = shop.tap.drain().await;
    let mut published: Vec<String> = events
        .iter()
        .filter(|e| e["detail-type"] == "OrderCreated")
        .map(|e| e["detail"]["id"].as_str().unwrap().to_owned())
        .collect();
    published.sort();
    created.sort();
    assert_eq!(published, created, "exactly one OrderCreated per order");
}

#[tokio::test]
async fn a_replayed_key_answers_the_first_answer_and_creates_nothing() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    let deps = shop.create_deps();
    let body = lines(&[(mug, 2)]);
    let (status, first, replayed) = shop.create_with(&deps, "ada", &body, Some("key-1")).await;
    assert_eq!((status, replayed), (201, false));
    let (status, again, replayed) = shop.create_with(&deps, "ada", &body, Some("key-1")).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again, first, "the same body");
    assert_eq!(shop.stock(mug).await, 8, "stock taken once");

    // The same body written differently is the same request.
    let same = lines(&[(mug, 1), (mug, 1)]);
    assert_eq!(
        shop.create_with(&deps, "ada", &same, Some("key-1")).await.0,
        201
    );
    // Another body with the key: 422, and still nothing created.
    let (status, problem, _) = shop
        .create_with(&deps, "ada", &lines(&[(mug, 3)]), Some("key-1"))
        .await;
    assert_eq!((status, problem["status"].as_u64()), (422, Some(422)));
    assert_eq!(shop.stock(mug).await, 8);
    // Keys belong to a customer: another customer's same key is a new request.
    let (status, other, replayed) = shop.create_with(&deps, "bob", &body, Some("key-1")).await;
    assert_eq!((status, replayed), (201, false));
    assert_ne!(other["id"], first["id"]);
    assert_eq!(shop.stock(mug).await, 6);
    assert_eq!(
        detail_types(&shop.tap.drain().await),
        ["OrderCreated", "OrderCreated"]
    );
}

#[tokio::test]
async fn idempotency_keys_are_kept_at_least_a_day() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    let (status, _, _) = shop
        .create_with(
            &shop.create_deps(),
            "ada",
            &lines(&[(mug, 1)]),
            Some("kept"),
        )
        .await;
    assert_eq!(status, 201);
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let item = shop.key_record("ada", "kept").await;
    let A::N(expires_at) = &item["expires_at"] else {
        panic!("a TTL attribute")
    };
    let expires_at: i64 = expires_at.parse().unwrap();
    assert!(
        expires_at >= before + 24 * 3600,
        "TTL at least 24 h after the request"
    );
}

/// The first answer is kept as JSON text; one kept as a map (before) replays as well.
#[tokio::test]
async fn a_kept_answer_is_json_text_and_one_kept_as_a_map_still_replays() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    let deps = shop.create_deps();
    let body = lines(&[(mug, 1)]);
    let (status, first, _) = shop.create_with(&deps, "ada", &body, Some("map")).await;
    assert_eq!(status, 201);
    let item = shop.key_record("ada", "map").await;
    let A::M(data) = &item["data"] else {
        panic!("a data map")
    };
    let A::S(text) = &data["outcome"] else {
        panic!("the outcome as JSON text: {:?}", data["outcome"])
    };
    let outcome: Value = serde_json::from_str(text).unwrap();
    assert_eq!(outcome["placed"]["id"], first["id"], "{outcome}");

    shop.stack
        .dynamodb()
        .update_item()
        .table_name(&shop.stack.table)
        .key("pk", item["pk"].clone())
        .key("sk", item["sk"].clone())
        .update_expression("SET #d.outcome = :map")
        .expression_attribute_names("#d", "data")
        .expression_attribute_values(
            ":map",
            serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(&outcome).unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (status, again, replayed) = shop.create_with(&deps, "ada", &body, Some("map")).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again, first);
    assert_eq!(shop.stock(mug).await, 9, "stock taken once");
}

#[tokio::test]
async fn a_refusal_is_replayed_too() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 1, true).await;
    let deps = shop.create_deps();
    let body = lines(&[(mug, 2)]);
    let (status, first, _) = shop.create_with(&deps, "ada", &body, Some("short")).await;
    assert_eq!(status, 409);
    let (status, again, replayed) = shop.create_with(&deps, "ada", &body, Some("short")).await;
    assert_eq!((status, replayed, again), (409, true, first));
}

#[tokio::test]
async fn bad_idempotency_keys_are_refused() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 1, true).await;
    let long = "k".repeat(256);
    for bad in ["", long.as_str(), "×ø", "tab\tinside"] {
        let (status, problem, _) = shop
            .create_with(&shop.create_deps(), "ada", &lines(&[(mug, 1)]), Some(bad))
            .await;
        assert_eq!(status, 400);
        assert_eq!(error_fields(&problem), ["header:idempotency-key"]);
    }
    assert_eq!(shop.stock(mug).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replays_of_one_key_create_one_order() {
    let shop = std::sync::Arc::new(Shop::new().await);
    let mug = shop.product("Mug", "1.00", 100, true).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let shop = shop.clone();
        tasks.spawn(async move {
            let deps = shop.create_deps();
            shop.create_with(&deps, "ada", &lines(&[(mug, 1)]), Some("same-key"))
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        answers.push(joined.unwrap());
    }
    let originals: Vec<&(u16, Value, bool)> =
        answers.iter().filter(|(s, _, r)| *s == 201 && !r).collect();
    assert_eq!(originals.len(), 1, "exactly one first answer: {answers:?}");
    let first = &originals[0].1;
    for (status, body, replayed) in &answers {
        match (status, replayed) {
            (201, true) => assert_eq!(body, first),
            (201, false) => {}
            (409, false) => assert_eq!(body["status"], 409),
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!(shop.stock(mug).await, 99);
    assert_eq!(detail_types(&shop.tap.drain().await), ["OrderCreated"]);
}

#[tokio::test]
async fn a_crashed_first_attempt_does_not_block_its_key() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    let body = lines(&[(mug, 1)]);
    // An attempt that claimed the key two minutes ago and died before finishing.
    let fingerprint = format!("{{\"{mug}\":1}}");
    let long_ago = Timestamp::from_unix_seconds(
        Timestamp::parse("2026-01-01T00:00:00Z")
            .unwrap()
            .unix_seconds(),
    )
    .unwrap();
    let stale = shop
        .orders()
        .claim_key(
            &CustomerId::parse("ada").unwrap(),
            &IdempotencyKey::parse("crash").unwrap(),
            &fingerprint,
            long_ago,
        )
        .await
        .unwrap();
    assert!(matches!(stale, KeyState::Claimed { .. }));

    let (status, _, replayed) = shop
        .create_with(&shop.create_deps(), "ada", &body, Some("crash"))
        .await;
    assert_eq!((status, replayed), (201, false));
    assert_eq!(shop.stock(mug).await, 9);
    let (status, _, replayed) = shop
        .create_with(&shop.create_deps(), "ada", &body, Some("crash"))
        .await;
    assert_eq!((status, replayed), (201, true));
}

#[tokio::test]
async fn an_event_that_could_not_be_published_goes_out_with_the_next_sweep() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    // EventBridge refusing connections at the moment of the order.
    let deps = shop.deps_with_bus_down();
    let (status, order, _) = shop
        .create_with(&deps, "ada", &lines(&[(mug, 1)]), None)
        .await;
    assert_eq!(
        status, 201,
        "the order stands even though its event is not out yet"
    );
    assert!(shop.tap.drain().await.is_empty());

    // The scheduled sweep, once EventBridge answers again.
    assert_eq!(shop.sweep().await["published"], 1);
    let events = shop.tap.drain().await;
    assert_eq!(detail_types(&events), ["OrderCreated"]);
    assert_eq!(events[0]["detail"]["id"], order["id"]);
    // Published once: the next sweep finds nothing.
    assert_eq!(shop.sweep().await["published"], 0);
    assert!(shop.tap.drain().await.is_empty());
}

#[tokio::test]
async fn a_huge_body_is_refused_as_a_whole_at_once() {
    let shop = Shop::new().await;
    let many: Vec<Value> = (0..32_000).map(|_| json!(0)).collect();
    let (status, problem) = shop.create("ada", &json!({ "items": many })).await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["items".to_owned()])
    );
    assert!(problem.to_string().len() < 1_000, "{problem}");
}

#[tokio::test]
async fn an_event_the_bus_keeps_refusing_is_set_aside_with_its_reason() {
    let shop = Shop::new().await;
    let mug = shop.product("Mug", "1.00", 10, true).await;
    // The bus refuses at the moment of the order: the event waits in the outbox.
    let deps = shop.deps_with_bus_down();
    assert_eq!(
        shop.create_with(&deps, "ada", &lines(&[(mug, 1)]), None)
            .await
            .0,
        201
    );

    let outbox = shop.orders();
    let limit = domain::Limit::new(10).unwrap();
    let (pending, _) = outbox.pending_events(limit, None).await.unwrap();
    assert_eq!((pending.len(), pending[0].failures), (1, 0));
    outbox
        .record_failure(&pending[0], "refused once", false)
        .await
        .unwrap();
    let (again, _) = outbox.pending_events(limit, None).await.unwrap();
    assert_eq!(
        again[0].failures, 1,
        "a refusal is counted and the event stays pending"
    );
    outbox
        .record_failure(&again[0], "refused for good", true)
        .await
        .unwrap();
    let (left, _) = outbox.pending_events(limit, None).await.unwrap();
    assert!(left.is_empty(), "a set-aside event is no longer pending");

    // Kept for an operator: under gsi2 OUTBOX_SET_ASIDE, with the reason.
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let kept = shop
        .stack
        .dynamodb()
        .query()
        .table_name(&shop.stack.table)
        .index_name("gsi2")
        .key_condition_expression("gsi2pk = :aside")
        .expression_attribute_values(":aside", A::S("OUTBOX_SET_ASIDE".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(kept.len(), 1);
    let A::M(data) = &kept[0]["data"] else {
        panic!("a data map")
    };
    assert_eq!(data["last_error"], A::S("refused for good".into()));
    assert_eq!(
        shop.sweep().await["published"],
        0,
        "the sweep leaves it alone"
    );

    // The event is kept as JSON text. An operator puts it back (here as a record written
    // before, whose event was a map): the next sweep publishes it.
    let A::S(text) = &data["event"] else {
        panic!("the event as JSON text: {:?}", data["event"])
    };
    let event: Value = serde_json::from_str(text).unwrap();
    assert!(event["order"]["id"].is_string(), "{event}");
    shop.stack
        .dynamodb()
        .update_item()
        .table_name(&shop.stack.table)
        .key("pk", kept[0]["pk"].clone())
        .key("sk", kept[0]["sk"].clone())
        .update_expression("SET gsi2pk = :o, #d.set_aside = :f, #d.event = :tree")
        .expression_attribute_names("#d", "data")
        .expression_attribute_values(":o", A::S("OUTBOX".into()))
        .expression_attribute_values(":f", A::Bool(false))
        .expression_attribute_values(
            ":tree",
            serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(&event).unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(shop.sweep().await["published"], 1);
    assert_eq!(detail_types(&shop.tap.drain().await), ["OrderCreated"]);
}
