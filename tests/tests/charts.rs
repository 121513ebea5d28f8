//! Reading, listing, changing and deleting charts and alerts, and the chart's picture,
//! through the functions against the local AWS-protocol server.

use adapters::config::AuthMode;
use adapters::http::respond;
use adapters::lambda::{ChartOwnerDeps, ChartRecipientsDeps, Invocation, MaxCharts};
use adapters::monitoring::DynamoMonitoringRepository;
use domain::{Clock, SystemClock, Timestamp};
use integration_tests::{
    Stack, event, invitation_token, invitations, parts, rejected_fields, report_mailer, request,
    sent_reports, with_body, with_claims, with_path_param, with_query,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// Handlers of the chart owner's routes, by function name.
macro_rules! call {
    ($function:ident, $event:expr, $deps:expr) => {
        respond($function::handle(request(&$event), $deps).await)
    };
}

struct Owners {
    stack: Stack,
    deps: ChartOwnerDeps,
    create: create_chart::Deps,
    recipients: ChartRecipientsDeps,
    sender: String,
    recipient: String,
}

fn claims(customer: &str) -> Value {
    json!({"sub": customer, "email": format!("{customer}@example.com")})
}

/// The sample event of `function` on resource `id` (if its route has one), for `who`
/// (`None`: no identity).
fn on(function: &str, id: Option<&str>, who: Option<&str>) -> Value {
    let mut event = event(&format!("{function}.json"));
    if let Some(id) = id {
        let template = event["pathParameters"]["id"].as_str().unwrap().to_owned();
        let path = event["rawPath"].as_str().unwrap().replace(&template, id);
        event = with_path_param(event, "id", id, &path);
    }
    event["queryStringParameters"] = json!({});
    event["rawQueryString"] = json!("");
    with_claims(event, who.map(claims))
}

fn with_header(mut event: Value, name: &str, value: &str) -> Value {
    event["headers"][name] = json!(value);
    event
}

fn header(response: &Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8(bytes.clone()).unwrap(),
        _ => String::new(),
    }
}

fn now() -> Timestamp {
    SystemClock.now()
}

impl Owners {
    async fn new() -> Self {
        let stack = Stack::new().await;
        let deps = ChartOwnerDeps {
            charts: DynamoMonitoringRepository::new(stack.store()),
            auth: AuthMode::Jwt,
        };
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let sender = format!("reports-{unique}@example.com");
        local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
            .await
            .unwrap();
        let charts = || DynamoMonitoringRepository::new(stack.store());
        let create = create_chart::Deps {
            charts: charts(),
            auth: AuthMode::Jwt,
            invitations: invitations(&stack.aws, &sender),
            max_charts: MaxCharts(100),
        };
        let recipients = ChartRecipientsDeps {
            charts: charts(),
            auth: AuthMode::Jwt,
            invitations: invitations(&stack.aws, &sender),
        };
        Self {
            stack,
            deps,
            create,
            recipients,
            sender,
            recipient: format!("oncall-{unique}@example.com"),
        }
    }

    async fn chart(&self, owner: &str, name: &str) -> String {
        let body = json!({"name": name, "recipients": [self.recipient]});
        let event = with_body(on("create-chart", None, Some(owner)), &body);
        let (status, chart) = parts(&call!(create_chart, event, &self.create));
        assert_eq!(status, 201, "{chart}");
        chart["id"].as_str().unwrap().to_owned()
    }

    /// A chart whose recipient confirmed (its version is then 2), and the token.
    async fn confirmed_chart(&self, owner: &str, name: &str) -> (String, String) {
        let chart = self.chart(owner, name).await;
        let token = invitation_token(&self.recipient);
        assert_eq!(self.subscription(&token, "/confirm").await, 200);
        (chart, token)
    }

    /// The status of a POST (or, without `action`, a GET) to a subscription's link.
    async fn subscription(&self, token: &str, action: &str) -> u16 {
        let path = format!("/subscriptions/{token}{action}");
        let mut event = with_path_param(event("manage-subscription.json"), "token", token, &path);
        if !action.is_empty() {
            event["requestContext"]["http"]["method"] = json!("POST");
        }
        let deps = manage_subscription::Deps {
            charts: DynamoMonitoringRepository::new(self.stack.store()),
        };
        respond(manage_subscription::handle(request(&event), &deps).await)
            .status()
            .as_u16()
    }

