//! Charts, points, alerts, mutes and the scheduled evaluation against the local
//! AWS-protocol server, reading the e-mails back from it.

use adapters::config::AuthMode;
use adapters::http::respond;
use adapters::lambda::Invocation;
use adapters::lambda::MaxCharts;
use adapters::monitoring::DynamoMonitoringRepository;
use domain::monitoring::{
    Aggregation, ChartStore, CreateAlert, EvaluationStore, MessageTemplate, Mute, Point,
};
use domain::{AlertId, ChartId, Clock, SystemClock, Timestamp};
use integration_tests::{
    Fault, Faults, Stack, alert_above, chart_items, error_fields, event, invitation_token,
    invitations, parts, rejected_fields, report_mailer, request, sent_reports, with_body,
    with_claims, with_path_param, with_query, with_repeated_param,
};
use serde_json::{Value, json};

struct Monitor {
    stack: Stack,
    sender: String,
    recipient: String,
}

fn claims(customer: &str) -> Value {
    json!({"sub": customer, "email": format!("{customer}@example.com")})
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

impl Monitor {
    async fn new() -> Self {
        let stack = Stack::new().await;
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let sender = format!("reports-{unique}@example.com");
        local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
            .await
            .unwrap();
        Self {
            stack,
            sender,
            recipient: format!("oncall-{unique}@example.com"),
        }
    }

    fn charts(&self) -> DynamoMonitoringRepository {
        DynamoMonitoringRepository::new(self.stack.store())
    }

    /// The reports the recipient got.
    fn emails(&self) -> Vec<Value> {
        sent_reports(&self.recipient)
    }

    fn create_deps(&self) -> create_chart::Deps {
        create_chart::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
            invitations: invitations(&self.stack.aws, &self.sender),
            max_charts: MaxCharts(100),
        }
    }

    /// A chart of `owner`'s whose recipient confirmed from the invitation's link.
    async fn create_chart(&self, owner: &str, name: &str) -> String {
        let body = json!({"name": name, "recipients": [self.recipient]});
        let (status, chart) = self.create_chart_with(owner, &body).await;
        assert_eq!(status, 201, "{chart}");
        self.confirm(&invitation_token(&self.recipient)).await;
        chart["id"].as_str().unwrap().to_owned()
    }

    /// The recipient presses the invitation's button.
    async fn confirm(&self, token: &str) {
        let (status, page) = self.subscription("POST", token, "/confirm").await;
        assert_eq!(status, 200, "{page}");
    }

    /// A request to `manage-subscription`: the status and the page.
    async fn subscription(&self, method: &str, token: &str, action: &str) -> (u16, String) {
        let path = format!("/subscriptions/{token}{action}");
        let mut event = with_path_param(event("manage-subscription.json"), "token", token, &path);
        event["requestContext"]["http"]["method"] = json!(method);
        event["routeKey"] = json!(format!("{method} /subscriptions/{{token}}{action}"));
        let deps = manage_subscription::Deps {
            charts: self.charts(),
        };
        let response =
            adapters::http::respond(manage_subscription::handle(request(&event), &deps).await);
        let status = response.status().as_u16();
        let body = match response.body() {
            lambda_http::Body::Text(text) => text.clone(),
            other => format!("{other:?}"),
        };
        (status, body)
    }

    async fn create_chart_with(&self, owner: &str, body: &Value) -> (u16, Value) {
        let event = with_claims(
            with_body(event("create-chart.json"), body),
            Some(claims(owner)),
        );
        let deps = self.create_deps();
        parts(&create_chart::handle(request(&event), &deps).await)
    }

    async fn record(&self, owner: &str, chart: &str, points: Value) -> (u16, Value) {
        self.record_with(self.charts(), owner, chart, points).await
    }

    /// The status of recording one point.
    async fn record_one(&self, owner: &str, chart: &str, series: &str, value: f64) -> u16 {
        let point = json!([{"series": series, "value": value}]);
        self.record(owner, chart, point).await.0
    }

    async fn record_with(
        &self,
        charts: DynamoMonitoringRepository,
        owner: &str,
        chart: &str,
        points: Value,
    ) -> (u16, Value) {
        let event = with_claims(
            with_body(
                with_path_param(
                    event("record-points.json"),
                    "id",
                    chart,
                    &format!("/charts/{chart}/points"),
                ),
                &json!({ "points": points }),
            ),
            Some(claims(owner)),
        );
        let deps = record_points::Deps {
            charts,
            auth: AuthMode::Jwt,
        };
        parts(&record_points::handle(request(&event), &deps).await)
    }

    async fn alert(&self, owner: &str, chart: &str, body: &Value) -> (u16, Value) {
        let event = with_claims(
            with_body(
                with_path_param(
                    event("create-alert.json"),
                    "id",
                    chart,
                    &format!("/charts/{chart}/alerts"),
                ),
                body,
            ),
            Some(claims(owner)),
        );
        let deps = create_alert::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        parts(&create_alert::handle(request(&event), &deps).await)
    }

    /// An alert above 100 on `series`, whose data stays fresh for a week (so that ticks hours
    /// apart judge the same points).
    async fn firing_alert(&self, owner: &str, chart: &str, series: &str, message: &str) -> String {
        let body = json!({"series": series, "condition": {"op": "gt", "threshold": 100}, "message": message, "stale_after": "7d"});
        let (status, alert) = self.alert(owner, chart, &body).await;
        assert_eq!(status, 201, "{alert}");
        // The contract's defaults when a body leaves them out.
        assert_eq!(
            (alert["aggregation"].clone(), alert["window"].clone()),
            (json!("last"), json!(1))
        );
        alert["id"].as_str().unwrap().to_owned()
    }

    async fn list(&self, owner: &str, chart: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let event = with_claims(
            with_query(
                with_path_param(
                    event("list-alerts.json"),
                    "id",
                    chart,
                    &format!("/charts/{chart}/alerts"),
                ),
                query,
            ),
            Some(claims(owner)),
        );
        let deps = list_alerts::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        parts(&list_alerts::handle(request(&event), &deps).await)
    }

    async fn alert_state(&self, owner: &str, chart: &str, alert: &str) -> Value {
        let (_, page) = self.list(owner, chart, &[("limit", "100")]).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == alert)
            .cloned()
            .expect("the alert is listed")
    }

    async fn mute(&self, owner: &str, alert: &str, body: Option<Value>) -> (u16, Value) {
        let mut event = with_claims(
            with_path_param(
                event("mute-alert.json"),
                "id",
                alert,
                &format!("/alerts/{alert}/mute"),
            ),
            Some(claims(owner)),
        );
        match body {
            Some(body) => event = with_body(event, &body),
            None => {
                event.as_object_mut().unwrap().remove("body");
            }
        }
        let deps = mute_alert::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        parts(&mute_alert::handle(request(&event), &deps).await)
    }

    async fn unmute(&self, owner: &str, alert: &str) -> (u16, Value) {
        let event = with_claims(
            with_path_param(
                event("unmute-alert.json"),
                "id",
                alert,
                &format!("/alerts/{alert}/mute"),
            ),
            Some(claims(owner)),
        );
        let deps = mute_alert::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        parts(&mute_alert::handle(request(&event), &deps).await)
    }

    /// Every series of a chart, with all the points it keeps.
    async fn stored_series(&self, chart: &str) -> Vec<domain::monitoring::Series> {
        let id = ChartId::parse(chart).unwrap();
        let (stored, _) = self.charts().get_chart(&id).await.unwrap().unwrap();
        self.charts()
            .series(&id, stored.series_names(), 1000)
            .await
            .unwrap()
    }

    fn deps(&self, sender: &str) -> evaluate_alerts::Deps {
        evaluate_alerts::Deps {
            charts: self.charts(),
            mailer: report_mailer(&self.stack.aws, sender),
            repeat_interval: time::Duration::hours(4),
            shards: None,
        }
    }

    async fn tick_with(
        &self,
        deps: &evaluate_alerts::Deps,
        id: &str,
        at: Timestamp,
        detail: Value,
    ) -> Value {
        let event = integration_tests::tick_event(id, at, detail);
        let summary = evaluate_alerts::handle(Invocation::with_timeout(event, 900), deps)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        serde_json::to_value(summary).unwrap()
    }

    async fn tick(&self, id: &str, at: Timestamp) -> Value {
        self.tick_with(&self.deps(&self.sender), id, at, json!({}))
            .await
    }
}

