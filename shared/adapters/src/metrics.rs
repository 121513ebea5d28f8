//! Metrics in CloudWatch's embedded metric format (EMF): one JSON line on stdout per record,
//! which Lambda's log pipeline turns into metrics at no network call. The namespace is
//! `METRICS_NAMESPACE` (default `Shop`); every record carries the `function` dimension (the
//! use case's name), and at most one more where it matters (`reason`, `status_class`).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::cell::RefCell;
use std::io::Write;
use std::sync::OnceLock;

static FUNCTION: OnceLock<(String, String)> = OnceLock::new();

thread_local! {
    /// Records captured instead of printed (for tests on this thread), as of `function`.
    static CAPTURED: RefCell<Option<(String, Vec<String>)>> = const { RefCell::new(None) };
}

/// A metric's unit, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
        }
    }
}

/// Names the function whose records follow (once, at start-up) and reads the namespace.
pub fn start(function: &str) {
    let namespace = std::env::var("METRICS_NAMESPACE")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Shop".to_owned());
    let _ = FUNCTION.set((function.to_owned(), namespace));
}

/// One record: `values` under the function's dimension and `dimension` (if any).
pub fn record(values: &[(&str, f64, Unit)], dimension: Option<(&str, &str)>) {
    if values.is_empty() {
        return;
    }
    let (function, namespace) = FUNCTION
        .get()
        .map(|(f, n)| (f.as_str(), n.as_str()))
        .unwrap_or(("unknown", "Shop"));
    let captured = CAPTURED.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|(function, lines)| {
                lines.extend(emf_line(
                    namespace,
                    function,
                    values,
                    dimension,
                    now_millis(),
                ));
            })
            .is_some()
    });
    if captured {
        return;
    }
    if let Some(line) = emf_line(namespace, function, values, dimension, now_millis()) {
        // A metric that cannot be printed is lost; the invocation goes on.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

/// Counts one of something.
pub fn count(name: &str, n: usize, dimension: Option<(&str, &str)>) {
    record(&[(name, n as f64, Unit::Count)], dimension);
}

fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The EMF document of one record.
pub fn emf_line(
    namespace: &str,
    function: &str,
    values: &[(&str, f64, Unit)],
    dimension: Option<(&str, &str)>,
    timestamp_millis: i64,
) -> Option<String> {
    let record = Record {
        namespace,
        function,
        values,
        dimension,
        timestamp_millis,
    };
    // Only strings and numbers, which serde_json always writes; were it to fail, the record
    // is lost and said so, rather than printed empty.
    serde_json::to_string(&record)
        .inspect_err(|error| tracing::warn!(%error, "could not write a metric record"))
        .ok()
}

/// One record, written straight to text: every HTTP call prints one, and building it as a
/// `serde_json::Value` first cost as much as a small handler's own work.
struct Record<'a> {
    namespace: &'a str,
    function: &'a str,
    values: &'a [(&'a str, f64, Unit)],
    dimension: Option<(&'a str, &'a str)>,
    timestamp_millis: i64,
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let function: &[&str] = &["function"];
        let with_dimension;
        let dimensions = match self.dimension {
            Some((name, _)) => {
                with_dimension = ["function", name];
                &with_dimension[..]
            }
            None => function,
        };
        let directive = Directive {
            namespace: self.namespace,
            dimensions: [dimensions],
            metrics: Metrics(self.values),
        };
        let mut document = serializer.serialize_map(None)?;
        document.serialize_entry(
            "_aws",
            &Aws {
                timestamp: self.timestamp_millis,
                cloud_watch_metrics: [directive],
            },
        )?;
        document.serialize_entry("function", self.function)?;
        if let Some((name, value)) = self.dimension {
            document.serialize_entry(name, value)?;
        }
        for (name, value, _) in self.values {
            document.serialize_entry(name, value)?;
        }
        document.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Aws<'a> {
    timestamp: i64,
    cloud_watch_metrics: [Directive<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Directive<'a> {
    namespace: &'a str,
    dimensions: [&'a [&'a str]; 1],
    metrics: Metrics<'a>,
}

/// Each value's name and unit.
struct Metrics<'a>(&'a [(&'a str, f64, Unit)]);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Metric<'a> {
            name: &'a str,
            unit: &'static str,
        }
        serializer.collect_seq(self.0.iter().map(|(name, _, unit)| Metric {
            name,
            unit: unit.name(),
        }))
    }
}

/// Captures this thread's records, as `function`'s, instead of printing them, until the
/// guard is dropped.
pub fn capture(function: &str) -> Capture {
    CAPTURED.with(|c| *c.borrow_mut() = Some((function.to_owned(), Vec::new())));
    Capture
}

pub struct Capture;

impl Capture {
    /// The records captured so far, parsed.
    pub fn records(&self) -> Vec<serde_json::Value> {
        CAPTURED.with(|c| {
            c.borrow()
                .iter()
                .flat_map(|(_, lines)| lines)
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect()
        })
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURED.with(|c| *c.borrow_mut() = None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_an_emf_document() {
        let line = emf_line(
            "Shop",
            "create-order",
            &[("OrdersRefused", 1.0, Unit::Count)],
            Some(("reason", "insufficient_stock")),
            1_700_000_000_000,
        )
        .unwrap();
        let document: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(document["OrdersRefused"], 1.0);
        assert_eq!(document["function"], "create-order");
        assert_eq!(document["reason"], "insufficient_stock");
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Shop");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["function", "reason"]])
        );
        assert_eq!(
            directive["Metrics"],
            serde_json::json!([{"Name": "OrdersRefused", "Unit": "Count"}])
        );
        assert_eq!(document["_aws"]["Timestamp"], 1_700_000_000_000_i64);
    }

    #[test]
    fn a_record_of_several_values_without_a_dimension_names_each() {
        let line = emf_line(
            "Ops",
            "publish-events",
            &[
                ("OutboxBacklog", 3.0, Unit::Count),
                ("OutboxOldestAge", 1.5, Unit::Seconds),
            ],
            None,
            5,
        )
        .unwrap();
        let document: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            document,
            serde_json::json!({
                "_aws": {
                    "Timestamp": 5,
                    "CloudWatchMetrics": [{
                        "Namespace": "Ops",
                        "Dimensions": [["function"]],
                        "Metrics": [
                            {"Name": "OutboxBacklog", "Unit": "Count"},
                            {"Name": "OutboxOldestAge", "Unit": "Seconds"},
                        ],
                    }],
                },
                "function": "publish-events",
                "OutboxBacklog": 3.0,
                "OutboxOldestAge": 1.5,
            })
        );
    }
}