    async fn record(&self, owner: &str, chart: &str, points: Value) {
        let event = with_body(
            on("record-points", Some(chart), Some(owner)),
            &json!({ "points": points }),
        );
        let (status, body) = parts(&call!(record_points, event, &self.deps));
        assert_eq!(status, 200, "{body}");
    }

    async fn alert(&self, owner: &str, chart: &str, threshold: f64) -> String {
        let body = json!({"series": "latency", "condition": {"op": "gt", "threshold": threshold}, "message": "{series} at {value}"});
        let event = with_body(on("create-alert", Some(chart), Some(owner)), &body);
        let (status, alert) = parts(&call!(create_alert, event, &self.deps));
        assert_eq!(status, 201, "{alert}");
        alert["id"].as_str().unwrap().to_owned()
    }

    async fn get_chart(&self, owner: &str, chart: &str, query: &[(&str, &str)]) -> Response<Body> {
        let event = with_query(on("get-chart", Some(chart), Some(owner)), query);
        call!(get_chart, event, &self.deps)
    }

    async fn get_alert(&self, owner: &str, alert: &str) -> (u16, Value) {
        parts(&call!(
            get_alert,
            on("get-alert", Some(alert), Some(owner)),
            &self.deps
        ))
    }

    async fn tick(&self, id: &str, at: Timestamp, detail: Value) -> Value {
        let deps = evaluate_alerts::Deps {
            charts: self.deps.charts.clone(),
            mailer: report_mailer(&self.stack.aws, &self.sender),
            repeat_interval: time::Duration::hours(4),
            shards: None,
        };
        let event = integration_tests::tick_event(id, at, detail);
        let summary = evaluate_alerts::handle(Invocation::with_timeout(event, 900), &deps)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        serde_json::to_value(summary).unwrap()
    }
}

#[tokio::test]
async fn every_route_is_the_owners_alone() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "Checkout").await;
    let alert = owners.alert("ada", &chart, 100.0).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let patch_chart = json!({"name": "x"});
    let patch_alert = json!({"window": 2});
    for (function, id, body) in [
        ("get-chart", &chart, None),
        ("update-chart", &chart, Some(&patch_chart)),
        ("delete-chart", &chart, None),
        ("render-chart", &chart, None),
        ("get-alert", &alert, None),
        ("update-alert", &alert, Some(&patch_alert)),
        ("delete-alert", &alert, None),
    ] {
        for (who, target, expected) in [
            (Some("eve"), id.as_str(), 404),
            (Some("ada"), unknown.as_str(), 404),
            (None, id.as_str(), 401),
            (Some("ada"), "not-a-uuid", 400),
        ] {
            let mut event = on(function, Some(target), who);
            if let Some(body) = body {
                event = with_body(event, body);
            }
            let deps = &owners.deps;
            let response = match function {
                "get-chart" => call!(get_chart, event, deps),
                "update-chart" => call!(update_chart, event, &owners.recipients),
                "delete-chart" => call!(delete_chart, event, deps),
                "render-chart" => call!(render_chart, event, deps),
                "get-alert" => call!(get_alert, event, deps),
                "update-alert" => call!(update_alert, event, deps),
                _ => call!(delete_alert, event, deps),
            };
            let (status, problem) = parts(&response);
            assert_eq!(
                status, expected,
                "{function} by {who:?} on {target}: {problem}"
            );
        }
    }
    // Nothing was changed or deleted by the refused calls.
    let (status, body) = parts(&owners.get_chart("ada", &chart, &[]).await);
    assert_eq!((status, body["name"].clone()), (200, json!("Checkout")));
    assert_eq!(owners.get_alert("ada", &alert).await.0, 200);
    let anonymous = on("list-charts", None, None);
    assert_eq!(parts(&call!(list_charts, anonymous, &owners.deps)).0, 401);
}