fn now() -> Timestamp {
    SystemClock.now()
}

#[tokio::test]
async fn the_sample_events_drive_a_chart_from_creation_to_a_mute() {
    let monitor = Monitor::new().await;
    let deps = monitor.create_deps();
    let response = respond(create_chart::handle(request(&event("create-chart.json")), &deps).await);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, chart) = parts(&response);
    assert_eq!(status, 201);
    let owner = chart["owner_id"].as_str().unwrap().to_owned();
    let id = chart["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/charts/{id}"));
    assert_eq!(chart["recipients"], json!(["oncall@example.com"]));
    assert!(chart.get("series").is_none() && chart.get("alert_count").is_none());

    let record = with_path_param(
        event("record-points.json"),
        "id",
        &id,
        &format!("/charts/{id}/points"),
    );
    let deps = record_points::Deps {
        charts: monitor.charts(),
        auth: AuthMode::Jwt,
    };
    let (status, body) = parts(&record_points::handle(request(&record), &deps).await);
    assert_eq!((status, body), (200, json!({"accepted": 2})));

    let create = with_path_param(
        event("create-alert.json"),
        "id",
        &id,
        &format!("/charts/{id}/alerts"),
    );
    let deps = create_alert::Deps {
        charts: monitor.charts(),
        auth: AuthMode::Jwt,
    };
    let (status, alert) = parts(&create_alert::handle(request(&create), &deps).await);
    assert_eq!(status, 201, "{alert}");
    assert_eq!(alert["state"], "ok");
    assert_eq!(alert["muted"], false);
    assert_eq!(alert["window"], 2);
    let alert_id = alert["id"].as_str().unwrap();

    let (status, page) = monitor.list(&owner, &id, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["id"], alert["id"]);
    assert_eq!(page["next_cursor"], Value::Null);

    let until = now().saturating_add(minutes(60)).to_string();
    let (status, muted) = monitor
        .mute(
            &owner,
            alert_id,
            Some(json!({"until": until, "reason": "planned"})),
        )
        .await;
    assert_eq!(status, 200, "{muted}");
    assert_eq!(
        (muted["muted"].clone(), muted["mute_reason"].clone()),
        (json!(true), json!("planned"))
    );
    let unmute = with_path_param(
        event("unmute-alert.json"),
        "id",
        alert_id,
        &format!("/alerts/{alert_id}/mute"),
    );
    let deps = mute_alert::Deps {
        charts: monitor.charts(),
        auth: AuthMode::Jwt,
    };
    let (status, unmuted) = parts(&mute_alert::handle(request(&unmute), &deps).await);
    assert_eq!((status, unmuted["muted"].clone()), (200, json!(false)));
}

