//! evaluate-alerts at fleet scale: a tick split by shard, measured on the local stack (wall
//! time per shard out of process; calls, request units and e-mails per chart in process),
//! and what a 100,000-chart tick would take and cost on AWS, projected from those figures.

use crate::cost::price;
use crate::invoke::invoke_in_process;
use crate::report::ms;
use crate::runtime_api::RuntimeApi;
use crate::stack::{Stack, now};
use crate::{ALERTS_PER_CHART, FLEET_CHARTS, binaries};
use anyhow::{Result, bail};
use domain::Timestamp;
use domain::monitoring::SHARDS;
use integration_tests::event;
use integration_tests::meter::Tally;
use serde_json::{Value, json};

/// The fleet the projection is for.
const PROJECTED_CHARTS: f64 = 100_000.0;
/// Charts each invocation evaluates at a time (`evaluate_alerts::CONCURRENCY`).
const CONCURRENCY: f64 = evaluate_alerts::CONCURRENCY as f64;
/// evaluate-alerts' memory in `template.yaml`, in GB.
const MEMORY_GB: f64 = 0.5;
/// The deployed schedule's interval, `rate(5 minutes)`.
const TICK_SECONDS: f64 = 300.0;
const TICKS_PER_MONTH: f64 = 30.0 * 24.0 * 3600.0 / TICK_SECONDS;

/// Published and commonly observed latencies in one region (DynamoDB: "single-digit
/// milliseconds" per request, transactions about twice a single write; SES v2 SendEmail a
/// few tens of milliseconds), in ms, taken at their slow end.
mod latency {
    pub const READ: f64 = 8.0;
    pub const WRITE: f64 = 10.0;
    pub const TRANSACTION: f64 = 20.0;
    pub const SES_SEND: f64 = 80.0;
}

/// SES's default sending rate for an account out of the sandbox (messages a second); raised
/// on request.
const SES_DEFAULT_RATE: f64 = 14.0;
/// The share of charts whose report goes out on a usual tick (alerting changes are rare).
const USUAL_REPORTING_SHARE: f64 = 0.01;

fn tick(id: &str, at: Timestamp, detail: Value) -> Value {
    let mut e = event("evaluate-alerts.json");
    e["id"] = json!(id);
    e["time"] = json!(at.to_string());
    e["detail"] = detail;
    e
}

/// The tick's shard events, as the dispatching invocation puts them on the bus.
fn shard_events(id: &str, at: Timestamp) -> Vec<Value> {
    (0..SHARDS)
        .map(|shard| {
            let detail = json!({"tick": id, "time": at, "shard": shard});
            tick(&format!("{id}-shard-{shard}"), at, detail)
        })
        .collect()
}

/// One chart's share of a tick's calls: DynamoDB calls by kind, units, e-mails.
fn per_chart(tally: &Tally, charts: f64) -> Value {
    let count = |f: &dyn Fn(&str) -> bool| tally.calls.iter().filter(|c| f(c)).count() as f64;
    let reads = count(&|c| matches!(c, "GetItem" | "Query" | "BatchGetItem"));
    let writes = count(&|c| matches!(c, "PutItem" | "UpdateItem" | "DeleteItem"));
    let transactions = count(&|c| c == "TransactWriteItems");
    let emails = count(&|c| c == "SendEmail");
    json!({
        "dynamodb_calls": (reads + writes + transactions) / charts,
        "reads": reads / charts,
        "writes": writes / charts,
        "transactions": transactions / charts,
        "read_units": tally.read_units / charts,
        "write_units": tally.write_units / charts,
        "emails": emails / charts,
    })
}

