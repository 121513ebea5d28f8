//! Helpers for tests against the local AWS-protocol server that `make test` starts and names
//! in `AWS_ENDPOINT_URL`: a fresh table per test (created from `template.yaml`), the sample
//! events of `events/` as requests, and a counter of SDK calls.

use adapters::http::Answer;
use adapters::store::{DocumentStore, Item, new_item};
use aws_config::SdkConfig;
use domain::catalog::{CreateProduct, Product, ProductDescription, ProductName, Stock};
use domain::monitoring::{
    Aggregation, Alert, Chart, ChartDescription, ChartName, Condition, CreateAlert, CreateChart,
    MessageTemplate, Op, Point, Series,
};
use domain::{Clock, Currency, CustomerId, Email, Price, ProductId, Slug, SystemClock, Timestamp};
use lambda_http::{Body, Request, Response};
use local_stack::{TableDefinition, template_path};
use serde_json::Value;
use std::path::Path;

pub mod faults;
pub mod meter;

pub use faults::{Fault, Faults};
pub use meter::{IamActions, Meter};

/// The local stack with a table of its own, so tests run in parallel without meeting.
pub struct Stack {
    pub aws: SdkConfig,
    pub table: String,
}

impl Stack {
    /// Panics with a hint when no local server is configured: these tests need `make test`.
    pub async fn new() -> Self {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "AWS_ENDPOINT_URL is not set: run these tests with `make test`, which starts the local AWS server"
        );
        let aws = adapters::config::aws()
            .await
            .expect("the AWS configuration")
            .into_builder()
            // The functions' timeouts are sized for DynamoDB's milliseconds; the local server
            // answers one request at a time, and under the suite's parallel load a large
            // partition can take seconds. The retries stay as deployed.
            .timeout_config(aws_config::timeout::TimeoutConfig::disabled())
            .build();
        let table = format!("test-{}", uuid::Uuid::now_v7());
        TableDefinition::from_template(&template_path())
            .expect("the template's table definition")
            .create(&aws_sdk_dynamodb::Client::new(&aws), &table)
            .await
            .expect("creating a test table");
        Self { aws, table }
    }

    /// A publisher onto the local server's `default` bus, for tests that do not read events.
    pub fn publisher(&self) -> adapters::events::EventBridgePublisher {
        adapters::events::EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.aws),
            "default",
        )
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.aws)
    }

    pub fn store(&self) -> DocumentStore {
        DocumentStore::new(self.dynamodb(), &self.table)
    }

    /// A store whose client counts the DynamoDB operations it sends.
    pub fn counted_store(&self) -> (DocumentStore, Calls) {
        let calls = Calls::default();
        let config = aws_sdk_dynamodb::config::Builder::from(&self.aws)
            .interceptor(calls.clone())
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        (DocumentStore::new(client, &self.table), calls)
    }

    /// A store whose client goes through `faults` on its way to the local server.
    pub fn faulty_store(&self, faults: &Faults) -> DocumentStore {
        let inner = self
            .aws
            .http_client()
            .expect("the AWS configuration has an HTTP client");
        let config = aws_sdk_dynamodb::config::Builder::from(&self.aws)
            .http_client(faults.http_client(inner))
            .build();
        DocumentStore::new(aws_sdk_dynamodb::Client::from_conf(config), &self.table)
    }
}

/// A product of the catalog, built as `create-product` builds it.
pub fn product(
    name: &str,
    description: &str,
    category: &str,
    price: &str,
    stock: i64,
    active: bool,
) -> Product {
    let command = CreateProduct {
        name: ProductName::parse(name).expect("a product name"),
        description: ProductDescription::parse(description).expect("a description"),
        category: Slug::parse(category).expect("a category slug"),
        price: Price::parse(price).expect("a price"),
        stock: Stock::new(stock).expect("a stock"),
        active,
    };
    Product::create(ProductId::new(), command, Currency::USD, SystemClock.now())
}

/// The units in stock of a product, as stored.
pub async fn stock_of(stack: &Stack, id: ProductId) -> u32 {
    use domain::catalog::ProductRepository;
    let product = adapters::catalog::DynamoProductRepository::new(stack.store())
        .get(&id)
        .await
        .expect("reading the product")
        .expect("the product exists");
    product.stock().units()
}

