//! The use cases the benchmark times: each a function, its table and its events, and the
//! orders, charts and alerts they act on, made through the functions themselves.

use crate::COST_SAMPLES;
use crate::invoke::invoke_in_process;
use crate::stack::{Stack, as_customer, with_claims};
use anyhow::{Context, Result};
use domain::catalog::Product;
use integration_tests::{event, with_body, with_path_param, with_query};
use serde_json::{Value, json};

pub struct Scenario {
    pub label: String,
    pub function: &'static str,
    pub table: String,
    pub event: Box<dyn Fn(usize) -> Value>,
}

pub fn scenario(
    label: &str,
    function: &'static str,
    table: &str,
    event: impl Fn(usize) -> Value + 'static,
) -> Scenario {
    Scenario {
        label: label.to_owned(),
        function,
        table: table.to_owned(),
        event: Box::new(event),
    }
}

/// Makes what the scenarios act on, then the scenarios.
pub async fn prepare(
    stack: &Stack,
    warm: usize,
    stocked: &[Product],
    small: &[Product],
) -> Result<Vec<Scenario>> {
    // Things the scenarios act on, made through the functions themselves.
    let order_body = |lines: usize| json!({"items": stocked[..lines].iter().map(|p| json!({"product_id": p.id(), "quantity": 1})).collect::<Vec<_>>()});
    let (one_line, many_lines) = (order_body(1), order_body(25));
    let order_event = move |body: &Value, key: String| {
        let mut e = with_claims(with_body(event("create-order.json"), body));
        e["headers"]["idempotency-key"] = json!(key);
        e
    };
    let mut orders = Vec::new();
    for i in 0..(warm + 1 + COST_SAMPLES + 1) {
        let made = invoke_in_process(
            stack,
            "create-order",
            "bench-orders",
            order_event(&one_line, format!("setup-{i}")),
        )
        .await?;
        orders.push(
            made["body"]["id"]
                .as_str()
                .context("an order id")?
                .to_owned(),
        );
    }
    // Each ship-order call ships an order of its own, then deliver-order delivers it.
    let mut to_ship = Vec::new();
    let mut placed_order = Value::Null;
    for i in 0..(warm + 1 + COST_SAMPLES) {
        let made = invoke_in_process(
            stack,
            "create-order",
            "bench-orders",
            order_event(&one_line, format!("ship-{i}")),
        )
        .await?;
        to_ship.push(
            made["body"]["id"]
                .as_str()
                .context("an order id")?
                .to_owned(),
        );
        placed_order = made["body"].clone();
    }
    let _ = stack.meter.take();

    let product_id = small[0].id().to_string();
    let update_id = small[1].id().to_string();
    let search = |q: Vec<(&'static str, &'static str)>| {
        move |_: usize| with_query(event("search-products.json"), &q)
    };
    Ok(vec![
        scenario(
            "floor (do-nothing lambda_runtime)",
            "floor",
            "bench-products",
            |_| json!({}),
        ),
        scenario("create-product", "create-product", "bench-products", |i| {
            with_claims(with_body(
                event("create-product.json"),
                &json!({"name": format!("Bench Product {i}"), "description": "Made by the benchmark", "category": "bench", "price": "9.99", "stock": 10}),
            ))
        }),
        scenario("get-product", "get-product", "bench-search-1k", move |_| {
            with_path_param(
                event("get-product.json"),
                "id",
                &product_id,
                &format!("/products/{product_id}"),
            )
        }),
        scenario(
            "search-products, q=shirt (1,000 products)",
            "search-products",
            "bench-search-1k",
            search(vec![("q", "shirt"), ("limit", "20")]),
        ),
        scenario(
            "search-products, q=shirt (20,000 products)",
            "search-products",
            "bench-search-20k",
            search(vec![("q", "shirt"), ("limit", "20")]),
        ),
        scenario(
            "search-products, category + in_stock (20,000)",
            "search-products",
            "bench-search-20k",
            search(vec![
                ("category", "kitchen"),
                ("in_stock", "true"),
                ("sort", "price_desc"),
                ("limit", "20"),
            ]),
        ),
        scenario(
            "create-order, 1 line",
            "create-order",
            "bench-orders",
            move |i| order_event(&one_line, format!("one-{i}")),
        ),
        scenario(
            "create-order, 25 lines",
            "create-order",
            "bench-orders",
            move |i| order_event(&many_lines, format!("many-{i}")),
        ),
        {
            let id = orders[0].clone();
            scenario("get-order", "get-order", "bench-orders", move |_| {
                with_claims(with_path_param(
                    event("get-order.json"),
                    "id",
                    &id,
                    &format!("/orders/{id}"),
                ))
            })
        },
        {
            let orders = orders.clone();
            scenario("cancel-order", "cancel-order", "bench-orders", move |i| {
                let id = &orders[i % orders.len()];
                with_claims(with_path_param(
                    event("cancel-order.json"),
                    "id",
                    id,
                    &format!("/orders/{id}/cancel"),
                ))
            })
        },
        scenario(
            "update-product, stock_change",
            "update-product",
            "bench-search-1k",
            {
                let id = update_id.clone();
                move |_| {
                    let e = with_claims(with_path_param(
                        event("update-product.json"),
                        "id",
                        &id,
                        &format!("/products/{id}"),
                    ));
                    let mut e = with_body(e, &json!({"stock_change": 1}));
                    e["headers"].as_object_mut().map(|h| h.remove("if-match"));
                    e
                }
            },
        ),
        scenario(
            "update-product, new words (search entries rewritten)",
            "update-product",
            "bench-search-1k",
            {
                let id = update_id.clone();
                move |i| {
                    let e = with_claims(with_path_param(
                        event("update-product.json"),
                        "id",
                        &id,
                        &format!("/products/{id}"),
                    ));
                    let words = if i % 2 == 0 {
                        "Soft cotton"
                    } else {
                        "Brushed linen"
                    };
                    let mut e = with_body(e, &json!({ "description": words }));
                    e["headers"].as_object_mut().map(|h| h.remove("if-match"));
                    e
                }
            },
        ),
        scenario(
            "list-orders, a page of 20 of 10 orders",
            "list-orders",
            "bench-history",
            |_| {
                as_customer(
                    with_query(event("list-orders.json"), &[("limit", "20")]),
                    "bench-few",
                )
            },
        ),
        scenario(
            "list-orders, a page of 20 of 1,000 orders",
            "list-orders",
            "bench-history",
            |_| {
                as_customer(
                    with_query(event("list-orders.json"), &[("limit", "20")]),
                    "bench-many",
                )
            },
        ),
        {
            let orders = to_ship.clone();
            scenario("ship-order", "ship-order", "bench-orders", move |i| {
                let id = &orders[i % orders.len()];
                with_claims(with_path_param(
                    event("ship-order.json"),
                    "id",
                    id,
                    &format!("/orders/{id}/ship"),
                ))
            })
        },
        {
            let orders = to_ship.clone();
            scenario("deliver-order", "deliver-order", "bench-orders", move |i| {
                let id = &orders[i % orders.len()];
                with_claims(with_path_param(
                    event("deliver-order.json"),
                    "id",
                    id,
                    &format!("/orders/{id}/deliver"),
                ))
            })
        },
        {
            let order = placed_order.clone();
            scenario(
                "notify-customer, one e-mail",
                "notify-customer",
                "bench-orders",
                move |_| {
                    let mut e = event("notify-customer.json");
                    e["detail"] = order.clone();
                    e["detail"]["event_id"] = json!(uuid::Uuid::now_v7().to_string());
                    e
                },
            )
        },
        scenario(
            "publish-events (empty outbox)",
            "publish-events",
            "bench-orders",
            |_| event("publish-events.json"),
        ),
    ]
    .into_iter()
    .chain(crate::chart_scenarios::prepare(stack, warm).await?)
    .collect())
}
