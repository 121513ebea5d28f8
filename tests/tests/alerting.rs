//! Alerting as people trust it, against the local AWS-protocol server: `for` and `pending`,
//! stale series reported as lost data, recipients who opt in (the confirmation e-mail, its
//! page, one-click unsubscribe), one copy per recipient with a picture, the bound on charts,
//! overlapping ticks, the tick split by shard, and SES throttling ridden out.

use adapters::config::AuthMode;
use adapters::http::respond;
use adapters::lambda::{ChartOwnerDeps, ChartRecipientsDeps, Invocation, MaxCharts};
use adapters::mail::{Links, ReportMailer, SesMailer};
use adapters::monitoring::DynamoMonitoringRepository;
use base64::Engine;
use domain::monitoring::shard_of;
use domain::{ChartId, Clock, SystemClock, Timestamp};
use integration_tests::{
    EventTap, Fault, Faults, PUBLIC_BASE_URL, Stack, event, invitation_token, invitations, parts,
    rejected_fields, report_mailer, request, sent_emails, sent_reports, with_body, with_claims,
    with_path_param,
};
use lambda_http::Body;
use serde_json::{Value, json};

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

fn now() -> Timestamp {
    SystemClock.now()
}

fn claims(customer: &str) -> Value {
    json!({"sub": customer, "email": format!("{customer}@example.com")})
}

struct Alerting {
    stack: Stack,
    sender: String,
    unique: String,
}

