//! A fault-injecting HTTP client for the SDK: between the SDK and the local AWS-protocol
//! server, it answers the next calls of an operation with what the local servers never
//! produce: a transaction conflict, throttling, a 500, or the request forwarded and its reply
//! lost (so the SDK retries a request the server already carried out).

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What the next matching call gets instead of the server's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `TransactionCanceledException`, every write `TransactionConflict`: another transaction
    /// touched the same items.
    Conflict,
    /// `ThrottlingException`: the table's or the account's rate was exceeded.
    Throttling,
    /// HTTP 500 `InternalServerError`.
    ServerError,
    /// The request reaches the server and is carried out; its reply is lost on the way back.
    LostReply,
    /// Nothing: the call goes through (to aim a fault at a later call of the operation).
    Pass,
}

#[derive(Debug, Default)]
struct Plan {
    /// (operation, fault), in order: each matching call takes the first that names it.
    faults: VecDeque<(&'static str, Fault)>,
    /// Every operation the client was asked to send, faulted or not.
    sent: Vec<String>,
    /// The `ClientRequestToken` of every TransactWriteItems sent, in order.
    tokens: Vec<String>,
}

/// The faults to inject, shared by the clients built with [`Faults::http_client`].
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<Plan>>);

impl Faults {
    /// The next `times` calls of `operation` (`TransactWriteItems`, `PutItem`, ...) get `fault`.
    pub fn inject(&self, operation: &'static str, fault: Fault, times: usize) -> &Self {
        let mut plan = self.0.lock().unwrap();
        plan.faults
            .extend(std::iter::repeat_n((operation, fault), times));
        self
    }

    /// Faults planned and not yet used.
    pub fn pending(&self) -> usize {
        self.0.lock().unwrap().faults.len()
    }

    /// Every call sent through the client, by operation, retries included.
    pub fn sent(&self) -> Vec<String> {
        self.0.lock().unwrap().sent.clone()
    }

    /// The client token of every TransactWriteItems sent, retries included.
    pub fn transaction_tokens(&self) -> Vec<String> {
        self.0.lock().unwrap().tokens.clone()
    }

    /// An HTTP client that injects these faults in front of `inner`.
    pub fn http_client(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(FaultyClient {
            inner,
            faults: self.clone(),
        })
    }

    fn take(&self, request: &HttpRequest) -> Option<Fault> {
        let operation = operation(request);
        let mut plan = self.0.lock().unwrap();
        if operation == "TransactWriteItems" {
            let token = json_body(request)
                .and_then(|body| body["ClientRequestToken"].as_str().map(str::to_owned));
            plan.tokens.push(token.unwrap_or_default());
        }
        plan.sent.push(operation.clone());
        let at = plan.faults.iter().position(|(op, _)| *op == operation)?;
        plan.faults.remove(at).map(|(_, fault)| fault)
    }
}

#[derive(Debug)]
struct FaultyClient {
    inner: SharedHttpClient,
    faults: Faults,
}

impl HttpClient for FaultyClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            faults: self.faults.clone(),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    faults: Faults,
}

/// `DynamoDB_20120810.TransactWriteItems` -> `TransactWriteItems`; SES v2's REST call
/// `POST /v2/email/outbound-emails` -> `SendEmail`.
fn operation(request: &HttpRequest) -> String {
    if let Some(target) = request.headers().get("x-amz-target") {
        return target.rsplit('.').next().unwrap_or("unknown").to_owned();
    }
    if request.uri().ends_with("/v2/email/outbound-emails") {
        return "SendEmail".to_owned();
    }
    "unknown".to_owned()
}

/// SES v2's answer when the account's sending rate is exceeded.
fn ses_throttling() -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(429).expect("a valid status"),
        SdkBody::from(r#"{"message":"Maximum sending rate exceeded. (injected by the test)"}"#),
    );
    response
        .headers_mut()
        .insert("content-type", "application/json");
    response
        .headers_mut()
        .insert("x-amzn-errortype", "TooManyRequestsException");
    response
}

fn dynamodb_error(status: u16, kind: &str, extra: serde_json::Value) -> HttpResponse {
    let mut body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": format!("{kind} (injected by the test)"),
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("a valid status"),
        SdkBody::from(body.to_string()),
    );
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
        .headers_mut()
        .insert("x-amzn-requestid", "injected-fault");
    response
}

fn json_body(request: &HttpRequest) -> Option<serde_json::Value> {
    serde_json::from_slice(request.body().bytes()?).ok()
}

/// A cancellation with one `TransactionConflict` reason per write of a transaction; for a
/// single write, `TransactionConflictException`: a transaction holds its item.
fn conflict(request: &HttpRequest) -> HttpResponse {
    if operation(request) != "TransactWriteItems" {
        return dynamodb_error(
            400,
            "TransactionConflictException",
            serde_json::json!({"message": "Transaction is ongoing for the item"}),
        );
    }
    let writes = json_body(request)
        .and_then(|body| body["TransactItems"].as_array().map(Vec::len))
        .unwrap_or(1);
    let reasons: Vec<serde_json::Value> = (0..writes)
        .map(|_| serde_json::json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}))
        .collect();
    dynamodb_error(
        400,
        "TransactionCanceledException",
        serde_json::json!({ "CancellationReasons": reasons }),
    )
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let fault = self.faults.take(&request);
        let response = match fault {
            None | Some(Fault::Pass) => return self.inner.call(request),
            Some(Fault::Conflict) => conflict(&request),
            Some(Fault::Throttling) if operation(&request) == "SendEmail" => ses_throttling(),
            Some(Fault::Throttling) => dynamodb_error(
                400,
                "ThrottlingException",
                serde_json::json!({"message": "Rate of requests exceeds the allowed throughput."}),
            ),
            Some(Fault::ServerError) => {
                dynamodb_error(500, "InternalServerError", serde_json::json!({}))
            }
            Some(Fault::LostReply) => {
                let sent = self.inner.call(request);
                return HttpConnectorFuture::new(async move {
                    let _carried_out = sent.await;
                    Err(ConnectorError::io(
                        "the connection closed before the reply (injected)".into(),
                    ))
                });
            }
        };
        HttpConnectorFuture::ready(Ok(response))
    }
}
