//! The monitoring use cases on the in-memory fakes: ownership, bounds, contention, and a
//! tick that isolates each chart's failure.

use super::test_data::{self, caller, chart_command, clock};
use super::*;
use crate::fakes::{Broken, InMemoryCharts, NoPause, RecordingMailer};
use crate::{AlertId, ChartId, Clock, Cursor, Limit, Validation};

/// A chart whose recipient confirmed.
pub(super) async fn chart(charts: &InMemoryCharts, owner: &str, recipient: &str) -> Chart {
    let command = chart_command("API", recipient);
    let mailer = RecordingMailer::default();
    let chart = create_chart(&caller(owner), command, 100, &clock(), charts, &mailer)
        .await
        .unwrap();
    let invited = mailer.invited();
    assert_eq!(invited.len(), 1, "the recipient is invited");
    let confirm = SubscriptionRequest::Confirm;
    manage_subscription(invited[0].token(), confirm, &clock(), &NoPause, charts)
        .await
        .unwrap();
    chart
}

fn points(series: &[&str], value: f64) -> RecordPoints {
    let inputs: Vec<PointInput<'_>> = series
        .iter()
        .map(|s| PointInput {
            series: Some(s),
            value: Some(value),
            at: None,
        })
        .collect();
    let mut validation = Validation::new();
    RecordPoints::parse(Some(&inputs), clock().now(), &mut validation).unwrap()
}

fn alert_command(series: &str) -> CreateAlert {
    test_data::alert_command(series, Op::Gt, 100.0, 1)
}

async fn record(
    charts: &InMemoryCharts,
    owner: &str,
    chart: ChartId,
    series: &[&str],
) -> Result<usize, RecordPointsError> {
    record_points(
        &caller(owner),
        chart,
        &points(series, 1.0),
        &NoPause,
        charts,
    )
    .await
}

async fn add_alert(
    charts: &InMemoryCharts,
    owner: &str,
    chart: ChartId,
    series: &str,
) -> Result<Alert, CreateAlertError> {
    create_alert(
        &caller(owner),
        chart,
        alert_command(series),
        &clock(),
        &NoPause,
        charts,
    )
    .await
}

#[tokio::test]
async fn points_go_only_to_the_owners_chart_within_twenty_series() {
    let charts = InMemoryCharts::default();
    let chart = chart(&charts, "ada", "ops@example.com").await;
    let id = chart.id();
    assert_eq!(record(&charts, "ada", id, &["cpu"]).await.unwrap(), 1);
    assert!(matches!(
        record(&charts, "eve", id, &["cpu"]).await,
        Err(RecordPointsError::ChartNotFound(_))
    ));
    assert!(matches!(
        record(&charts, "ada", ChartId::new(), &["cpu"]).await,
        Err(RecordPointsError::ChartNotFound(_))
    ));
    let names: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(matches!(
        record(&charts, "ada", id, &refs).await,
        Err(RecordPointsError::TooManySeries(_))
    ));
    assert!(record(&charts, "ada", id, &refs[..18]).await.is_ok());
}

#[tokio::test]
async fn contended_and_failed_writes_are_told_apart() {
    let charts = InMemoryCharts::default();
    let id = chart(&charts, "ada", "ops@example.com").await.id();
    charts.fail("contend");
    assert!(matches!(
        record(&charts, "ada", id, &["cpu"]).await,
        Err(RecordPointsError::Contended)
    ));
    assert!(matches!(
        add_alert(&charts, "ada", id, "cpu").await,
        Err(CreateAlertError::Contended)
    ));
    charts.heal("contend");
    charts.fail("append_points");
    assert!(matches!(
        record(&charts, "ada", id, &["cpu"]).await,
        Err(RecordPointsError::Unexpected(_))
    ));
    charts.fail("create_chart");
    let command = chart_command("x", "a@example.com");
    assert!(matches!(
        create_chart(
            &caller("ada"),
            command,
            100,
            &clock(),
            &charts,
            &RecordingMailer::default()
        )
        .await,
        Err(CreateChartError::Unexpected(_))
    ));
}

