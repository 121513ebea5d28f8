//! search-products against the local AWS-protocol server: every filter, text matching,
//! pagination, refusals, and what a search reads as the catalog grows.

use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
use domain::catalog::Product;

use integration_tests::{
    Stack, error_fields, event, parts, rejected_fields, request, with_query, with_repeated_param,
};
use serde_json::Value;
use std::collections::HashSet;

fn product(name: &str, description: &str, category: &str, price: &str, stock: i64) -> Product {
    integration_tests::product(name, description, category, price, stock, true)
}

fn deps(stack: &Stack) -> search_products::Deps {
    search_products::Deps {
        catalog: DynamoProductSearch::new(stack.store()),
    }
}

async fn search(deps: &search_products::Deps, params: &[(&str, &str)]) -> (u16, Value) {
    let event = with_query(event("search-products.json"), params);
    parts(&search_products::handle(request(&event), deps).await)
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A small catalog created through the repository's transactional create.
async fn shop(stack: &Stack) -> DynamoProductRepository {
    let repository = DynamoProductRepository::new(stack.store());
    let inactive = integration_tests::product(
        "Hidden Blue Shirt",
        "Not for sale",
        "shirts",
        "5.00",
        9,
        false,
    );
    for p in [
        product(
            "Blue Shirt",
            "A cotton shirt, sky blue",
            "shirts",
            "19.99",
            40,
        ),
        product(
            "Red Shirt",
            "A cotton shirt, bright red",
            "shirts",
            "17.50",
            0,
        ),
        product(
            "Café Mug",
            "Stoneware mug for a large coffee",
            "kitchen",
            "12.50",
            120,
        ),
        product("Blueberry Jam", "Wild berries", "pantry", "6.00", 3),
        product(
            "Sky Jacket",
            "Light shell, blue lining",
            "jackets",
            "129.00",
            5,
        ),
        inactive,
    ] {
        repository.import(std::slice::from_ref(&p)).await.unwrap();
    }
    repository
}

#[tokio::test]
async fn the_sample_event_searches_the_catalog() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let response =
        search_products::handle(request(&event("search-products.json")), &deps(&stack)).await;
    let (status, page) = parts(&response);
    assert_eq!(status, 200);
    assert_eq!(names(&page), ["Blue Shirt"]);
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(page["items"][0]["price"], "19.99");
}

#[tokio::test]
async fn words_match_the_start_of_words_ignoring_case_and_accents() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let deps = deps(&stack);
    let cases: [(&str, &[&str]); 10] = [
        ("cafe", &["Café Mug"]),
        ("CAFÉ", &["Café Mug"]),
        // "Light shell, blue lining": both words start a word of the jacket too.
        ("blu sh", &["Blue Shirt", "Sky Jacket"]),
        ("blu shi", &["Blue Shirt"]),
        ("shirt cotton", &["Red Shirt", "Blue Shirt"]),
        ("blue", &["Blueberry Jam", "Blue Shirt", "Sky Jacket"]),
        ("BLUEB", &["Blueberry Jam"]),
        ("lue", &[]),
        ("blue pants", &[]),
        ("s", &["Café Mug", "Red Shirt", "Blue Shirt", "Sky Jacket"]),
    ];
    for (q, expected) in cases {
        let (status, page) = search(&deps, &[("q", q)]).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(names(&page), expected, "q={q:?}");
    }
}

#[tokio::test]
async fn filters_and_their_combinations() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let deps = deps(&stack);
    type Params<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Params, &[&str]); 9] = [
        (
            &[],
            &[
                "Blueberry Jam",
                "Café Mug",
                "Red Shirt",
                "Blue Shirt",
                "Sky Jacket",
            ],
        ),
        (&[("category", "shirts")], &["Red Shirt", "Blue Shirt"]),
        (
            &[("in_stock", "true")],
            &["Blueberry Jam", "Café Mug", "Blue Shirt", "Sky Jacket"],
        ),
        (
            &[("min_price", "12.50"), ("max_price", "19.99")],
            &["Café Mug", "Red Shirt", "Blue Shirt"],
        ),
        (
            &[("category", "shirts"), ("in_stock", "true")],
            &["Blue Shirt"],
        ),
        (&[("q", "blue"), ("category", "jackets")], &["Sky Jacket"]),
        (
            &[("q", "blu"), ("max_price", "20")],
            &["Blueberry Jam", "Blue Shirt"],
        ),
        (
            &[("q", "shirt"), ("in_stock", "true"), ("min_price", "1")],
            &["Blue Shirt"],
        ),
        (
            &[("sort", "price_desc"), ("category", "shirts")],
            &["Blue Shirt", "Red Shirt"],
        ),
    ];
    for (params, expected) in cases {
        let (status, page) = search(&deps, params).await;
        assert_eq!(status, 200, "{params:?}");
        assert_eq!(names(&page), expected, "{params:?}");
    }
}

