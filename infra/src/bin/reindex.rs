//! After upgrading from a version whose orders and charts had no list index: writes the index
//! keys of every order and chart stored before, so `GET /orders` and `GET /charts` list them.
//! Run once against the deployed table (`TABLE_NAME`, with AWS credentials and region):
//!
//! ```sh
//! TABLE_NAME=<table> cargo run -p local-stack --bin reindex
//! ```

use adapters::store::DocumentStore;
use domain::monitoring::Chart;
use domain::order::Order;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = std::env::var("TABLE_NAME")
        .map_err(|_| anyhow::anyhow!("set TABLE_NAME to the table to reindex"))?;
    let store = DocumentStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let orders = store.reindex::<Order>().await?;
    let charts = store.reindex::<Chart>().await?;
    println!("reindexed {orders} orders and {charts} charts");
    Ok(())
}