#[tokio::test]
async fn chart_requests_are_validated() {
    let monitor = Monitor::new().await;
    let eleven: Vec<String> = (0..11).map(|i| format!("a{i}@example.com")).collect();
    for (body, fields) in [
        (json!({"recipients": ["a@example.com"]}), vec!["name"]),
        (json!({"name": "x", "recipients": []}), vec!["recipients"]),
        (
            json!({"name": "x", "recipients": eleven}),
            vec!["recipients"],
        ),
        (
            json!({"name": "x", "recipients": ["nope", 3]}),
            vec!["recipients[0]", "recipients[1]"],
        ),
        (
            json!({"name": "x".repeat(101), "description": "d".repeat(1001), "recipients": ["a@example.com"], "colour": 1}),
            vec!["colour", "name", "description"],
        ),
    ] {
        let (status, problem) = monitor.create_chart_with("ada", &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    let event = with_claims(event("create-chart.json"), None);
    let deps = monitor.create_deps();
    assert_eq!(
        parts(&create_chart::handle(request(&event), &deps).await).0,
        401
    );
}

#[tokio::test]
async fn points_are_the_owners_to_record_and_are_validated() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Latency").await;
    assert_eq!(monitor.record_one("eve", &chart, "p99", 1.0).await, 404);
    assert_eq!(
        monitor
            .record(
                "ada",
                &ChartId::new().to_string(),
                json!([{"series": "p99", "value": 1}])
            )
            .await
            .0,
        404
    );
    assert_eq!(
        monitor
            .record("ada", "not-an-id", json!([{"series": "p99", "value": 1}]))
            .await
            .0,
        400
    );
    let future = now().saturating_add(minutes(10)).to_string();
    let points = json!([{"series": "P 99", "value": 1}, {"series": "ok", "value": "high"}, {"series": "ok", "value": 1, "at": future}, {"series": "ok"}]);
    assert_eq!(
        rejected_fields(monitor.record("ada", &chart, points).await),
        [
            "points[0].series",
            "points[1].value",
            "points[2].at",
            "points[3].value"
        ]
    );
    let too_many: Vec<Value> = (0..501)
        .map(|_| json!({"series": "a", "value": 1}))
        .collect();
    assert_eq!(monitor.record("ada", &chart, json!(too_many)).await.0, 400);
}

#[tokio::test]
async fn the_largest_legal_chart_stays_bounded() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Wide").await;
    let start = now().saturating_sub(time::Duration::days(1)).unix_seconds();
    // 20 series, each sent 1,200 points: only the newest 1,000 of each are kept.
    for series in 0..20 {
        for batch in 0..3 {
            let points: Vec<Value> = (0..400)
                .map(|i| {
                    let at = Timestamp::from_unix_seconds(start + batch * 400 + i).unwrap();
                    json!({"series": format!("series-{series:02}"), "value": 1.0e12 + i as f64 + 0.123456789, "at": at.to_string()})
                })
                .collect();
            let (status, body) = monitor.record("ada", &chart, json!(points)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    let series = monitor.stored_series(&chart).await;
    assert_eq!(series.len(), 20);
    for s in &series {
        assert_eq!(s.len(), 1000);
        assert_eq!(
            s.at_millis().first(),
            Some(&((start + 200) * 1000)),
            "the oldest 200 fell off"
        );
    }
    let (status, problem) = monitor
        .record(
            "ada",
            &chart,
            json!([{"series": "one-too-many", "value": 1}]),
        )
        .await;
    assert_eq!((status, problem["status"].clone()), (409, json!(409)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_points_on_one_chart_are_never_lost() {
    let monitor = std::sync::Arc::new(Monitor::new().await);
    let chart = monitor.create_chart("ada", "Busy").await;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..8 {
        let (monitor, chart) = (monitor.clone(), chart.clone());
        tasks.spawn(async move {
            let points: Vec<Value> = (0..25)
                .flat_map(|i| {
                    [
                        json!({"series": "shared", "value": writer * 100 + i}),
                        json!({"series": format!("own-{writer}"), "value": i}),
                    ]
                })
                .collect();
            monitor.record("ada", &chart, json!(points)).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (status, body) = joined.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let series = monitor.stored_series(&chart).await;
    assert_eq!(series.len(), 9);
    let shared = series
        .iter()
        .find(|s| s.name().as_str() == "shared")
        .unwrap();
    assert_eq!(shared.len(), 200, "every writer's points are kept");
    assert_eq!(series.iter().map(|s| s.len()).sum::<usize>(), 400);
}

#[tokio::test]
async fn alerts_are_validated_bounded_and_listed_in_pages() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Alerts").await;
    let alert = json!({"series": "p99", "condition": {"op": "above", "threshold": "x"}, "window": 0, "message": "{host} is down"});
    assert_eq!(
        rejected_fields(monitor.alert("ada", &chart, &alert).await),
        ["condition.op", "condition.threshold", "message", "window"]
    );
    let (status, problem) = monitor
        .alert("ada", &chart, &json!({"series": "p99", "message": "x"}))
        .await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["condition".to_owned()])
    );

    let valid = json!({"series": "p99", "condition": {"op": "lte", "threshold": 1.5}, "aggregation": "max", "window": 100, "message": "{value} <= {threshold}"});
    assert_eq!(
        monitor.alert("eve", &chart, &valid).await.0,
        404,
        "not the owner"
    );
    assert_eq!(monitor.list("eve", &chart, &[]).await.0, 404);
    let mut ids = Vec::new();
    for _ in 0..50 {
        let (status, alert) = monitor.alert("ada", &chart, &valid).await;
        assert_eq!(status, 201);
        ids.push(alert["id"].as_str().unwrap().to_owned());
    }
    let (status, problem) = monitor.alert("ada", &chart, &valid).await;
    assert_eq!((status, problem["status"].clone()), (409, json!(409)));

    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "20")];
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let (status, page) = monitor.list("ada", &chart, &query).await;
        assert_eq!(status, 200);
        listed.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, ids, "every alert once, oldest first");
    for query in [
        vec![("cursor", "nope")],
        vec![("limit", "0")],
        vec![("limit", "101")],
        vec![("sort", "x")],
    ] {
        assert_eq!(
            monitor.list("ada", &chart, &query).await.0,
            400,
            "{query:?}"
        );
    }
}

#[tokio::test]
async fn mutes_belong_to_the_charts_owner_and_expire_on_their_own() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Mutes").await;
    let alert = monitor.firing_alert("ada", &chart, "p99", "high").await;

    let (status, body) = monitor.mute("ada", &alert, None).await;
    assert_eq!(
        (status, body["muted"].clone(), body["muted_until"].clone()),
        (200, json!(true), Value::Null)
    );
    let until = now().saturating_add(minutes(30)).to_string();
    let (status, body) = monitor
        .mute(
            "ada",
            &alert,
            Some(json!({"until": until, "reason": "deploy"})),
        )
        .await;
    assert_eq!(status, 200, "muting a muted alert updates it");
    assert_eq!(
        (body["muted_until"].clone(), body["mute_reason"].clone()),
        (json!(until), json!("deploy"))
    );
    assert_eq!(monitor.unmute("ada", &alert).await.1["muted"], false);
    let (status, body) = monitor.unmute("ada", &alert).await;
    assert_eq!(
        (status, body["muted"].clone()),
        (200, json!(false)),
        "unmuting an unmuted alert is fine"
    );

    let past = now().saturating_sub(minutes(1)).to_string();
    let far = now().saturating_add(time::Duration::days(400)).to_string();
    for body in [
        json!({"until": past}),
        json!({"until": far}),
        json!({"until": "tomorrow"}),
        json!({"reason": "r".repeat(201)}),
        json!({"why": "x"}),
    ] {
        assert_eq!(
            monitor.mute("ada", &alert, Some(body.clone())).await.0,
            400,
            "{body}"
        );
    }
    assert_eq!(monitor.mute("eve", &alert, None).await.0, 404);
    assert_eq!(monitor.unmute("eve", &alert).await.0, 404);
    assert_eq!(
        monitor
            .mute("ada", &AlertId::new().to_string(), None)
            .await
            .0,
        404
    );
    assert_eq!(monitor.mute("ada", "bad-id", None).await.0, 400);

    // A mute whose time has passed reads as no mute at all.
    let chart_id = ChartId::parse(&chart).unwrap();
    let alert_id = AlertId::parse(&alert).unwrap();
    let expired = Mute {
        until: Some(now().saturating_sub(minutes(5))),
        reason: Some("old".into()),
    };
    monitor
        .charts()
        .set_mute(&chart_id, &alert_id, Some(expired), now())
        .await
        .unwrap()
        .unwrap();
    let listed = monitor.alert_state("ada", &chart, &alert).await;
    assert_eq!(
        (
            listed["muted"].clone(),
            listed["muted_until"].clone(),
            listed["mute_reason"].clone()
        ),
        (json!(false), Value::Null, Value::Null)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mutes_and_unmutes_leave_a_whole_state() {
    let monitor = std::sync::Arc::new(Monitor::new().await);
    let chart = monitor.create_chart("ada", "Races").await;
    let alert = monitor.firing_alert("ada", &chart, "p99", "high").await;
    let until = now().saturating_add(minutes(30)).to_string();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (monitor, alert, until) = (monitor.clone(), alert.clone(), until.clone());
        tasks.spawn(async move {
            if i % 2 == 0 {
                monitor
                    .mute(
                        "ada",
                        &alert,
                        Some(json!({"until": until, "reason": format!("r{i}")})),
                    )
                    .await
                    .0
            } else {
                monitor.unmute("ada", &alert).await.0
            }
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let state = monitor.alert_state("ada", &chart, &alert).await;
    match state["muted"].as_bool() {
        Some(true) => assert!(
            state["muted_until"] == json!(until) && state["mute_reason"].is_string(),
            "{state}"
        ),
        _ => assert!(
            state["muted_until"].is_null() && state["mute_reason"].is_null(),
            "{state}"
        ),
    }
}

#[tokio::test]
async fn a_tick_sends_one_email_per_chart_listing_its_firing_alerts() {
    let monitor = Monitor::new().await;
    let api = monitor.create_chart("ada", "API <prod>").await;
    let db = monitor.create_chart("ada", "Database").await;
    monitor.record("ada", &api, json!([{"series": "p99", "value": 900}, {"series": "errors", "value": 150}, {"series": "rps", "value": 5}])).await;
    monitor
        .record("ada", &db, json!([{"series": "cpu", "value": 101}]))
        .await;
    monitor
        .firing_alert("ada", &api, "p99", "{series} on {chart} is {value}")
        .await;
    monitor
        .firing_alert("ada", &api, "errors", "errors at {value} over {threshold}")
        .await;
    monitor
        .firing_alert("ada", &api, "rps", "rps is fine")
        .await;
    monitor.firing_alert("ada", &db, "cpu", "cpu hot").await;

    let summary = monitor.tick("tick-1", now()).await;
    assert_eq!(
        summary,
        json!({"charts": 2, "alerts": 4, "firing": 3, "reports_sent": 2, "failed_charts": []})
    );
    let emails = monitor.emails();
    assert_eq!(emails.len(), 2);
    let api_mail = emails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("API"))
        .unwrap();
    assert_eq!(api_mail["subject"], "[API <prod>] 2 alerts firing");
    assert_eq!(api_mail["source"], json!(monitor.sender));
    let html = api_mail["body"].as_str().unwrap();
    assert!(html.contains("p99 on API &lt;prod&gt; is 900"), "{html}");
    assert!(html.contains("errors at 150 over 100"));
    assert!(!html.contains("rps is fine"));
    let db_mail = emails
        .iter()
        .find(|m| m["subject"] == "[Database] 1 alert firing")
        .unwrap();
    assert!(db_mail["body"].as_str().unwrap().contains("cpu hot"));
}

#[tokio::test]
async fn muted_alerts_are_left_out_and_come_back() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Mutes").await;
    monitor
        .record(
            "ada",
            &chart,
            json!([{"series": "a", "value": 500}, {"series": "b", "value": 500}]),
        )
        .await;
    let a = monitor.firing_alert("ada", &chart, "a", "alert a").await;
    let b = monitor.firing_alert("ada", &chart, "b", "alert b").await;
    let start = now();
    monitor
        .mute(
            "ada",
            &b,
            Some(json!({"until": start.saturating_add(minutes(60)).to_string()})),
        )
        .await;

    monitor.tick("t1", start).await;
    let first = monitor.emails();
    assert_eq!(first.len(), 1);
    let body = first[0]["body"].as_str().unwrap();
    assert!(
        body.contains("alert a") && !body.contains("alert b"),
        "{body}"
    );

    // The mute ran out: b is evaluated again and starts firing; a is not due yet.
    let summary = monitor.tick("t2", start.saturating_add(minutes(120))).await;
    assert_eq!(summary["alerts"], 2);
    let second = &monitor.emails()[1];
    assert_eq!(second["subject"], "[Mutes] 1 alert firing");
    assert!(second["body"].as_str().unwrap().contains("alert b"));

    // a muted without an end: b's repeat goes out alone.
    monitor.mute("ada", &a, None).await;
    let summary = monitor.tick("t3", start.saturating_add(minutes(370))).await;
    assert_eq!(
        (summary["alerts"].clone(), summary["reports_sent"].clone()),
        (json!(1), json!(1))
    );
    let third = monitor.emails()[2]["body"].as_str().unwrap().to_owned();
    assert!(
        third.contains("alert b") && !third.contains("alert a"),
        "{third}"
    );
    // Unmuted, a is back (its last report is long past), b is not due again yet.
    monitor.unmute("ada", &a).await;
    monitor.tick("t4", start.saturating_add(minutes(371))).await;
    let fourth = monitor.emails()[3]["body"].as_str().unwrap().to_owned();
    assert!(
        fourth.contains("alert a") && !fourth.contains("alert b"),
        "{fourth}"
    );
}

#[tokio::test]
async fn a_firing_alert_is_not_resent_before_the_repeat_interval() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Repeat").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 900.0).await, 200);
    let alert = monitor.firing_alert("ada", &chart, "p99", "slow").await;
    let start = now();
    assert_eq!(monitor.tick("r1", start).await["reports_sent"], 1);
    let state = monitor.alert_state("ada", &chart, &alert).await;
    assert_eq!(
        (state["state"].clone(), state["firing_since"].clone()),
        (json!("firing"), json!(start.to_string()))
    );
    assert_eq!(
        monitor.tick("r2", start.saturating_add(minutes(10))).await["reports_sent"],
        0
    );
    assert_eq!(
        monitor.tick("r3", start.saturating_add(minutes(239))).await["reports_sent"],
        0
    );
    assert_eq!(
        monitor.tick("r4", start.saturating_add(minutes(240))).await["reports_sent"],
        1
    );
    assert_eq!(monitor.emails().len(), 2);
    let state = monitor.alert_state("ada", &chart, &alert).await;
    assert_eq!(
        state["firing_since"],
        json!(start.to_string()),
        "still firing since the start"
    );
    assert_eq!(
        state["last_notified_at"],
        json!(start.saturating_add(minutes(240)).to_string())
    );
}

#[tokio::test]
async fn a_resolved_alert_is_reported_and_no_data_is_quiet() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Resolve").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 900.0).await, 200);
    let alert = monitor
        .firing_alert("ada", &chart, "p99", "p99 at {value}")
        .await;
    let (_, windowed) = monitor
        .alert("ada", &chart, &json!({"series": "p99", "condition": {"op": "gt", "threshold": 1}, "window": 5, "message": "needs five"}))
        .await;
    let start = now();
    monitor.tick("s1", start).await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 10.0).await, 200);
    let summary = monitor.tick("s2", start.saturating_add(minutes(1))).await;
    assert_eq!(
        (summary["firing"].clone(), summary["reports_sent"].clone()),
        (json!(0), json!(1))
    );
    let emails = monitor.emails();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[1]["subject"], "[Resolve] 1 alert resolved");
    assert!(emails[1]["body"].as_str().unwrap().contains("p99 at 10"));
    assert_eq!(
        monitor.alert_state("ada", &chart, &alert).await["state"],
        "ok"
    );
    let windowed = monitor
        .alert_state("ada", &chart, windowed["id"].as_str().unwrap())
        .await;
    assert_eq!(windowed["state"], "no_data");
    assert!(
        !emails
            .iter()
            .any(|m| m["body"].as_str().unwrap().contains("needs five"))
    );

    // Nothing changed: nothing is sent.
    assert_eq!(
        monitor.tick("s3", start.saturating_add(minutes(2))).await["reports_sent"],
        0
    );
    assert_eq!(monitor.emails().len(), 2);
}

