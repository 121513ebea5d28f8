//! `local-stack bootstrap`: the table (from template.yaml), the SES sender identity and the
//! event bus on the local AWS-protocol server. `local-stack seed`: demo products.
//! Both read the same variables as the functions (`TABLE_NAME`, `EVENT_BUS_NAME`,
//! `REPORT_SENDER`, `AWS_ENDPOINT_URL`, ...) and can be run again safely.

use adapters::catalog::DynamoProductRepository;
use adapters::config;
use adapters::events::EventBridgePublisher;
use adapters::store::DocumentStore;
use anyhow::{Context, Result, bail};
use domain::catalog::{CreateProduct, CreateProductError, CreateProductInput, create_product};
use domain::{Caller, CustomerId, SystemClock, Validation};
use local_stack::{TableDefinition, create_event_bus, template_path, verify_sender};

#[tokio::main]
async fn main() -> Result<()> {
    let aws = config::aws().await?;
    match std::env::args().nth(1).as_deref() {
        Some("bootstrap") => bootstrap(&aws).await,
        Some("seed") => seed(&aws).await,
        _ => bail!("usage: local-stack bootstrap|seed"),
    }
}

async fn bootstrap(aws: &config::SdkConfig) -> Result<()> {
    let table = config::required("TABLE_NAME")?;
    TableDefinition::from_template(&template_path())?
        .create(&aws_sdk_dynamodb::Client::new(aws), &table)
        .await?;
    println!("table {table} ready");
    for variable in ["REPORT_SENDER", "NOTIFY_SENDER"] {
        if let Ok(sender) = config::required(variable) {
            verify_sender(&aws_sdk_sesv2::Client::new(aws), &sender).await?;
            println!("SES identity {sender} verified");
        }
    }
    if let Ok(bus) = config::required("EVENT_BUS_NAME") {
        create_event_bus(&aws_sdk_eventbridge::Client::new(aws), &bus).await?;
        println!("event bus {bus} ready");
    }
    Ok(())
}

const DEMO_PRODUCTS: &[(&str, &str, &str, &str, i64)] = &[
    (
        "Blue Shirt",
        "A cotton shirt, sky blue",
        "shirts",
        "19.99",
        40,
    ),
    (
        "Red Shirt",
        "A cotton shirt, bright red",
        "shirts",
        "19.99",
        0,
    ),
    (
        "Café Mug",
        "Stoneware mug for a large coffee",
        "kitchen",
        "12.50",
        120,
    ),
    (
        "Espresso Cup Set",
        "Four small cups and saucers",
        "kitchen",
        "24.00",
        15,
    ),
    (
        "Trail Running Shoes",
        "Light shoes with a grippy sole",
        "shoes",
        "89.90",
        8,
    ),
    (
        "Wool Socks",
        "Warm socks for hiking, three pairs",
        "socks",
        "14.00",
        60,
    ),
    (
        "Rain Jacket",
        "Waterproof shell with a hood",
        "jackets",
        "129.00",
        5,
    ),
    (
        "Linen Trousers",
        "Loose summer trousers",
        "trousers",
        "59.00",
        12,
    ),
];

async fn seed(aws: &config::SdkConfig) -> Result<()> {
    let products = DynamoProductRepository::new(DocumentStore::from_env(aws)?);
    let admin = Caller {
        customer_id: CustomerId::parse("demo-admin")?,
        email: None,
        admin: true,
    };
    let currency = config::currency()?;
    let events = EventBridgePublisher::from_env(aws)?;
    let mut created = 0;
    for &(name, description, category, price, stock) in DEMO_PRODUCTS {
        let mut validation = Validation::new();
        let input = CreateProductInput {
            name: Some(name),
            description: Some(description),
            category: Some(category),
            price: Some(price),
            stock: Some(stock),
            active: None,
        };
        let command = CreateProduct::parse(input, &mut validation);
        let command = validation
            .finish(|| command)
            .map_err(|errors| anyhow::anyhow!("demo product {name}: {errors:?}"))?;
        match create_product(&admin, command, currency, &SystemClock, &products, &events).await {
            Ok(_) => created += 1,
            Err(CreateProductError::DuplicateName(_)) => {}
            Err(e) => return Err(e).context("seeding demo products"),
        }
    }
    println!("{created} demo products created");
    Ok(())
}
