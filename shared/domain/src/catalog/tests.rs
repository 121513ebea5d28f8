//! The catalog's use cases on the in-memory fakes.

use super::*;
use crate::catalog::{CreateProductInput, SearchInput};
use crate::events::{DomainEvent, Outbox};
use crate::fakes::{Broken, FixedClock, InMemoryProducts, NoPause, RecordingPublisher};
use crate::{Caller, Currency, IfMatch, ProductId};
use crate::{CustomerId, Validation};

fn admin() -> Caller {
    Caller {
        customer_id: CustomerId::parse("admin-1").unwrap(),
        email: None,
        admin: true,
    }
}

fn command(name: &str) -> CreateProduct {
    let mut validation = Validation::new();
    CreateProduct::parse(
        CreateProductInput {
            name: Some(name),
            description: Some("A shirt"),
            category: Some("shirts"),
            price: Some("19.99"),
            stock: Some(5),
            active: None,
        },
        &mut validation,
    )
    .unwrap()
}

fn clock() -> FixedClock {
    FixedClock::at("2026-11-21T10:00:00Z")
}

async fn create(
    name: &str,
    products: &(impl ProductRepository + Outbox),
) -> Result<Product, CreateProductError> {
    let events = RecordingPublisher::default();
    create_product(
        &admin(),
        command(name),
        Currency::USD,
        &clock(),
        products,
        &events,
    )
    .await
}

#[tokio::test]
async fn admins_create_products_that_can_be_read_back() {
    let products = InMemoryProducts::default();
    let created = create("Blue Shirt", &products).await.unwrap();
    assert_eq!(
        serde_json::to_value(&created).unwrap()["created_at"],
        "2026-11-21T10:00:00Z"
    );
    assert_eq!(get_product(created.id(), &products).await.unwrap(), created);
}

#[tokio::test]
async fn customers_may_not_create_products() {
    let products = InMemoryProducts::default();
    let customer = Caller {
        admin: false,
        ..admin()
    };
    let result = create_product(
        &customer,
        command("Blue Shirt"),
        Currency::USD,
        &clock(),
        &products,
        &RecordingPublisher::default(),
    )
    .await;
    assert!(matches!(result, Err(CreateProductError::Forbidden)));
    assert!(products.is_empty());
}

#[tokio::test]
async fn names_are_unique_ignoring_case_and_spaces() {
    let products = InMemoryProducts::default();
    create("Blue Shirt", &products).await.unwrap();
    let again = create("  BLUE shirt ", &products).await;
    assert!(matches!(again, Err(CreateProductError::DuplicateName(name)) if name == "BLUE shirt"));
}

#[tokio::test]
async fn storage_failures_keep_their_cause() {
    let Err(CreateProductError::Unexpected(cause)) = create("Blue Shirt", &Broken).await else {
        panic!("a broken store fails the create");
    };
    assert!(cause.to_string().contains("broken"));
    assert!(matches!(
        get_product(ProductId::new(), &Broken).await,
        Err(GetProductError::Unexpected(_))
    ));
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let id = ProductId::new();
    let result = get_product(id, &InMemoryProducts::default()).await;
    assert!(matches!(result, Err(GetProductError::NotFound(missing)) if missing == id));
}

fn criteria(cursor: Option<&str>) -> SearchCriteria {
    let mut validation = Validation::new();
    SearchCriteria::parse(
        SearchInput {
            q: Some("blue"),
            cursor,
            ..Default::default()
        },
        &mut validation,
    )
    .unwrap()
}

#[tokio::test]
async fn search_finds_active_matches_and_refuses_foreign_cursors() {
    let products = InMemoryProducts::default();
    let shirt = create("Blue Shirt", &products).await.unwrap();
    create("Green Hat", &products).await.unwrap();
    let page = search_products(&criteria(None), &products).await.unwrap();
    assert_eq!(page.items, [shirt]);
    assert!(matches!(
        search_products(&criteria(Some("not-ours")), &products).await,
        Err(SearchError::InvalidCursor)
    ));
    assert!(matches!(
        search_products(&criteria(None), &Broken).await,
        Err(SearchError::Unexpected(_))
    ));
}

fn change(input: ProductChangeInput<'_>) -> ProductChange {
    let mut validation = Validation::new();
    ProductChange::parse(input, &mut validation).unwrap()
}

async fn update(
    products: &InMemoryProducts,
    events: &RecordingPublisher,
    id: ProductId,
    input: ProductChangeInput<'_>,
) -> Result<Product, UpdateProductError> {
    update_product(
        &admin(),
        id,
        &change(input),
        &IfMatch::any(),
        &clock(),
        &NoPause,
        products,
        events,
    )
    .await
}

