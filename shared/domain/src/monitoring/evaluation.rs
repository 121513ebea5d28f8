//! Evaluating one chart's alerts at one instant: the new states, and the report to send.
//! Pure: the use case loads the chart and stores what this decides.

use super::alert::{Alert, AlertState, Evaluated, Notice};
use super::chart::Chart;
use super::series::Series;
use super::template::format_number;
use crate::{AlertId, Timestamp, escape_html};
use time::Duration;

/// One alert line of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLine {
    pub alert_id: AlertId,
    pub message: String,
    pub series: String,
    pub value: Option<f64>,
    pub state: AlertState,
}

/// The e-mail of one chart for one tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub subject: String,
    pub firing: Vec<ReportLine>,
    pub resolved: Vec<ReportLine>,
    pub text: String,
    pub html: String,
}

/// What evaluating a chart decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartEvaluation {
    /// Alerts whose state, `firing_since` or `last_notified_at` changed.
    pub changed: Vec<Alert>,
    pub report: Option<Report>,
    /// Unmuted alerts evaluated, and how many of them are firing now.
    pub evaluated: usize,
    pub firing: usize,
}

/// Evaluates every unmuted alert of a chart over its series at `now` ([`Alert::evaluate`]),
/// and renders the report of those that have something to tell.
pub fn evaluate_chart(
    chart: &Chart,
    series: &[Series],
    alerts: &[Alert],
    now: Timestamp,
    repeat_interval: Duration,
) -> ChartEvaluation {
    let mut changed = Vec::new();
    let mut firing_lines = Vec::new();
    let mut resolved_lines = Vec::new();
    let mut evaluated = 0;
    let mut firing = 0;
    for alert in alerts.iter().filter(|a| !a.is_muted(now)) {
        evaluated += 1;
        let data = series.iter().find(|s| s.name() == &alert.series);
        let Evaluated {
            next,
            value,
            notice,
        } = alert.evaluate(data, now, repeat_interval);
        firing += usize::from(next.state == AlertState::Firing);
        let line = || ReportLine {
            alert_id: next.id,
            message: next.message.render(
                chart.name.as_str(),
                next.series.as_str(),
                value,
                next.condition.threshold,
            ),
            series: next.series.to_string(),
            value,
            state: next.state,
        };
        match notice {
            Some(Notice::Firing) => firing_lines.push(line()),
            Some(Notice::Resolved) => resolved_lines.push(line()),
            None => {}
        }
        if next != *alert {
            changed.push(next);
        }
    }
    let report = (!firing_lines.is_empty() || !resolved_lines.is_empty())
        .then(|| render(chart, firing_lines, resolved_lines));
    ChartEvaluation {
        changed,
        report,
        evaluated,
        firing,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render(chart: &Chart, firing: Vec<ReportLine>, resolved: Vec<ReportLine>) -> Report {
    let mut counts = Vec::new();
    if !firing.is_empty() {
        counts.push(format!(
            "{} firing",
            plural(firing.len(), "alert", "alerts")
        ));
    }
    if !resolved.is_empty() {
        counts.push(format!(
            "{} resolved",
            plural(resolved.len(), "alert", "alerts")
        ));
    }
    let subject = format!("[{}] {}", chart.name, counts.join(", "));

    let value_text = |line: &ReportLine| {
        line.value
            .map_or_else(|| "no data".to_owned(), format_number)
    };
    let mut text = format!("Chart: {}\n", chart.name);
    let mut html = format!(
        "<!doctype html><html><body><h1>{}</h1>",
        escape_html(chart.name.as_str())
    );
    for (title, lines) in [("Firing", &firing), ("Resolved", &resolved)] {
        if lines.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{title} ({}):\n", lines.len()));
        html.push_str(&format!("<h2>{title} ({})</h2><ul>", lines.len()));
        for line in lines {
            text.push_str(&format!(
                "- {} [series {}, value {}]\n",
                line.message,
                line.series,
                value_text(line)
            ));
            html.push_str(&format!(
                "<li>{} <small>[series {}, value {}]</small></li>",
                escape_html(&line.message),
                escape_html(&line.series),
                escape_html(&value_text(line))
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</body></html>");
    Report {
        subject,
        firing,
        resolved,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::test_data::{self, alert, at, series};
    use crate::monitoring::values::{Mute, Op};

    fn chart() -> Chart {
        test_data::chart("API <prod>")
    }

    const HOUR: Duration = Duration::hours(1);

    #[test]
    fn an_alert_that_starts_firing_is_reported_once_until_the_interval_passes() {
        let chart = chart();
        let data = [series(&chart, "p99", &[100.0, 700.0, 900.0])];
        let high = alert(&chart, "p99", Op::Gt, 500.0, 2);
        let now = at("2026-11-21T10:00:00Z");

        let first = evaluate_chart(&chart, &data, std::slice::from_ref(&high), now, HOUR);
        let report = first.report.expect("a report");
        assert_eq!(report.subject, "[API <prod>] 1 alert firing");
        assert_eq!(
            report.firing[0].message,
            "p99 is 800 over 500 on API <prod>"
        );
        assert!(report.text.contains("p99 is 800 over 500"));
        assert!(report.html.contains("API &lt;prod&gt;") && !report.html.contains("<prod>"));
        let fired = &first.changed[0];
        assert_eq!(
            (fired.state, fired.firing_since, fired.last_notified_at),
            (AlertState::Firing, Some(now), Some(now))
        );
        assert_eq!((first.evaluated, first.firing), (1, 1));

        let later = at("2026-11-21T10:59:59Z");
        let quiet = evaluate_chart(&chart, &data, std::slice::from_ref(fired), later, HOUR);
        assert!(quiet.report.is_none() && quiet.changed.is_empty());
        assert_eq!(quiet.firing, 1);

        let due = at("2026-11-21T11:00:00Z");
        let repeat = evaluate_chart(&chart, &data, std::slice::from_ref(fired), due, HOUR);
        assert_eq!(repeat.report.unwrap().firing.len(), 1);
        assert_eq!(
            repeat.changed[0].firing_since,
            Some(now),
            "still firing since the start"
        );
        assert_eq!(repeat.changed[0].last_notified_at, Some(due));
    }

    #[test]
    fn a_resolved_alert_is_reported_once() {
        let chart = chart();
        let mut firing = alert(&chart, "p99", Op::Gt, 500.0, 1);
        firing.state = AlertState::Firing;
        firing.firing_since = Some(at("2026-11-21T09:00:00Z"));
        firing.last_notified_at = firing.firing_since;
        let data = [series(&chart, "p99", &[900.0, 100.0])];
        let now = at("2026-11-21T10:00:00Z");
        let result = evaluate_chart(&chart, &data, &[firing], now, HOUR);
        let report = result.report.unwrap();
        assert_eq!(report.subject, "[API <prod>] 1 alert resolved");
        assert_eq!(report.resolved[0].state, AlertState::Ok);
        assert_eq!(result.changed[0].state, AlertState::Ok);
        assert_eq!(result.changed[0].firing_since, None);
        let again = evaluate_chart(&chart, &data, &result.changed, now, HOUR);
        assert!(again.report.is_none());
    }

    #[test]
    fn too_few_points_are_no_data_and_nothing_is_sent() {
        let chart = chart();
        let data = [series(&chart, "p99", &[900.0])];
        let result = evaluate_chart(
            &chart,
            &data,
            &[
                alert(&chart, "p99", Op::Gt, 1.0, 2),
                alert(&chart, "other", Op::Gt, 1.0, 1),
            ],
            at("2026-11-21T10:00:00Z"),
            HOUR,
        );
        assert!(result.report.is_none());
        assert!(result.changed.iter().all(|a| a.state == AlertState::NoData));
        assert_eq!(result.changed.len(), 2);
    }

    #[test]
    fn muted_alerts_are_left_out_until_their_mute_ends() {
        let chart = chart();
        let data = [series(&chart, "p99", &[900.0])];
        let mut muted = alert(&chart, "p99", Op::Gt, 1.0, 1);
        muted.mute = Some(Mute {
            until: Some(at("2026-11-21T12:00:00Z")),
            reason: None,
        });
        let before = evaluate_chart(
            &chart,
            &data,
            std::slice::from_ref(&muted),
            at("2026-11-21T10:00:00Z"),
            HOUR,
        );
        assert!(before.report.is_none() && before.changed.is_empty());
        assert_eq!(before.evaluated, 0);
        let after = evaluate_chart(&chart, &data, &[muted], at("2026-11-21T12:00:00Z"), HOUR);
        assert_eq!(after.report.unwrap().firing.len(), 1);
    }

    #[test]
    fn one_report_lists_every_firing_and_resolved_alert() {
        let chart = chart();
        let data = [series(&chart, "a", &[10.0]), series(&chart, "b", &[10.0])];
        let mut was_firing = alert(&chart, "b", Op::Lt, 5.0, 1);
        was_firing.state = AlertState::Firing;
        let alerts = [
            alert(&chart, "a", Op::Gt, 5.0, 1),
            alert(&chart, "b", Op::Gte, 10.0, 1),
            was_firing,
        ];
        let report = evaluate_chart(&chart, &data, &alerts, at("2026-11-21T10:00:00Z"), HOUR)
            .report
            .unwrap();
        assert_eq!(
            report.subject,
            "[API <prod>] 2 alerts firing, 1 alert resolved"
        );
        assert_eq!((report.firing.len(), report.resolved.len()), (2, 1));
        assert!(report.text.contains("Firing (2)") && report.text.contains("Resolved (1)"));
    }
}