/// The items of a chart of `owner`'s with one series per name, each holding `points`, and one
/// alert per series made by `alert`: for seeding fleets with batch writes (which moto serves
/// faster than the transactions of the real use cases).
pub fn chart_items(
    owner: &str,
    name: &str,
    recipient: &str,
    series: &[&str],
    points: &[Point],
    alert: impl Fn(&str) -> CreateAlert,
    created: Timestamp,
) -> Vec<Item> {
    let command = CreateChart {
        name: ChartName::parse(name).expect("a chart name"),
        description: ChartDescription::parse("").expect("an empty description"),
        recipients: vec![Email::parse(recipient).expect("a recipient")],
    };
    let mut chart = Chart::create(
        CustomerId::parse(owner).expect("an owner"),
        command,
        created,
    );
    // Confirmed, as if from the invitation's link (which these charts never send).
    let token = chart.subscriptions()[0].token().clone();
    chart
        .confirm(&token, created)
        .expect("a pending subscription");
    let names: Vec<Slug> = series
        .iter()
        .map(|s| Slug::parse(s).expect("a series name"))
        .collect();
    chart.add_series(&names).expect("at most 20 series");
    let mut items = Vec::new();
    let mut data = Vec::new();
    for name in &names {
        data.push(Series::new(name.clone(), points.iter().copied()));
        chart.add_alert().expect("at most 50 alerts");
        let alert = Alert::new(&chart, alert(name.as_str()), created);
        items.push(new_item(&alert).expect("an alert item"));
    }
    items.extend(
        adapters::monitoring::points::seeded_items(&chart, &data).expect("the chart's items"),
    );
    items
}

/// The command of an alert `{series} > threshold`, averaged over `window` points.
pub fn alert_above(
    series: &str,
    threshold: f64,
    aggregation: Aggregation,
    window: u16,
) -> CreateAlert {
    CreateAlert {
        series: Slug::parse(series).expect("a series name"),
        condition: Condition {
            op: Op::Gt,
            threshold,
        },
        aggregation,
        window,
        message: MessageTemplate::parse("{series} on {chart} is {value}").expect("a template"),
        pending_for: domain::monitoring::DEFAULT_PENDING_FOR,
        stale_after: domain::monitoring::DEFAULT_STALE_AFTER,
    }
}

/// Counts a client's calls, the items they read and the IAM actions they need.
pub type Calls = Meter;

/// A sample event from `events/`, as JSON to adjust before it becomes a request.
pub fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Turns an API Gateway v2 event into the request a handler receives.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Replaces the query string parameters.
pub fn with_query(mut event: Value, params: &[(&str, &str)]) -> Value {
    let map: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect();
    event["rawQueryString"] = Value::String(
        params
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&"),
    );
    event["queryStringParameters"] = Value::Object(map);
    event
}

/// A sample event for the resource `id` (the `{id}` of its route), with `claims`: e.g.
/// `on_resource("cancel-order.json", "/orders/{id}/cancel", id, claims)`.
pub fn on_resource(file: &str, route: &str, id: &str, claims: Value) -> Value {
    with_claims(
        with_path_param(event(file), "id", id, &route.replace("{id}", id)),
        Some(claims),
    )
}

