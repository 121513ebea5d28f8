//! update-product against the local AWS-protocol server: every rule of a change, search
//! following it at once, stock changed while orders take it, and the events saying what
//! changed.

use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::orders::DynamoOrderRepository;
use domain::Currency;
use integration_tests::{
    EventTap, Stack, event, parts, rejected_fields, request, with_body, with_claims,
    with_path_param, with_query,
};
use serde_json::{Value, json};

struct Catalog {
    stack: Stack,
    tap: EventTap,
}

fn admin() -> Value {
    json!({"sub": "admin-1", "email": "admin@example.com", "cognito:groups": "[admin]"})
}

fn customer(sub: &str) -> Value {
    json!({"sub": sub, "email": format!("{sub}@example.com"), "cognito:groups": "[customers]"})
}

impl Catalog {
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

    async fn create(&self, body: Value) -> (u16, Value) {
        let event = with_claims(
            with_body(event("create-product.json"), &body),
            Some(admin()),
        );
        let deps = create_product::Deps {
            products: DynamoProductRepository::new(self.stack.store()),
            events: self.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        parts(&create_product::handle(request(&event), &deps).await)
    }

    async fn product(&self, name: &str, price: &str, stock: i64) -> String {
        let body = json!({"name": name, "description": "Soft cotton", "category": "shirts", "price": price, "stock": stock});
        let (status, product) = self.create(body).await;
        assert_eq!(status, 201, "{product}");
        assert_eq!(product["version"], json!(1));
        product["id"].as_str().unwrap().to_owned()
    }

    async fn patch_as(
        &self,
        who: Value,
        id: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> (u16, Value) {
        let mut event = with_claims(
            with_body(
                with_path_param(
                    event("update-product.json"),
                    "id",
                    id,
                    &format!("/products/{id}"),
                ),
                &body,
            ),
            Some(who),
        );
        match if_match {
            Some(tag) => event["headers"]["if-match"] = json!(tag),
            None => {
                event["headers"].as_object_mut().unwrap().remove("if-match");
            }
        }
        let deps = update_product::Deps {
            products: DynamoProductRepository::new(self.stack.store()),
            events: self.publisher(),
            auth: AuthMode::Jwt,
        };
        parts(&update_product::handle(request(&event), &deps).await)
    }

    async fn patch(&self, id: &str, body: Value) -> (u16, Value) {
        self.patch_as(admin(), id, body, None).await
    }

    /// The ids a search finds.
    async fn search(&self, query: &[(&str, &str)]) -> Vec<String> {
        let event = with_query(event("search-products.json"), query);
        let deps = search_products::Deps {
            catalog: DynamoProductSearch::new(self.stack.store()),
        };
        let (status, page) = parts(&search_products::handle(request(&event), &deps).await);
        assert_eq!(status, 200, "{page}");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn stock(&self, id: &str) -> u32 {
        integration_tests::stock_of(&self.stack, domain::ProductId::parse(id).unwrap()).await
    }
}

#[tokio::test]
async fn every_rule_of_a_change_holds() {
    let catalog = Catalog::new().await;
    let shirt = catalog.product("Blue Shirt", "20.00", 5).await;
    catalog.product("Green Hat", "9.00", 5).await;

    let (status, changed) = catalog
        .patch_as(
            admin(),
            &shirt,
            json!({"name": "Navy Shirt", "price": "10.00"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["name"].clone(),
            changed["price"].clone(),
            changed["version"].clone(),
            changed["stock"].clone()
        ),
        (json!("Navy Shirt"), json!("10.00"), json!(2), json!(5))
    );
    let (status, stale) = catalog
        .patch_as(admin(), &shirt, json!({"active": false}), Some("\"1\""))
        .await;
    assert_eq!(status, 412, "{stale}");

    let (status, problem) = catalog.patch(&shirt, json!({"price": "4.99"})).await;
    assert_eq!(
        (status, problem["current_price"].clone()),
        (422, json!("10.00")),
        "more than half off"
    );
    assert_eq!(
        catalog.patch(&shirt, json!({"price": "5.00"})).await.0,
        200,
        "exactly half off"
    );

    let (status, problem) = catalog.patch(&shirt, json!({"name": "green HAT "})).await;
    assert_eq!(status, 409, "{problem}");
    let (status, reused) = catalog
        .create(json!({"name": "blue shirt", "category": "shirts", "price": "1.00", "stock": 1}))
        .await;
    assert_eq!(status, 201, "the old name is free again at once: {reused}");

    let (status, problem) = catalog.patch(&shirt, json!({"stock_change": -6})).await;
    assert_eq!(
        (status, problem["stock"].clone()),
        (409, json!(5)),
        "names the stock left"
    );

    for (body, fields) in [
        (json!({}), vec!["body"]),
        (
            json!({"name": " ", "price": "0", "category": "Not A Slug"}),
            vec!["category", "name", "price"],
        ),
        (
            json!({"stock_change": 1000001, "active": "yes"}),
            vec!["active", "stock_change"],
        ),
        (
            json!({"stock": 3, "description": "x".repeat(2001)}),
            vec!["description", "stock"],
        ),
        (json!({"name": "two\nlines"}), vec!["name"]),
    ] {
        assert_eq!(
            rejected_fields(catalog.patch(&shirt, body.clone()).await),
            fields,
            "{body}"
        );
    }
    assert_eq!(
        catalog
            .patch_as(customer("c1"), &shirt, json!({"active": false}), None)
            .await
            .0,
        403
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        catalog.patch(&unknown, json!({"active": false})).await.0,
        404
    );
    assert_eq!(catalog.patch("nope", json!({"active": false})).await.0, 400);
}

#[tokio::test]
async fn search_follows_every_change_at_once() {
    let catalog = Catalog::new().await;
    let shirt = catalog.product("Blue Shirt", "20.00", 5).await;
    let cheap = catalog.product("Grey Shirt", "15.00", 5).await;
    assert_eq!(catalog.search(&[("q", "blu")]).await, vec![shirt.clone()]);

    catalog
        .patch(&shirt, json!({"name": "Crimson Shirt"}))
        .await;
    assert!(
        catalog.search(&[("q", "blue")]).await.is_empty(),
        "not by its old words"
    );
    assert_eq!(catalog.search(&[("q", "crim")]).await, vec![shirt.clone()]);

    catalog.patch(&shirt, json!({"active": false})).await;
    assert!(
        catalog.search(&[("q", "crimson")]).await.is_empty(),
        "deactivated"
    );
    assert_eq!(catalog.search(&[("q", "shirt")]).await, vec![cheap.clone()]);
    catalog.patch(&shirt, json!({"active": true})).await;
    assert_eq!(
        catalog.search(&[("q", "crimson")]).await,
        vec![shirt.clone()],
        "reactivated"
    );

    // 20.00 -> 12.00: it moves before the 15.00 one, and into a price filter.
    catalog.patch(&shirt, json!({"price": "12.00"})).await;
    assert_eq!(
        catalog.search(&[("q", "shirt")]).await,
        vec![shirt.clone(), cheap.clone()]
    );
    assert_eq!(
        catalog.search(&[("max_price", "13")]).await,
        vec![shirt.clone()]
    );
    assert_eq!(
        catalog.search(&[("min_price", "19")]).await,
        Vec::<String>::new()
    );
    catalog.patch(&shirt, json!({"category": "tops"})).await;
    assert_eq!(
        catalog.search(&[("category", "tops")]).await,
        vec![shirt.clone()]
    );
    assert_eq!(
        catalog.search(&[("category", "shirts")]).await,
        vec![cheap.clone()]
    );
}

#[tokio::test]
async fn a_stock_change_racing_thirty_orders_loses_nothing() {
    let catalog = Catalog::new().await;
    let mug = catalog.product("Mug", "2.00", 40).await;
    let order = |i: usize| {
        let body = json!({"items": [{"product_id": mug, "quantity": 1}]});
        let mut event = with_claims(
            with_body(event("create-order.json"), &body),
            Some(customer(&format!("buyer-{i}"))),
        );
        event["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
        let deps = create_order::Deps {
            orders: DynamoOrderRepository::new(catalog.stack.store()),
            events: catalog.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        async move { parts(&create_order::handle(request(&event), &deps).await).0 }
    };
    let orders = futures_util::future::join_all((0..30).map(order));
    let restock = catalog.patch(&mug, json!({"stock_change": 25}));
    let (statuses, (patched, _)) = tokio::join!(orders, restock);
    assert_eq!(patched, 200);
    let sold = statuses.iter().filter(|s| **s == 201).count();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        catalog.stock(&mug).await as usize,
        40 + 25 - sold,
        "nothing lost"
    );

    // Taking it down below what orders left is refused, whatever they took meanwhile.
    let orders = futures_util::future::join_all((30..60).map(order));
    let drain = catalog.patch(&mug, json!({"stock_change": -1_000}));
    let (statuses, (refused, problem)) = tokio::join!(orders, drain);
    assert_eq!(refused, 409, "{problem}");
    let sold_more = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(
        catalog.stock(&mug).await as usize,
        40 + 25 - sold - sold_more
    );
}

#[tokio::test]
async fn products_created_and_changed_are_published_with_what_changed() {
    let catalog = Catalog::new().await;
    let shirt = catalog.product("Blue Shirt", "20.00", 5).await;
    catalog
        .patch(
            &shirt,
            json!({"price": "12.00", "stock_change": 3, "description": "Soft cotton"}),
        )
        .await;
    let events = catalog.tap.drain().await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ProductCreated", "ProductUpdated"]);
    assert!(events.iter().all(|e| e["source"] == "shop.catalog"));
    assert_eq!(events[0]["detail"]["id"], json!(shirt));
    assert!(events[0]["detail"]["event_id"].is_string());
    assert!(
        events[0]["detail"].get("changes").is_none(),
        "a created product has no changes"
    );
    assert_eq!(
        events[1]["detail"]["changes"],
        json!({"price": {"old": "20.00", "new": "12.00"}, "stock": {"old": 5, "new": 8}}),
        "only what changed (the description was the same)"
    );
    assert_eq!(events[1]["detail"]["version"], json!(2));
}

#[tokio::test]
async fn a_product_read_carries_its_version_as_etag() {
    let catalog = Catalog::new().await;
    let create = with_claims(
        with_body(
            event("create-product.json"),
            &json!({"name": "Tagged Lamp", "category": "home", "price": "5.00", "stock": 1}),
        ),
        Some(admin()),
    );
    let deps = create_product::Deps {
        products: DynamoProductRepository::new(catalog.stack.store()),
        events: catalog.publisher(),
        auth: AuthMode::Jwt,
        currency: Currency::USD,
    };
    let created = adapters::http::respond(create_product::handle(request(&create), &deps).await);
    assert_eq!(
        created.headers()["etag"],
        "\"1\"",
        "a create answers its version too"
    );
    let shirt = catalog.product("Blue Shirt", "20.00", 5).await;
    let read = |tag: Option<&str>| {
        let mut event = with_path_param(
            event("get-product.json"),
            "id",
            &shirt,
            &format!("/products/{shirt}"),
        );
        if let Some(tag) = tag {
            event["headers"]["if-none-match"] = json!(tag);
        }
        let deps = get_product::Deps {
            products: DynamoProductRepository::new(catalog.stack.store()),
        };
        async move { adapters::http::respond(get_product::handle(request(&event), &deps).await) }
    };
    let first = read(None).await;
    assert_eq!(first.headers()["etag"], "\"1\"");
    assert_eq!(read(Some("\"1\"")).await.status(), 304);
    catalog.patch(&shirt, json!({"description": "Linen"})).await;
    let changed = read(Some("\"1\"")).await;
    assert_eq!(
        (
            changed.status().as_u16(),
            changed.headers()["etag"].to_str().unwrap()
        ),
        (200, "\"2\"")
    );
}

/// The search entries of the table, as stored (a scan: test code only).
async fn search_entries(catalog: &Catalog) -> Vec<adapters::store::Item> {
    catalog
        .stack
        .dynamodb()
        .scan()
        .table_name(&catalog.stack.table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .into_iter()
        .filter(|item| adapters::store::entity_of(item) == Some("search_entry"))
        .collect()
}

#[tokio::test]
async fn an_entry_left_by_a_failed_change_neither_hides_nor_repeats_its_product() {
    let catalog = Catalog::new().await;
    let shirt = catalog.product("Blue Shirt", "12.00", 5).await;
    let at_twelve = search_entries(&catalog).await;
    catalog.patch(&shirt, json!({"price": "20.00"})).await;
    // Put back, the entries at 12.00 are what a change that failed half-way leaves: read
    // before the current ones (price order), in the same round.
    catalog.stack.store().batch_put(at_twelve).await.unwrap();
    assert_eq!(catalog.search(&[("q", "shirt")]).await, vec![shirt.clone()]);
    assert_eq!(
        catalog.search(&[("q", "blue"), ("in_stock", "true")]).await,
        vec![shirt.clone()]
    );
    assert!(
        catalog.search(&[("max_price", "13")]).await.is_empty(),
        "not by its old price"
    );
}
