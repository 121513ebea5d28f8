//! The monitoring use cases the benchmark times: the charts, points and alerts they act on,
//! made through the functions themselves, then the scenarios.

use crate::COST_SAMPLES;
use crate::invoke::invoke_in_process;
use crate::scenarios::{Scenario, scenario};
use crate::stack::{Stack, now, with_claims};
use anyhow::{Context, Result};
use domain::monitoring::ChartStore;
use integration_tests::{event, with_body, with_path_param, with_query};
use serde_json::{Value, json};

pub async fn prepare(stack: &Stack, warm: usize) -> Result<Vec<Scenario>> {
    let chart_event = with_claims(event("create-chart.json"));
    let mut charts = Vec::new();
    let alert_charts = (warm + 1 + COST_SAMPLES).div_ceil(45) + 1;
    let calls = warm + 1 + COST_SAMPLES;
    for _ in 0..(alert_charts + 3 + COST_SAMPLES + calls) {
        let made =
            invoke_in_process(stack, "create-chart", "bench-charts", chart_event.clone()).await?;
        charts.push(
            made["body"]["id"]
                .as_str()
                .context("a chart id")?
                .to_owned(),
        );
    }
    let (points_chart, list_chart) = (charts[0].clone(), charts[1].clone());
    // A series filled to its bound, and for each costed call a series of one point: what an
    // append costs must not depend on what the series holds.
    let full_chart = charts[2].clone();
    let one_point_charts = charts[3..3 + COST_SAMPLES].to_vec();
    let alert_event = |chart: &str| {
        with_claims(with_path_param(
            event("create-alert.json"),
            "id",
            chart,
            &format!("/charts/{chart}/alerts"),
        ))
    };
    let mut listed_alert = String::new();
    for _ in 0..10 {
        let made = invoke_in_process(
            stack,
            "create-alert",
            "bench-charts",
            alert_event(&list_chart),
        )
        .await?;
        listed_alert = made["body"]["id"]
            .as_str()
            .context("an alert id")?
            .to_owned();
    }
    let record_event = |chart: &str| {
        with_claims(with_path_param(
            event("record-points.json"),
            "id",
            chart,
            &format!("/charts/{chart}/points"),
        ))
    };
    let points = |n: usize| {
        let points: Vec<Value> = (0..n)
            .map(|i| json!({"series": "p99", "value": i}))
            .collect();
        json!({ "points": points })
    };
    let mut prefills = vec![
        (list_chart.clone(), 2),
        (full_chart.clone(), 500),
        (full_chart.clone(), 500),
    ];
    prefills.extend(one_point_charts.iter().map(|chart| (chart.clone(), 1)));
    for (chart, n) in prefills {
        let filled = with_body(record_event(&chart), &points(n));
        invoke_in_process(stack, "record-points", "bench-charts", filled).await?;
    }
    let started = now();
    let alert_chart_ids = charts[3 + COST_SAMPLES..charts.len() - calls].to_vec();
    // Each delete-chart call deletes a chart of its own; each delete-alert call an alert.
    let doomed_charts = charts[charts.len() - calls..].to_vec();
    // delete-chart takes the doomed charts (and their alerts) with it: the doomed alerts are
    // on charts of their own.
    let mut doomed_alerts = Vec::new();
    for _ in 0..calls {
        let made =
            invoke_in_process(stack, "create-chart", "bench-charts", chart_event.clone()).await?;
        let chart = made["body"]["id"]
            .as_str()
            .context("a chart id")?
            .to_owned();
        let made =
            invoke_in_process(stack, "create-alert", "bench-charts", alert_event(&chart)).await?;
        doomed_alerts.push(
            made["body"]["id"]
                .as_str()
                .context("an alert id")?
                .to_owned(),
        );
    }
    // The listed chart's recipient confirms (through the function, as from the e-mail's
    // link), so its tick reports; its token is read from the table, as the e-mail holds it.
    let (stored, _) =
        adapters::monitoring::DynamoMonitoringRepository::new(stack.store("bench-charts"))
            .get_chart(&domain::ChartId::parse(&list_chart)?)
            .await
            .map_err(|e| anyhow::anyhow!("reading the listed chart: {e}"))?
            .context("the listed chart")?;
    let token = stored.subscriptions()[0].token().as_str().to_owned();
    let subscription_event = move |action: &str, method: &str| {
        let path = format!("/subscriptions/{token}{action}");
        let mut e = with_path_param(event("manage-subscription.json"), "token", &token, &path);
        e["requestContext"]["http"]["method"] = json!(method);
        e
    };
    invoke_in_process(
        stack,
        "manage-subscription",
        "bench-charts",
        subscription_event("/confirm", "POST"),
    )
    .await?;
    let _ = stack.meter.take();
    let on = |file: &str, id: &str, path: String| {
        with_claims(with_path_param(event(file), "id", id, &path))
    };
    Ok(vec![
        scenario("create-chart", "create-chart", "bench-charts", move |_| {
            chart_event.clone()
        }),
        scenario(
            "record-points, 2 points onto a series of 1",
            "record-points",
            "bench-charts",
            // Timed on one chart; each costed call on a series of one point of its own.
            move |i| match i.checked_sub(warm + 1) {
                Some(sample) => record_event(&one_point_charts[sample % COST_SAMPLES]),
                None => record_event(&points_chart),
            },
        ),
        {
            let chart = full_chart.clone();
            scenario(
                "record-points, 2 points onto a full series (1,000)",
                "record-points",
                "bench-charts",
                move |_| record_event(&chart),
            )
        },
        scenario("create-alert", "create-alert", "bench-charts", move |i| {
            alert_event(&alert_chart_ids[i % alert_chart_ids.len()])
        }),
        {
            let chart = list_chart.clone();
            scenario(
                "list-alerts, 10 alerts",
                "list-alerts",
                "bench-charts",
                move |_| {
                    with_claims(with_path_param(
                        event("list-alerts.json"),
                        "id",
                        &chart,
                        &format!("/charts/{chart}/alerts"),
                    ))
                },
            )
        },
        {
            let alert = listed_alert.clone();
            scenario(
                "mute-alert (mute, unmute)",
                "mute-alert",
                "bench-charts",
                move |i| {
                    let file = if i % 2 == 0 {
                        "mute-alert.json"
                    } else {
                        "unmute-alert.json"
                    };
                    let mut e = with_claims(with_path_param(
                        event(file),
                        "id",
                        &alert,
                        &format!("/alerts/{alert}/mute"),
                    ));
                    if i % 2 == 0 {
                        e["body"] = json!(json!({"reason": "benchmark"}).to_string());
                    }
                    e
                },
            )
        },
        scenario(
            "list-charts, a page of 20",
            "list-charts",
            "bench-charts",
            |_| with_claims(event("list-charts.json")),
        ),
        {
            let chart = full_chart.clone();
            scenario(
                "get-chart, newest 100 of a full series",
                "get-chart",
                "bench-charts",
                move |_| {
                    with_query(
                        on("get-chart.json", &chart, format!("/charts/{chart}")),
                        &[],
                    )
                },
            )
        },
        {
            let chart = full_chart.clone();
            scenario(
                "get-chart, all 1,000 of a full series",
                "get-chart",
                "bench-charts",
                move |_| {
                    let e = on("get-chart.json", &chart, format!("/charts/{chart}"));
                    with_query(e, &[("points", "1000")])
                },
            )
        },
        {
            let chart = full_chart.clone();
            scenario(
                "render-chart, newest 100 of a full series",
                "render-chart",
                "bench-charts",
                move |_| {
                    let e = on(
                        "render-chart.json",
                        &chart,
                        format!("/charts/{chart}/image"),
                    );
                    with_query(e, &[])
                },
            )
        },
        {
            let chart = list_chart.clone();
            scenario("update-chart", "update-chart", "bench-charts", move |i| {
                let e = on("update-chart.json", &chart, format!("/charts/{chart}"));
                with_body(e, &json!({ "description": format!("change {i}") }))
            })
        },
        scenario(
            "delete-chart, a chart without alerts or points",
            "delete-chart",
            "bench-charts",
            move |i| {
                let chart = &doomed_charts[i % doomed_charts.len()];
                on("delete-chart.json", chart, format!("/charts/{chart}"))
            },
        ),
        {
            let alert = listed_alert.clone();
            scenario("get-alert", "get-alert", "bench-charts", move |_| {
                on("get-alert.json", &alert, format!("/alerts/{alert}"))
            })
        },
        {
            let alert = listed_alert.clone();
            scenario("update-alert", "update-alert", "bench-charts", move |i| {
                let e = on("update-alert.json", &alert, format!("/alerts/{alert}"));
                with_body(e, &json!({ "window": 1 + i % 2 }))
            })
        },
        scenario(
            "manage-subscription, the page",
            "manage-subscription",
            "bench-charts",
            move |_| subscription_event("", "GET"),
        ),
        scenario("delete-alert", "delete-alert", "bench-charts", move |i| {
            let alert = &doomed_alerts[i % doomed_alerts.len()];
            on("delete-alert.json", alert, format!("/alerts/{alert}"))
        }),
        {
            let chart = list_chart.clone();
            scenario(
                "evaluate-alerts, one chart",
                "evaluate-alerts",
                "bench-charts",
                move |i| {
                    let mut e = event("evaluate-alerts-chart.json");
                    e["id"] = json!(format!("bench-chart-tick-{i}"));
                    e["time"] = json!(
                        started
                            .saturating_add(time::Duration::seconds(i as i64))
                            .to_string()
                    );
                    e["detail"]["chart_id"] = json!(chart);
                    e
                },
            )
        },
    ])
}