/// Measures a reporting tick (every chart reports) and the quiet one after it: out of
/// process on `bench-fleet-b`, one invocation per shard; in process on the identical
/// `bench-fleet-a`, metered. Both fleets are seeded with [`FLEET_CHARTS`] charts.
pub async fn measure(stack: &Stack, api: &RuntimeApi) -> Result<Value> {
    eprintln!(
        "bench: evaluate-alerts over {FLEET_CHARTS} charts x {ALERTS_PER_CHART} alerts, by shard"
    );
    let binary = binaries()?.join("evaluate-alerts");
    let start = now();
    let mut events = shard_events("fleet-1", start);
    events.extend(shard_events(
        "fleet-2",
        start.saturating_add(time::Duration::minutes(1)),
    ));
    let run = api.run(
        "evaluate-alerts",
        &binary.to_string_lossy(),
        &stack.env_for("bench-fleet-b"),
        &events,
    )?;
    if let Some(error) = &run.first_error {
        bail!("a shard of the fleet tick failed: {error}");
    }
    let shards = usize::from(SHARDS);
    let durations: Vec<f64> = std::iter::once(run.first)
        .chain(run.warm.iter().copied())
        .map(ms)
        .collect();
    let (reporting_ms, quiet_ms) = durations.split_at(shards.min(durations.len()));
    let charts_in = |responses: &[Value]| -> Vec<u64> {
        responses
            .iter()
            .map(|r| r["charts"].as_u64().unwrap_or(0))
            .collect()
    };
    let reporting_charts = charts_in(&run.responses[..shards.min(run.responses.len())]);
    let reporting_responses = &run.responses[..shards.min(run.responses.len())];
    let sent: u64 = reporting_responses
        .iter()
        .map(|r| r["reports_sent"].as_u64().unwrap_or(0))
        .sum();
    // A chart whose calls outlast the functions' timeouts (moto copies a whole table for each
    // transaction) fails and keeps its states: counted, not hidden.
    let failed: u64 = reporting_responses
        .iter()
        .map(|r| r["failed_charts"].as_array().map_or(0, |f| f.len() as u64))
        .sum();
    if sent + failed != FLEET_CHARTS as u64 {
        bail!(
            "the reporting tick sent {sent} reports and failed {failed} charts of {FLEET_CHARTS}"
        );
    }

    stack.meter.take();
    let in_process = |id: &str, at: Timestamp| {
        invoke_in_process(
            stack,
            "evaluate-alerts",
            "bench-fleet-a",
            tick(id, at, json!({})),
        )
    };
    let reporting = in_process("fleet-a-1", start).await?;
    let reporting_tally = stack.meter.take();
    let quiet = in_process(
        "fleet-a-2",
        start.saturating_add(time::Duration::minutes(1)),
    )
    .await?;
    let quiet_tally = stack.meter.take();
    let charts = FLEET_CHARTS as f64;
    let stats = |values: &[f64]| {
        json!({
            "sum_ms": values.iter().sum::<f64>(),
            "max_ms": values.iter().copied().fold(0.0, f64::max),
            "each_ms": values,
        })
    };
    let mut fleet = json!({
        "charts": FLEET_CHARTS,
        "alerts_per_chart": ALERTS_PER_CHART,
        "shards": SHARDS,
        "reporting_tick": {
            "shard_wall": stats(reporting_ms),
            "charts_per_shard": reporting_charts,
            "reports_sent": sent,
            "failed_charts": failed,
            "per_chart": per_chart(&reporting_tally, charts),
            "in_process_summary": reporting,
        },
        "quiet_tick": {
            "shard_wall": stats(quiet_ms),
            "per_chart": per_chart(&quiet_tally, charts),
            "in_process_summary": quiet,
        },
        "peak_rss_mib": run.peak_rss_kib as f64 / 1024.0,
    });
    fleet["projection"] = projection(&fleet);
    Ok(fleet)
}

/// Seconds of DynamoDB (and SES) latency one chart's evaluation waits for.
fn chart_seconds(per_chart: &Value) -> f64 {
    let f = |k: &str| per_chart[k].as_f64().unwrap_or(0.0);
    (f("reads") * latency::READ
        + f("writes") * latency::WRITE
        + f("transactions") * latency::TRANSACTION
        + f("emails") * latency::SES_SEND)
        / 1e3
}

