//! `make bench`: every function binary started the way Lambda starts it (through a local
//! Runtime API), against the local AWS stack, side by side with a do-nothing function built
//! with the same profile; plus what each use case costs in DynamoDB, SES and EventBridge
//! calls, and the AWS price of a million calls of it. Writes `bench/results.md` and
//! `bench/results.json`.
//!
//! Machines here are noisy: read the times as ratios to the floor, measured in the same run.

mod runtime_api;

use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
use adapters::config::{AuthMode, SdkConfig};
use adapters::events::EventBridgePublisher;
use adapters::mail::SesMailer;
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::orders::DynamoOrderRepository;
use adapters::store::DocumentStore;
use anyhow::{Context, Result, bail};
use domain::catalog::Product;
use domain::monitoring::{Aggregation, Point};
use domain::{Currency, Timestamp};
use integration_tests::meter::{self, Meter, Tally};
use integration_tests::{
    alert_above, chart_items, event, parts, product, request, with_body, with_path_param,
    with_query,
};
use runtime_api::{Run, RuntimeApi};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// List prices used for the cost figures: us-east-1, as published in November 2026 (DynamoDB
/// on-demand at the rates in force since its November 2024 price cut).
mod price {
    pub const DATE: &str = "us-east-1 list prices, 2026-11";
    pub const LAMBDA_ARM_PER_GB_SECOND: f64 = 0.000_013_333_4;
    pub const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
    pub const LAMBDA_MEMORY_GB: f64 = 128.0 / 1024.0;
    pub const DYNAMODB_PER_WRITE_UNIT: f64 = 0.625 / 1e6;
    pub const DYNAMODB_PER_READ_UNIT: f64 = 0.125 / 1e6;
    pub const SES_PER_EMAIL: f64 = 0.10 / 1e3;
    pub const EVENTBRIDGE_PER_EVENT: f64 = 1.00 / 1e6;
}

