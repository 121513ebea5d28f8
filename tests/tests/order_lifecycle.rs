//! Orders after they are placed: shipped and delivered by an admin, listed by their
//! customer, and the customer told by e-mail; against the local AWS-protocol server.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::respond;
use adapters::lambda::Invocation;
use adapters::mail::OrderMailer;
use adapters::orders::DynamoOrderRepository;
use domain::ProductId;
use integration_tests::{
    EventTap, Stack, event, on_resource, parts, rejected_fields, request, sent_emails, with_body,
    with_claims, with_query,
};
use serde_json::{Value, json};

struct Shop {
    stack: Stack,
    tap: EventTap,
}

fn claims(customer: &str) -> Value {
    json!({"sub": customer, "email": format!("{customer}@example.com"), "cognito:groups": "[customers]"})
}

fn admin() -> Value {
    json!({"sub": "the-admin", "cognito:groups": "[admin]"})
}

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::now_v7().simple())
}

impl Shop {
    async fn new() -> Self {
        let stack = Stack::new().await;
        let tap = EventTap::new(&stack).await;
        Self { stack, tap }
    }

    fn orders(&self) -> DynamoOrderRepository {
        DynamoOrderRepository::new(self.stack.store())
    }

    fn publisher(&self) -> EventBridgePublisher {
        EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.stack.aws),
            &self.tap.bus,
        )
    }

    async fn product(&self) -> ProductId {
        let product =
            integration_tests::product(&unique("Mug <xl>"), "", "things", "2.50", 1000, true);
        DynamoProductRepository::new(self.stack.store())
            .import(std::slice::from_ref(&product))
            .await
            .unwrap();
        product.id()
    }

    async fn order(&self, who: Value, product: ProductId) -> Value {
        let body = json!({"items": [{"product_id": product, "quantity": 2}]});
        let event = with_claims(with_body(event("create-order.json"), &body), Some(who));
        let mut event = event;
        event["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
        let deps = create_order::Deps {
            orders: self.orders(),
            events: self.publisher(),
            auth: AuthMode::Jwt,
            currency: domain::Currency::USD,
        };
        let (status, order) = parts(&create_order::handle(request(&event), &deps).await);
        assert_eq!(status, 201, "{order}");
        order
    }

    async fn step(&self, step: &str, who: Value, id: &str) -> (u16, Value) {
        let file = format!("{step}-order.json");
        let route = format!("/orders/{{id}}/{step}");
        let event = on_resource(&file, &route, id, who);
        let orders = self.orders();
        let events = self.publisher();
        let auth = AuthMode::Jwt;
        parts(&match step {
            "ship" => respond(
                ship_order::handle(
                    request(&event),
                    &ship_order::Deps {
                        orders,
                        events,
                        auth,
                    },
                )
                .await,
            ),
            "deliver" => respond(
                deliver_order::handle(
                    request(&event),
                    &deliver_order::Deps {
                        orders,
                        events,
                        auth,
                    },
                )
                .await,
            ),
            _ => respond(
                cancel_order::handle(
                    request(&event),
                    &cancel_order::Deps {
                        orders,
                        events,
                        auth,
                    },
                )
                .await,
            ),
        })
    }

    async fn list(&self, who: Value, query: &[(&str, &str)]) -> (u16, Value) {
        let event = with_query(with_claims(event("list-orders.json"), Some(who)), query);
        let deps = list_orders::Deps {
            orders: self.orders(),
            auth: AuthMode::Jwt,
        };
        parts(&list_orders::handle(request(&event), &deps).await)
    }
}