#[tokio::test]
async fn charts_are_listed_newest_first_in_pages_without_repeats() {
    let owners = Owners::new().await;
    let owner = format!("lister-{}", uuid::Uuid::now_v7().simple());
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(owners.chart(&owner, &format!("chart {i}")).await);
    }
    owners
        .record(
            &owner,
            &created[4],
            json!([{"series": "latency", "value": 1}]),
        )
        .await;
    owners.alert(&owner, &created[4], 10.0).await;
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "2")];
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let event = with_query(on("list-charts", None, Some(&owner)), &query);
        let (status, page) = parts(&call!(list_charts, event, &owners.deps));
        assert_eq!(status, 200, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let ids: Vec<&str> = seen.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let newest_first: Vec<&str> = created.iter().rev().map(String::as_str).collect();
    assert_eq!(ids, newest_first);
    assert_eq!(
        (
            seen[0]["series_names"].clone(),
            seen[0]["alert_count"].clone()
        ),
        (json!(["latency"]), json!(1))
    );
    assert!(seen[0].get("series").is_none(), "a list holds no points");

    for (query, field) in [
        (vec![("limit", "0")], "limit"),
        (vec![("cursor", "bogus")], "cursor"),
        (vec![("sort", "name")], "sort"),
    ] {
        let event = with_query(on("list-charts", None, Some(&owner)), &query);
        let fields = rejected_fields(parts(&call!(list_charts, event, &owners.deps)));
        assert_eq!(fields, [field]);
    }
}

