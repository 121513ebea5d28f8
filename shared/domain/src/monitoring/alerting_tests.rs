//! How alerts behave over successive ticks: `for` and `pending`, staleness and lost data,
//! reports only to confirmed recipients, and what a report says.

use super::alert::{Alert, AlertState, Notice};
use super::alert_commands::AlertChange;
use super::evaluation::evaluate_chart;
use super::test_data::{self, NEWEST_POINT, at, series};
use super::values::{Op, PendingFor, StaleAfter};
use crate::Timestamp;
use time::Duration;

const REPEAT: Duration = Duration::hours(4);

fn minutes_after(start: &str, minutes: i64) -> Timestamp {
    at(start).saturating_add(Duration::minutes(minutes))
}

fn waiting(pending_for: &str) -> (super::chart::Chart, Alert) {
    let chart = test_data::chart("API");
    let mut alert = test_data::alert(&chart, "p99", Op::Gt, 500.0, 1);
    alert.change(
        AlertChange {
            pending_for: Some(PendingFor::parse(pending_for).unwrap()),
            ..Default::default()
        },
        at("2026-11-21T09:00:00Z"),
    );
    (chart, alert)
}

#[test]
fn for_holds_the_report_back_until_the_condition_held_that_long() {
    let (chart, mut alert) = waiting("5m");
    let high = [series(&chart, "p99", &[900.0])];
    for minute in [0, 2, 4] {
        let now = minutes_after("2026-11-21T11:00:00Z", minute);
        let result = evaluate_chart(&chart, &high, &[alert.clone()], now, REPEAT);
        assert!(result.report.is_none(), "minute {minute}: still pending");
        if minute == 0 {
            alert = result.changed[0].clone();
        }
        assert_eq!(alert.state(), AlertState::Pending);
    }
    let now = minutes_after("2026-11-21T11:00:00Z", 5);
    let result = evaluate_chart(&chart, &high, &[alert], now, REPEAT);
    let report = result.report.expect("fires once it held for 5 minutes");
    assert_eq!(report.firing.len(), 1);
    assert_eq!(report.firing[0].since, now);
    let fired = &result.changed[0];
    assert_eq!(
        (fired.state(), fired.firing_since()),
        (AlertState::Firing, Some(now))
    );
    let history = fired.history();
    assert_eq!(
        [
            (history[0].from, history[0].to, history[0].notified),
            (history[1].from, history[1].to, history[1].notified)
        ],
        [
            (AlertState::Pending, AlertState::Firing, true),
            (AlertState::Ok, AlertState::Pending, false)
        ]
    );
}

#[test]
fn a_pending_alert_that_recovers_goes_back_to_ok_unreported() {
    let (chart, alert) = waiting("10m");
    let high = [series(&chart, "p99", &[900.0])];
    let low = [series(&chart, "p99", &[100.0])];
    let pending = evaluate_chart(&chart, &high, &[alert], at("2026-11-21T11:00:00Z"), REPEAT)
        .changed[0]
        .clone();
    let recovered = evaluate_chart(&chart, &low, &[pending], at("2026-11-21T11:05:00Z"), REPEAT);
    assert!(recovered.report.is_none());
    let ok = &recovered.changed[0];
    assert_eq!(ok.state(), AlertState::Ok);
    assert!(!ok.history()[0].notified);
    // Holding again starts the wait afresh.
    let again = evaluate_chart(
        &chart,
        &high,
        std::slice::from_ref(ok),
        at("2026-11-21T11:06:00Z"),
        REPEAT,
    );
    assert_eq!(again.changed[0].state(), AlertState::Pending);
    let later = evaluate_chart(
        &chart,
        &high,
        &again.changed,
        at("2026-11-21T11:15:00Z"),
        REPEAT,
    );
    assert!(
        later.report.is_none(),
        "9 minutes of the 10 since it held again"
    );
}