/// One tick of [`PROJECTED_CHARTS`] with a share of them reporting: per-shard time and the
/// tick's cost, from the measured per-chart figures.
fn tick_projection(quiet: &Value, reporting: &Value, share: f64, ses_rate: f64) -> Value {
    let per_shard = PROJECTED_CHARTS / f64::from(SHARDS);
    let mix = |k: &str| {
        let q = quiet[k].as_f64().unwrap_or(0.0);
        let r = reporting[k].as_f64().unwrap_or(0.0);
        q * (1.0 - share) + r * share
    };
    let waited = chart_seconds(quiet) * (1.0 - share) + chart_seconds(reporting) * share;
    let dynamodb_bound = per_shard * waited / CONCURRENCY;
    // SES's rate is the account's: all shards share it.
    let emails = PROJECTED_CHARTS * mix("emails");
    let ses_bound = emails / ses_rate;
    let shard_seconds = dynamodb_bound.max(ses_bound);
    let dynamodb_usd = PROJECTED_CHARTS
        * (mix("read_units") * price::DYNAMODB_PER_READ_UNIT
            + mix("write_units") * price::DYNAMODB_PER_WRITE_UNIT);
    let ses_usd = emails * price::SES_PER_EMAIL;
    let invocations = f64::from(SHARDS) + 1.0;
    let lambda_usd = invocations * price::LAMBDA_PER_REQUEST
        + f64::from(SHARDS) * shard_seconds * MEMORY_GB * price::LAMBDA_ARM_PER_GB_SECOND;
    let eventbridge_usd = f64::from(SHARDS) * price::EVENTBRIDGE_PER_EVENT;
    let usd = dynamodb_usd + ses_usd + lambda_usd + eventbridge_usd;
    json!({
        "reporting_share": share,
        "ses_rate_per_second": ses_rate,
        "charts_per_shard": per_shard,
        "emails": emails,
        "shard_seconds_dynamodb_bound": dynamodb_bound,
        "tick_seconds_ses_bound": ses_bound,
        "shard_seconds": shard_seconds,
        "fits_the_interval": shard_seconds < TICK_SECONDS,
        "usd": {"dynamodb": dynamodb_usd, "ses": ses_usd, "lambda": lambda_usd, "eventbridge": eventbridge_usd, "total": usd},
        "usd_per_month_at_this_tick": usd * TICKS_PER_MONTH,
    })
}

fn projection(fleet: &Value) -> Value {
    let quiet = &fleet["quiet_tick"]["per_chart"];
    let reporting = &fleet["reporting_tick"]["per_chart"];
    json!({
        "charts": PROJECTED_CHARTS,
        "quiet": tick_projection(quiet, reporting, 0.0, SES_DEFAULT_RATE),
        "usual": tick_projection(quiet, reporting, USUAL_REPORTING_SHARE, SES_DEFAULT_RATE),
        "all_report_default_ses_rate": tick_projection(quiet, reporting, 1.0, SES_DEFAULT_RATE),
        "all_report_raised_ses_rate": tick_projection(quiet, reporting, 1.0, 500.0),
    })
}