#[tokio::test]
async fn the_same_tick_delivered_twice_sends_once() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Twice").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 900.0).await, 200);
    monitor.firing_alert("ada", &chart, "p99", "slow").await;
    let at = now();
    assert_eq!(monitor.tick("same", at).await["reports_sent"], 1);
    // A redelivery, even of a tick whose state save was lost, finds the tick claimed.
    assert_eq!(monitor.tick("same", at).await["reports_sent"], 0);
    assert_eq!(monitor.emails().len(), 1);
}

#[tokio::test]
async fn a_refused_email_keeps_the_charts_state_for_the_next_tick() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Refused").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 900.0).await, 200);
    let alert = monitor.firing_alert("ada", &chart, "p99", "slow").await;
    let unverified = monitor.deps("nobody-verified-this@example.org");
    let at = now();
    let summary = monitor.tick_with(&unverified, "f1", at, json!({})).await;
    assert_eq!(summary["failed_charts"], json!([chart]));
    assert_eq!(summary["reports_sent"], 0);
    let state = monitor.alert_state("ada", &chart, &alert).await;
    assert_eq!(
        (state["state"].clone(), state["last_notified_at"].clone()),
        (json!("ok"), Value::Null)
    );
    assert!(monitor.emails().is_empty());

    let summary = monitor.tick("f2", at.saturating_add(minutes(1))).await;
    assert_eq!(
        (
            summary["reports_sent"].clone(),
            summary["failed_charts"].clone()
        ),
        (json!(1), json!([]))
    );
    assert_eq!(monitor.emails().len(), 1);
}