/// A query parameter given more than once, as API Gateway hands it over: every value in the
/// raw query string, and joined by commas in `queryStringParameters`.
pub fn with_repeated_param(mut event: Value, name: &str, values: &[&str]) -> Value {
    event["rawQueryString"] = Value::String(
        values
            .iter()
            .map(|v| format!("{}={}", percent_encode(name), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&"),
    );
    event["queryStringParameters"] = serde_json::json!({ name: values.join(",") });
    event
}

/// Replaces the event's body with `body` serialized as JSON.
pub fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = Value::String(body.to_string());
    event
}

/// Replaces the JWT claims (`None` removes the authorizer: an anonymous caller).
pub fn with_claims(mut event: Value, claims: Option<Value>) -> Value {
    match claims {
        Some(claims) => {
            event["requestContext"]["authorizer"] =
                serde_json::json!({"jwt": {"claims": claims, "scopes": null}});
        }
        None => {
            if let Some(context) = event["requestContext"].as_object_mut() {
                context.remove("authorizer");
            }
        }
    }
    event
}

/// Sets a path parameter (and the raw path, for realism).
pub fn with_path_param(mut event: Value, name: &str, value: &str, raw_path: &str) -> Value {
    event["pathParameters"][name] = Value::String(value.to_owned());
    event["rawPath"] = Value::String(raw_path.to_owned());
    event["requestContext"]["http"]["path"] = Value::String(raw_path.to_owned());
    event
}

/// What a handler answered: its response, or the problem that becomes one.
pub trait Reply {
    fn response(&self) -> Response<Body>;
}

impl Reply for Response<Body> {
    fn response(&self) -> Response<Body> {
        let mut copy = Response::new(self.body().clone());
        *copy.status_mut() = self.status();
        *copy.headers_mut() = self.headers().clone();
        copy
    }
}

impl Reply for Answer {
    fn response(&self) -> Response<Body> {
        match self {
            Ok(response) => response.response(),
            Err(problem) => problem.clone().into_response(),
        }
    }
}

/// A response's status and JSON body (an image's or an HTML page's as a string).
pub fn parts(reply: &impl Reply) -> (u16, Value) {
    let response = reply.response();
    let body = match response.body() {
        Body::Text(text) => text.as_bytes().to_vec(),
        Body::Binary(bytes) => bytes.clone(),
        _ => Vec::new(),
    };
    // Pictures and pages come back as their text.
    let is_text = response.headers().get("content-type").is_some_and(|t| {
        t.as_bytes().starts_with(b"image/") || t.as_bytes().starts_with(b"text/html")
    });
    let json = if body.is_empty() {
        Value::Null
    } else if is_text {
        Value::String(String::from_utf8_lossy(&body).into_owned())
    } else {
        serde_json::from_slice(&body).expect("a JSON body")
    };
    (response.status().as_u16(), json)
}

/// The `field`s named by a problem document's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The fields a 400 answer names, sorted; panics on any other status.
pub fn rejected_fields((status, problem): (u16, Value)) -> Vec<String> {
    assert_eq!(status, 400, "{problem}");
    sorted_error_fields(&problem)
}

/// The `field`s named by a problem document's `errors`, sorted.
pub fn sorted_error_fields(problem: &Value) -> Vec<String> {
    let mut fields = error_fields(problem);
    fields.sort();
    fields
}

/// An EventBridge bus of the test's own, with a rule sending everything from `shop.orders`,
/// `shop.catalog` and `shop.monitoring` to an SQS queue, so a test can read back what was
/// published.
pub struct EventTap {
    pub bus: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl EventTap {
    pub async fn new(stack: &Stack) -> Self {
        let events = aws_sdk_eventbridge::Client::new(&stack.aws);
        let sqs = aws_sdk_sqs::Client::new(&stack.aws);
        let name = format!("tap-{}", uuid::Uuid::now_v7());
        events
            .create_event_bus()
            .name(&name)
            .send()
            .await
            .expect("creating a bus");
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .expect("creating a queue")
            .queue_url
            .expect("a queue url");
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("the queue's attributes")
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .expect("the queue's ARN");
        events
            .put_rule()
            .name(&name)
            .event_bus_name(&name)
            .event_pattern(r#"{"source": ["shop.orders", "shop.catalog", "shop.monitoring"]}"#)
            .send()
            .await
            .expect("creating a rule");
        events
            .put_targets()
            .rule(&name)
            .event_bus_name(&name)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("queue")
                    .arn(arn)
                    .build()
                    .expect("a target"),
            )
            .send()
            .await
            .expect("adding the queue as target");
        Self {
            bus: name,
            sqs,
            queue_url,
        }
    }

    /// Every event delivered since the last call (EventBridge's envelope: `source`,
    /// `detail-type`, `detail`).
    pub async fn drain(&self) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receiving from the tap");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            for message in messages {
                let body = message.body.as_deref().unwrap_or("null");
                events.push(serde_json::from_str(body).expect("an event envelope"));
                if let Some(handle) = message.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("deleting a received message");
                }
            }
        }
    }
}

/// The sample scheduled event as tick `id` at `at`, with `detail` (a chart, a shard, or
/// nothing: the whole fleet).
pub fn tick_event(id: &str, at: Timestamp, detail: Value) -> Value {
    let mut tick = event("evaluate-alerts.json");
    tick["id"] = Value::String(id.to_owned());
    tick["time"] = Value::String(at.to_string());
    tick["detail"] = detail;
    tick
}