#[tokio::test]
async fn alerts_are_bounded_listed_and_muted_by_the_owner_only() {
    let charts = InMemoryCharts::default();
    let id = chart(&charts, "ada", "ops@example.com").await.id();
    let mut created = Vec::new();
    for _ in 0..MAX_ALERTS {
        created.push(add_alert(&charts, "ada", id, "cpu").await.unwrap());
    }
    assert!(matches!(
        add_alert(&charts, "ada", id, "cpu").await,
        Err(CreateAlertError::TooManyAlerts(_))
    ));
    assert!(matches!(
        add_alert(&charts, "eve", id, "cpu").await,
        Err(CreateAlertError::ChartNotFound(_))
    ));

    let limit = Limit::new(30).unwrap();
    let first = list_alerts(&caller("ada"), id, limit, None, &charts)
        .await
        .unwrap();
    let rest = list_alerts(
        &caller("ada"),
        id,
        limit,
        first.next_cursor.as_ref(),
        &charts,
    )
    .await
    .unwrap();
    assert_eq!(first.items.len() + rest.items.len(), 50);
    assert!(rest.next_cursor.is_none());
    assert!(matches!(
        list_alerts(
            &caller("ada"),
            id,
            limit,
            Some(&Cursor::new("x".into())),
            &charts
        )
        .await,
        Err(ListAlertsError::InvalidCursor)
    ));
    assert!(matches!(
        list_alerts(&caller("eve"), id, limit, None, &charts).await,
        Err(ListAlertsError::ChartNotFound(_))
    ));

    let alert = created[0].id();
    let mut validation = Validation::new();
    let mute = MuteRequest::parse(None, Some("deploy"), clock().now(), &mut validation);
    let muted = mute_alert(&caller("ada"), alert, mute, clock().now(), &charts)
        .await
        .unwrap();
    assert!(muted.is_muted(clock().now()));
    assert!(matches!(
        mute_alert(&caller("eve"), alert, None, clock().now(), &charts).await,
        Err(MuteAlertError::AlertNotFound(_))
    ));
    assert!(matches!(
        mute_alert(&caller("ada"), AlertId::new(), None, clock().now(), &charts).await,
        Err(MuteAlertError::AlertNotFound(_))
    ));
    let unmuted = mute_alert(&caller("ada"), alert, None, clock().now(), &charts)
        .await
        .unwrap();
    assert!(!unmuted.is_muted(clock().now()));
    charts.fail("set_mute");
    assert!(matches!(
        mute_alert(&caller("ada"), alert, None, clock().now(), &charts).await,
        Err(MuteAlertError::Unexpected(_))
    ));
}

fn tick(id: &str) -> Tick {
    Tick {
        id: id.into(),
        now: clock().now(),
    }
}

async fn firing_chart(charts: &InMemoryCharts, recipient: &str) -> Chart {
    let chart = chart(charts, "ada", recipient).await;
    create_alert(
        &caller("ada"),
        chart.id(),
        alert_command("p99"),
        &clock(),
        &NoPause,
        charts,
    )
    .await
    .unwrap();
    record_points(
        &caller("ada"),
        chart.id(),
        &points(&["p99"], 900.0),
        &NoPause,
        charts,
    )
    .await
    .unwrap();
    chart
}