#[tokio::test]
async fn one_failing_chart_does_not_stop_the_others() {
    let monitor = Monitor::new().await;
    let good = monitor.create_chart("ada", "Good").await;
    let broken = monitor.create_chart("ada", "Broken").await;
    for chart in [&good, &broken] {
        monitor
            .record("ada", chart, json!([{"series": "p99", "value": 900}]))
            .await;
        monitor.firing_alert("ada", chart, "p99", "slow").await;
    }
    // Break the second chart's stored alert so that reading the chart fails.
    let broken_id = ChartId::parse(&broken).unwrap();
    let alerts = monitor
        .charts()
        .load_for_evaluation(&broken_id)
        .await
        .unwrap()
        .unwrap()
        .alerts;
    use aws_sdk_dynamodb::types::AttributeValue as A;
    monitor
        .stack
        .dynamodb()
        .update_item()
        .table_name(&monitor.stack.table)
        .key("pk", A::S(format!("CHART#{broken}")))
        .key("sk", A::S(format!("ALERT#{}", alerts[0].id())))
        .update_expression("SET #data = :garbage")
        .expression_attribute_names("#data", "data")
        .expression_attribute_values(":garbage", A::S("not a document".into()))
        .send()
        .await
        .unwrap();
    let summary = monitor.tick("b1", now()).await;
    assert_eq!(summary["failed_charts"], json!([broken]));
    assert_eq!(summary["reports_sent"], 1);
    assert_eq!(monitor.emails()[0]["subject"], "[Good] 1 alert firing");
}