/// Where the e-mails' links point in the tests.
pub const PUBLIC_BASE_URL: &str = "http://127.0.0.1:9000";

/// Monitoring's mailer (reports, invitations) from `sender`, with the tests' links.
pub fn report_mailer(aws: &SdkConfig, sender: &str) -> adapters::mail::ReportMailer {
    adapters::mail::ReportMailer::new(
        adapters::mail::SesMailer::new(adapters::mail::client(aws), sender),
        adapters::mail::Links::new(PUBLIC_BASE_URL).expect("a base URL"),
    )
}

/// The invitations of the functions that list recipients, from `sender`.
pub fn invitations(aws: &SdkConfig, sender: &str) -> adapters::mail::Invitations {
    adapters::mail::Invitations::new(
        adapters::mail::SesMailer::new(adapters::mail::client(aws), sender),
        Some(adapters::mail::Links::new(PUBLIC_BASE_URL).expect("a base URL")),
    )
}

/// The e-mails the local server accepted for `recipient`: the simple ones (`subject`,
/// `body`: moto keeps only the HTML part), then the raw ones (reports: also `text`,
/// `headers` with lowercase names, and `pictures`, each inline PNG in base64), each kind
/// oldest first.
pub fn sent_emails(recipient: &str) -> Vec<Value> {
    let (mut simple, raw) = sent_emails_by_kind(recipient);
    simple.extend(raw);
    simple
}

/// The reports (raw messages) `recipient` got, oldest first.
pub fn sent_reports(recipient: &str) -> Vec<Value> {
    sent_emails_by_kind(recipient).1
}

fn sent_emails_by_kind(recipient: &str) -> (Vec<Value>, Vec<Value>) {
    use std::io::{Read, Write};
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream =
        std::net::TcpStream::connect(authority).expect("connecting to the local server");
    write!(
        stream,
        "GET /moto-api/data.json HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .expect("asking for moto's data");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("reading moto's data");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let data: Value = serde_json::from_str(body).expect("moto's data as JSON");
    let simple = data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == recipient))
        })
        .cloned()
        .collect();
    let raw = data["ses"]["RawMessage"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == recipient))
        })
        .map(|m| {
            let mut email = parse_raw_email(m["raw_data"].as_str().unwrap_or_default());
            email["source"] = m["source"].clone();
            email
        })
        .collect();
    (simple, raw)
}

/// A raw MIME message as [`sent_emails`] shows it.
fn parse_raw_email(raw: &str) -> Value {
    use base64::Engine;
    let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a MIME message");
    let headers: serde_json::Map<String, Value> = parsed
        .headers
        .iter()
        .map(|h| (h.get_key().to_lowercase(), Value::String(h.get_value())))
        .collect();
    let (mut text, mut html, mut pictures) = (String::new(), String::new(), Vec::new());
    let mut parts = vec![&parsed];
    while let Some(part) = parts.pop() {
        parts.extend(part.subparts.iter());
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().expect("a text part"),
            "text/html" => html = part.get_body().expect("an HTML part"),
            "image/png" => {
                let id = part
                    .headers
                    .iter()
                    .find(|h| h.get_key().eq_ignore_ascii_case("content-id"))
                    .map(|h| h.get_value())
                    .unwrap_or_default();
                let png = part.get_body_raw().expect("a picture");
                pictures.push(serde_json::json!({
                    "content_id": id,
                    "png": base64::engine::general_purpose::STANDARD.encode(png),
                }));
            }
            _ => {}
        }
    }
    serde_json::json!({
        "subject": headers.get("subject").cloned().unwrap_or(Value::Null),
        "body": html,
        "text": text,
        "headers": headers,
        "pictures": pictures,
    })
}

/// The token of the newest invitation `recipient` got (from its link).
pub fn invitation_token(recipient: &str) -> String {
    let emails = sent_emails(recipient);
    let invitation = emails
        .iter()
        .rev()
        .find(|e| {
            e["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Confirm"))
        })
        .unwrap_or_else(|| panic!("no invitation among {} e-mails", emails.len()));
    let body = invitation["body"].as_str().unwrap_or_default();
    let start =
        body.find("/subscriptions/").expect("a subscription link") + "/subscriptions/".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}