#[tokio::test]
async fn a_chart_reads_back_with_its_newest_points_oldest_first() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "Latency").await;
    // Whole seconds, as the answer's times are in milliseconds.
    let start = Timestamp::from_unix_seconds(now().unix_seconds() - 3600).unwrap();
    let points: Vec<Value> = (0..150)
        .flat_map(|i| {
            let at = start.saturating_add(time::Duration::seconds(i)).to_string();
            [
                json!({"series": "latency", "value": i, "at": at}),
                json!({"series": "errors", "value": -i, "at": at}),
            ]
        })
        .collect();
    owners.record("ada", &chart, json!(points)).await;

    let response = owners.get_chart("ada", &chart, &[]).await;
    let etag = header(&response, "etag").expect("an ETag");
    let (status, body) = parts(&response);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], json!("Latency"));
    let series = body["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    let latency = series.iter().find(|s| s["name"] == "latency").unwrap();
    let values: Vec<i64> = latency["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap() as i64)
        .collect();
    assert_eq!(
        values,
        (50..150).collect::<Vec<_>>(),
        "the newest 100, oldest first"
    );

    let (_, some) = parts(
        &owners
            .get_chart("ada", &chart, &[("points", "3"), ("series", "errors")])
            .await,
    );
    assert_eq!(
        some["series"],
        json!([{"name": "errors", "points": [
            {"at": start.saturating_add(time::Duration::seconds(147)).to_string(), "value": -147.0},
            {"at": start.saturating_add(time::Duration::seconds(148)).to_string(), "value": -148.0},
            {"at": start.saturating_add(time::Duration::seconds(149)).to_string(), "value": -149.0},
        ]}])
    );

    let (_, repeated) = parts(
        &owners
            .get_chart(
                "ada",
                &chart,
                &[("points", "1"), ("series", "errors,errors,unknown")],
            )
            .await,
    );
    let names: Vec<&Value> = repeated["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(
        names,
        [&json!("errors")],
        "a name given twice is read once, an unknown one not at all"
    );

    // The client's copy is current until a point arrives.
    let cached = with_header(
        with_query(on("get-chart", Some(&chart), Some("ada")), &[]),
        "if-none-match",
        &etag,
    );
    let response = call!(get_chart, cached.clone(), &owners.deps);
    assert_eq!(response.status(), 304);
    assert_eq!(header(&response, "etag"), Some(etag.clone()));
    assert_eq!(text(&response), "");
    owners
        .record("ada", &chart, json!([{"series": "latency", "value": 1}]))
        .await;
    let response = call!(get_chart, cached, &owners.deps);
    assert_eq!(response.status(), 200);
    assert_ne!(header(&response, "etag"), Some(etag));

    for (query, field) in [
        (vec![("points", "0")], "points"),
        (vec![("points", "1001")], "points"),
        (vec![("series", "Not A Slug")], "series"),
        (vec![("colour", "red")], "colour"),
    ] {
        let fields = rejected_fields(parts(&owners.get_chart("ada", &chart, &query).await));
        assert_eq!(fields, [field], "{query:?}");
    }
}

#[tokio::test]
async fn a_chart_change_is_versioned_and_guarded_by_if_match() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "Latency").await;
    let patch = |body: Value, if_match: Option<&str>| {
        let mut event = with_body(on("update-chart", Some(&chart), Some("ada")), &body);
        if let Some(tag) = if_match {
            event = with_header(event, "if-match", tag);
        }
        event
    };
    let response = call!(
        update_chart,
        patch(
            json!({"name": "Checkout latency", "description": "p99"}),
            Some("\"1\"")
        ),
        &owners.recipients
    );
    assert_eq!(header(&response, "etag").as_deref(), Some("\"2\""));
    let (status, changed) = parts(&response);
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["name"].clone(),
            changed["description"].clone(),
            changed["version"].clone()
        ),
        (json!("Checkout latency"), json!("p99"), json!(2))
    );
    assert_eq!(
        changed["recipients"],
        json!([owners.recipient]),
        "fields not named stay"
    );

    let stale = call!(
        update_chart,
        patch(json!({"name": "Lost"}), Some("\"1\"")),
        &owners.recipients
    );
    assert_eq!(parts(&stale).0, 412);
    let deleted = call!(
        delete_chart,
        with_header(
            on("delete-chart", Some(&chart), Some("ada")),
            "if-match",
            "\"1\""
        ),
        &owners.deps
    );
    assert_eq!(parts(&deleted).0, 412);
    let (_, now_read) = parts(&owners.get_chart("ada", &chart, &[]).await);
    assert_eq!(
        now_read["name"],
        json!("Checkout latency"),
        "a 412 changes nothing"
    );

    for (body, fields) in [
        (json!({}), vec!["body"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": "two\nlines"}), vec!["name"]),
        (json!({"recipients": []}), vec!["recipients"]),
        (
            json!({"recipients": ["nope"], "colour": "red"}),
            vec!["colour", "recipients[0]"],
        ),
        (json!({"description": 5}), vec!["description"]),
    ] {
        let got = rejected_fields(parts(&call!(
            update_chart,
            patch(body.clone(), None),
            &owners.recipients
        )));
        assert_eq!(got, fields, "{body}");
    }

    // Changes without If-Match made at the same moment are each applied whole.
    let renames: Vec<_> = (0..6)
        .map(|i| {
            let event = patch(json!({ "description": format!("change {i}") }), None);
            let deps = &owners.recipients;
            async move { parts(&call!(update_chart, event, deps)).0 }
        })
        .collect();
    let statuses = futures_util::future::join_all(renames).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let (_, after) = parts(&owners.get_chart("ada", &chart, &[]).await);
    assert_eq!(after["version"], json!(2 + 6), "no change was lost");
}

#[tokio::test]
async fn a_deleted_chart_is_gone_with_everything_in_it_and_no_longer_evaluated() {
    let owners = Owners::new().await;
    let (chart, token) = owners.confirmed_chart("ada", "Doomed").await;
    owners
        .record("ada", &chart, json!([{"series": "latency", "value": 500}]))
        .await;
    let alert = owners.alert("ada", &chart, 100.0).await;
    let delete = || on("delete-chart", Some(&chart), Some("ada"));
    let response = call!(
        delete_chart,
        with_header(delete(), "if-match", "\"2\""),
        &owners.deps
    );
    assert_eq!(response.status(), 204);
    assert_eq!(
        owners.subscription(&token, "").await,
        404,
        "its links go with it"
    );
    assert_eq!(text(&response), "");

    assert_eq!(parts(&owners.get_chart("ada", &chart, &[]).await).0, 404);
    assert_eq!(owners.get_alert("ada", &alert).await.0, 404);
    assert_eq!(
        parts(&call!(delete_chart, delete(), &owners.deps)).0,
        404,
        "a second delete"
    );
    let mute = with_body(on("mute-alert", Some(&alert), Some("ada")), &json!({}));
    assert_eq!(parts(&call!(mute_alert, mute, &owners.deps)).0, 404);
    let (_, listed) = parts(&call!(
        list_charts,
        on("list-charts", None, Some("ada")),
        &owners.deps
    ));
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != json!(chart))
    );

    // Nothing of it is left in the table.
    let left = owners
        .stack
        .dynamodb()
        .query()
        .table_name(&owners.stack.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("CHART#{chart}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(left.count(), 0, "{:?}", left.items());

    // The tick neither evaluates nor mails it, whether named or scheduled.
    let at = now();
    let named = owners
        .tick(
            &uuid::Uuid::now_v7().to_string(),
            at,
            json!({"chart_id": chart}),
        )
        .await;
    assert_eq!(
        (named["charts"].clone(), named["alerts"].clone()),
        (json!(0), json!(0))
    );
    let scheduled = owners
        .tick(&uuid::Uuid::now_v7().to_string(), at, json!({}))
        .await;
    assert!(
        !scheduled["failed_charts"]
            .as_array()
            .unwrap()
            .contains(&json!(chart))
    );
    assert!(sent_reports(&owners.recipient).is_empty());
}

fn patch_alert(alert: &str, body: Value) -> Value {
    with_body(on("update-alert", Some(alert), Some("ada")), &body)
}

#[tokio::test]
async fn an_alert_keeps_its_history_and_a_changed_rule_puts_it_back_to_ok() {
    let owners = Owners::new().await;
    let (chart, _) = owners.confirmed_chart("ada", "Latency").await;
    let alert = owners.alert("ada", &chart, 100.0).await;
    let tick = |value: f64, minute: i64| {
        let owners = &owners;
        let chart = chart.clone();
        async move {
            owners
                .record(
                    "ada",
                    &chart,
                    json!([{"series": "latency", "value": value}]),
                )
                .await;
            let at = now().saturating_add(time::Duration::minutes(minute));
            owners
                .tick(
                    &uuid::Uuid::now_v7().to_string(),
                    at,
                    json!({"chart_id": chart}),
                )
                .await
        }
    };
    assert_eq!(tick(500.0, 1).await["reports_sent"], json!(1));
    assert_eq!(tick(5.0, 2).await["reports_sent"], json!(1));

    let (status, read) = owners.get_alert("ada", &alert).await;
    assert_eq!(status, 200, "{read}");
    let history = read["history"].as_array().unwrap();
    let changes: Vec<(Value, Value, Value, Value)> = history
        .iter()
        .map(|c| {
            (
                c["from"].clone(),
                c["to"].clone(),
                c["value"].clone(),
                c["notified"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (json!("firing"), json!("ok"), json!(5.0), json!(true)),
            (json!("ok"), json!("firing"), json!(500.0), json!(true)),
        ],
        "newest first"
    );
    assert_eq!(read["version"], json!(1), "ticks do not change the version");

    // Fire again, then change the threshold: back to ok, not firing.
    tick(500.0, 3).await;
    let (_, firing) = owners.get_alert("ada", &alert).await;
    assert_eq!(firing["state"], json!("firing"));
    let response = call!(
        update_alert,
        patch_alert(
            &alert,
            json!({"condition": {"op": "gt", "threshold": 1000}})
        ),
        &owners.deps
    );
    assert_eq!(header(&response, "etag").as_deref(), Some("\"2\""));
    let (status, changed) = parts(&response);
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["state"].clone(),
            changed["firing_since"].clone(),
            changed["condition"]["threshold"].clone()
        ),
        (json!("ok"), Value::Null, json!(1000.0))
    );
    let (_, message_only) = parts(&call!(
        update_alert,
        patch_alert(&alert, json!({"message": "now {value}"})),
        &owners.deps
    ));
    assert_eq!(
        (
            message_only["message"].clone(),
            message_only["version"].clone()
        ),
        (json!("now {value}"), json!(3))
    );
}

#[tokio::test]
async fn alert_reads_and_changes_honour_etags_and_validate_every_field() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "Latency").await;
    let alert = owners.alert("ada", &chart, 100.0).await;
    let read = call!(
        get_alert,
        on("get-alert", Some(&alert), Some("ada")),
        &owners.deps
    );
    let etag = header(&read, "etag").unwrap();
    assert_eq!(etag, "\"1\"");
    let cached = with_header(
        on("get-alert", Some(&alert), Some("ada")),
        "if-none-match",
        &etag,
    );
    assert_eq!(call!(get_alert, cached.clone(), &owners.deps).status(), 304);

    let mute = on("mute-alert", Some(&alert), Some("ada"));
    let muted = call!(
        mute_alert,
        with_body(mute, &json!({"reason": "deploy"})),
        &owners.deps
    );
    assert_eq!(
        header(&muted, "etag").as_deref(),
        Some("\"2\""),
        "a mute is a change"
    );
    assert_eq!(call!(get_alert, cached, &owners.deps).status(), 200);

    let stale = with_header(
        patch_alert(&alert, json!({"window": 2})),
        "if-match",
        "\"1\"",
    );
    assert_eq!(parts(&call!(update_alert, stale, &owners.deps)).0, 412);
    let stale = with_header(
        on("delete-alert", Some(&alert), Some("ada")),
        "if-match",
        "\"1\"",
    );
    assert_eq!(parts(&call!(delete_alert, stale, &owners.deps)).0, 412);

    for (body, fields) in [
        (json!({}), vec!["body"]),
        (
            json!({"window": 0, "aggregation": "median"}),
            vec!["aggregation", "window"],
        ),
        (
            json!({"condition": {"op": "eq"}}),
            vec!["condition.op", "condition.threshold"],
        ),
        (
            json!({"series": "Bad Name", "message": "{nope}", "state": "ok"}),
            vec!["message", "series", "state"],
        ),
    ] {
        let fields_got = rejected_fields(parts(&call!(
            update_alert,
            patch_alert(&alert, body.clone()),
            &owners.deps
        )));
        assert_eq!(fields_got, fields, "{body}");
    }
    let (_, unchanged) = owners.get_alert("ada", &alert).await;
    assert_eq!(
        unchanged["version"],
        json!(2),
        "refused changes change nothing"
    );
}

