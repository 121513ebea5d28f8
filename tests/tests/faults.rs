//! What the local servers never do, injected between the SDK and them (tests/src/faults.rs):
//! transaction conflicts, throttling, 500s, and replies lost after the server carried a
//! request out. Each use case that writes answers as the contract says: a busy table is a
//! 503 with `Retry-After` after a bounded retry with backoff, never a 500, and a request the
//! SDK retried after it was committed is done once and answered as the success it was.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::{Answer, respond};
use adapters::lambda::ChartOwnerDeps;
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::orders::DynamoOrderRepository;
use domain::monitoring::ChartStore;
use domain::{ChartId, Currency, ProductId, Slug};
use integration_tests::{
    Fault, Faults, Stack, event, on_resource, parts, request, with_body, with_claims,
    with_path_param,
};
use serde_json::{Value, json};

fn admin() -> Value {
    json!({"sub": "the-admin", "cognito:groups": "[admin]"})
}

fn customer() -> Value {
    json!({"sub": "bob", "email": "bob@example.com"})
}

/// The status and body of an answer, with its `Retry-After` header.
fn answer(reply: Answer) -> (u16, Value, Option<String>) {
    let response = respond(reply);
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = parts(&response);
    (status, body, retry_after)
}

fn busy(reply: (u16, Value, Option<String>)) {
    let (status, body, retry_after) = reply;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["type"], "urn:problem:busy");
    assert_eq!(retry_after.as_deref(), Some("1"));
}

async fn create_product(
    stack: &Stack,
    faults: &Faults,
    name: &str,
) -> (u16, Value, Option<String>) {
    let body = json!({"name": name, "category": "things", "price": "5.00", "stock": 10});
    let event = with_claims(
        with_body(event("create-product.json"), &body),
        Some(admin()),
    );
    let deps = create_product::Deps {
        products: DynamoProductRepository::new(stack.faulty_store(faults)),
        events: stack.publisher(),
        auth: AuthMode::Jwt,
        currency: Currency::USD,
    };
    answer(create_product::handle(request(&event), &deps).await)
}

#[tokio::test]
async fn create_product_rides_out_conflicts_throttling_and_500s_then_reports_busy() {
    let stack = Stack::new().await;
    let faults = Faults::default();
    let transactions = |faults: &Faults| {
        let sent = faults.sent();
        sent.iter().filter(|op| *op == "TransactWriteItems").count()
    };
    faults.inject("TransactWriteItems", Fault::Conflict, 2);
    assert_eq!(create_product(&stack, &faults, "Mug").await.0, 201);
    // Each attempt after a cancellation is built afresh: under the cancelled one's token,
    // DynamoDB could answer it as that one, or refuse it as a mismatch.
    let tokens = faults.transaction_tokens();
    assert_eq!(tokens.len(), 3);
    assert!(
        tokens[0] != tokens[1] && tokens[1] != tokens[2] && tokens[0] != tokens[2],
        "{tokens:?}"
    );
    faults.inject("TransactWriteItems", Fault::Conflict, 4);
    busy(create_product(&stack, &faults, "Cup").await);
    assert_eq!(transactions(&faults), 3 + 4, "four attempts at most");

    faults.inject("TransactWriteItems", Fault::Throttling, 2);
    assert_eq!(create_product(&stack, &faults, "Bowl").await.0, 201);
    faults.inject("TransactWriteItems", Fault::ServerError, 1);
    assert_eq!(create_product(&stack, &faults, "Jug").await.0, 201);
    faults.inject("TransactWriteItems", Fault::Throttling, 3);
    busy(create_product(&stack, &faults, "Pot").await);
    assert_eq!(faults.pending(), 0, "the SDK made its three attempts");
}

#[tokio::test]
async fn a_create_whose_reply_was_lost_is_created_once_and_answered_201() {
    let stack = Stack::new().await;
    let faults = Faults::default();
    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let (status, product, _) = create_product(&stack, &faults, "Mug").await;
    assert_eq!(status, 201, "{product}");
    let tries = faults
        .sent()
        .iter()
        .filter(|op| *op == "TransactWriteItems")
        .count();
    assert_eq!(tries, 2, "the SDK sent the committed transaction again");
    let tokens = faults.transaction_tokens();
    assert_eq!(
        tokens[0], tokens[1],
        "under the same token, so it is answered as done"
    );
    // The name is taken once, by this product.
    assert_eq!(
        create_product(&stack, &Faults::default(), "mug").await.0,
        409
    );
}

