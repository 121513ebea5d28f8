//! create-product and get-product, from the sample events in `events/`, against the local
//! AWS-protocol server.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::http::respond;
use domain::Currency;
use integration_tests::{
    Stack, error_fields, event, parts, rejected_fields, request, sorted_error_fields, with_body,
    with_claims, with_path_param,
};
use serde_json::{Value, json};

fn create_deps(stack: &Stack, auth: AuthMode) -> create_product::Deps {
    create_product::Deps {
        products: DynamoProductRepository::new(stack.store()),
        events: stack.publisher(),
        auth,
        currency: Currency::USD,
    }
}

fn get_deps(stack: &Stack) -> get_product::Deps {
    get_product::Deps {
        products: DynamoProductRepository::new(stack.store()),
    }
}

fn admin_claims() -> Value {
    json!({"sub": "admin-1", "email": "admin@example.com", "cognito:groups": "[admin]"})
}

fn customer_claims() -> Value {
    json!({"sub": "customer-1", "email": "c@example.com", "cognito:groups": "[customers]"})
}

fn product_body(name: &str) -> Value {
    json!({"name": name, "description": "Soft", "category": "shirts", "price": "19.99", "stock": 5})
}

async fn create(stack: &Stack, claims: Option<Value>, body: &Value) -> (u16, Value) {
    let event = with_claims(with_body(event("create-product.json"), body), claims);
    let response =
        create_product::handle(request(&event), &create_deps(stack, AuthMode::Jwt)).await;
    parts(&response)
}

async fn get(stack: &Stack, id: &str) -> (u16, Value) {
    let event = with_path_param(
        event("get-product.json"),
        "id",
        id,
        &format!("/products/{id}"),
    );
    parts(&get_product::handle(request(&event), &get_deps(stack)).await)
}

#[tokio::test]
async fn the_sample_events_create_and_read_a_product() {
    let stack = Stack::new().await;
    let response = respond(
        create_product::handle(
            request(&event("create-product.json")),
            &create_deps(&stack, AuthMode::Jwt),
        )
        .await,
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, created) = parts(&response);
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("/products/{id}"));
    assert_eq!(created["name"], "Blue Shirt");
    assert_eq!(created["price"], "19.99");
    assert_eq!(created["currency"], "USD");
    assert_eq!(created["stock"], 40);
    assert_eq!(created["active"], true);
    assert_eq!(created["created_at"], created["updated_at"]);
    let uuid = uuid::Uuid::parse_str(id).unwrap();
    assert_eq!(uuid.get_version_num(), 7);

    let (status, read) = get(&stack, id).await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    // The sample get event as shipped names a product that does not exist.
    let response =
        get_product::handle(request(&event("get-product.json")), &get_deps(&stack)).await;
    assert_eq!(parts(&response).0, 404);
}