#[tokio::test]
async fn a_deleted_alert_frees_its_place_under_the_fifty() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "Busy").await;
    let mut alerts = Vec::new();
    for _ in 0..50 {
        alerts.push(owners.alert("ada", &chart, 1.0).await);
    }
    let body =
        json!({"series": "latency", "condition": {"op": "gt", "threshold": 1}, "message": "m"});
    let one_more = || with_body(on("create-alert", Some(&chart), Some("ada")), &body);
    assert_eq!(parts(&call!(create_alert, one_more(), &owners.deps)).0, 409);

    let response = call!(
        delete_alert,
        on("delete-alert", Some(&alerts[7]), Some("ada")),
        &owners.deps
    );
    assert_eq!(response.status(), 204);
    assert_eq!(owners.get_alert("ada", &alerts[7]).await.0, 404);
    let again = on("delete-alert", Some(&alerts[7]), Some("ada"));
    assert_eq!(parts(&call!(delete_alert, again, &owners.deps)).0, 404);
    assert_eq!(parts(&call!(create_alert, one_more(), &owners.deps)).0, 201);
}

#[tokio::test]
async fn the_picture_is_a_standalone_svg_with_thresholds_and_escaped_text() {
    let owners = Owners::new().await;
    let chart = owners.chart("ada", "<b>&\"").await;
    let render = |query: &[(&str, &str)]| {
        let event = with_query(on("render-chart", Some(&chart), Some("ada")), query);
        let deps = &owners.deps;
        async move { call!(render_chart, event, deps) }
    };
    let empty = render(&[]).await;
    assert_eq!(empty.status(), 200);
    assert_eq!(
        header(&empty, "content-type").as_deref(),
        Some("image/svg+xml")
    );
    let svg = text(&empty);
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let texts: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"<b>&\""),
        "the name reads back as given: {texts:?}"
    );
    assert!(texts.contains(&"no data"));

    owners
        .record(
            "ada",
            &chart,
            json!([{"series": "latency", "value": 120}, {"series": "latency", "value": 80}]),
        )
        .await;
    owners.alert("ada", &chart, 100.0).await;
    let drawn = render(&[("width", "400"), ("height", "200")]).await;
    let svg = text(&drawn);
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(
        (root.attribute("width"), root.attribute("height")),
        (Some("400"), Some("200"))
    );
    assert!(document.descendants().any(|n| n.has_tag_name("polyline")));
    assert!(
        document
            .descendants()
            .any(|n| n.attribute("stroke-dasharray").is_some()),
        "the alert's threshold is dashed"
    );
    assert!(!document.descendants().any(|n| n.text() == Some("no data")));

    for (query, field) in [
        (vec![("width", "199")], "width"),
        (vec![("height", "1001")], "height"),
        (vec![("points", "abc")], "points"),
    ] {
        let fields = rejected_fields(parts(&render(&query).await));
        assert_eq!(fields, [field]);
    }
}

