//! Timings of function processes, binary sizes, and the results written to
//! `bench/results.md` and `bench/results.json`.

use crate::cost::{Cost, Prices, price};
use crate::runtime_api::Run;
use crate::stack::now;
use crate::{COST_SAMPLES, INIT_SAMPLES, root};
use anyhow::Result;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Timing {
    pub init_ms: f64,
    /// The floor's init, from starts alternating with this function's.
    pub floor_init_ms: f64,
    pub first_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub cpu_per_invocation_ms: f64,
    pub peak_rss_mib: f64,
    pub errors: usize,
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn timing(run: &Run) -> Timing {
    let mut warm: Vec<f64> = run.warm.iter().copied().map(ms).collect();
    warm.sort_by(|a, b| a.total_cmp(b));
    Timing {
        init_ms: ms(run.init),
        floor_init_ms: ms(run.init),
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
pub struct Size {
    pub stripped_mib: f64,
    pub zipped_mib: f64,
}

/// The arm64 release binary `make package` built, and its size once zipped as Lambda takes it.
pub fn size(function: &str) -> Result<Option<Size>> {
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
pub struct Row {
    pub label: String,
    pub function: String,
    pub timing: Timing,
    pub cost: Option<Cost>,
    /// Why the cost was not measured (a call outlasted the SDK's timeouts on the local server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_error: Option<String>,
    pub usd_per_million: Option<Prices>,
}

pub fn write_results(
    rows: &[Row],
    sizes: &serde_json::Map<String, Value>,
    fleet: &Value,
    warm: usize,
) -> Result<()> {
    let machine = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let date = now().to_string();
    let mut md = String::new();
    md.push_str(&format!(
        "# Benchmark results\n\nMeasured {date} on this project's build machine ({machine}, 2 cores), functions built with the release profile and run through a local Lambda Runtime API against the local AWS stack (moto, one request at a time). {warm} warm invocations per function. Times are local: read them as ratios to the floor (a do-nothing `lambda_runtime` function built the same way); init is the median of {INIT_SAMPLES} starts, and its ratio is to the median of as many starts of the floor made alternately with them; on AWS, DynamoDB's latency replaces moto's. Sizes are the arm64 binaries of `make package`. Reproduce with `make bench`.\n\n"
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
            t.init_ms / t.floor_init_ms,
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
        "\n## Cost per use case\n\nPer invocation, averaged over {COST_SAMPLES} in-process invocations with metered SDK clients (CPU: their median, and the fastest and slowest of them, since a shared machine has spells of a second or so in which the same work takes up to twice the CPU). Request units are estimated from item sizes (4 KB per read unit, half for eventually consistent queries; 1 KB per write unit, twice in a transaction). Price of a million calls: Lambda at 128 MB arm64 billed for the warm p50 above, plus DynamoDB on demand, SES and EventBridge; {}.\n\nOwn CPU is the CPU of the handler's call outside SDK calls, on the one thread that runs it as in a function (its own work: parsing the request, domain rules, items, the response; the runtime's decoding of the event is not in it); SDK CPU is the CPU while SDK operations were in flight, each from its start to its return as the SDK's own tracing span for it marks them (building the operation's configuration, serializing, signing, HTTP, deserializing; the local stack keeps connections open, as AWS does, so a warm call opens none). An interceptor's hooks, which this bench used before, see only the middle of an operation: 10 to 30 µs of each call then counted as own CPU.\n\n| use case | own CPU ms | own CPU min–max ms | SDK CPU ms | DynamoDB calls | items read | items written | read units | write units | SES | EventBridge | $ Lambda / 1M | $ DynamoDB / 1M | $ total / 1M |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        price::DATE
    ));
    for row in rows {
        md.push_str(&cost_row(row).unwrap_or_default());
    }
    md.push_str("\n## Scale\n\n- Search: the rows for 1,000 and 20,000 products above read the same number of items per page.\n");
    md.push_str(&crate::fleet::markdown(fleet));
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

/// A use case's row of the cost table: its figures, or why they were not measured; none for
/// the floor.
fn cost_row(row: &Row) -> Option<String> {
    if let Some(error) = &row.cost_error {
        let error = error.replace('|', "/").replace('\n', " ");
        return Some(format!("| {} | not measured: {error} |\n", row.label));
    }
    let (c, p) = (row.cost.as_ref()?, row.usd_per_million.as_ref()?);
    Some(format!(
        "| {} | {:.3} | {:.3}–{:.3} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} |\n",
        row.label,
        c.own_cpu_ms,
        c.own_cpu_range_ms.0,
        c.own_cpu_range_ms.1,
        c.sdk_cpu_ms,
        c.dynamodb_calls,
        c.items_read,
        c.items_written,
        c.read_units,
        c.write_units,
        c.emails,
        c.events,
        p.lambda,
        p.dynamodb,
        p.total
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cost_error: Option<&str>) -> Row {
        Row {
            label: "get-chart".to_owned(),
            function: "get-chart".to_owned(),
            timing: timing(&Run::default()),
            cost: None,
            cost_error: cost_error.map(str::to_owned),
            usd_per_million: None,
        }
    }

    #[test]
    fn a_use_case_whose_cost_failed_has_a_one_line_row_saying_why() {
        let text = cost_row(&row(Some("answered 503: a|b\nc"))).unwrap();
        assert_eq!(text, "| get-chart | not measured: answered 503: a/b c |\n");
        assert_eq!(cost_row(&row(None)), None, "the floor has no cost row");
    }
}