fn detail_types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_order_ships_then_delivers_and_every_other_step_is_a_409() {
    let shop = Shop::new().await;
    let product = shop.product().await;
    let customer = unique("ada");
    let order = shop.order(claims(&customer), product).await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(
        order["customer_email"],
        json!(format!("{customer}@example.com"))
    );
    assert_eq!(
        (order["shipped_at"].clone(), order["delivered_at"].clone()),
        (Value::Null, Value::Null)
    );
    shop.tap.drain().await;

    assert_eq!(
        shop.step("ship", claims(&customer), id).await.0,
        403,
        "customers may not ship"
    );
    assert_eq!(
        shop.step("deliver", admin(), id).await.0,
        409,
        "a pending order is not delivered"
    );
    let (status, shipped) = shop.step("ship", admin(), id).await;
    assert_eq!((status, shipped["status"].clone()), (200, json!("shipped")));
    assert!(shipped["shipped_at"].is_string());
    for (step, who) in [
        ("ship", admin()),
        ("cancel", claims(&customer)),
        ("cancel", admin()),
    ] {
        assert_eq!(
            shop.step(step, who, id).await.0,
            409,
            "{step} a shipped order"
        );
    }
    let (status, delivered) = shop.step("deliver", admin(), id).await;
    assert_eq!(
        (status, delivered["status"].clone()),
        (200, json!("delivered"))
    );
    assert!(delivered["delivered_at"].is_string());
    for step in ["ship", "deliver", "cancel"] {
        assert_eq!(
            shop.step(step, admin(), id).await.0,
            409,
            "{step} a delivered order"
        );
    }
    let events = shop.tap.drain().await;
    assert_eq!(detail_types(&events), ["OrderShipped", "OrderDelivered"]);
    assert_eq!(events[1]["detail"]["status"], json!("delivered"));
    assert!(events[1]["detail"]["event_id"].is_string());

    let cancelled = shop.order(claims(&customer), product).await;
    let cancelled = cancelled["id"].as_str().unwrap();
    assert_eq!(
        shop.step("cancel", claims(&customer), cancelled).await.0,
        200
    );
    for step in ["ship", "deliver"] {
        assert_eq!(
            shop.step(step, admin(), cancelled).await.0,
            409,
            "{step} a cancelled order"
        );
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(shop.step("ship", admin(), &unknown).await.0, 404);
    assert_eq!(shop.step("ship", admin(), "not-an-id").await.0, 400);
}

#[tokio::test]
async fn customers_list_their_orders_newest_first_and_by_status() {
    let shop = Shop::new().await;
    let product = shop.product().await;
    let customer = unique("bob");
    let mut placed = Vec::new();
    for _ in 0..5 {
        placed.push(shop.order(claims(&customer), product).await["id"].clone());
    }
    shop.order(claims(&unique("eve")), product).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "2")];
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let (status, page) = shop.list(claims(&customer), &query).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    placed.reverse();
    assert_eq!(seen, placed, "newest first, each once");

    let cancelled = placed[1].as_str().unwrap();
    assert_eq!(
        shop.step("cancel", claims(&customer), cancelled).await.0,
        200
    );
    let (_, page) = shop
        .list(claims(&customer), &[("status", "cancelled")])
        .await;
    let ids: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, [&placed[1]]);
    let (_, page) = shop.list(claims(&customer), &[("status", "pending")]).await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        4,
        "the cancelled one left pending"
    );

    let other = unique("eve");
    assert_eq!(
        shop.list(claims(&customer), &[("customer_id", &other)])
            .await
            .0,
        403
    );
    assert_eq!(
        shop.list(claims(&customer), &[("customer_id", &customer)])
            .await
            .0,
        200
    );
    let (status, theirs) = shop.list(admin(), &[("customer_id", &customer)]).await;
    assert_eq!(
        (status, theirs["items"].as_array().unwrap().len()),
        (200, 5)
    );
    let (_, own) = shop.list(admin(), &[]).await;
    assert!(
        own["items"].as_array().unwrap().is_empty(),
        "the admin's own orders"
    );

    for (query, field) in [
        (vec![("status", "lost")], "status"),
        (vec![("limit", "101")], "limit"),
        (vec![("cursor", "bogus")], "cursor"),
        (vec![("sort", "total")], "sort"),
    ] {
        assert_eq!(
            rejected_fields(shop.list(claims(&customer), &query).await),
            [field]
        );
    }
    let anonymous = with_claims(event("list-orders.json"), None);
    let deps = list_orders::Deps {
        orders: shop.orders(),
        auth: AuthMode::Jwt,
    };
    assert_eq!(
        parts(&list_orders::handle(request(&anonymous), &deps).await).0,
        401
    );
}

#[tokio::test]
async fn a_page_reads_the_same_however_many_orders_a_customer_has() {
    let shop = Shop::new().await;
    let product = shop.product().await;
    let (few, many) = (unique("few"), unique("many"));
    for _ in 0..3 {
        shop.order(claims(&few), product).await;
    }
    for _ in 0..30 {
        shop.order(claims(&many), product).await;
    }
    let mut read = Vec::new();
    for customer in [&few, &many] {
        let (store, calls) = shop.stack.counted_store();
        let event = with_query(
            with_claims(event("list-orders.json"), Some(claims(customer))),
            &[("limit", "2")],
        );
        let deps = list_orders::Deps {
            orders: DynamoOrderRepository::new(store),
            auth: AuthMode::Jwt,
        };
        assert_eq!(
            parts(&list_orders::handle(request(&event), &deps).await).0,
            200
        );
        let tally = calls.take();
        read.push((tally.calls, tally.items_read));
    }
    assert_eq!(read[0], read[1], "one query of limit + 1 items either way");
    assert_eq!((read[0].0.len(), read[0].1), (1, 3));
}