#[tokio::test]
async fn inactive_products_are_never_returned() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let deps = deps(&stack);
    for params in [
        vec![("q", "hidden")],
        vec![("category", "shirts")],
        vec![("max_price", "5")],
        vec![],
    ] {
        let (_, page) = search(&deps, &params).await;
        assert!(
            !names(&page).iter().any(|n| n.starts_with("Hidden")),
            "{params:?}"
        );
    }
}

#[tokio::test]
async fn refusals() {
    let stack = Stack::new().await;
    let deps = deps(&stack);
    let (status, problem) = search(&deps, &[("min_price", "20"), ("max_price", "10")]).await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&problem), ["min_price"]);

    let long_q = "x".repeat(101);
    assert_eq!(
        rejected_fields(
            search(
                &deps,
                &[
                    ("q", long_q.as_str()),
                    ("category", "Shirts"),
                    ("min_price", "abc"),
                    ("in_stock", "maybe"),
                    ("sort", "name"),
                    ("limit", "101"),
                    ("colour", "blue"),
                ],
            )
            .await
        ),
        [
            "category",
            "colour",
            "in_stock",
            "limit",
            "min_price",
            "q",
            "sort"
        ]
    );

    for bad in ["garbage", "eyJ2IjoxfQ", "%%%"] {
        let (status, problem) = search(&deps, &[("cursor", bad)]).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(error_fields(&problem), ["cursor"]);
    }
}