#[tokio::test]
async fn every_invalid_field_is_listed_at_once() {
    let stack = Stack::new().await;
    let body = json!({
        "name": "   ",
        "description": "x".repeat(2001),
        "category": "Not a slug",
        "price": "19.999",
        "stock": 1_000_001,
        "colour": "blue"
    });
    let (status, problem) = create(&stack, Some(admin_claims()), &body).await;
    assert_eq!(status, 400);
    assert_eq!(
        sorted_error_fields(&problem),
        [
            "category",
            "colour",
            "description",
            "name",
            "price",
            "stock"
        ]
    );
    assert_eq!(problem["status"], 400);
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_named() {
    let stack = Stack::new().await;
    let body = json!({"name": 7, "price": 19.99, "stock": "5", "active": "yes"});
    assert_eq!(
        rejected_fields(create(&stack, Some(admin_claims()), &body).await),
        ["active", "category", "name", "price", "stock"]
    );
}

#[tokio::test]
async fn price_and_stock_bounds() {
    let stack = Stack::new().await;
    for (price, stock, ok) in [
        ("0.01", 0, true),
        ("1000000", 1_000_000, true),
        ("0", 1, false),
        ("1000000.01", 1, false),
        ("1", -1, false),
    ] {
        let name = format!("Bounds {price} {stock}");
        let body = json!({"name": name, "category": "x", "price": price, "stock": stock});
        let (status, _) = create(&stack, Some(admin_claims()), &body).await;
        assert_eq!(status == 201, ok, "price {price}, stock {stock}: {status}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    let stack = Stack::new().await;
    let deps = create_deps(&stack, AuthMode::Jwt);
    let send = |body: String| {
        let mut event = with_claims(event("create-product.json"), Some(admin_claims()));
        event["body"] = Value::String(body);
        request(&event)
    };
    for body in ["{not json", "[1, 2]", "\"text\"", ""] {
        let (status, problem) = parts(&create_product::handle(send(body.into()), &deps).await);
        assert_eq!(status, 400, "{body:?}");
        assert_eq!(problem["status"], 400);
    }
    // A body that is not UTF-8 reaches the function base64-encoded.
    let mut binary = with_claims(event("create-product.json"), Some(admin_claims()));
    binary["body"] = Value::String("//5NAA==".into());
    binary["isBase64Encoded"] = Value::Bool(true);
    let (status, _) = parts(&create_product::handle(request(&binary), &deps).await);
    assert_eq!(status, 400, "a binary body");

    let huge = json!({"name": "Huge", "description": "x".repeat(70 * 1024)}).to_string();
    let (status, _) = parts(&create_product::handle(send(huge), &deps).await);
    assert_eq!(status, 413);

    let mut event = with_claims(event("create-product.json"), Some(admin_claims()));
    event["headers"]["content-type"] = json!("text/plain");
    let (status, _) = parts(&create_product::handle(request(&event), &deps).await);
    assert_eq!(status, 415);
}

#[tokio::test]
async fn only_admins_create_products() {
    let stack = Stack::new().await;
    let (status, problem) = create(&stack, None, &product_body("Anonymous")).await;
    assert_eq!(status, 401);
    assert_eq!(problem["status"], 401);
    let (status, _) = create(&stack, Some(customer_claims()), &product_body("Customer")).await;
    assert_eq!(status, 403);

    // Groups may also arrive as a JSON array.
    let claims = json!({"sub": "admin-2", "cognito:groups": "[\"ops\",\"admin\"]"});
    let (status, _) = create(&stack, Some(claims), &product_body("Array Groups")).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn local_identity_headers_count_only_in_local_mode() {
    let stack = Stack::new().await;
    let mut event = with_claims(
        with_body(event("create-product.json"), &product_body("Local Shirt")),
        None,
    );
    event["headers"]["x-customer-id"] = json!("dev-admin");
    event["headers"]["x-customer-groups"] = json!("ops, admin");

    let jwt = create_product::handle(request(&event), &create_deps(&stack, AuthMode::Jwt)).await;
    assert_eq!(
        parts(&jwt).0,
        401,
        "headers are ignored behind the JWT authorizer"
    );

    let local = create_product::handle(
        request(&event),
        &create_deps(&stack, AuthMode::LocalHeaders),
    )
    .await;
    assert_eq!(parts(&local).0, 201);
}

#[tokio::test]
async fn names_are_unique_ignoring_case_and_surrounding_spaces() {
    let stack = Stack::new().await;
    let (status, _) = create(&stack, Some(admin_claims()), &product_body("Café Mug")).await;
    assert_eq!(status, 201);
    let (status, problem) =
        create(&stack, Some(admin_claims()), &product_body("  CAFÉ mug ")).await;
    assert_eq!(status, 409);
    assert_eq!(problem["status"], 409);
    let (status, _) = create(
        &stack,
        Some(admin_claims()),
        &product_body("Café Mug Large"),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_name_have_exactly_one_winner() {
    let stack = Stack::new().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        // Each request has its own client, as separate Lambda instances would.
        let deps = create_deps(&stack, AuthMode::Jwt);
        let name = if i % 2 == 0 {
            "Racing Shirt"
        } else {
            "racing shirt "
        };
        let event = with_claims(
            with_body(event("create-product.json"), &product_body(name)),
            Some(admin_claims()),
        );
        tasks.spawn(async move { parts(&create_product::handle(request(&event), &deps).await).0 });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let stack = Stack::new().await;
    let (status, problem) = get(&stack, &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(status, 404);
    assert_eq!(problem["status"], 404);
    for bad in [
        "not-a-uuid",
        "123",
        "0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a6",
        "'; DROP TABLE",
    ] {
        let (status, problem) = get(&stack, bad).await;
        assert_eq!(status, 400, "{bad:?}");
        assert_eq!(error_fields(&problem), ["id"]);
    }
}

#[tokio::test]
async fn a_product_name_is_one_line() {
    let stack = Stack::new().await;
    for name in ["Blue\nShirt", "Blue\rShirt", "Blue\tShirt"] {
        let mut body = product_body("x");
        body["name"] = json!(name);
        let (status, problem) = create(&stack, Some(admin_claims()), &body).await;
        assert_eq!(
            (status, error_fields(&problem)),
            (400, vec!["name".to_owned()]),
            "{name:?}"
        );
    }
}