#[tokio::test]
async fn a_per_chart_event_evaluates_that_chart_alone() {
    let monitor = Monitor::new().await;
    let one = monitor.create_chart("ada", "One").await;
    let other = monitor.create_chart("ada", "Other").await;
    for chart in [&one, &other] {
        monitor
            .record("ada", chart, json!([{"series": "p99", "value": 900}]))
            .await;
        monitor.firing_alert("ada", chart, "p99", "slow").await;
    }
    let mut event = event("evaluate-alerts-chart.json");
    event["detail"]["chart_id"] = json!(one);
    event["time"] = json!(now().to_string());
    let summary = evaluate_alerts::handle(
        Invocation::with_timeout(event, 900),
        &monitor.deps(&monitor.sender),
    )
    .await
    .unwrap();
    let summary = serde_json::to_value(summary).unwrap();
    assert_eq!(
        (&summary["charts"], &summary["reports_sent"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(monitor.emails()[0]["subject"], "[One] 1 alert firing");

    let bad = json!({"id": "x", "time": "not a time", "detail": {}});
    let error = evaluate_alerts::handle(
        Invocation::with_timeout(bad, 900),
        &monitor.deps(&monitor.sender),
    )
    .await
    .unwrap_err();
    let diagnostic: lambda_runtime::Diagnostic = error.into();
    assert_eq!(diagnostic.error_type, "InvalidEvent");
}

#[tokio::test]
async fn a_tick_over_hundreds_of_charts_makes_a_fixed_number_of_calls_per_chart() {
    let monitor = Monitor::new().await;
    // Seeded with batch writes: moto copies the whole table on every transaction.
    let count = 240;
    let created = now().saturating_sub(minutes(1));
    let mut items = Vec::new();
    for i in 0..count {
        items.extend(chart_items(
            "fleet",
            &format!("Chart {i}"),
            &monitor.recipient,
            &["p99", "p50"],
            &[Point {
                at_millis: created.unix_millis(),
                value: 900.0,
            }],
            |series| CreateAlert {
                message: MessageTemplate::parse("slow").unwrap(),
                ..alert_above(series, 100.0, Aggregation::Last, 1)
            },
            created,
        ));
    }
    monitor.stack.store().batch_put(items).await.unwrap();
    let (store, calls) = monitor.stack.counted_store();
    let deps = evaluate_alerts::Deps {
        charts: DynamoMonitoringRepository::new(store),
        ..monitor.deps(&monitor.sender)
    };
    let at = now();
    let summary = monitor.tick_with(&deps, "fleet-1", at, json!({})).await;
    assert_eq!(
        (summary["charts"].clone(), summary["reports_sent"].clone()),
        (json!(count), json!(count))
    );
    let listing = 16; // one page per shard at this size
    // Per chart: its alerts, itself and its last claim in one query, the newest points of
    // both watched series in one batch read, then the tick's claim, the reported series'
    // recent points for the pictures (the series' counts, then one batch read), and the
    // alerts' save.
    assert_eq!(
        calls.total(),
        listing + 6 * count,
        "list, then load + points + claim + pictures (2) + save per reporting chart"
    );

    // A quiet tick reads each chart and its series, and writes nothing.
    calls.reset();
    let summary = monitor
        .tick_with(&deps, "fleet-2", at.saturating_add(minutes(1)), json!({}))
        .await;
    assert_eq!(summary["reports_sent"], 0);
    assert_eq!(calls.total(), listing + 2 * count);
}

#[tokio::test]
async fn hostile_inputs_are_refused_with_a_400_not_a_500() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Hostile").await;

    // An offset that carries a time past the year 9999 once in UTC.
    let late = "9999-12-31T23:30:00-01:00";
    let (status, problem) = monitor
        .record(
            "ada",
            &chart,
            json!([{"series": "p99", "value": 1, "at": late}]),
        )
        .await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["points[0].at".to_owned()])
    );
    let alert = monitor.firing_alert("ada", &chart, "p99", "slow").await;
    let (status, problem) = monitor
        .mute("ada", &alert, Some(json!({"until": late})))
        .await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["until".to_owned()])
    );

    // A name reaches an e-mail subject: no line breaks or other control characters.
    for name in ["two\r\nlines", "tab\there"] {
        let (status, problem) = monitor
            .create_chart_with(
                "ada",
                &json!({"name": name, "recipients": ["a@example.com"]}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&problem)),
            (400, vec!["name".to_owned()]),
            "{name:?}"
        );
    }

    // 32,000 elements in a 64 KiB body: refused as a whole, with one error, at once.
    let many: Vec<Value> = (0..32_000).map(|_| json!(0)).collect();
    let started = std::time::Instant::now();
    let (status, problem) = monitor.record("ada", &chart, json!(many)).await;
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["points".to_owned()])
    );
    assert!(problem.to_string().len() < 1_000, "{problem}");
    // 500 elements each wrong twice: at most 100 errors are listed.
    let bad: Vec<Value> = (0..500)
        .map(|_| json!({"series": "BAD", "value": "x"}))
        .collect();
    let (status, problem) = monitor.record("ada", &chart, json!(bad)).await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&problem).len(), 100);
    assert_eq!(
        problem["detail"],
        "100 or more fields are invalid; the first 100 are listed"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // `limit=5&limit=6` arrives as "5,6" and is judged as that.
    let repeated = with_claims(
        with_repeated_param(
            with_path_param(
                event("list-alerts.json"),
                "id",
                &chart,
                &format!("/charts/{chart}/alerts"),
            ),
            "limit",
            &["5", "6"],
        ),
        Some(claims("ada")),
    );
    let deps = list_alerts::Deps {
        charts: monitor.charts(),
        auth: AuthMode::Jwt,
    };
    let (status, problem) = parts(&list_alerts::handle(request(&repeated), &deps).await);
    assert_eq!(
        (status, error_fields(&problem)),
        (400, vec!["limit".to_owned()])
    );
}