#[tokio::test]
async fn prices_beyond_the_catalog_and_repeated_parameters() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let deps = deps(&stack);
    // Above the highest price a product may have: nothing matches, and DynamoDB is not asked
    // for a key range whose low end sorts above its high end (it refuses those).
    let (status, page) = search(&deps, &[("min_price", "999999999.99")]).await;
    assert_eq!(
        (status, page["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    let (status, page) = search(&deps, &[("max_price", "999999999.99")]).await;
    assert_eq!(status, 200);
    assert!(!names(&page).is_empty());
    let (status, page) = search(&deps, &[("min_price", "1000000.00")]).await;
    assert_eq!(
        (status, page["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    // `limit=5&limit=6` arrives as "5,6" and is judged as that.
    let repeated = with_repeated_param(event("search-products.json"), "limit", &["5", "6"]);
    let (status, problem) = parts(&search_products::handle(request(&repeated), &deps).await);
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["limit".to_owned()])
    );
}

/// Walks every page, checking sizes, and returns the ids in the order they came.
async fn walk(deps: &search_products::Deps, params: &[(&str, &str)], limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let limit_text = limit.to_string();
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("limit", &limit_text));
        if let Some(c) = &cursor {
            all.push(("cursor", c));
        }
        let (status, page) = search(deps, &all).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        ids.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn pages_neither_repeat_nor_skip_across_a_whole_walk() {
    let stack = Stack::new().await;
    let repository = DynamoProductRepository::new(stack.store());
    // Many products share a price, so ties by id are exercised; half are sold out.
    let catalog: Vec<Product> = (0..60)
        .map(|i| {
            let price = format!("{}.00", 10 + i % 4);
            product(
                &format!("Walk Shirt {i}"),
                "Plain",
                "shirts",
                &price,
                i64::from(i % 2 == 0),
            )
        })
        .collect();
    repository.import(&catalog).await.unwrap();
    let deps = deps(&stack);

    let expected = |descending: bool, in_stock: bool| {
        let mut selected: Vec<&Product> = catalog
            .iter()
            .filter(|p| !in_stock || p.stock().units() > 0)
            .collect();
        selected.sort_by_key(|p| (p.price(), p.id()));
        if descending {
            selected.reverse();
        }
        selected
            .iter()
            .map(|p| p.id().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(walk(&deps, &[], 7).await, expected(false, false));
    assert_eq!(
        walk(&deps, &[("sort", "price_desc")], 9).await,
        expected(true, false)
    );
    assert_eq!(
        walk(&deps, &[("q", "walk shirt"), ("in_stock", "true")], 4).await,
        expected(false, true)
    );
    assert_eq!(
        walk(
            &deps,
            &[
                ("category", "shirts"),
                ("sort", "price_desc"),
                ("in_stock", "true")
            ],
            5
        )
        .await,
        expected(true, true)
    );
    let all = walk(&deps, &[], 100).await;
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 60);
}

#[tokio::test]
async fn a_cursor_of_another_search_is_refused() {
    let stack = Stack::new().await;
    shop(&stack).await;
    let deps = deps(&stack);
    let (_, page) = search(&deps, &[("q", "shirt"), ("limit", "1")]).await;
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let (status, _) = search(
        &deps,
        &[("q", "shirt"), ("limit", "1"), ("cursor", &cursor)],
    )
    .await;
    assert_eq!(status, 200);
    for other in [
        vec![("q", "blue"), ("cursor", cursor.as_str())],
        vec![
            ("q", "shirt"),
            ("sort", "price_desc"),
            ("cursor", cursor.as_str()),
        ],
        vec![
            ("q", "shirt"),
            ("in_stock", "true"),
            ("cursor", cursor.as_str()),
        ],
        vec![("cursor", cursor.as_str())],
    ] {
        let (status, problem) = search(&deps, &other).await;
        assert_eq!(status, 400, "{other:?}");
        assert_eq!(error_fields(&problem), ["cursor"]);
    }
}

/// Most products are in stock: a filtered page reads a little more than it shows, so that
/// one round (a Query and a BatchGetItem) fills it, as pages of 21 entries with a sold-out
/// one in seven did not.
#[tokio::test]
async fn an_in_stock_page_with_a_few_sold_out_fills_in_one_round() {
    let stack = Stack::new().await;
    let (store, calls) = stack.counted_store();
    let catalog: Vec<Product> = (0..40)
        .map(|i| {
            product(
                &format!("Mug {i}"),
                "Stoneware",
                "kitchen",
                &format!("{}.00", 10 + i),
                i64::from(i % 7 != 0),
            )
        })
        .collect();
    DynamoProductRepository::new(store.clone())
        .import(&catalog)
        .await
        .unwrap();
    let deps = search_products::Deps {
        catalog: DynamoProductSearch::new(store),
    };
    calls.reset();
    let params = [
        ("category", "kitchen"),
        ("in_stock", "true"),
        ("limit", "20"),
    ];
    let (status, page) = search(&deps, &params).await;
    assert_eq!(status, 200);
    let expected: Vec<String> = (0..40)
        .filter(|i| i % 7 != 0)
        .take(20)
        .map(|i| format!("Mug {i}"))
        .collect();
    assert_eq!(names(&page), expected);
    assert!(page["next_cursor"].is_string(), "{page}");
    assert_eq!(calls.total(), 2, "one Query and one BatchGetItem");
}

/// The same searches against a catalog and one ten times larger read exactly as many items.
#[tokio::test]
async fn what_a_search_reads_does_not_grow_with_the_catalog() {
    let matching: Vec<Product> = (0..30)
        .map(|i| {
            product(
                &format!("Blue Shirt {i}"),
                "Cotton, sky blue",
                "shirts",
                &format!("{}.99", 10 + i),
                i64::from(i % 3 != 0),
            )
        })
        .collect();
    let filler = |count: usize| -> Vec<Product> {
        (0..count)
            .map(|i| {
                product(
                    &format!("Plain Mug {i}"),
                    "Stoneware",
                    "kitchen",
                    "500.00",
                    5,
                )
            })
            .collect()
    };
    let searches: [&[(&str, &str)]; 5] = [
        &[("q", "blue shirt"), ("limit", "10")],
        &[("q", "sky"), ("in_stock", "true"), ("limit", "10")],
        &[
            ("category", "shirts"),
            ("sort", "price_desc"),
            ("limit", "10"),
        ],
        &[("max_price", "100"), ("limit", "10")],
        &[
            ("q", "cot"),
            ("category", "shirts"),
            ("min_price", "15"),
            ("limit", "5"),
        ],
    ];

    let mut reads = Vec::new();
    for size in [100, 1000] {
        let stack = Stack::new().await;
        let (store, calls) = stack.counted_store();
        let repository = DynamoProductRepository::new(store.clone());
        let mut catalog = matching.clone();
        catalog.extend(filler(size - matching.len()));
        repository.import(&catalog).await.unwrap();
        let deps = search_products::Deps {
            catalog: DynamoProductSearch::new(store),
        };
        let mut per_search = Vec::new();
        for params in searches {
            calls.reset();
            let (status, page) = search(&deps, params).await;
            assert_eq!(status, 200);
            assert!(!page["items"].as_array().unwrap().is_empty(), "{params:?}");
            per_search.push((calls.total(), calls.items_read()));
        }
        reads.push(per_search);
    }
    assert_eq!(
        reads[0], reads[1],
        "calls and items read at 100 and at 1000 products"
    );
    for (search, (calls, items)) in searches.iter().zip(&reads[0]) {
        assert!(
            *calls <= 2 * adapters::catalog::MAX_ROUNDS,
            "{search:?}: {calls} calls"
        );
        assert!(*items <= 4 * 11 * 2, "{search:?}: {items} items");
    }
}