#[test]
fn a_series_that_stops_reporting_loses_its_data_and_says_so_not_resolved() {
    let chart = test_data::chart("API");
    let alert = test_data::alert(&chart, "p99", Op::Gt, 500.0, 1);
    let high = [series(&chart, "p99", &[900.0])];
    let firing = evaluate_chart(&chart, &high, &[alert], at("2026-11-21T12:00:00Z"), REPEAT)
        .changed[0]
        .clone();
    assert_eq!(firing.state(), AlertState::Firing);
    // The newest point (11:59) is more than the default hour old at 13:00.
    let stale_at = minutes_after(NEWEST_POINT, 61);
    let result = evaluate_chart(&chart, &high, &[firing], stale_at, REPEAT);
    let report = result.report.expect("losing data is reported");
    assert!(report.firing.is_empty() && report.resolved.is_empty());
    assert_eq!(report.no_data.len(), 1);
    assert_eq!(report.subject, "[API] 1 alert without data");
    assert!(report.text("l").contains("No data (1)"));
    let lost = &result.changed[0];
    assert_eq!(
        (lost.state(), lost.firing_since()),
        (AlertState::NoData, None)
    );
    // Still without data: nothing more to say.
    let quiet = evaluate_chart(
        &chart,
        &high,
        &result.changed,
        minutes_after(NEWEST_POINT, 120),
        REPEAT,
    );
    assert!(quiet.report.is_none());
}

#[test]
fn stale_after_is_the_alerts_own() {
    let chart = test_data::chart("API");
    let mut alert = test_data::alert(&chart, "p99", Op::Gt, 500.0, 1);
    alert.change(
        AlertChange {
            stale_after: Some(StaleAfter::parse("5m").unwrap()),
            ..Default::default()
        },
        at("2026-11-21T09:00:00Z"),
    );
    let high = series(&chart, "p99", &[900.0]);
    let fresh = alert.evaluate(Some(&high), minutes_after(NEWEST_POINT, 5), REPEAT);
    assert_eq!(fresh.next.state(), AlertState::Firing);
    let stale = alert.evaluate(Some(&high), minutes_after(NEWEST_POINT, 6), REPEAT);
    assert_eq!(stale.next.state(), AlertState::NoData);
}

#[test]
fn an_alert_that_never_had_data_is_not_reported() {
    let chart = test_data::chart("API");
    let alert = test_data::alert(&chart, "p99", Op::Gt, 500.0, 1);
    let evaluated = alert.evaluate(None, at("2026-11-21T11:00:00Z"), REPEAT);
    assert_eq!(evaluated.next.state(), AlertState::NoData);
    assert_eq!(evaluated.notice, None);
}

#[test]
fn without_a_confirmed_recipient_states_advance_and_nothing_is_marked_told() {
    let owner = crate::CustomerId::parse("ada").unwrap();
    let chart = super::chart::Chart::create(
        owner,
        test_data::chart_command("API", "ops@example.com"),
        at("2026-11-21T09:00:00Z"),
    );
    let alert = test_data::alert(&chart, "p99", Op::Gt, 500.0, 1);
    let high = [series(&chart, "p99", &[900.0])];
    let result = evaluate_chart(&chart, &high, &[alert], at("2026-11-21T11:00:00Z"), REPEAT);
    assert!(result.report.is_none());
    let fired = &result.changed[0];
    assert_eq!(fired.state(), AlertState::Firing);
    assert_eq!(fired.last_notified_at(), None);
    assert!(!fired.history()[0].notified);
}

#[test]
fn a_report_says_since_when_with_the_value_threshold_and_the_recipients_link() {
    let chart = test_data::chart("API");
    let alert = test_data::alert(&chart, "p99", Op::Gte, 500.0, 1);
    let high = [series(&chart, "p99", &[900.0])];
    let now = at("2026-11-21T11:00:00Z");
    let evaluated = alert.evaluate(Some(&high[0]), now, REPEAT);
    assert_eq!(evaluated.notice, Some(Notice::Firing));
    let report = evaluate_chart(&chart, &high, &[alert], now, REPEAT)
        .report
        .unwrap();
    let text = report.text("https://api.example.com/subscriptions/abc");
    assert!(
        text.contains("value 900, threshold >= 500, firing since 2026-11-21T11:00:00Z"),
        "{text}"
    );
    assert!(text.contains("https://api.example.com/subscriptions/abc"));
    let html = report.html("https://api.example.com/subscriptions/abc?a=1&b=2");
    assert!(html.contains("subscriptions/abc?a=1&amp;b=2"));
    assert_eq!(report.reported_series(), [test_data::slug("p99")]);
}