impl Alerting {
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
            unique,
        }
    }

    fn charts(&self) -> DynamoMonitoringRepository {
        DynamoMonitoringRepository::new(self.stack.store())
    }

    /// An address of this test's own.
    fn address(&self, name: &str) -> String {
        format!("{name}-{}@example.com", self.unique)
    }

    async fn create_chart_limited(
        &self,
        name: &str,
        recipients: &[&str],
        max: u32,
    ) -> (u16, Value) {
        let body = json!({"name": name, "recipients": recipients});
        let event = with_claims(
            with_body(event("create-chart.json"), &body),
            Some(claims("ada")),
        );
        let deps = create_chart::Deps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
            invitations: invitations(&self.stack.aws, &self.sender),
            max_charts: MaxCharts(max),
        };
        parts(&create_chart::handle(request(&event), &deps).await)
    }

    async fn create_chart(&self, name: &str, recipients: &[&str]) -> String {
        let (status, chart) = self.create_chart_limited(name, recipients, 100).await;
        assert_eq!(status, 201, "{chart}");
        chart["id"].as_str().unwrap().to_owned()
    }

    async fn owner_call(&self, function: &str, chart: &str, body: Value) -> (u16, Value) {
        let sample = event(&format!("{function}.json"));
        let template = sample["pathParameters"]["id"].as_str().unwrap().to_owned();
        let path = sample["rawPath"]
            .as_str()
            .unwrap()
            .replace(&template, chart);
        let event = with_claims(
            with_body(with_path_param(sample, "id", chart, &path), &body),
            Some(claims("ada")),
        );
        let deps = ChartOwnerDeps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        let request = request(&event);
        parts(&match function {
            "record-points" => record_points::handle(request, &deps).await,
            "create-alert" => create_alert::handle(request, &deps).await,
            "delete-chart" => delete_chart::handle(request, &deps).await,
            _ => {
                let deps = ChartRecipientsDeps {
                    charts: self.charts(),
                    auth: AuthMode::Jwt,
                    invitations: invitations(&self.stack.aws, &self.sender),
                };
                update_chart::handle(request, &deps).await
            }
        })
    }

    async fn record(&self, chart: &str, series: &str, value: f64) {
        let points = json!({"points": [{"series": series, "value": value}]});
        let (status, body) = self.owner_call("record-points", chart, points).await;
        assert_eq!(status, 200, "{body}");
    }

    async fn alert(&self, chart: &str, body: Value) -> String {
        let (status, alert) = self.owner_call("create-alert", chart, body).await;
        assert_eq!(status, 201, "{alert}");
        alert["id"].as_str().unwrap().to_owned()
    }

    /// An alert above 100 on `series`.
    async fn above_100(&self, chart: &str, series: &str, extra: Value) -> String {
        let mut body = json!({"series": series, "condition": {"op": "gt", "threshold": 100}, "message": "{series} is {value}"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.alert(chart, body).await
    }

    async fn alert_details(&self, alert: &str) -> Value {
        let event = with_claims(
            with_path_param(
                event("get-alert.json"),
                "id",
                alert,
                &format!("/alerts/{alert}"),
            ),
            Some(claims("ada")),
        );
        let deps = ChartOwnerDeps {
            charts: self.charts(),
            auth: AuthMode::Jwt,
        };
        let (status, details) = parts(&get_alert::handle(request(&event), &deps).await);
        assert_eq!(status, 200, "{details}");
        details
    }

    fn deps_with(&self, mailer: ReportMailer) -> evaluate_alerts::Deps {
        evaluate_alerts::Deps {
            charts: self.charts(),
            mailer,
            repeat_interval: time::Duration::hours(4),
            shards: None,
        }
    }

    fn deps(&self) -> evaluate_alerts::Deps {
        self.deps_with(report_mailer(&self.stack.aws, &self.sender))
    }

    async fn tick_with(
        &self,
        deps: &evaluate_alerts::Deps,
        id: &str,
        at: Timestamp,
        detail: Value,
    ) -> Value {
        let event = integration_tests::tick_event(id, at, detail);
        let outcome = evaluate_alerts::handle(Invocation::with_timeout(event, 900), deps)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        serde_json::to_value(outcome).unwrap()
    }

    async fn tick(&self, id: &str, at: Timestamp) -> Value {
        self.tick_with(&self.deps(), id, at, json!({})).await
    }

    /// `manage-subscription`: the status, the page, its headers.
    async fn subscription(
        &self,
        method: &str,
        token: &str,
        action: &str,
        body: Option<&str>,
    ) -> (u16, String, lambda_http::http::HeaderMap) {
        let path = format!("/subscriptions/{token}{action}");
        let mut event = with_path_param(event("manage-subscription.json"), "token", token, &path);
        event["requestContext"]["http"]["method"] = json!(method);
        if let Some(body) = body {
            event["body"] = json!(body);
            event["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
        }
        let deps = manage_subscription::Deps {
            charts: self.charts(),
        };
        let response = respond(manage_subscription::handle(request(&event), &deps).await);
        let page = match response.body() {
            Body::Text(text) => text.clone(),
            other => format!("{other:?}"),
        };
        (response.status().as_u16(), page, response.headers().clone())
    }

    async fn confirm(&self, recipient: &str) -> String {
        let token = invitation_token(recipient);
        let (status, page, _) = self.subscription("POST", &token, "/confirm", None).await;
        assert_eq!(status, 200, "{page}");
        token
    }
}

fn subjects(emails: &[Value]) -> Vec<String> {
    emails
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn for_holds_the_report_back_then_fires_and_a_pending_alert_recovers_unreported() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    let chart = alerting.create_chart("Checkout", &[&oncall]).await;
    alerting.confirm(&oncall).await;
    alerting.record(&chart, "p99", 900.0).await;
    let held = alerting
        .above_100(&chart, "p99", json!({"for": "10m", "stale_after": "7d"}))
        .await;
    let start = now();

    let first = alerting.tick("f1", start).await;
    assert_eq!(
        (&first["firing"], &first["reports_sent"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(alerting.alert_details(&held).await["state"], "pending");
    alerting.tick("f2", start.saturating_add(minutes(9))).await;
    assert!(sent_reports(&oncall).is_empty(), "held back while pending");

    let fired = alerting.tick("f3", start.saturating_add(minutes(10))).await;
    assert_eq!(fired["reports_sent"], 1);
    let reports = sent_reports(&oncall);
    assert_eq!(subjects(&reports), ["[Checkout] 1 alert firing"]);
    let details = alerting.alert_details(&held).await;
    assert_eq!(details["for"], "10m");
    assert_eq!(
        details["firing_since"],
        json!(start.saturating_add(minutes(10)).to_string())
    );
    let history: Vec<_> = details["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from"].clone(), c["to"].clone(), c["notified"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (json!("pending"), json!("firing"), json!(true)),
            (json!("ok"), json!("pending"), json!(false)),
        ]
    );

    // Another alert starts pending, then its condition stops holding: back to ok, untold.
    let brief = alerting
        .alert(&chart, json!({"series": "p99", "condition": {"op": "gt", "threshold": 500}, "for": "1h", "stale_after": "7d", "message": "brief"}))
        .await;
    alerting.tick("f4", start.saturating_add(minutes(11))).await;
    assert_eq!(alerting.alert_details(&brief).await["state"], "pending");
    alerting.record(&chart, "p99", 400.0).await;
    alerting.tick("f5", start.saturating_add(minutes(12))).await;
    let details = alerting.alert_details(&brief).await;
    assert_eq!(details["state"], "ok");
    assert_eq!(details["history"][0]["notified"], false);
    assert_eq!(
        sent_reports(&oncall).len(),
        1,
        "a recovered pending alert is never reported"
    );
}

#[tokio::test]
async fn for_and_stale_after_are_bounded_durations_answered_in_short_form() {
    let alerting = Alerting::new().await;
    let chart = alerting
        .create_chart("Bounds", &[&alerting.address("oncall")])
        .await;
    let base = json!({"series": "p99", "condition": {"op": "gt", "threshold": 1}, "message": "m"});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let refused = alerting
        .owner_call(
            "create-alert",
            &chart,
            with(json!({"for": "24h1s", "stale_after": "59s"})),
        )
        .await;
    assert_eq!(rejected_fields(refused), ["for", "stale_after"]);
    let wrong_type = alerting
        .owner_call("create-alert", &chart, with(json!({"for": 5})))
        .await;
    assert_eq!(rejected_fields(wrong_type), ["for"]);
    let (status, alert) = alerting
        .owner_call(
            "create-alert",
            &chart,
            with(json!({"for": "90s", "stale_after": "7d"})),
        )
        .await;
    assert_eq!(status, 201, "{alert}");
    assert_eq!(
        (&alert["for"], &alert["stale_after"]),
        (&json!("1m30s"), &json!("7d"))
    );
    let (_, defaults) = alerting
        .owner_call("create-alert", &chart, base.clone())
        .await;
    assert_eq!(
        (&defaults["for"], &defaults["stale_after"]),
        (&json!("0s"), &json!("1h"))
    );
}

#[tokio::test]
async fn a_stale_series_is_reported_as_no_data_not_as_resolved() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    let chart = alerting.create_chart("Ingest", &[&oncall]).await;
    alerting.confirm(&oncall).await;
    alerting.record(&chart, "rate", 900.0).await;
    let alert = alerting
        .above_100(&chart, "rate", json!({"stale_after": "5m"}))
        .await;
    let start = now();
    assert_eq!(alerting.tick("n1", start).await["reports_sent"], 1);

    // No point for over five minutes: the series has no data.
    let stale = alerting.tick("n2", start.saturating_add(minutes(6))).await;
    assert_eq!(stale["reports_sent"], 1);
    let reports = sent_reports(&oncall);
    assert_eq!(reports[1]["subject"], "[Ingest] 1 alert without data");
    let text = reports[1]["text"].as_str().unwrap();
    assert!(
        text.contains("No data (1)") && !text.contains("Resolved"),
        "{text}"
    );
    assert!(text.contains("no data since"), "{text}");
    let details = alerting.alert_details(&alert).await;
    assert_eq!(
        (&details["state"], &details["firing_since"]),
        (&json!("no_data"), &Value::Null)
    );
    assert_eq!(details["history"][0]["to"], "no_data");

    // Still silent: nothing more to tell.
    assert_eq!(
        alerting.tick("n3", start.saturating_add(minutes(30))).await["reports_sent"],
        0
    );
}

/// The PNG's pixels in RGB.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let step = info.color_type.samples();
    let pixels = buffer[..info.buffer_size()]
        .chunks(step)
        .map(|p| match step {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    (info.width, info.height, pixels)
}

#[tokio::test]
async fn recipients_opt_in_from_the_emails_link_and_leave_with_one_click() {
    let alerting = Alerting::new().await;
    let (confirmed, silent) = (alerting.address("confirmed"), alerting.address("silent"));
    let chart = alerting
        .create_chart("Payments <eu>", &[&confirmed, &silent])
        .await;
    for recipient in [&confirmed, &silent] {
        let invitations = sent_emails(recipient);
        assert_eq!(invitations.len(), 1, "one invitation each");
        assert!(
            invitations[0]["body"]
                .as_str()
                .unwrap()
                .contains(&format!("{PUBLIC_BASE_URL}/subscriptions/"))
        );
    }
    alerting.record(&chart, "p99", 900.0).await;
    alerting
        .above_100(&chart, "p99", json!({"stale_after": "7d"}))
        .await;
    let start = now();

    // Nobody confirmed: the alert fires, no report goes out, and it is not marked told.
    let quiet = alerting.tick("o1", start).await;
    assert_eq!(
        (&quiet["firing"], &quiet["reports_sent"]),
        (&json!(1), &json!(0))
    );
    assert!(sent_reports(&confirmed).is_empty() && sent_reports(&silent).is_empty());

    // The page from the e-mail's link, then its button.
    let token = invitation_token(&confirmed);
    let (status, page, headers) = alerting.subscription("GET", &token, "", None).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Payments &lt;eu&gt;") && page.contains(&confirmed),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"action="{token}/confirm""#)),
        "{page}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (status, page, _) = alerting
        .subscription("POST", &token, "/confirm", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Confirmed") && page.contains(r#"action="unsubscribe""#),
        "{page}"
    );

    // Now a report arrives, to the confirmed recipient alone, with their own links.
    assert_eq!(
        alerting.tick("o2", start.saturating_add(minutes(1))).await["reports_sent"],
        1
    );
    assert!(
        sent_reports(&silent).is_empty(),
        "an unconfirmed recipient gets no report"
    );
    let reports = sent_reports(&confirmed);
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    let page_link = format!("{PUBLIC_BASE_URL}/subscriptions/{token}");
    assert_eq!(
        report["headers"]["list-unsubscribe"],
        format!("<{page_link}/unsubscribe>")
    );
    assert_eq!(
        report["headers"]["list-unsubscribe-post"],
        "List-Unsubscribe=One-Click"
    );
    assert_eq!(report["headers"]["to"], json!(confirmed));
    let text = report["text"].as_str().unwrap();
    assert!(
        text.contains(&page_link)
            && text.contains("threshold > 100")
            && text.contains("firing since"),
        "{text}"
    );
    let html = report["body"].as_str().unwrap();
    assert!(
        html.contains("Payments &lt;eu&gt;") && html.contains(r#"src="cid:p99@chart-report""#),
        "{html}"
    );

    // Its picture: inline, decodable, small, and showing the series in its colour.
    let pictures = report["pictures"].as_array().unwrap();
    assert_eq!(pictures.len(), 1);
    assert_eq!(pictures[0]["content_id"], "<p99@chart-report>");
    let png = base64::engine::general_purpose::STANDARD
        .decode(pictures[0]["png"].as_str().unwrap())
        .unwrap();
    assert!(png.len() < 60 * 1024, "{} bytes", png.len());
    let (width, height, pixels) = decode_png(&png);
    assert_eq!((width, height), (600, 240));
    let (r, g, b) = picture::colour(0);
    let near = |p: &[u8; 3]| p.iter().zip([r, g, b]).all(|(a, b)| a.abs_diff(b) <= 24);
    assert!(
        pixels.iter().filter(|p| near(p)).count() >= 10,
        "the series is drawn"
    );

    // One click: nothing more for that address, and its link cannot confirm it again.
    let (status, page, _) = alerting
        .subscription(
            "POST",
            &token,
            "/unsubscribe",
            Some("List-Unsubscribe=One-Click"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("nothing more"), "{page}");
    assert_eq!(
        alerting
            .subscription("POST", &token, "/unsubscribe", None)
            .await
            .0,
        200,
        "again: harmless"
    );
    assert_eq!(
        alerting
            .subscription("POST", &token, "/confirm", None)
            .await
            .0,
        409
    );
    let due = alerting
        .tick("o3", start.saturating_add(minutes(300)))
        .await;
    assert_eq!(due["reports_sent"], 0);
    assert_eq!(
        sent_reports(&confirmed).len(),
        1,
        "nothing after the unsubscribe"
    );

    // Unknown and malformed tokens.
    let unknown = "0".repeat(48);
    assert_eq!(
        alerting.subscription("GET", &unknown, "", None).await.0,
        404
    );
    assert_eq!(
        alerting
            .subscription("GET", "not-a-token", "", None)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn listing_an_address_again_asks_again_and_a_removed_ones_link_stops_working() {
    let alerting = Alerting::new().await;
    let (kept, moved) = (alerting.address("kept"), alerting.address("moved"));
    let chart = alerting.create_chart("Recipients", &[&kept, &moved]).await;
    alerting.confirm(&kept).await;
    let moved_token = alerting.confirm(&moved).await;

    let (status, changed) = alerting
        .owner_call("update-chart", &chart, json!({"recipients": [kept]}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["subscriptions"],
        json!([{"email": kept, "status": "confirmed"}])
    );
    assert_eq!(
        alerting.subscription("GET", &moved_token, "", None).await.0,
        404
    );

    let (_, again) = alerting
        .owner_call("update-chart", &chart, json!({"recipients": [kept, moved]}))
        .await;
    assert_eq!(
        again["subscriptions"],
        json!([{"email": kept, "status": "confirmed"}, {"email": moved, "status": "pending"}])
    );
    assert_eq!(sent_emails(&moved).len(), 2, "a new invitation");
    assert_eq!(
        sent_emails(&kept).len(),
        1,
        "the kept address is not asked again"
    );
    assert_ne!(invitation_token(&moved), moved_token);
}

#[tokio::test]
async fn a_customer_owns_at_most_max_charts_per_customer() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    let mut ids = Vec::new();
    for i in 0..2 {
        let (status, chart) = alerting
            .create_chart_limited(&format!("c{i}"), &[&oncall], 2)
            .await;
        assert_eq!(status, 201, "{chart}");
        ids.push(chart["id"].as_str().unwrap().to_owned());
    }
    let (status, problem) = alerting.create_chart_limited("c2", &[&oncall], 2).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains('2'),
        "{problem}"
    );
    let (status, _) = alerting
        .owner_call("delete-chart", &ids[0], json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, chart) = alerting.create_chart_limited("c2", &[&oncall], 2).await;
    assert_eq!(status, 201, "a deleted chart frees its place: {chart}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_ticks_send_one_report_and_an_earlier_tick_never_overwrites_a_later() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    let chart = alerting.create_chart("Overlap", &[&oncall]).await;
    alerting.confirm(&oncall).await;
    alerting.record(&chart, "p99", 900.0).await;
    let alert = alerting
        .above_100(&chart, "p99", json!({"stale_after": "7d"}))
        .await;
    let start = now();

    // A slow tick and the next one at once, each delivered twice.
    let deps = alerting.deps();
    let runs = [
        ("slow", start),
        ("next", start.saturating_add(minutes(1))),
        ("slow", start),
        ("next", start.saturating_add(minutes(1))),
    ]
    .map(|(id, at)| alerting.tick_with(&deps, id, at, json!({})));
    let results = futures_util::future::join_all(runs).await;
    let sent: u64 = results
        .iter()
        .map(|r| r["reports_sent"].as_u64().unwrap())
        .sum();
    assert_eq!(sent, 1, "{results:?}");
    assert_eq!(sent_reports(&oncall).len(), 1);

    // A later tick, then an earlier one arriving late: the later one's state stays.
    alerting.record(&chart, "p99", 10.0).await;
    let later = start.saturating_add(minutes(3));
    assert_eq!(
        alerting.tick("later", later).await["reports_sent"],
        1,
        "resolved"
    );
    let before = alerting.alert_details(&alert).await;
    let late = alerting
        .tick("late", start.saturating_add(minutes(2)))
        .await;
    assert_eq!(
        (&late["charts"], &late["reports_sent"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(alerting.alert_details(&alert).await, before);
}

#[tokio::test]
async fn a_scheduled_tick_is_split_by_shard_and_a_shard_evaluates_only_its_charts() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    // Two charts in different shards.
    let mut charts: Vec<(String, u8)> = Vec::new();
    while charts.len() < 2 {
        let name = format!("Shard chart {}", charts.len());
        let id = alerting.create_chart(&name, &[&oncall]).await;
        alerting.confirm(&oncall).await;
        let shard = shard_of(&ChartId::parse(&id).unwrap());
        if charts.iter().any(|(_, s)| *s == shard) {
            alerting.owner_call("delete-chart", &id, json!({})).await;
            continue;
        }
        alerting.record(&id, "p99", 900.0).await;
        alerting
            .above_100(&id, "p99", json!({"stale_after": "7d"}))
            .await;
        charts.push((id, shard));
    }

    // The schedule's event puts one event per shard on the bus, and evaluates nothing.
    let tap = EventTap::new(&alerting.stack).await;
    let deps = evaluate_alerts::Deps {
        shards: Some(adapters::events::EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&alerting.stack.aws),
            &tap.bus,
        )),
        ..alerting.deps()
    };
    let at = now();
    let dispatched = alerting
        .tick_with(&deps, "scheduled-1", at, json!({}))
        .await;
    assert_eq!(dispatched, json!({"tick": "scheduled-1", "shards": 16}));
    assert!(sent_reports(&oncall).is_empty());
    let events = tap.drain().await;
    assert_eq!(events.len(), 16);
    let mut shards: Vec<u64> = events
        .iter()
        .map(|e| e["detail"]["shard"].as_u64().unwrap())
        .collect();
    shards.sort_unstable();
    assert_eq!(shards, (0..16).collect::<Vec<u64>>());
    assert!(events.iter().all(|e| e["source"] == "shop.monitoring"
        && e["detail-type"] == "EvaluateShard"
        && e["detail"]["tick"] == "scheduled-1"
        && e["detail"]["time"] == json!(at.to_string())));

    // The first chart's shard event, delivered as the rule would: that chart alone.
    let (first, shard) = &charts[0];
    let mut shard_event = events
        .iter()
        .find(|e| e["detail"]["shard"] == json!(shard))
        .unwrap()
        .clone();
    shard_event["id"] = json!("delivery-of-the-shard-event");
    let outcome =
        evaluate_alerts::handle(Invocation::with_timeout(shard_event, 900), &alerting.deps())
            .await
            .unwrap();
    let summary = serde_json::to_value(outcome).unwrap();
    assert_eq!(
        (&summary["charts"], &summary["reports_sent"]),
        (&json!(1), &json!(1))
    );
    let reports = sent_reports(&oncall);
    assert_eq!(subjects(&reports), ["[Shard chart 0] 1 alert firing"]);
    let (second, _) = &charts[1];
    let untouched = alerting.charts();
    let (contents, _) = (
        domain::monitoring::EvaluationStore::load_for_evaluation(
            &untouched,
            &ChartId::parse(second).unwrap(),
        )
        .await
        .unwrap()
        .unwrap(),
        first,
    );
    assert!(
        contents.claim.is_none(),
        "the other shard's chart was not touched"
    );
}

#[tokio::test]
async fn ses_throttling_is_ridden_out_within_the_tick() {
    let alerting = Alerting::new().await;
    let oncall = alerting.address("oncall");
    let chart = alerting.create_chart("Throttled", &[&oncall]).await;
    alerting.confirm(&oncall).await;
    alerting.record(&chart, "p99", 900.0).await;
    alerting
        .above_100(&chart, "p99", json!({"stale_after": "7d"}))
        .await;

    let faults = Faults::default();
    faults.inject("SendEmail", Fault::Throttling, 2);
    let inner = alerting.stack.aws.http_client().unwrap();
    let throttled = alerting
        .stack
        .aws
        .to_builder()
        .http_client(faults.http_client(inner))
        .build();
    let mailer = ReportMailer::new(
        SesMailer::new(adapters::mail::client(&throttled), &alerting.sender),
        Links::new(PUBLIC_BASE_URL).unwrap(),
    );
    let summary = alerting
        .tick_with(&alerting.deps_with(mailer), "throttled", now(), json!({}))
        .await;
    assert_eq!(
        (&summary["reports_sent"], &summary["failed_charts"]),
        (&json!(1), &json!([]))
    );
    assert_eq!(faults.pending(), 0);
    let sends = faults.sent().iter().filter(|op| *op == "SendEmail").count();
    assert_eq!(
        sends, 3,
        "two throttled attempts, then the one that went through"
    );
    assert_eq!(sent_reports(&oncall).len(), 1);
}