async fn notify(shop: &Shop, sender: &str, bus_event: &Value) -> Result<Value, String> {
    let deps = notify_customer::Deps {
        orders: shop.orders(),
        mailer: OrderMailer::new(aws_sdk_sesv2::Client::new(&shop.stack.aws), sender),
    };
    notify_customer::handle(Invocation::with_timeout(bus_event.clone(), 10), &deps)
        .await
        .map(|told| serde_json::to_value(told).unwrap())
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn the_customer_gets_one_email_per_event_and_a_failed_send_is_retried() {
    let shop = Shop::new().await;
    let sender = format!("{}@example.com", unique("shop"));
    local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&shop.stack.aws), &sender)
        .await
        .unwrap();
    let product = shop.product().await;
    let customer = unique("carol");
    let address = format!("{customer}@example.com");
    let order = shop.order(claims(&customer), product).await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(shop.step("ship", admin(), id).await.0, 200);
    let events = shop.tap.drain().await;
    assert_eq!(detail_types(&events), ["OrderCreated", "OrderShipped"]);

    // SES refuses (an unverified sender): the invocation fails, so the bus retries it.
    let refused = notify(&shop, "nobody-verified-this@example.org", &events[0]).await;
    assert!(refused.unwrap_err().contains("Transient"));
    assert!(sent_emails(&address).is_empty());

    for bus_event in [&events[0], &events[0], &events[1], &events[1]] {
        notify(&shop, &sender, bus_event).await.unwrap();
    }
    let emails = sent_emails(&address);
    assert_eq!(
        emails.len(),
        2,
        "one per event, however often delivered: {emails:?}"
    );
    assert!(
        emails[0]["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("Order {id} received"))
    );
    assert!(
        emails[1]["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("Order {id} shipped"))
    );
    let html = emails[0]["body"].as_str().unwrap();
    assert!(html.contains("Mug &lt;xl&gt;"), "{html}");
    assert!(html.contains("5.00 USD"), "line total and total: {html}");
    assert_eq!(emails[0]["source"], json!(sender));

    // An order placed without an address sends nothing.
    let anonymous = shop
        .order(
            json!({"sub": unique("nomail"), "cognito:groups": "[customers]"}),
            product,
        )
        .await;
    assert_eq!(anonymous["customer_email"], Value::Null);
    let events = shop.tap.drain().await;
    assert_eq!(
        notify(&shop, &sender, &events[0]).await.unwrap(),
        json!("no_address")
    );

    let mut not_an_order = events[0].clone();
    not_an_order["detail"] = json!({"event_id": "x"});
    assert!(
        notify(&shop, &sender, &not_an_order)
            .await
            .unwrap_err()
            .contains("InvalidEvent")
    );
}

#[tokio::test]
async fn orders_stored_before_the_list_index_are_listed_once_reindexed() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let shop = Shop::new().await;
    let product = shop.product().await;
    let customer = unique("old");
    let order = shop.order(claims(&customer), product).await;
    let id = order["id"].as_str().unwrap();
    // As an order of the first round was stored: no index keys.
    shop.stack
        .dynamodb()
        .update_item()
        .table_name(&shop.stack.table)
        .key("pk", AttributeValue::S(format!("ORDER#{id}")))
        .key("sk", AttributeValue::S("ORDER".into()))
        .update_expression("REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk")
        .send()
        .await
        .unwrap();
    let listed = || {
        let (shop, who) = (&shop, claims(&customer));
        async move {
            shop.list(who, &[]).await.1["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(listed().await, 0);
    let rewritten = shop
        .stack
        .store()
        .reindex::<domain::order::Order>()
        .await
        .unwrap();
    assert!(rewritten >= 1);
    assert_eq!(listed().await, 1);
    let (status, read) = shop.list(claims(&customer), &[("status", "pending")]).await;
    assert_eq!((status, read["items"][0]["id"].clone()), (200, json!(id)));
}