struct Shop {
    stack: Stack,
}

impl Shop {
    async fn new(stock: i64) -> (Self, ProductId) {
        let stack = Stack::new().await;
        let product = integration_tests::product("Mug", "", "things", "2.50", stock, true);
        DynamoProductRepository::new(stack.store())
            .import(std::slice::from_ref(&product))
            .await
            .unwrap();
        (Self { stack }, product.id())
    }

    fn publisher(&self) -> EventBridgePublisher {
        // A bus that does not exist: the events stay in the outbox, which is not under test.
        EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.stack.aws),
            "no-such-bus",
        )
    }

    async fn order(
        &self,
        faults: &Faults,
        product: ProductId,
        quantity: i64,
    ) -> (u16, Value, Option<String>) {
        let body = json!({"items": [{"product_id": product, "quantity": quantity}]});
        let event = with_claims(
            with_body(event("create-order.json"), &body),
            Some(customer()),
        );
        let mut event = event;
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("idempotency-key");
        }
        let deps = create_order::Deps {
            orders: DynamoOrderRepository::new(self.stack.faulty_store(faults)),
            events: self.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        answer(create_order::handle(request(&event), &deps).await)
    }

    async fn cancel(&self, faults: &Faults, id: &str) -> (u16, Value, Option<String>) {
        let event = on_resource("cancel-order.json", "/orders/{id}/cancel", id, customer());
        let deps = cancel_order::Deps {
            orders: DynamoOrderRepository::new(self.stack.faulty_store(faults)),
            events: self.publisher(),
            auth: AuthMode::Jwt,
        };
        answer(cancel_order::handle(request(&event), &deps).await)
    }

    async fn stock(&self, id: ProductId) -> u32 {
        integration_tests::stock_of(&self.stack, id).await
    }
}

#[tokio::test]
async fn an_order_whose_reply_was_lost_is_placed_once_and_answered_201() {
    let (shop, mug) = Shop::new(10).await;
    let faults = Faults::default();
    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let (status, order, _) = shop.order(&faults, mug, 3).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(shop.stock(mug).await, 7, "the stock is taken once");

    let id = order["id"].as_str().unwrap().to_owned();
    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let (status, cancelled, _) = shop.cancel(&faults, &id).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(shop.stock(mug).await, 10, "the stock is returned once");
}

#[tokio::test]
async fn an_order_in_a_lasting_conflict_is_busy_and_takes_nothing() {
    let (shop, mug) = Shop::new(10).await;
    let faults = Faults::default();
    faults.inject("TransactWriteItems", Fault::Conflict, 4);
    busy(shop.order(&faults, mug, 3).await);
    assert_eq!(shop.stock(mug).await, 10);
    faults.inject("BatchGetItem", Fault::Throttling, 3);
    busy(shop.order(&faults, mug, 3).await);
    let (status, _, _) = shop.order(&faults, mug, 3).await;
    assert_eq!(status, 201, "the same order passes once the table is free");
}

#[tokio::test]
async fn a_cancel_in_a_lasting_conflict_is_busy_and_returns_nothing() {
    let (shop, mug) = Shop::new(10).await;
    let faults = Faults::default();
    let (_, order, _) = shop.order(&faults, mug, 4).await;
    let id = order["id"].as_str().unwrap().to_owned();
    faults.inject("TransactWriteItems", Fault::Conflict, 4);
    busy(shop.cancel(&faults, &id).await);
    assert_eq!(shop.stock(mug).await, 6);
    assert_eq!(shop.cancel(&faults, &id).await.0, 200);
}

fn owner() -> Value {
    json!({"sub": "ada", "email": "ada@example.com"})
}

fn charts(stack: &Stack, faults: &Faults) -> ChartOwnerDeps {
    ChartOwnerDeps {
        charts: DynamoMonitoringRepository::new(stack.faulty_store(faults)),
        auth: AuthMode::Jwt,
    }
}