#[tokio::test]
async fn a_change_keeps_the_rules_and_says_what_changed() {
    let products = InMemoryProducts::default();
    let events = RecordingPublisher::default();
    let shirt = create("Blue Shirt", &products).await.unwrap();
    create("Green Hat", &products).await.unwrap();
    let renamed = update(
        &products,
        &events,
        shirt.id(),
        ProductChangeInput {
            name: Some("Navy Shirt"),
            price: Some("10.00"),
            stock_change: Some(-2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((renamed.version(), renamed.stock().units()), (2, 3));
    let published = events.published_events();
    let DomainEvent::Product(event) = &published[0] else {
        panic!("a product event");
    };
    assert_eq!(event.kind, ProductEventKind::ProductUpdated);
    let changed: Vec<&str> = event.changes.keys().map(String::as_str).collect();
    assert_eq!(changed, ["name", "price", "stock"]);
    assert_eq!(event.changes["stock"].old, serde_json::json!(5));
    assert_eq!(event.changes["stock"].new, serde_json::json!(3));
    let detail: serde_json::Value = serde_json::from_str(&event.detail().unwrap()).unwrap();
    assert_eq!(detail["changes"]["price"]["new"], "10.00");
    assert_eq!(detail["event_id"], serde_json::json!(event.event_id));
    assert_eq!(detail["id"], serde_json::json!(event.product.id()));

    for (input, refused) in [
        (
            ProductChangeInput {
                price: Some("4.99"),
                ..Default::default()
            },
            "price",
        ),
        (
            ProductChangeInput {
                stock_change: Some(-4),
                ..Default::default()
            },
            "stock",
        ),
        (
            ProductChangeInput {
                name: Some("green hat"),
                ..Default::default()
            },
            "name",
        ),
    ] {
        let result = update(&products, &events, shirt.id(), input).await;
        match (refused, result) {
            ("price", Err(UpdateProductError::Refused(ChangeRefused::PriceDrop { current }))) => {
                assert_eq!(current.to_string(), "10.00");
            }
            (
                "stock",
                Err(UpdateProductError::Refused(ChangeRefused::StockOutOfRange { left })),
            ) => {
                assert_eq!(left, 3);
            }
            ("name", Err(UpdateProductError::DuplicateName(_))) => {}
            (what, other) => panic!("{what}: {other:?}"),
        }
    }
    assert_eq!(
        events.published_events().len(),
        1,
        "refused changes publish nothing"
    );
    assert_eq!(get_product(shirt.id(), &products).await.unwrap(), renamed);
}

#[tokio::test]
async fn a_stock_change_lands_on_the_stock_orders_left() {
    let products = InMemoryProducts::default();
    let events = RecordingPublisher::default();
    let shirt = create("Blue Shirt", &products).await.unwrap();
    products.take_before_next_update(2);
    let after = update(
        &products,
        &events,
        shirt.id(),
        ProductChangeInput {
            stock_change: Some(10),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        after.stock().units(),
        5 - 2 + 10,
        "the order's taking is not overwritten"
    );
    products.take_before_next_update(1);
    let renamed = update(
        &products,
        &events,
        shirt.id(),
        ProductChangeInput {
            description: Some("Cotton"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.version(), 3);
    let stored = get_product(shirt.id(), &products).await.unwrap();
    assert_eq!(
        stored.stock().units(),
        12,
        "a change without stock keeps the stored stock"
    );
}

#[tokio::test]
async fn only_admins_change_products_and_if_match_guards_them() {
    let products = InMemoryProducts::default();
    let events = RecordingPublisher::default();
    let shirt = create("Blue Shirt", &products).await.unwrap();
    let input = || {
        change(ProductChangeInput {
            active: Some(false),
            ..Default::default()
        })
    };
    let customer = Caller {
        admin: false,
        ..admin()
    };
    let id = shirt.id();
    let as_who = |who: Caller, if_match: IfMatch| {
        let (products, events) = (&products, &events);
        let change = input();
        async move {
            update_product(
                &who,
                id,
                &change,
                &if_match,
                &clock(),
                &NoPause,
                products,
                events,
            )
            .await
        }
    };
    assert!(matches!(
        as_who(customer, IfMatch::any()).await,
        Err(UpdateProductError::Forbidden)
    ));
    assert!(matches!(
        as_who(admin(), IfMatch::versions(vec![2])).await,
        Err(UpdateProductError::VersionMismatch(_))
    ));
    assert!(as_who(admin(), IfMatch::versions(vec![1])).await.is_ok());
    assert!(matches!(
        update(
            &products,
            &events,
            ProductId::new(),
            ProductChangeInput {
                active: Some(true),
                ..Default::default()
            }
        )
        .await,
        Err(UpdateProductError::NotFound(_))
    ));
    let mut validation = Validation::new();
    assert!(ProductChange::parse(ProductChangeInput::default(), &mut validation).is_none());
    assert_eq!(validation.fields(), ["body"]);
}
