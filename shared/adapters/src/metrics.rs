//! Metrics in CloudWatch's embedded metric format (EMF): one JSON line on stdout per record,
//! which Lambda's log pipeline turns into metrics at no network call. The namespace is
//! `METRICS_NAMESPACE` (default `Shop`); every record carries the `function` dimension (the
//! use case's name), and at most one more where it matters (`reason`, `status_class`).

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
                lines.push(emf_line(
                    namespace,
                    function,
                    values,
                    dimension,
                    now_millis(),
                ));
            })
            .is_some()
    });
    if !captured {
        let line = emf_line(namespace, function, values, dimension, now_millis());
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
) -> String {
    let mut dimensions = vec!["function"];
    let mut document = serde_json::Map::new();
    document.insert("function".into(), function.into());
    if let Some((name, value)) = dimension {
        dimensions.push(name);
        document.insert(name.into(), value.into());
    }
    let metrics: Vec<serde_json::Value> = values
        .iter()
        .map(|(name, _, unit)| serde_json::json!({"Name": name, "Unit": unit.name()}))
        .collect();
    for (name, value, _) in values {
        document.insert((*name).into(), serde_json::json!(value));
    }
    document.insert(
        "_aws".into(),
        serde_json::json!({
            "Timestamp": timestamp_millis,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [dimensions],
                "Metrics": metrics,
            }],
        }),
    );
    serde_json::Value::Object(document).to_string()
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
        );
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
}