#[tokio::test]
async fn monitoring_writes_survive_lost_replies_and_report_lasting_conflicts_as_busy() {
    let stack = Stack::new().await;
    let faults = Faults::default();

    // A chart whose transaction's reply was lost: the retry is answered as the success it
    // was (its client token), and the chart is created once.
    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let body = json!({"name": "API", "recipients": ["ops@example.com"]});
    let create = with_claims(with_body(event("create-chart.json"), &body), Some(owner()));
    let sender = format!("reports-{}@example.com", uuid::Uuid::now_v7().simple());
    local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
        .await
        .unwrap();
    let creating = create_chart::Deps {
        charts: DynamoMonitoringRepository::new(stack.faulty_store(&faults)),
        auth: AuthMode::Jwt,
        invitations: integration_tests::invitations(&stack.aws, &sender),
        max_charts: adapters::lambda::MaxCharts(100),
    };
    let (status, chart, _) = answer(create_chart::handle(request(&create), &creating).await);
    assert_eq!(faults.pending(), 0, "the lost reply was injected");
    assert_eq!(status, 201, "{chart}");
    let chart = chart["id"].as_str().unwrap().to_owned();

    let record = |value: f64| {
        with_claims(
            with_body(
                with_path_param(
                    event("record-points.json"),
                    "id",
                    &chart,
                    &format!("/charts/{chart}/points"),
                ),
                &json!({"points": [{"series": "p99", "value": value}]}),
            ),
            Some(owner()),
        )
    };
    let recorded = |reply: (u16, Value, Option<String>)| {
        let (status, body, _) = reply;
        assert_eq!((status, &body["accepted"]), (200, &json!(1)), "{body}");
    };
    // The first point adds the series to the chart: the counter's update finds it unknown,
    // the chart's save loses its reply (its retry meets the saved version, the chart is read
    // again and the series is there), then the point is counted and put.
    faults
        .inject("UpdateItem", Fault::Pass, 1)
        .inject("UpdateItem", Fault::LostReply, 1);
    recorded(answer(
        record_points::handle(request(&record(1.0)), &charts(&stack, &faults)).await,
    ));
    // The counter's reply lost: its retry counts again, leaving a number unused, not a point.
    faults.inject("UpdateItem", Fault::LostReply, 1);
    recorded(answer(
        record_points::handle(request(&record(2.0)), &charts(&stack, &faults)).await,
    ));
    faults.inject("BatchWriteItem", Fault::LostReply, 1);
    recorded(answer(
        record_points::handle(request(&record(3.0)), &charts(&stack, &faults)).await,
    ));
    assert_eq!(faults.pending(), 0, "every injected fault was met");
    let id = ChartId::parse(&chart).unwrap();
    let series = Slug::parse("p99").unwrap();
    let stored = charts(&stack, &Faults::default())
        .charts
        .series(&id, &[series], 1000)
        .await
        .unwrap();
    let values: Vec<f64> = stored[0].points().map(|p| p.value).collect();
    assert_eq!(values, [1.0, 2.0, 3.0], "each point kept once, in order");

    // A transaction holds the chart item: the counter's update conflicts, the caller retries.
    faults.inject("UpdateItem", Fault::Conflict, 1);
    busy(answer(
        record_points::handle(request(&record(4.0)), &charts(&stack, &faults)).await,
    ));

    let alert = with_claims(
        with_body(
            with_path_param(
                event("create-alert.json"),
                "id",
                &chart,
                &format!("/charts/{chart}/alerts"),
            ),
            &json!({"series": "p99", "condition": {"op": "gt", "threshold": 5}, "message": "{value}"}),
        ),
        Some(owner()),
    );
    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let (status, created, _) =
        answer(create_alert::handle(request(&alert), &charts(&stack, &faults)).await);
    assert_eq!(status, 201, "{created}");

    let list = with_claims(
        with_path_param(
            event("list-alerts.json"),
            "id",
            &chart,
            &format!("/charts/{chart}/alerts"),
        ),
        Some(owner()),
    );
    let (status, page, _) =
        answer(list_alerts::handle(request(&list), &charts(&stack, &Faults::default())).await);
    assert_eq!(status, 200);
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "the alert is stored once"
    );

    faults.inject("UpdateItem", Fault::Throttling, 3);
    let id = created["id"].as_str().unwrap();
    let mute = with_claims(
        with_path_param(
            event("unmute-alert.json"),
            "id",
            id,
            &format!("/alerts/{id}/mute"),
        ),
        Some(owner()),
    );
    busy(answer(
        mute_alert::handle(request(&mute), &charts(&stack, &faults)).await,
    ));
}