/// The fleet's section of `bench/results.md`.
pub fn markdown(fleet: &Value) -> String {
    if let Some(error) = fleet["error"].as_str() {
        return format!(
            "- evaluate-alerts over the fleet: not measured in this run; its tick failed on the local server: {error}\n"
        );
    }
    let r = &fleet["reporting_tick"];
    let q = &fleet["quiet_tick"];
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let mut md = format!(
        "- evaluate-alerts over {} charts with {} alerts each, split into {} shard invocations (as the deployed rule splits a tick): a tick in which every chart reports took {:.0} ms of shard invocations in all (the slowest shard {:.0} ms; {} reports sent, {} charts failed on the local server's timeouts and kept their states), with per chart {:.2} DynamoDB calls ({:.2} reads, {:.2} writes, {:.2} transactions), {:.2} read units, {:.2} write units, {:.2} e-mails; the next, quiet tick took {:.0} ms in all (slowest shard {:.0} ms) with {:.2} calls and {:.2} read units per chart and no write; peak RSS {:.1} MiB.\n",
        fleet["charts"],
        fleet["alerts_per_chart"],
        fleet["shards"],
        f(&r["shard_wall"]["sum_ms"]),
        f(&r["shard_wall"]["max_ms"]),
        r["reports_sent"],
        r["failed_charts"],
        f(&r["per_chart"]["dynamodb_calls"]),
        f(&r["per_chart"]["reads"]),
        f(&r["per_chart"]["writes"]),
        f(&r["per_chart"]["transactions"]),
        f(&r["per_chart"]["read_units"]),
        f(&r["per_chart"]["write_units"]),
        f(&r["per_chart"]["emails"]),
        f(&q["shard_wall"]["sum_ms"]),
        f(&q["shard_wall"]["max_ms"]),
        f(&q["per_chart"]["dynamodb_calls"]),
        f(&q["per_chart"]["read_units"]),
        f(&fleet["peak_rss_mib"]),
    );
    let p = &fleet["projection"];
    md.push_str(&format!(
        "\n### A 100,000-chart tick on AWS (projected)\n\nFrom the per-chart figures above, with these assumptions: {} shards ({:.0} charts each) run at once (the template's `AsyncConcurrency` at 17 or more, or 0; its default, 5, runs them five at a time, about four times as long), each evaluating {} charts at a time; DynamoDB answers a read in {} ms, a write in {} ms, a transaction in {} ms, SES a send in {} ms (the slow end of their published single- and double-digit latencies); SES's account rate is {} e-mails a second unless raised (it is shared by all shards); a shard's time is the larger of its DynamoDB-bound time and the account's SES-bound time; prices as above ({}), Lambda at 512 MB arm64 (evaluate-alerts' memory) for each shard's time, plus the dispatching invocation and 16 EventBridge events. Moto's times are not used: it serves one request at a time.\n\n| tick | e-mails | shard time s | fits a 5-minute interval | $ per tick | $ per month at one tick every 5 minutes |\n|---|---|---|---|---|---|\n",
        fleet["shards"], f(&p["quiet"]["charts_per_shard"]), CONCURRENCY, latency::READ, latency::WRITE, latency::TRANSACTION, latency::SES_SEND, SES_DEFAULT_RATE, price::DATE
    ));
    for (label, key) in [
        ("quiet (nothing to report)", "quiet"),
        ("usual (1% of charts report)", "usual"),
        (
            "every chart reports, default SES rate",
            "all_report_default_ses_rate",
        ),
        (
            "every chart reports, SES rate raised to 500/s",
            "all_report_raised_ses_rate",
        ),
    ] {
        let t = &p[key];
        md.push_str(&format!(
            "| {label} | {:.0} | {:.1} | {} | {:.4} | {:.2} |\n",
            f(&t["emails"]),
            f(&t["shard_seconds"]),
            if t["fits_the_interval"].as_bool().unwrap_or(false) {
                "yes"
            } else {
                "no"
            },
            f(&t["usd"]["total"]),
            f(&t["usd_per_month_at_this_tick"]),
        ));
    }
    md.push_str("\nA tick in which every chart reports is bound by SES's rate, not by DynamoDB or Lambda: at the default rate the e-mails take longer than the interval (throttled sends are retried with backoff, then the chart fails and keeps its states for the next tick), so a fleet that size needs its SES rate raised. Each shard of a quiet or usual tick finishes in seconds, far inside its 15-minute timeout.\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fleet_tick_is_reported_as_not_measured_with_its_cause() {
        let text = markdown(&json!({"error": "shard 0: request has timed out"}));
        assert!(text.contains("not measured"), "{text}");
        assert!(text.contains("shard 0: request has timed out"), "{text}");
    }
}
