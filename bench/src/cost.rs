//! What an invocation costs: DynamoDB, SES and EventBridge calls and request units, own and
//! SDK CPU, and the AWS price of a million such calls.

use crate::COST_SAMPLES;
use crate::invoke::{Input, run_in_process};
use crate::report::{Timing, ms};
use crate::scenarios::Scenario;
use crate::sdk_clock::SdkClock;
use crate::stack::Stack;
use anyhow::Result;
use integration_tests::meter::{self, Tally};

/// List prices used for the cost figures: us-east-1, as published in November 2026 (DynamoDB
/// on-demand at the rates in force since its November 2024 price cut).
pub mod price {
    pub const DATE: &str = "us-east-1 list prices, 2026-11";
    pub const LAMBDA_ARM_PER_GB_SECOND: f64 = 0.000_013_333_4;
    pub const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
    pub const LAMBDA_MEMORY_GB: f64 = 128.0 / 1024.0;
    pub const DYNAMODB_PER_WRITE_UNIT: f64 = 0.625 / 1e6;
    pub const DYNAMODB_PER_READ_UNIT: f64 = 0.125 / 1e6;
    pub const SES_PER_EMAIL: f64 = 0.10 / 1e3;
    pub const EVENTBRIDGE_PER_EVENT: f64 = 1.00 / 1e6;
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Cost {
    pub dynamodb_calls: f64,
    pub items_read: f64,
    pub items_written: f64,
    pub read_units: f64,
    pub write_units: f64,
    pub emails: f64,
    pub events: f64,
    /// CPU of an in-process invocation outside SDK calls: parsing, the domain, building items
    /// and responses.
    pub own_cpu_ms: f64,
    /// The fastest and slowest of the samples whose median is `own_cpu_ms`: how noisy the
    /// machine was while they ran.
    pub own_cpu_range_ms: (f64, f64),
    /// CPU while SDK calls were in flight: serializing, signing, HTTP, deserializing.
    pub sdk_cpu_ms: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Prices {
    pub lambda: f64,
    pub dynamodb: f64,
    pub ses: f64,
    pub eventbridge: f64,
    pub total: f64,
}

pub fn prices(timing: &Timing, cost: &Cost) -> Prices {
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

/// What `COST_SAMPLES` invocations cost: calls and units averaged, updated items sized after
/// the fact; CPU as the median, since the first call of a handler in this process also pays
/// for touching its code for the first time, and some calls fall into the machine's slow spells.
pub async fn cost(
    stack: &Stack,
    sdk_clock: &SdkClock,
    scenario: &Scenario,
    first_index: usize,
) -> Result<Cost> {
    let mut total = Cost::default();
    let (mut own_cpu, mut sdk_cpu) = (Vec::new(), Vec::new());
    for i in 0..COST_SAMPLES {
        // Built before the clock starts: a deployed function builds its clients once.
        let _ = stack.metered(&scenario.table);
        let input = Input::of((scenario.event)(first_index + i));
        stack.meter.take();
        sdk_clock.take();
        let cpu_before = meter::thread_cpu();
        let output = run_in_process(stack, scenario.function, &scenario.table, input).await?;
        let cpu = meter::thread_cpu().saturating_sub(cpu_before);
        let in_sdk = sdk_clock.take();
        output.into_value(scenario.function)?;
        let mut tally: Tally = stack.meter.take();
        own_cpu.push(ms(cpu.saturating_sub(in_sdk)));
        sdk_cpu.push(ms(in_sdk));
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
        own_cpu_range_ms: (
            own_cpu.iter().copied().fold(f64::INFINITY, f64::min),
            own_cpu.iter().copied().fold(0.0, f64::max),
        ),
        own_cpu_ms: median(own_cpu),
        sdk_cpu_ms: median(sdk_cpu),
    })
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