#[tokio::test]
async fn one_charts_failure_is_isolated_and_keeps_its_state() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    let good = firing_chart(&charts, "ops@example.com").await;
    let bad = firing_chart(&charts, "refuses@example.com").await;
    mailer.refuse(&bad.recipients()[0]);
    let hour = time::Duration::hours(1);
    let summary = evaluate_alerts(&tick("t1"), Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!(summary.charts, 2);
    assert_eq!(summary.reports_sent, 1);
    assert_eq!(summary.failed_charts, [bad.id()]);
    assert_eq!(mailer.sent()[0].0, good.recipients());

    // The refused chart's alert kept its state, so the next tick reports it again.
    let again = evaluate_alerts(
        &tick("t2"),
        Scope::Chart(bad.id()),
        hour,
        4,
        &charts,
        &mailer,
    )
    .await
    .unwrap();
    assert_eq!(again.failed_charts, [bad.id()]);
    assert_eq!(mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_tick_delivered_twice_reports_once() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    firing_chart(&charts, "ops@example.com").await;
    let hour = time::Duration::hours(1);
    evaluate_alerts(&tick("t1"), Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    // The state was stored: the same tick redelivered finds nothing new to tell.
    let repeat = evaluate_alerts(&tick("t1"), Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!((repeat.reports_sent, mailer.sent().len()), (0, 1));
}

#[tokio::test]
async fn a_redelivered_tick_whose_state_was_not_stored_sends_nothing_twice() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    let chart = firing_chart(&charts, "ops@example.com").await;
    charts.fail("save_states");
    let hour = time::Duration::hours(1);
    let first = evaluate_alerts(&tick("t1"), Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!(first.failed_charts, [chart.id()]);
    assert_eq!(
        mailer.sent().len(),
        1,
        "the report went out before the save failed"
    );
    charts.heal("save_states");
    let repeat = evaluate_alerts(&tick("t1"), Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!(repeat.reports_sent, 0);
    assert_eq!(mailer.sent().len(), 1, "the claimed tick is not sent again");
}

#[tokio::test]
async fn storage_failures_fail_a_chart_or_the_listing() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    let chart = firing_chart(&charts, "ops@example.com").await;
    let hour = time::Duration::hours(1);
    for operation in ["load_for_evaluation", "claim_tick"] {
        charts.fail(operation);
        let summary = evaluate_alerts(&tick(operation), Scope::All, hour, 4, &charts, &mailer)
            .await
            .unwrap();
        assert_eq!(summary.failed_charts, [chart.id()], "{operation}");
        charts.heal(operation);
    }
    assert!(mailer.sent().is_empty());
    assert!(matches!(
        evaluate_alerts(&tick("t"), Scope::Shard(3), hour, 4, &Broken, &mailer).await,
        Err(EvaluateAlertsError::Listing { shard: 3, .. })
    ));
    let missing = evaluate_alerts(
        &tick("t"),
        Scope::Chart(ChartId::new()),
        hour,
        4,
        &charts,
        &mailer,
    )
    .await
    .unwrap();
    assert_eq!(missing, TickSummary::default());
}

#[tokio::test]
async fn overlapping_ticks_report_a_change_once_and_an_earlier_tick_never_overwrites_a_later() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    let chart = firing_chart(&charts, "ops@example.com").await;
    let hour = time::Duration::hours(1);
    // A slow tick claimed the chart and has not settled: the next one keeps off it.
    let slow = tick("slow");
    assert!(charts.claim_tick(&chart.id(), &slow, None).await.unwrap());
    let next = Tick {
        id: "next".into(),
        now: clock().now().saturating_add(time::Duration::minutes(1)),
    };
    let skipped = evaluate_alerts(&next, Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!((skipped.charts, mailer.sent().len()), (0, 0));
    charts.release_tick(&chart.id(), &slow).await.unwrap();
    let done = evaluate_alerts(&next, Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!((done.reports_sent, mailer.sent().len()), (1, 1));
    // An earlier tick arriving late finds a later one went first.
    let late = Tick {
        id: "late".into(),
        now: clock().now(),
    };
    let before = charts
        .load_for_evaluation(&chart.id())
        .await
        .unwrap()
        .unwrap();
    let result = evaluate_alerts(&late, Scope::All, hour, 4, &charts, &mailer)
        .await
        .unwrap();
    assert_eq!((result.charts, mailer.sent().len()), (0, 1));
    let after = charts
        .load_for_evaluation(&chart.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.alerts, before.alerts);
}
