//! Lambda's log controls: `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text) and
//! `AWS_LAMBDA_LOG_LEVEL` (or `RUST_LOG`, as one level), never colour codes. In JSON each line
//! carries the invocation's span, which the runtime opens with its `requestId` and
//! `xrayTraceId`.

use tracing::Subscriber;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the subscriber for the process, from Lambda's variables.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let subscriber = subscriber(level_of(level.as_deref()), json, std::io::stdout);
    // Only a second call in the same process can fail, and the first one's subscriber stays.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Lambda's levels (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) in any case; FATAL is tracing's
/// ERROR, and what is unset or unknown is INFO, Lambda's default.
fn level_of(name: Option<&str>) -> LevelFilter {
    match name {
        Some(name) if name.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(name) => name.parse().unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    }
}

fn subscriber<W>(level: LevelFilter, json: bool, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let logs = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .with_max_level(level)
        .with_writer(writer);
    if json {
        Box::new(logs.json().with_current_span(true).finish())
    } else {
        Box::new(logs.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// What the subscriber wrote.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// One invocation as the runtime spans it, logging at every level.
    fn invocation(level: LevelFilter, json: bool) -> Vec<String> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(level, json, move || writer.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "Lambda runtime invoke",
                requestId = "8f5e-request",
                xrayTraceId = "Root=1-6747a9f0-0123456789abcdef01234567"
            );
            let _entered = span.enter();
            tracing::debug!("detail");
            tracing::info!(status = 200, "answered");
            tracing::error!(error = "the table is busy", "failed");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn json_lines_carry_the_request_and_trace_ids() {
        let lines = invocation(LevelFilter::INFO, true);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["fields"]["message"], "answered");
        assert_eq!(line["fields"]["status"], 200);
        assert_eq!(line["span"]["requestId"], "8f5e-request");
        assert_eq!(
            line["span"]["xrayTraceId"],
            "Root=1-6747a9f0-0123456789abcdef01234567"
        );
    }

    #[test]
    fn no_line_has_colour_codes_in_either_format() {
        for json in [true, false] {
            let lines = invocation(LevelFilter::TRACE, json);
            assert_eq!(lines.len(), 3, "{lines:?}");
            assert!(lines.iter().all(|l| !l.contains('\u{1b}')), "{lines:?}");
        }
        let text = invocation(LevelFilter::INFO, false);
        assert!(text[0].contains(r#"requestId="8f5e-request""#), "{text:?}");
    }

    #[test]
    fn the_level_is_lambdas_in_any_case() {
        assert_eq!(level_of(Some("WARN")), LevelFilter::WARN);
        assert_eq!(level_of(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level_of(Some("FATAL")), LevelFilter::ERROR);
        assert_eq!(level_of(Some("loud")), LevelFilter::INFO);
        assert_eq!(level_of(None), LevelFilter::INFO);
        let warn = invocation(level_of(Some("WARN")), true);
        assert_eq!(warn.len(), 1, "{warn:?}");
        assert!(warn[0].contains("the table is busy"));
    }
}