/// Concurrent calls on one series, 10 then 30 at once: every call succeeds (none is refused
/// as busy), every point is kept, and the series keeps its newest 1,000 once past them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_and_thirty_concurrent_calls_on_one_series_all_succeed_and_keep_every_point() {
    let monitor = std::sync::Arc::new(Monitor::new().await);
    let chart = monitor.create_chart("ada", "Hot").await;
    assert_eq!(monitor.record_one("ada", &chart, "hot", -1.0).await, 200);
    let mut sent = 1;
    for (calls, per_call) in [(10, 10), (30, 30)] {
        let mut tasks = tokio::task::JoinSet::new();
        for call in 0..calls {
            let (monitor, chart) = (monitor.clone(), chart.clone());
            let points: Vec<Value> = (0..per_call)
                .map(|i| json!({"series": "hot", "value": sent + call * per_call + i}))
                .collect();
            tasks.spawn(async move { monitor.record("ada", &chart, json!(points)).await });
        }
        while let Some(joined) = tasks.join_next().await {
            let (status, body) = joined.unwrap();
            assert_eq!(status, 200, "{body}");
        }
        sent += calls * per_call;
    }
    // 1 + 100 + 900 points: the newest 1,000 are kept, each once.
    let series = monitor.stored_series(&chart).await;
    let values: std::collections::BTreeSet<i64> = series[0]
        .newest(1000)
        .unwrap()
        .iter()
        .map(|v| *v as i64)
        .collect();
    assert_eq!((series[0].len(), values.len()), (1000, 1000));
    assert!(
        values.iter().all(|v| (0..1001).contains(v)),
        "only points that were sent"
    );
    assert!(!values.contains(&-1), "the first point fell off");
}

/// An append writes its own points and one counter, whatever the series holds already: the
/// same calls and items for a series of one point as for a full one.
#[tokio::test]
async fn appending_to_a_full_series_costs_what_appending_to_an_empty_one_does() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Costs").await;
    for batch in 0..2 {
        let points: Vec<Value> = (0..500)
            .map(|i| json!({"series": "full", "value": batch * 500 + i}))
            .collect();
        assert_eq!(monitor.record("ada", &chart, json!(points)).await.0, 200);
    }
    assert_eq!(monitor.record_one("ada", &chart, "empty", 0.0).await, 200);
    let (store, calls) = monitor.stack.counted_store();
    let mut costs = Vec::new();
    for series in ["empty", "full"] {
        let points: Vec<Value> = (0..30)
            .map(|i| json!({"series": series, "value": i}))
            .collect();
        let charts = DynamoMonitoringRepository::new(store.clone());
        let (status, body) = monitor
            .record_with(charts, "ada", &chart, json!(points))
            .await;
        assert_eq!(status, 200, "{body}");
        let tally = calls.take();
        costs.push((tally.calls, tally.items_written, tally.items_read));
    }
    assert_eq!(costs[0], costs[1], "empty, then full");
    let (calls, written, read) = &costs[0];
    assert_eq!(
        calls,
        &["UpdateItem", "BatchWriteItem", "BatchWriteItem"],
        "the counter, then the points in batches of 25"
    );
    assert_eq!(
        (*written, *read),
        (31, 0),
        "its 30 points and the counter; nothing read"
    );
    let full = &monitor.stored_series(&chart).await;
    let full = full.iter().find(|s| s.name().as_str() == "full").unwrap();
    assert_eq!(full.len(), 1000);
    assert_eq!(full.newest(1), Some(&[29.0][..]));
}

/// The first round kept a series' points as two columns in one `SERIES#` item: such a chart
/// reads as before, and its first append moves those points into the ring.
#[tokio::test]
async fn a_chart_from_before_the_ring_is_read_then_moved_into_it() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct ColumnSeries {
        chart_id: ChartId,
        name: domain::Slug,
        at: Vec<i64>,
        values: Vec<String>,
    }
    impl adapters::store::Document for ColumnSeries {
        const ENTITY: &'static str = "series";
        const SCHEMA_VERSION: u32 = 1;
        fn key(&self) -> adapters::store::Key {
            adapters::store::Key::new(
                format!("CHART#{}", self.chart_id),
                format!("SERIES#{}", self.name),
            )
        }
    }

    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Old").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 0.0).await, 200);
    // Back to the first round's layout: no counters, no slots, the points in columns.
    let store = monitor.stack.store();
    let key = |sk: &str| adapters::store::Key::new(format!("CHART#{chart}"), sk);
    monitor
        .stack
        .dynamodb()
        .update_item()
        .table_name(&monitor.stack.table)
        .set_key(Some(key("CHART").to_item()))
        .update_expression("REMOVE seqs")
        .send()
        .await
        .unwrap();
    store.batch_delete(&[key("POINT#p99#0000")]).await.unwrap();
    let start = now().saturating_sub(minutes(10)).unix_millis();
    let column = ColumnSeries {
        chart_id: ChartId::parse(&chart).unwrap(),
        name: domain::Slug::parse("p99").unwrap(),
        at: vec![start, start + 1, start + 2],
        values: vec!["1".into(), "2".into(), "3".into()],
    };
    let column = adapters::store::new_item(&column).unwrap();
    store.batch_put(vec![column]).await.unwrap();

    let values = |series: Vec<domain::monitoring::Series>| -> Vec<f64> {
        series[0].points().map(|p| p.value).collect()
    };
    assert_eq!(values(monitor.stored_series(&chart).await), [1.0, 2.0, 3.0]);

    assert_eq!(monitor.record_one("ada", &chart, "p99", 4.0).await, 200);
    assert_eq!(
        values(monitor.stored_series(&chart).await),
        [1.0, 2.0, 3.0, 4.0]
    );
    let old = store.get_item(&key("SERIES#p99")).await.unwrap();
    assert!(old.is_none(), "the column item is gone");
}

