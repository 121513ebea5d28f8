//! The local AWS stack the benchmark runs on: metered clients for in-process invocations, the
//! environment of function processes, and the seeded data sets.

use crate::{ALERTS_PER_CHART, FLEET_CHARTS};
use adapters::config::SdkConfig;
use adapters::events::EventBridgePublisher;
use adapters::mail::{Invitations, Links, OrderMailer, ReportMailer, SesMailer};
use adapters::store::DocumentStore;
use anyhow::Result;
use domain::Timestamp;
use domain::catalog::Product;
use domain::monitoring::{Aggregation, CreateAlert, Point, StaleAfter};
use integration_tests::meter::Meter;
use integration_tests::{alert_above, chart_items, product};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Stack {
    pub aws: SdkConfig,
    pub sender: String,
    pub bus: String,
    /// What every function process gets from the environment besides its own settings.
    pub base_env: Vec<(String, String)>,
    /// Meters every in-process invocation; `take` it before and after one.
    pub meter: Meter,
    /// Metered clients, built once (per table) as a deployed function builds them once, so
    /// that building them is not counted as an invocation's work.
    pub stores: Mutex<HashMap<String, DocumentStore>>,
    pub publisher: EventBridgePublisher,
    pub mailer: SesMailer,
    /// The metered SES client behind `mailer`, for the mailers that wrap their own.
    pub ses: aws_sdk_sesv2::Client,
}

impl Stack {
    pub fn new(aws: SdkConfig, base_env: Vec<(String, String)>) -> Self {
        let meter = Meter::default();
        let (sender, bus) = ("reports@example.com".to_owned(), "bench-events".to_owned());
        let events = aws_sdk_eventbridge::config::Builder::from(&aws).interceptor(meter.clone());
        let ses = aws_sdk_sesv2::config::Builder::from(&aws).interceptor(meter.clone());
        let ses = aws_sdk_sesv2::Client::from_conf(ses.build());
        Self {
            publisher: EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::from_conf(events.build()),
                &bus,
            ),
            mailer: SesMailer::new(ses.clone(), &sender),
            ses,
            aws,
            sender,
            bus,
            base_env,
            meter,
            stores: Mutex::default(),
        }
    }

    pub fn store(&self, table: &str) -> DocumentStore {
        DocumentStore::new(aws_sdk_dynamodb::Client::new(&self.aws), table)
    }

    pub fn metered(&self, table: &str) -> DocumentStore {
        let mut stores = self.stores.lock().unwrap();
        let store = stores.entry(table.to_owned()).or_insert_with(|| {
            let config = aws_sdk_dynamodb::config::Builder::from(&self.aws)
                .interceptor(self.meter.clone())
                .build();
            DocumentStore::new(aws_sdk_dynamodb::Client::from_conf(config), table)
        });
        store.clone()
    }

    pub fn publisher(&self) -> EventBridgePublisher {
        self.publisher.clone()
    }

    /// Links in the bench's e-mails.
    fn links() -> Links {
        Links::new("http://127.0.0.1:9000").expect("a base URL")
    }

    /// Monitoring's reports, metered.
    pub fn report_mailer(&self) -> ReportMailer {
        ReportMailer::new(self.mailer(), Self::links())
    }

    /// Invitations of the functions that list recipients, metered.
    pub fn invitations(&self) -> Invitations {
        Invitations::new(self.mailer(), Some(Self::links()))
    }

    pub fn mailer(&self) -> SesMailer {
        self.mailer.clone()
    }

    /// Customers' order e-mails, metered, from the same verified sender as the reports.
    pub fn order_mailer(&self) -> OrderMailer {
        OrderMailer::new(self.ses.clone(), &self.sender)
    }

    pub fn env_for(&self, table: &str) -> Vec<(String, String)> {
        let mut env = self.base_env.clone();
        env.extend([
            ("TABLE_NAME".to_owned(), table.to_owned()),
            ("EVENT_BUS_NAME".to_owned(), self.bus.clone()),
            ("REPORT_SENDER".to_owned(), self.sender.clone()),
            (
                "PUBLIC_BASE_URL".to_owned(),
                "http://127.0.0.1:9000".to_owned(),
            ),
            // The bench's customer makes hundreds of charts.
            ("MAX_CHARTS_PER_CUSTOMER".to_owned(), "1000000".to_owned()),
            ("NOTIFY_SENDER".to_owned(), self.sender.clone()),
            ("CURRENCY".to_owned(), "USD".to_owned()),
        ]);
        env
    }
}

pub fn now() -> Timestamp {
    Timestamp::from(time::OffsetDateTime::now_utc())
}

/// A catalog of `size` products: a fifth of them shirts, the rest other things.
pub fn catalog(size: usize) -> Result<Vec<Product>> {
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

pub async fn seed_fleet(stack: &Stack, table: &str) -> Result<()> {
    let created = now().saturating_sub(time::Duration::minutes(10));
    let names: Vec<String> = (0..ALERTS_PER_CHART).map(|s| format!("s{s}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // One point a series, over the threshold: every chart reports. (Each point is an item,
    // and moto walks a whole table for an index query: more points would time the moto out.)
    let points = [Point {
        at_millis: created.unix_millis(),
        value: 150.0,
    }];
    let mut items = Vec::new();
    for i in 0..FLEET_CHARTS {
        items.extend(chart_items(
            "fleet",
            &format!("Chart {i}"),
            "fleet-oncall@example.com",
            &names,
            &points,
            // Fresh for a day: the fleet's tick runs long after the seeding.
            |series| CreateAlert {
                stale_after: StaleAfter::parse("1d").expect("a duration"),
                ..alert_above(series, 100.0, Aggregation::Last, 1)
            },
            created,
        ));
    }
    stack.store(table).batch_put(items).await?;
    Ok(())
}

/// The event from the bench's customer (an admin: it also ships orders and changes products).
pub fn with_claims(event: Value) -> Value {
    as_customer(event, "bench-customer")
}

/// The event from another customer (an admin too, as the bench's).
pub fn as_customer(mut event: Value, sub: &str) -> Value {
    let claims =
        json!({"sub": sub, "email": format!("{sub}@example.com"), "cognito:groups": "[admin]"});
    event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    event
}

/// `count` orders of `customer`'s, stored as create-order stores them but in one batch (the
/// history list-orders pages through; moto copies a whole table for every transaction, so
/// placing them one by one would take minutes).
pub async fn seed_orders(
    stack: &Stack,
    table: &str,
    customer: &str,
    count: usize,
    product: &Product,
) -> Result<()> {
    use domain::order::{CreateOrder, LineInput, Order};
    let id = product.id().to_string();
    let lines = [LineInput {
        product_id: Some(&id),
        quantity: Some(1),
    }];
    let mut validation = domain::Validation::new();
    let command = CreateOrder::parse(Some(&lines), &mut validation)
        .ok_or_else(|| anyhow::anyhow!("a one-line order"))?;
    let offer = domain::catalog::Offer::from(product);
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let (order, _) = Order::place(
            domain::CustomerId::parse(customer)?,
            None,
            command.lines(),
            std::slice::from_ref(&offer),
            domain::Currency::USD,
            now(),
        )
        .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
        items.push(adapters::store::new_item(&order)?);
    }
    stack.store(table).batch_put(items).await?;
    Ok(())
}