#[tokio::test]
async fn the_largest_picture_stays_under_a_mebibyte() {
    use domain::monitoring::{Aggregation, Point};
    use integration_tests::{alert_above, chart_items};
    let owners = Owners::new().await;
    let owner = format!("big-{}", uuid::Uuid::now_v7().simple());
    let start = now().saturating_sub(time::Duration::days(1));
    let points: Vec<Point> = (0..1000)
        .map(|i| Point {
            at_millis: start.unix_millis() + i * 60_000,
            value: (i as f64 / 7.0).sin() * 100.0,
        })
        .collect();
    let names: Vec<String> = (0..20).map(|i| format!("series-{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let items = chart_items(
        &owner,
        "Twenty series",
        &owners.recipient,
        &names,
        &points,
        |series| alert_above(series, 50.0, Aggregation::Last, 1),
        start,
    );
    owners.stack.store().batch_put(items).await.unwrap();
    let event = with_query(on("list-charts", None, Some(&owner)), &[]);
    let (_, page) = parts(&call!(list_charts, event, &owners.deps));
    let chart = page["items"][0]["id"].as_str().unwrap().to_owned();

    let event = with_query(
        on("render-chart", Some(&chart), Some(&owner)),
        &[("points", "1000"), ("width", "2000"), ("height", "1000")],
    );
    let response = call!(render_chart, event, &owners.deps);
    assert_eq!(response.status(), 200);
    let svg = text(&response);
    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let lines = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert_eq!(lines, 20, "one line a series");
    assert!(svg.len() < 1 << 20, "{} bytes", svg.len());
}

#[tokio::test]
async fn creates_and_mutes_answer_the_version_as_etag() {
    let owners = Owners::new().await;
    let body = json!({"name": "Tagged", "recipients": [owners.recipient]});
    let created = call!(
        create_chart,
        with_body(on("create-chart", None, Some("ada")), &body),
        &owners.create
    );
    assert_eq!(
        (created.status().as_u16(), header(&created, "etag")),
        (201, Some("\"1\"".to_owned()))
    );
    let chart = parts(&created).1["id"].as_str().unwrap().to_owned();
    let alert_body =
        json!({"series": "latency", "condition": {"op": "gt", "threshold": 1}, "message": "m"});
    let alert = call!(
        create_alert,
        with_body(on("create-alert", Some(&chart), Some("ada")), &alert_body),
        &owners.deps
    );
    assert_eq!(
        (alert.status().as_u16(), header(&alert, "etag")),
        (201, Some("\"1\"".to_owned()))
    );
    let alert_id = parts(&alert).1["id"].as_str().unwrap().to_owned();
    let unmute = call!(
        mute_alert,
        on("unmute-alert", Some(&alert_id), Some("ada")),
        &owners.deps
    );
    assert_eq!(
        header(&unmute, "etag").as_deref(),
        Some("\"2\""),
        "an unmute is a change too"
    );
}