/// A point is one small item: its keys, its entity and the point as one string attribute
/// (a chart's read takes a thousand of these, so every attribute counts).
#[tokio::test]
async fn a_point_slot_is_one_attribute_beside_its_keys() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Small").await;
    let at = now().saturating_sub(minutes(1)).unix_millis() / 1000 * 1000 + 500;
    let text = Timestamp::from_unix_millis(at).unwrap().to_string();
    let points = json!([{"series": "p99", "value": -1.25, "at": text}]);
    assert_eq!(monitor.record("ada", &chart, points).await.0, 200);

    let key = adapters::store::Key::new(format!("CHART#{chart}"), "POINT#p99#0000");
    let item = monitor.stack.store().get_item(&key).await.unwrap().unwrap();
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["entity", "pk", "point", "sk"]);
    assert_eq!(item["point"].as_s().unwrap(), &format!("0 {at} -1.25"));
}

/// Slots written as documents, before a slot was one attribute, are still read: by key (a
/// few points) and by range (many), until appends overwrite them.
#[tokio::test]
async fn slots_written_as_documents_are_still_read() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct DocumentSlot {
        chart_id: ChartId,
        series: domain::Slug,
        seq: u64,
        at: i64,
        value: String,
    }
    impl adapters::store::Document for DocumentSlot {
        const ENTITY: &'static str = "point";
        const SCHEMA_VERSION: u32 = 1;
        fn key(&self) -> adapters::store::Key {
            adapters::store::Key::new(
                format!("CHART#{}", self.chart_id),
                format!("POINT#{}#{:04}", self.series, self.seq),
            )
        }
    }

    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Documents").await;
    let points: Vec<Value> = (0..12)
        .map(|_| json!({"series": "p99", "value": 0.0}))
        .collect();
    assert_eq!(monitor.record("ada", &chart, json!(points)).await.0, 200);
    let start = now().saturating_sub(minutes(10)).unix_millis();
    let documents = (0..12)
        .map(|seq| {
            adapters::store::new_item(&DocumentSlot {
                chart_id: ChartId::parse(&chart).unwrap(),
                series: domain::Slug::parse("p99").unwrap(),
                seq,
                at: start + seq as i64,
                value: format!("{seq}.5"),
            })
            .unwrap()
        })
        .collect();
    monitor.stack.store().batch_put(documents).await.unwrap();

    let id = ChartId::parse(&chart).unwrap();
    let p99 = [domain::Slug::parse("p99").unwrap()];
    let values = |series: Vec<domain::monitoring::Series>| -> Vec<f64> {
        series[0].points().map(|p| p.value).collect()
    };
    let by_range = monitor.charts().series(&id, &p99, 1000).await.unwrap();
    let expected: Vec<f64> = (0..12).map(|seq| f64::from(seq) + 0.5).collect();
    assert_eq!(values(by_range), expected);
    let by_key = monitor.charts().series(&id, &p99, 3).await.unwrap();
    assert_eq!(values(by_key), [9.5, 10.5, 11.5]);
}

/// What the local servers never do, on a tick: a claim throttled past the SDK's retries fails
/// that chart alone (nothing sent, its state kept for the next tick), and a save whose reply
/// was lost is retried with its token and counts once.
#[tokio::test]
async fn a_tick_rides_out_throttling_and_lost_replies() {
    let monitor = Monitor::new().await;
    let chart = monitor.create_chart("ada", "Flaky").await;
    assert_eq!(monitor.record_one("ada", &chart, "p99", 900.0).await, 200);
    let alert = monitor.firing_alert("ada", &chart, "p99", "slow").await;
    let faults = Faults::default();
    let deps = evaluate_alerts::Deps {
        charts: DynamoMonitoringRepository::new(monitor.stack.faulty_store(&faults)),
        ..monitor.deps(&monitor.sender)
    };
    let start = now();

    faults.inject("PutItem", Fault::Throttling, 3);
    let summary = monitor.tick_with(&deps, "flaky-1", start, json!({})).await;
    assert_eq!(faults.pending(), 0, "every attempt was throttled");
    assert_eq!(
        (
            summary["reports_sent"].clone(),
            summary["failed_charts"].clone()
        ),
        (json!(0), json!([chart]))
    );
    assert!(monitor.emails().is_empty());

    faults.inject("TransactWriteItems", Fault::LostReply, 1);
    let summary = monitor
        .tick_with(
            &deps,
            "flaky-2",
            start.saturating_add(minutes(1)),
            json!({}),
        )
        .await;
    assert_eq!(faults.pending(), 0);
    assert_eq!(
        (
            summary["reports_sent"].clone(),
            summary["failed_charts"].clone()
        ),
        (json!(1), json!([]))
    );
    let state = monitor.alert_state("ada", &chart, &alert).await;
    assert_eq!(state["state"], "firing");

    let summary = monitor
        .tick_with(
            &deps,
            "flaky-3",
            start.saturating_add(minutes(2)),
            json!({}),
        )
        .await;
    assert_eq!(
        summary["reports_sent"], 0,
        "the saved state holds: no resend"
    );
    assert_eq!(monitor.emails().len(), 1);
}
