//! Reading, changing and deleting charts and alerts on the in-memory fakes: ownership,
//! versions and `If-Match`, contention, what a delete takes with it, alert history.

use super::test_data::{self, caller, chart_command, clock};
use super::*;
use crate::fakes::{InMemoryCharts, NoPause, RecordingMailer};
use crate::{Clock, IfMatch, Limit, Validation, VersionMismatch};

async fn chart(charts: &InMemoryCharts, owner: &str, name: &str) -> Chart {
    create_chart(
        &caller(owner),
        chart_command(name, "ops@example.com"),
        100,
        &clock(),
        charts,
        &RecordingMailer::default(),
    )
    .await
    .unwrap()
}

fn rename(name: &str) -> ChartChange {
    let mut validation = Validation::new();
    ChartChange::parse(
        ChartChangeInput {
            name: Some(name),
            ..Default::default()
        },
        &mut validation,
    )
    .unwrap()
}

fn all_series(newest: usize) -> SeriesChoice {
    SeriesChoice {
        names: None,
        newest,
        with_alerts: false,
    }
}

#[tokio::test]
async fn charts_are_listed_newest_first_to_their_owner_only() {
    let charts = InMemoryCharts::default();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(chart(&charts, "ada", &format!("c{i}")).await.id());
    }
    chart(&charts, "eve", "not ada's").await;
    let limit = Limit::new(2).unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = list_charts(&caller("ada"), limit, cursor.as_ref(), &charts)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(Chart::id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn a_change_raises_the_version_and_if_match_guards_it() {
    let charts = InMemoryCharts::default();
    let id = chart(&charts, "ada", "API").await.id();
    let change = |name, if_match| {
        let charts = &charts;
        async move {
            update_chart(
                &caller("ada"),
                id,
                rename(name),
                &if_match,
                ChartChangeDeps {
                    clock: &clock(),
                    backoff: &NoPause,
                    charts,
                    mailer: &RecordingMailer::default(),
                },
            )
            .await
        }
    };
    let changed = change("Renamed", IfMatch::versions(vec![1])).await.unwrap();
    assert_eq!((changed.name().as_str(), changed.version()), ("Renamed", 2));
    assert!(matches!(
        change("Again", IfMatch::versions(vec![1])).await,
        Err(ChangeChartError::VersionMismatch(VersionMismatch {
            current: 2
        }))
    ));
    assert_eq!(change("Again", IfMatch::any()).await.unwrap().version(), 3);
    charts.fail("contend");
    assert!(matches!(
        change("Lost", IfMatch::any()).await,
        Err(ChangeChartError::Contended)
    ));
    charts.heal("contend");
    assert!(matches!(
        update_chart(
            &caller("eve"),
            id,
            rename("x"),
            &IfMatch::any(),
            ChartChangeDeps {
                clock: &clock(),
                backoff: &NoPause,
                charts: &charts,
                mailer: &RecordingMailer::default(),
            },
        )
        .await,
        Err(ChangeChartError::ChartNotFound(_))
    ));
}

#[tokio::test]
async fn a_deleted_chart_is_gone_with_its_alerts() {
    let charts = InMemoryCharts::default();
    let owned = chart(&charts, "ada", "API").await;
    let id = owned.id();
    let alert = create_alert(
        &caller("ada"),
        id,
        test_data::alert_command("p99", Op::Gt, 1.0, 1),
        &clock(),
        &NoPause,
        &charts,
    )
    .await
    .unwrap();
    let delete = |who| {
        let charts = &charts;
        async move { delete_chart(&caller(who), id, &IfMatch::any(), &NoPause, charts).await }
    };
    assert!(matches!(
        delete("eve").await,
        Err(ChangeChartError::ChartNotFound(_))
    ));
    assert!(matches!(
        delete_chart(
            &caller("ada"),
            id,
            &IfMatch::versions(vec![7]),
            &NoPause,
            &charts
        )
        .await,
        Err(ChangeChartError::VersionMismatch(_))
    ));
    delete("ada").await.unwrap();
    assert!(matches!(
        get_chart(&caller("ada"), id, &all_series(10), &charts).await,
        Err(GetChartError::ChartNotFound(_))
    ));
    assert!(matches!(
        get_alert(&caller("ada"), alert.id(), &charts).await,
        Err(AlertError::AlertNotFound(_))
    ));
    assert!(matches!(
        delete("ada").await,
        Err(ChangeChartError::ChartNotFound(_))
    ));
}

#[tokio::test]
async fn changing_what_an_alert_evaluates_puts_it_back_to_ok() {
    let charts = InMemoryCharts::default();
    let id = chart(&charts, "ada", "API").await.id();
    let created = create_alert(
        &caller("ada"),
        id,
        test_data::alert_command("p99", Op::Gt, 1.0, 1),
        &clock(),
        &NoPause,
        &charts,
    )
    .await
    .unwrap();
    // Fire it as a tick would.
    let series = test_data::series(&chart(&charts, "ada", "x").await, "p99", &[5.0]);
    let fired = created.evaluate(Some(&series), clock().now(), time::Duration::hours(4));
    assert_eq!(fired.next.state(), AlertState::Firing);
    let mut stored = charts.alert(&created.id()).unwrap();
    stored.keep_evaluation_of(&fired.next);
    assert_eq!(stored.history().len(), 1);

    let message_only = AlertChange {
        message: Some(MessageTemplate::parse("{value}").unwrap()),
        ..Default::default()
    };
    let mut kept = stored.clone();
    kept.change(message_only, clock().now());
    assert_eq!(
        (kept.state(), kept.version()),
        (AlertState::Firing, 2),
        "a new message evaluates the same"
    );

    let new_threshold = AlertChange {
        condition: Some(Condition {
            op: Op::Gt,
            threshold: 10.0,
        }),
        ..Default::default()
    };
    kept.change(new_threshold, clock().now());
    assert_eq!(
        (kept.state(), kept.firing_since(), kept.version()),
        (AlertState::Ok, None, 3)
    );
}

#[tokio::test]
async fn alert_changes_and_deletes_are_the_owners_and_free_a_place() {
    let charts = InMemoryCharts::default();
    let id = chart(&charts, "ada", "API").await.id();
    let mut alerts = Vec::new();
    for _ in 0..MAX_ALERTS {
        let command = test_data::alert_command("p99", Op::Gt, 1.0, 1);
        alerts.push(
            create_alert(&caller("ada"), id, command, &clock(), &NoPause, &charts)
                .await
                .unwrap()
                .id(),
        );
    }
    let command = || test_data::alert_command("p99", Op::Gt, 1.0, 1);
    assert!(matches!(
        create_alert(&caller("ada"), id, command(), &clock(), &NoPause, &charts).await,
        Err(CreateAlertError::TooManyAlerts(_))
    ));
    let change = AlertChange {
        window: Some(3),
        ..Default::default()
    };
    assert!(matches!(
        update_alert(
            &caller("eve"),
            alerts[0],
            change.clone(),
            &IfMatch::any(),
            &clock(),
            &NoPause,
            &charts
        )
        .await,
        Err(AlertError::AlertNotFound(_))
    ));
    assert!(matches!(
        update_alert(
            &caller("ada"),
            alerts[0],
            change.clone(),
            &IfMatch::versions(vec![2]),
            &clock(),
            &NoPause,
            &charts
        )
        .await,
        Err(AlertError::VersionMismatch(_))
    ));
    let changed = update_alert(
        &caller("ada"),
        alerts[0],
        change,
        &IfMatch::versions(vec![1]),
        &clock(),
        &NoPause,
        &charts,
    )
    .await
    .unwrap();
    assert_eq!(changed.watches().1, 3);

    assert!(matches!(
        delete_alert(
            &caller("eve"),
            alerts[1],
            &IfMatch::any(),
            &NoPause,
            &charts
        )
        .await,
        Err(AlertError::AlertNotFound(_))
    ));
    delete_alert(
        &caller("ada"),
        alerts[1],
        &IfMatch::any(),
        &NoPause,
        &charts,
    )
    .await
    .unwrap();
    assert!(charts.alert(&alerts[1]).is_none());
    create_alert(&caller("ada"), id, command(), &clock(), &NoPause, &charts)
        .await
        .expect("the deleted alert's place is free");
}

#[test]
fn history_keeps_the_newest_fifty_state_changes_newest_first() {
    let chart = test_data::chart("API");
    let mut alert = test_data::alert(&chart, "p99", Op::Gt, 1.0, 1);
    let high = test_data::series(&chart, "p99", &[5.0]);
    let low = test_data::series(&chart, "p99", &[0.0]);
    let start = test_data::at("2026-11-21T00:00:00Z");
    for minute in 0..60 {
        let series = if minute % 2 == 0 { &high } else { &low };
        let now = start.saturating_add(time::Duration::minutes(minute));
        let mut evaluated = alert.evaluate(Some(series), now, time::Duration::hours(4));
        evaluated.notified(now);
        alert = evaluated.next;
    }
    let history = alert.history();
    assert_eq!(history.len(), MAX_HISTORY);
    assert_eq!(
        history[0].at,
        start.saturating_add(time::Duration::minutes(59))
    );
    assert_eq!(
        (history[0].from, history[0].to, history[0].value),
        (AlertState::Firing, AlertState::Ok, Some(0.0))
    );
    assert!(history.iter().all(|change| change.notified));
    let no_data = alert.evaluate(None, start, time::Duration::hours(4));
    assert_eq!(
        (
            no_data.next.history()[0].to,
            no_data.next.history()[0].notified
        ),
        (AlertState::NoData, false)
    );
}