const SMALL_CATALOG: usize = 1_000;
const LARGE_CATALOG: usize = 20_000;
const FLEET_CHARTS: usize = 1_000;
const ALERTS_PER_CHART: usize = 5;
/// In-process invocations whose costs are averaged per use case.
const COST_SAMPLES: usize = 3;
/// Process starts whose median is a function's init time.
const INIT_SAMPLES: usize = 15;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn warm_invocations() -> usize {
    std::env::var("BENCH_WARM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

struct Stack {
    aws: SdkConfig,
    sender: String,
    bus: String,
    /// What every function process gets from the environment besides its own settings.
    base_env: Vec<(String, String)>,
    /// Meters every in-process invocation; `take` it before and after one.
    meter: Meter,
    /// Metered clients, built once (per table) as a deployed function builds them once, so
    /// that building them is not counted as an invocation's work.
    stores: Mutex<HashMap<String, DocumentStore>>,
    publisher: OnceLock<EventBridgePublisher>,
    mailer: OnceLock<SesMailer>,
}

impl Stack {
    fn store(&self, table: &str) -> DocumentStore {
        DocumentStore::new(aws_sdk_dynamodb::Client::new(&self.aws), table)
    }

    fn metered(&self, table: &str) -> DocumentStore {
        let mut stores = self.stores.lock().unwrap();
        let store = stores.entry(table.to_owned()).or_insert_with(|| {
            let config = aws_sdk_dynamodb::config::Builder::from(&self.aws)
                .interceptor(self.meter.clone())
                .build();
            DocumentStore::new(aws_sdk_dynamodb::Client::from_conf(config), table)
        });
        store.clone()
    }

    fn publisher(&self) -> EventBridgePublisher {
        let publisher = self.publisher.get_or_init(|| {
            let config = aws_sdk_eventbridge::config::Builder::from(&self.aws)
                .interceptor(self.meter.clone())
                .build();
            EventBridgePublisher::new(aws_sdk_eventbridge::Client::from_conf(config), &self.bus)
        });
        publisher.clone()
    }

    fn mailer(&self) -> SesMailer {
        let mailer = self.mailer.get_or_init(|| {
            let config = aws_sdk_sesv2::config::Builder::from(&self.aws)
                .interceptor(self.meter.clone())
                .build();
            SesMailer::new(aws_sdk_sesv2::Client::from_conf(config), &self.sender)
        });
        mailer.clone()
    }

    fn env_for(&self, table: &str) -> Vec<(String, String)> {
        let mut env = self.base_env.clone();
        env.extend([
            ("TABLE_NAME".to_owned(), table.to_owned()),
            ("EVENT_BUS_NAME".to_owned(), self.bus.clone()),
            ("REPORT_SENDER".to_owned(), self.sender.clone()),
            ("CURRENCY".to_owned(), "USD".to_owned()),
        ]);
        env
    }
}

fn now() -> Timestamp {
    Timestamp::from(time::OffsetDateTime::now_utc())
}

/// A catalog of `size` products: a fifth of them shirts, the rest other things.
fn catalog(size: usize) -> Result<Vec<Product>> {
    const KINDS: [(&str, &str, &str); 5] = [
        ("Shirt", "Cotton shirt", "shirts"),
        ("Mug", "Stoneware mug", "kitchen"),
        ("Sock", "Wool socks", "socks"),
        ("Lamp", "Desk lamp", "home"),
        ("Cap", "Baseball cap", "hats"),
    ];
    (0..size)
        .map(|i| {
            let (kind, description, category) = KINDS[i % KINDS.len()];
            let price = format!("{}.{:02}", 5 + i % 200, i % 100);
            Ok(product(
                &format!("{kind} {i}"),
                description,
                category,
                &price,
                (i % 7) as i64,
                true,
            ))
        })
        .collect()
}

async fn seed_fleet(stack: &Stack, table: &str) -> Result<()> {
    let created = now().saturating_sub(time::Duration::minutes(10));
    let names: Vec<String> = (0..ALERTS_PER_CHART).map(|s| format!("s{s}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let points: Vec<Point> = (0..100)
        .map(|p| Point {
            at_millis: created.unix_millis() + p,
            value: 50.0 + p as f64,
        })
        .collect();
    let mut items = Vec::new();
    for i in 0..FLEET_CHARTS {
        items.extend(chart_items(
            "fleet",
            &format!("Chart {i}"),
            "fleet-oncall@example.com",
            &names,
            &points,
            |series| alert_above(series, 100.0, Aggregation::Avg, 10),
            created,
        ));
    }
    stack.store(table).batch_put(items).await?;
    Ok(())
}

/// One use case: a function, the table it runs on, and its events (the first, then warm).
struct Scenario {
    label: String,
    function: &'static str,
    table: String,
    event: Box<dyn Fn(usize) -> Value>,
}

fn scenario(
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

/// Runs one event through a function's handler in this process, with metered clients.
async fn invoke_in_process(
    stack: &Stack,
    function: &str,
    table: &str,
    event: Value,
) -> Result<Value> {
    let store = stack.metered(table);
    let http = |answer: adapters::http::Answer| -> Result<Value> {
        let (status, body) = parts(&answer);
        if status >= 500 {
            bail!("{function} answered {status}: {body}");
        }
        Ok(json!({"status": status, "body": body}))
    };
    let jwt = AuthMode::Jwt;
    match function {
        "create-product" => http(
            create_product::handle(
                request(&event),
                &create_product::Deps {
                    products: DynamoProductRepository::new(store),
                    auth: jwt,
                    currency: Currency::USD,
                },
            )
            .await,
        ),
        "get-product" => http(
            get_product::handle(
                request(&event),
                &get_product::Deps {
                    products: DynamoProductRepository::new(store),
                },
            )
            .await,
        ),
        "search-products" => http(
            search_products::handle(
                request(&event),
                &search_products::Deps {
                    catalog: DynamoProductSearch::new(store),
                },
            )
            .await,
        ),
        "create-order" => http(
            create_order::handle(
                request(&event),
                &create_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                    currency: Currency::USD,
                },
            )
            .await,
        ),
        "get-order" => http(
            get_order::handle(
                request(&event),
                &get_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "cancel-order" => http(
            cancel_order::handle(
                request(&event),
                &cancel_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                },
            )
            .await,
        ),
        "create-chart" => http(
            create_chart::handle(
                request(&event),
                &create_chart::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "record-points" => http(
            record_points::handle(
                request(&event),
                &record_points::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "create-alert" => http(
            create_alert::handle(
                request(&event),
                &create_alert::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "list-alerts" => http(
            list_alerts::handle(
                request(&event),
                &list_alerts::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "mute-alert" => http(
            mute_alert::handle(
                request(&event),
                &mute_alert::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "publish-events" => publish_events::handle(
            event,
            &publish_events::Deps {
                orders: DynamoOrderRepository::new(store),
                events: stack.publisher(),
            },
        )
        .await
        .map_err(anyhow::Error::msg),
        "evaluate-alerts" => {
            let deps = evaluate_alerts::Deps {
                charts: DynamoMonitoringRepository::new(store),
                mailer: stack.mailer(),
                repeat_interval: time::Duration::hours(4),
            };
            let summary = evaluate_alerts::handle(event, &deps)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(serde_json::to_value(summary)?)
        }
        other => bail!("no in-process runner for {other}"),
    }
}

/// Averages what `COST_SAMPLES` invocations cost, sizing updated items after the fact.
async fn cost(stack: &Stack, scenario: &Scenario, first_index: usize) -> Result<Cost> {
    let mut total = Cost::default();
    for i in 0..COST_SAMPLES {
        // Built before the clock starts: a deployed function builds its clients once.
        let _ = (
            stack.metered(&scenario.table),
            stack.publisher(),
            stack.mailer(),
        );
        stack.meter.take();
        let cpu_before = meter::process_cpu();
        invoke_in_process(
            stack,
            scenario.function,
            &scenario.table,
            (scenario.event)(first_index + i),
        )
        .await?;
        let cpu = meter::process_cpu().saturating_sub(cpu_before);
        let mut tally: Tally = stack.meter.take();
        total.own_cpu_ms += ms(cpu.saturating_sub(tally.sdk_cpu));
        total.sdk_cpu_ms += ms(tally.sdk_cpu);
        let client = aws_sdk_dynamodb::Client::new(&stack.aws);
        for write in std::mem::take(&mut tally.sized_later) {
            let item = client
                .get_item()
                .table_name(&scenario.table)
                .set_key(Some(write.key))
                .send()
                .await?
                .item;
            tally.write_units += meter::write_units(
                item.as_ref().map_or(0, meter::item_size),
                write.transactional,
            );
        }
        let count = |name: &str| tally.calls.iter().filter(|c| *c == name).count() as f64;
        let dynamodb = tally
            .calls
            .iter()
            .filter(|c| *c != "SendEmail" && *c != "PutEvents")
            .count() as f64;
        total.dynamodb_calls += dynamodb;
        total.emails += count("SendEmail");
        total.events += count("PutEvents");
        total.items_read += tally.items_read as f64;
        total.items_written += tally.items_written as f64;
        total.read_units += tally.read_units;
        total.write_units += tally.write_units;
    }
    let n = COST_SAMPLES as f64;
    Ok(Cost {
        dynamodb_calls: total.dynamodb_calls / n,
        items_read: total.items_read / n,
        items_written: total.items_written / n,
        read_units: total.read_units / n,
        write_units: total.write_units / n,
        emails: total.emails / n,
        events: total.events / n,
        own_cpu_ms: total.own_cpu_ms / n,
        sdk_cpu_ms: total.sdk_cpu_ms / n,
    })
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct Cost {
    dynamodb_calls: f64,
    items_read: f64,
    items_written: f64,
    read_units: f64,
    write_units: f64,
    emails: f64,
    events: f64,
    /// CPU of an in-process invocation outside SDK calls: parsing, the domain, building items
    /// and responses.
    own_cpu_ms: f64,
    /// CPU while SDK calls were in flight: serializing, signing, HTTP, deserializing.
    sdk_cpu_ms: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Timing {
    init_ms: f64,
    first_ms: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    cpu_per_invocation_ms: f64,
    peak_rss_mib: f64,
    errors: usize,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn timing(run: &Run) -> Timing {
    let mut warm: Vec<f64> = run.warm.iter().copied().map(ms).collect();
    warm.sort_by(|a, b| a.total_cmp(b));
    Timing {
        init_ms: ms(run.init),
        first_ms: ms(run.first),
        p50_ms: percentile(&warm, 50.0),
        p90_ms: percentile(&warm, 90.0),
        p99_ms: percentile(&warm, 99.0),
        cpu_per_invocation_ms: if run.warm.is_empty() {
            0.0
        } else {
            ms(run.warm_cpu) / run.warm.len() as f64
        },
        peak_rss_mib: run.peak_rss_kib as f64 / 1024.0,
        errors: run.errors,
    }
}

#[derive(Debug, Clone, serde::Serialize)]
struct Size {
    stripped_mib: f64,
    zipped_mib: f64,
}

/// The arm64 release binary `make package` built, and its size once zipped as Lambda takes it.
fn size(function: &str) -> Result<Option<Size>> {
    let binary = root()
        .join("target/lambda")
        .join(function)
        .join("bootstrap");
    if !binary.exists() {
        return Ok(None);
    }
    let zip = std::env::temp_dir().join(format!("{function}-bootstrap.zip"));
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED); z.write(sys.argv[1], 'bootstrap'); z.close()"])
        .arg(&binary)
        .arg(&zip)
        .status()?;
    anyhow::ensure!(status.success(), "zipping {}", binary.display());
    let mib =
        |p: &Path| -> Result<f64> { Ok(std::fs::metadata(p)?.len() as f64 / (1024.0 * 1024.0)) };
    let size = Size {
        stripped_mib: mib(&binary)?,
        zipped_mib: mib(&zip)?,
    };
    std::fs::remove_file(&zip)?;
    Ok(Some(size))
}

#[derive(Debug, Clone, serde::Serialize)]
struct Row {
    label: String,
    function: String,
    timing: Timing,
    cost: Option<Cost>,
    usd_per_million: Option<Prices>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Prices {
    lambda: f64,
    dynamodb: f64,
    ses: f64,
    eventbridge: f64,
    total: f64,
}

fn prices(timing: &Timing, cost: &Cost) -> Prices {
    // Lambda bills whole milliseconds of the measured warm p50.
    let billed_seconds = timing.p50_ms.ceil() / 1e3;
    let lambda = 1e6
        * (billed_seconds * price::LAMBDA_MEMORY_GB * price::LAMBDA_ARM_PER_GB_SECOND
            + price::LAMBDA_PER_REQUEST);
    let dynamodb = 1e6
        * (cost.read_units * price::DYNAMODB_PER_READ_UNIT
            + cost.write_units * price::DYNAMODB_PER_WRITE_UNIT);
    let ses = 1e6 * cost.emails * price::SES_PER_EMAIL;
    let eventbridge = 1e6 * cost.events * price::EVENTBRIDGE_PER_EVENT;
    Prices {
        lambda,
        dynamodb,
        ses,
        eventbridge,
        total: lambda + dynamodb + ses + eventbridge,
    }
}

fn claims() -> Value {
    json!({"sub": "bench-customer", "email": "bench@example.com", "cognito:groups": "[admin]"})
}

fn with_claims(mut event: Value) -> Value {
    event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims(), "scopes": null}});
    event
}

#[tokio::main]
async fn main() -> Result<()> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL is not set: run `make bench`")?;
    let warm = warm_invocations();
    let aws = adapters::config::aws().await?;
    let base_env: Vec<(String, String)> = [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_EC2_METADATA_DISABLED",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| ((*k).to_owned(), v)))
    .collect();
    let stack = Stack {
        aws,
        sender: "reports@example.com".into(),
        bus: "bench-events".into(),
        base_env,
        meter: Meter::default(),
        stores: Mutex::default(),
        publisher: OnceLock::new(),
        mailer: OnceLock::new(),
    };
    eprintln!("bench: local AWS stack at {endpoint}; {warm} warm invocations per function");

    let definition = local_stack::TableDefinition::from_template(&local_stack::template_path())?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&stack.aws);
    // moto copies a whole table for every transaction: the large, read-only data sets get
    // tables of their own, so that the transactional use cases run on small ones.
    for table in [
        "bench-products",
        "bench-search-1k",
        "bench-search-20k",
        "bench-orders",
        "bench-charts",
        "bench-fleet-a",
        "bench-fleet-b",
    ] {
        definition.create(&dynamodb, table).await?;
    }
    local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &stack.sender).await?;
    local_stack::create_event_bus(&aws_sdk_eventbridge::Client::new(&stack.aws), &stack.bus)
        .await?;

    eprintln!(
        "bench: seeding {SMALL_CATALOG} and {LARGE_CATALOG} products, {FLEET_CHARTS} charts twice"
    );
    let small = catalog(SMALL_CATALOG)?;
    DynamoProductRepository::new(stack.store("bench-search-1k"))
        .import(&small)
        .await?;
    DynamoProductRepository::new(stack.store("bench-search-20k"))
        .import(&catalog(LARGE_CATALOG)?)
        .await?;
    let stocked: Vec<Product> = (0..25)
        .map(|i| {
            product(
                &format!("Stocked {i}"),
                "For orders",
                "bench",
                "3.50",
                1_000_000,
                true,
            )
        })
        .collect();
    DynamoProductRepository::new(stack.store("bench-orders"))
        .import(&stocked)
        .await?;
    seed_fleet(&stack, "bench-fleet-a").await?;
    seed_fleet(&stack, "bench-fleet-b").await?;

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
            &stack,
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
    let chart_event = with_claims(event("create-chart.json"));
    let mut charts = Vec::new();
    let alert_charts = (warm + 1 + COST_SAMPLES).div_ceil(45) + 1;
    for _ in 0..(alert_charts + 2) {
        let made =
            invoke_in_process(&stack, "create-chart", "bench-charts", chart_event.clone()).await?;
        charts.push(
            made["body"]["id"]
                .as_str()
                .context("a chart id")?
                .to_owned(),
        );
    }
    let (points_chart, list_chart) = (charts[0].clone(), charts[1].clone());
    let alert_event = |chart: &str| {
        with_claims(with_path_param(
            event("create-alert.json"),
            "id",
            chart,
            &format!("/charts/{chart}/alerts"),
        ))
    };
    let mut listed_alert = String::new();
    for _ in 0..10 {
        let made = invoke_in_process(
            &stack,
            "create-alert",
            "bench-charts",
            alert_event(&list_chart),
        )
        .await?;
        listed_alert = made["body"]["id"]
            .as_str()
            .context("an alert id")?
            .to_owned();
    }
    let record_event = |chart: &str| {
        with_claims(with_path_param(
            event("record-points.json"),
            "id",
            chart,
            &format!("/charts/{chart}/points"),
        ))
    };
    invoke_in_process(
        &stack,
        "record-points",
        "bench-charts",
        record_event(&list_chart),
    )
    .await?;
    let _ = stack.meter.take();

    let product_id = small[0].id().to_string();
    let search = |q: Vec<(&'static str, &'static str)>| {
        move |_: usize| with_query(event("search-products.json"), &q)
    };
    let started = now();
    let alert_chart_ids = charts[2..].to_vec();
    let scenarios: Vec<Scenario> = vec![
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
            "publish-events (empty outbox)",
            "publish-events",
            "bench-orders",
            |_| event("publish-events.json"),
        ),
        scenario("create-chart", "create-chart", "bench-charts", move |_| {
            chart_event.clone()
        }),
        scenario(
            "record-points, 2 points",
            "record-points",
            "bench-charts",
            move |_| record_event(&points_chart),
        ),
        scenario("create-alert", "create-alert", "bench-charts", move |i| {
            alert_event(&alert_chart_ids[i % alert_chart_ids.len()])
        }),
        {
            let chart = list_chart.clone();
            scenario(
                "list-alerts, 10 alerts",
                "list-alerts",
                "bench-charts",
                move |_| {
                    with_claims(with_path_param(
                        event("list-alerts.json"),
                        "id",
                        &chart,
                        &format!("/charts/{chart}/alerts"),
                    ))
                },
            )
        },
        {
            let alert = listed_alert.clone();
            scenario(
                "mute-alert (mute, unmute)",
                "mute-alert",
                "bench-charts",
                move |i| {
                    let file = if i % 2 == 0 {
                        "mute-alert.json"
                    } else {
                        "unmute-alert.json"
                    };
                    let mut e = with_claims(with_path_param(
                        event(file),
                        "id",
                        &alert,
                        &format!("/alerts/{alert}/mute"),
                    ));
                    if i % 2 == 0 {
                        e["body"] = json!(json!({"reason": "benchmark"}).to_string());
                    }
                    e
                },
            )
        },
        {
            let chart = list_chart.clone();
            scenario(
                "evaluate-alerts, one chart",
                "evaluate-alerts",
                "bench-charts",
                move |i| {
                    let mut e = event("evaluate-alerts-chart.json");
                    e["id"] = json!(format!("bench-chart-tick-{i}"));
                    e["time"] = json!(
                        started
                            .saturating_add(time::Duration::seconds(i as i64))
                            .to_string()
                    );
                    e["detail"]["chart_id"] = json!(chart);
                    e
                },
            )
        },
    ];

    let api = RuntimeApi::start()?;
    let mut rows = Vec::new();
    for scenario in &scenarios {
        eprintln!("bench: {}", scenario.label);
        let binary = root().join("target/release").join(scenario.function);
        let events: Vec<Value> = (0..=warm).map(|i| (scenario.event)(i)).collect();
        let run = api.run(
            scenario.function,
            &binary.to_string_lossy(),
            &stack.env_for(&scenario.table),
            &events,
        )?;
        if let Some(error) = &run.first_error {
            bail!(
                "{} answered an invocation with an error: {error}",
                scenario.label
            );
        }
        let mut timing = timing(&run);
        // One start is noisy on a shared machine: init is the median of several.
        let mut inits = vec![run.init];
        for _ in 1..INIT_SAMPLES {
            let start = api.run(
                scenario.function,
                &binary.to_string_lossy(),
                &stack.env_for(&scenario.table),
                &[],
            )?;
            inits.push(start.init);
        }
        inits.sort();
        timing.init_ms = ms(inits[inits.len() / 2]);
        let cost = if scenario.function == "floor" {
            None
        } else {
            Some(cost(&stack, scenario, warm + 1).await?)
        };
        let usd = cost.as_ref().map(|c| prices(&timing, c));
        rows.push(Row {
            label: scenario.label.clone(),
            function: scenario.function.to_owned(),
            timing,
            cost,
            usd_per_million: usd,
        });
    }

    // Scale: one tick over the whole fleet, out of process (wall time, memory) and in process
    // on an identical fleet (calls per chart).
    eprintln!("bench: evaluate-alerts over {FLEET_CHARTS} charts x {ALERTS_PER_CHART} alerts");
    let tick = |id: &str, at: Timestamp| {
        let mut e = event("evaluate-alerts.json");
        e["id"] = json!(id);
        e["time"] = json!(at.to_string());
        e
    };
    let fleet_binary = root().join("target/release/evaluate-alerts");
    let fleet_run = api.run(
        "evaluate-alerts",
        &fleet_binary.to_string_lossy(),
        &stack.env_for("bench-fleet-b"),
        &[
            tick("fleet-1", now()),
            tick("fleet-2", now().saturating_add(time::Duration::minutes(1))),
        ],
    )?;
    if let Some(error) = &fleet_run.first_error {
        bail!("the fleet tick failed: {error}");
    }
    stack.meter.take();
    let reporting = invoke_in_process(
        &stack,
        "evaluate-alerts",
        "bench-fleet-a",
        tick("fleet-a-1", now()),
    )
    .await?;
    let reporting_calls = stack.meter.take();
    let quiet = invoke_in_process(
        &stack,
        "evaluate-alerts",
        "bench-fleet-a",
        tick(
            "fleet-a-2",
            now().saturating_add(time::Duration::minutes(1)),
        ),
    )
    .await?;
    let quiet_calls = stack.meter.take();
    let dynamodb_calls = |t: &Tally| t.calls.iter().filter(|c| *c != "SendEmail").count();
    let fleet = json!({
        "charts": FLEET_CHARTS,
        "alerts_per_chart": ALERTS_PER_CHART,
        "reporting_tick": {
            "wall_ms": ms(fleet_run.first),
            "summary": fleet_run.responses.first(),
            "dynamodb_calls": dynamodb_calls(&reporting_calls),
            "dynamodb_calls_per_chart": dynamodb_calls(&reporting_calls) as f64 / FLEET_CHARTS as f64,
            "emails": reporting_calls.calls.iter().filter(|c| *c == "SendEmail").count(),
            "in_process_summary": reporting,
        },
        "quiet_tick": {
            "wall_ms": fleet_run.warm.first().map(|d| ms(*d)),
            "dynamodb_calls_per_chart": dynamodb_calls(&quiet_calls) as f64 / FLEET_CHARTS as f64,
            "in_process_summary": quiet,
        },
        "peak_rss_mib": fleet_run.peak_rss_kib as f64 / 1024.0,
    });

    let mut sizes = serde_json::Map::new();
    for function in rows
        .iter()
        .map(|r| r.function.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        sizes.insert(function.clone(), serde_json::to_value(size(&function)?)?);
    }

    write_results(&rows, &sizes, &fleet, warm)?;
    Ok(())
}

fn write_results(
    rows: &[Row],
    sizes: &serde_json::Map<String, Value>,
    fleet: &Value,
    warm: usize,
) -> Result<()> {
    let floor = rows
        .iter()
        .find(|r| r.function == "floor")
        .context("the floor row")?;
    let machine = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let date = now().to_string();
    let mut md = String::new();
    md.push_str(&format!(
        "# Benchmark results\n\nMeasured {date} on this project's build machine ({machine}, 2 cores), functions built with the release profile and run through a local Lambda Runtime API against the local AWS stack (moto, one request at a time). {warm} warm invocations per function. Times are local: read them as ratios to the floor (a do-nothing `lambda_runtime` function built the same way); on AWS, DynamoDB's latency replaces moto's. Sizes are the arm64 binaries of `make package`. Reproduce with `make bench`.\n\n"
    ));
    md.push_str("## Start, latency, memory, size\n\n| use case | init ms | init / floor | first ms | p50 ms | p90 ms | p99 ms | CPU ms / warm call | peak RSS MiB | arm64 MiB | zipped MiB |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for row in rows {
        let t = &row.timing;
        let size = &sizes[&row.function];
        let mib = |key: &str| {
            size.get(key)
                .and_then(Value::as_f64)
                .map_or("n/a".to_owned(), |v| format!("{v:.2}"))
        };
        md.push_str(&format!(
            "| {} | {:.1} | {:.2} | {:.1} | {:.2} | {:.2} | {:.2} | {:.3} | {:.1} | {} | {} |\n",
            row.label,
            t.init_ms,
            t.init_ms / floor.timing.init_ms,
            t.first_ms,
            t.p50_ms,
            t.p90_ms,
            t.p99_ms,
            t.cpu_per_invocation_ms,
            t.peak_rss_mib,
            mib("stripped_mib"),
            mib("zipped_mib")
        ));
    }
    md.push_str(&format!(
        "\n## Cost per use case\n\nPer invocation, averaged over {COST_SAMPLES} in-process invocations with metered SDK clients. Request units are estimated from item sizes (4 KB per read unit, half for eventually consistent queries; 1 KB per write unit, twice in a transaction). Price of a million calls: Lambda at 128 MB arm64 billed for the warm p50 above, plus DynamoDB on demand, SES and EventBridge; {}.\n\nOwn CPU is the process CPU of an in-process invocation outside SDK calls (the functions' own work: parsing, domain rules, items, responses); SDK CPU is the CPU while SDK calls were in flight (serializing, signing, HTTP, deserializing; moto closes every connection, so each call also opens one, which AWS would not).\n\n| use case | own CPU ms | SDK CPU ms | DynamoDB calls | items read | items written | read units | write units | SES | EventBridge | $ Lambda / 1M | $ DynamoDB / 1M | $ total / 1M |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        price::DATE
    ));
    for row in rows {
        let (Some(c), Some(p)) = (&row.cost, &row.usd_per_million) else {
            continue;
        };
        md.push_str(&format!(
            "| {} | {:.3} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} |\n",
            row.label, c.own_cpu_ms, c.sdk_cpu_ms, c.dynamodb_calls, c.items_read, c.items_written, c.read_units, c.write_units, c.emails, c.events, p.lambda, p.dynamodb, p.total
        ));
    }
    let reporting = &fleet["reporting_tick"];
    let quiet = &fleet["quiet_tick"];
    md.push_str(&format!(
        "\n## Scale\n\n- Search: the rows for 1,000 and 20,000 products above read the same number of items per page.\n- evaluate-alerts over {} charts with {} alerts each: a tick that reports every chart took {:.0} ms and sent {} e-mails with {:.2} DynamoDB calls per chart; the next, quiet tick took {:.0} ms with {:.2} calls per chart; peak RSS {:.1} MiB.\n",
        fleet["charts"], fleet["alerts_per_chart"], reporting["wall_ms"].as_f64().unwrap_or(0.0), reporting["emails"], reporting["dynamodb_calls_per_chart"].as_f64().unwrap_or(0.0), quiet["wall_ms"].as_f64().unwrap_or(0.0), quiet["dynamodb_calls_per_chart"].as_f64().unwrap_or(0.0), fleet["peak_rss_mib"].as_f64().unwrap_or(0.0)
    ));
    let out = root().join("bench");
    std::fs::write(out.join("results.md"), &md)?;
    let json = json!({"date": date, "machine": machine, "warm_invocations": warm, "prices": price::DATE, "rows": rows, "sizes": sizes, "evaluate_fleet": fleet});
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    println!("{md}");
    Ok(())
}
