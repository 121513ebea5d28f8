//! `make bench`: every function binary started the way Lambda starts it (through a local
//! Runtime API), against the local AWS stack, side by side with a do-nothing function built
//! with the same profile; plus what each use case costs in DynamoDB, SES and EventBridge
//! calls, and the AWS price of a million calls of it. Writes `bench/results.md` and
//! `bench/results.json`.
//!
//! Machines here are noisy: read the times as ratios to the floor, measured in the same run.

mod chart_scenarios;
mod cost;
mod fleet;
mod invoke;
mod report;
mod runtime_api;
mod scenarios;
mod sdk_clock;
mod stack;

use adapters::catalog::DynamoProductRepository;
use anyhow::{Context, Result, bail};
use cost::{cost, prices};
use domain::catalog::Product;
use integration_tests::product;
use report::{Row, ms, size, timing, write_results};
use runtime_api::RuntimeApi;
use serde_json::Value;
use stack::{Stack, catalog, seed_fleet};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SMALL_CATALOG: usize = 1_000;
const LARGE_CATALOG: usize = 20_000;
const FLEET_CHARTS: usize = 2_000;
const ALERTS_PER_CHART: usize = 5;
/// In-process invocations per use case whose costs are averaged (CPU: the median).
const COST_SAMPLES: usize = 21;
/// Process starts whose median is a function's init time (and as many of the floor's).
const INIT_SAMPLES: usize = 25;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the functions' native binaries are: beside this one, built by the same command.
fn binaries() -> Result<PathBuf> {
    let me = std::env::current_exe().context("the bench's own path")?;
    Ok(me.parent().context("the bench's directory")?.to_owned())
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn warm_invocations() -> usize {
    std::env::var("BENCH_WARM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

// One thread, as the functions run, so that a thread's CPU clock times an invocation.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL is not set: run `make bench`")?;
    let warm = warm_invocations();
    let sdk_clock = sdk_clock::SdkClock::install()?;
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
    let stack = Stack::new(aws, base_env);
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
        "bench-history",
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
    // One customer with 10 orders, one with 1,000: a page of either reads the same.
    stack::seed_orders(&stack, "bench-history", "bench-few", 10, &stocked[0]).await?;
    stack::seed_orders(&stack, "bench-history", "bench-many", 1_000, &stocked[0]).await?;
    seed_fleet(&stack, "bench-fleet-a").await?;
    seed_fleet(&stack, "bench-fleet-b").await?;

    let scenarios = scenarios::prepare(&stack, warm, &stocked, &small).await?;

    let api = RuntimeApi::start()?;
    let mut rows = Vec::new();
    for scenario in &scenarios {
        eprintln!("bench: {}", scenario.label);
        let binary = binaries()?.join(scenario.function);
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
        // One start is noisy on a shared machine: init is the median of several, and the
        // floor's starts alternate with them, so that the ratio compares starts made at the
        // same moments of a machine whose speed drifts during the run.
        let env = stack.env_for(&scenario.table);
        let start = |function: &str, binary: &Path| -> Result<Duration> {
            Ok(api
                .run(function, &binary.to_string_lossy(), &env, &[])?
                .init)
        };
        let mut inits = vec![run.init];
        let mut floor_inits = Vec::new();
        for _ in 1..INIT_SAMPLES {
            inits.push(start(scenario.function, &binary)?);
            if scenario.function != "floor" {
                floor_inits.push(start("floor", &binaries()?.join("floor"))?);
            }
        }
        timing.init_ms = ms(median(&mut inits));
        timing.floor_init_ms = if floor_inits.is_empty() {
            timing.init_ms
        } else {
            ms(median(&mut floor_inits))
        };
        // A call can outlast the SDK's timeouts while the local server stalls: the row says
        // so, and the rest of the run is still measured and written.
        let (cost, cost_error) = if scenario.function == "floor" {
            (None, None)
        } else {
            match cost(&stack, &sdk_clock, scenario, warm + 1).await {
                Ok(cost) => (Some(cost), None),
                Err(error) => {
                    eprintln!("bench: {}: cost not measured: {error:#}", scenario.label);
                    (None, Some(format!("{error:#}")))
                }
            }
        };
        let usd = cost.as_ref().map(|c| prices(&timing, c));
        rows.push(Row {
            label: scenario.label.clone(),
            function: scenario.function.to_owned(),
            timing,
            cost,
            cost_error,
            usd_per_million: usd,
        });
    }

    // Scale: a tick over the whole fleet, split by shard. The local server can time out
    // under it; the figures above are written anyway, with the failure in the fleet's place.
    let fleet = match fleet::measure(&stack, &api).await {
        Ok(fleet) => fleet,
        Err(error) => {
            eprintln!("bench: the fleet tick failed: {error:#}");
            serde_json::json!({ "error": format!("{error:#}") })
        }
    };

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
