//! Evaluating one chart's alerts at one instant: the new states, and the report to send.
//! Pure: the use case loads the chart and stores what this decides.

use super::alert::{Alert, AlertState, Evaluated, Notice};
use super::chart::Chart;
use super::series::Series;
use super::template::format_number;
use super::values::Op;
use crate::{AlertId, Slug, Timestamp, escape_html};
use time::Duration;

/// One alert line of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLine {
    pub alert_id: AlertId,
    pub message: String,
    pub series: Slug,
    pub value: Option<f64>,
    pub op: Op,
    pub threshold: f64,
    pub state: AlertState,
    /// Firing: since it fired; resolved or without data: since this evaluation.
    pub since: Timestamp,
}

/// A picture of a reported series with the thresholds of its reported alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPicture {
    pub series: Series,
    pub thresholds: Vec<f64>,
}

/// The e-mail of one chart for one tick; each recipient's copy adds their own link.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub chart_name: String,
    pub subject: String,
    pub firing: Vec<ReportLine>,
    pub resolved: Vec<ReportLine>,
    pub no_data: Vec<ReportLine>,
    /// Filled by the use case from the series' recent points, one per reported series.
    pub pictures: Vec<ReportPicture>,
}

/// What evaluating a chart decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartEvaluation {
    /// Alerts whose evaluation fields changed.
    pub changed: Vec<Alert>,
    pub report: Option<Report>,
    /// Unmuted alerts evaluated, and how many of them are firing now.
    pub evaluated: usize,
    pub firing: usize,
}

/// Evaluates every unmuted alert of a chart over its series at `now` ([`Alert::evaluate`]),
/// and renders the report of those that have something to tell, when the chart has a
/// confirmed recipient to tell it to (without one, states advance and nothing is marked
/// as told).
pub fn evaluate_chart(
    chart: &Chart,
    series: &[Series],
    alerts: &[Alert],
    now: Timestamp,
    repeat_interval: Duration,
) -> ChartEvaluation {
    let can_report = !chart.confirmed_subscriptions().is_empty();
    let mut changed = Vec::new();
    let (mut firing_lines, mut resolved_lines, mut no_data_lines) = (vec![], vec![], vec![]);
    let mut evaluated = 0;
    let mut firing = 0;
    for alert in alerts.iter().filter(|a| !a.is_muted(now)) {
        evaluated += 1;
        let data = series.iter().find(|s| s.name() == &alert.series);
        let mut result = alert.evaluate(data, now, repeat_interval);
        if can_report {
            result.notified(now);
        }
        let Evaluated {
            next,
            value,
            notice,
            ..
        } = result;
        firing += usize::from(next.state == AlertState::Firing);
        let line = |since| ReportLine {
            alert_id: next.id,
            message: next.message.render(
                chart.name.as_str(),
                next.series.as_str(),
                value,
                next.condition.threshold,
            ),
            series: next.series.clone(),
            value,
            op: next.condition.op,
            threshold: next.condition.threshold,
            state: next.state,
            since,
        };
        match notice {
            Some(Notice::Firing) => firing_lines.push(line(next.firing_since.unwrap_or(now))),
            Some(Notice::Resolved) => resolved_lines.push(line(now)),
            Some(Notice::NoData) => no_data_lines.push(line(now)),
            None => {}
        }
        if next != *alert {
            changed.push(next);
        }
    }
    let told = !firing_lines.is_empty() || !resolved_lines.is_empty() || !no_data_lines.is_empty();
    let report = (can_report && told).then(|| Report {
        chart_name: chart.name.as_str().to_owned(),
        subject: subject(chart, &firing_lines, &resolved_lines, &no_data_lines),
        firing: firing_lines,
        resolved: resolved_lines,
        no_data: no_data_lines,
        pictures: Vec::new(),
    });
    ChartEvaluation {
        changed,
        report,
        evaluated,
        firing,
    }
}

fn plural(n: usize) -> String {
    format!("{n} {}", if n == 1 { "alert" } else { "alerts" })
}

fn subject(
    chart: &Chart,
    firing: &[ReportLine],
    resolved: &[ReportLine],
    no_data: &[ReportLine],
) -> String {
    let counts: Vec<String> = [
        (firing.len(), "firing"),
        (resolved.len(), "resolved"),
        (no_data.len(), "without data"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{} {what}", plural(n)))
    .collect();
    format!("[{}] {}", chart.name, counts.join(", "))
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Gt => ">",
        Op::Gte => ">=",
        Op::Lt => "<",
        Op::Lte => "<=",
    }
}

impl ReportLine {
    /// `value 800, threshold > 500, since 2026-11-21T10:00:00Z`.
    fn facts(&self) -> String {
        let value = self
            .value
            .map_or_else(|| "no data".to_owned(), format_number);
        let since = match self.state {
            AlertState::Firing => "firing since",
            AlertState::NoData => "no data since",
            _ => "resolved at",
        };
        format!(
            "series {}, value {value}, threshold {} {}, {since} {}",
            self.series,
            op_text(self.op),
            format_number(self.threshold),
            self.since
        )
    }
}

impl Report {
    /// The series whose pictures the report shows: those of its alerts, once each.
    pub fn reported_series(&self) -> Vec<Slug> {
        let mut names: Vec<Slug> = Vec::new();
        for line in self.sections().flat_map(|(_, lines)| lines) {
            if !names.contains(&line.series) {
                names.push(line.series.clone());
            }
        }
        names
    }

    /// Each reported series' picture, with the thresholds of its reported alerts.
    pub fn attach_pictures(&mut self, series: Vec<Series>) {
        let lines: Vec<&ReportLine> = self.sections().flat_map(|(_, l)| l).collect();
        self.pictures = series
            .into_iter()
            .map(|series| ReportPicture {
                thresholds: lines
                    .iter()
                    .filter(|l| &l.series == series.name())
                    .map(|l| l.threshold)
                    .collect(),
                series,
            })
            .collect();
    }

    /// The name an inline picture of `series` goes by in the message (`cid:`).
    pub fn content_id(series: &Slug) -> String {
        format!("{series}@chart-report")
    }

    fn sections(&self) -> impl Iterator<Item = (&'static str, &[ReportLine])> {
        [
            ("Firing", self.firing.as_slice()),
            ("Resolved", self.resolved.as_slice()),
            ("No data", self.no_data.as_slice()),
        ]
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
    }

    /// The text part of a recipient's copy, ending with the link to their subscription.
    pub fn text(&self, page_link: &str) -> String {
        let mut text = format!("Chart: {}\n", self.chart_name);
        for (title, lines) in self.sections() {
            text.push_str(&format!("\n{title} ({}):\n", lines.len()));
            for line in lines {
                text.push_str(&format!("- {} [{}]\n", line.message, line.facts()));
            }
        }
        text.push_str(&format!(
            "\nYou get these reports because you confirmed them. To stop or manage them: {page_link}\n"
        ));
        text
    }

    /// The HTML part of a recipient's copy: the sections, the pictures inline, their link.
    pub fn html(&self, page_link: &str) -> String {
        let mut html = format!(
            "<!doctype html><html><body><h1>{}</h1>",
            escape_html(&self.chart_name)
        );
        for (title, lines) in self.sections() {
            html.push_str(&format!("<h2>{title} ({})</h2><ul>", lines.len()));
            for line in lines {
                html.push_str(&format!(
                    "<li>{} <small>[{}]</small></li>",
                    escape_html(&line.message),
                    escape_html(&line.facts())
                ));
            }
            html.push_str("</ul>");
        }
        for picture in &self.pictures {
            let name = picture.series.name();
            html.push_str(&format!(
                r#"<p><img src="cid:{}" alt="{}"></p>"#,
                escape_html(&Self::content_id(name)),
                escape_html(name.as_str())
            ));
        }
        let link = escape_html(page_link);
        html.push_str(&format!(
            r#"<p><small>You get these reports because you confirmed them. <a href="{link}">Stop or manage them</a>.</small></p></body></html>"#
        ));
        html
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
        assert!(report.text("https://x/s/t").contains("p99 is 800 over 500"));
        let html = report.html("https://x/s/t");
        assert!(html.contains("API &lt;prod&gt;") && !html.contains("<prod>"));
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
        let text = report.text("https://x/s/t");
        assert!(text.contains("Firing (2)") && text.contains("Resolved (1)"));
    }
}
