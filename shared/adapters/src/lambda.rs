//! One way into every function: structured logs, configuration and AWS clients built once
//! per cold start ([`FromEnv`], [`dependencies!`](crate::dependencies)), then the Lambda
//! runtime serving the handler ([`serve_http`], [`serve_events`]).

use crate::catalog::{DynamoProductRepository, DynamoProductSearch};
use crate::config::{self, AuthMode, ConfigError, SdkConfig};
use crate::events::EventBridgePublisher;
use crate::http::{Answer, respond};
use crate::mail::{Invitations, OrderMailer, ReportMailer};
use crate::metrics;
use crate::monitoring::DynamoMonitoringRepository;
use crate::orders::DynamoOrderRepository;
use crate::store::DocumentStore;
use domain::{Currency, Timestamp};
use lambda_http::{Request, service_fn};
use lambda_runtime::{Diagnostic, Error, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// Something a function builds once from its environment and the AWS configuration.
pub trait FromEnv: Sized {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError>;
}

/// A function's dependencies: a struct each of whose fields is built by its [`FromEnv`].
///
/// ```ignore
/// adapters::dependencies! {
///     pub struct Deps {
///         pub orders: DynamoOrderRepository,
///         pub auth: AuthMode,
///     }
/// }
/// ```
#[macro_export]
macro_rules! dependencies {
    ($(#[$meta:meta])* pub struct $name:ident { $(pub $field:ident: $type:ty),* $(,)? }) => {
        $(#[$meta])*
        pub struct $name {
            $(pub $field: $type),*
        }

        impl $crate::lambda::FromEnv for $name {
            fn from_env(
                aws: &$crate::config::SdkConfig,
            ) -> Result<Self, $crate::config::ConfigError> {
                Ok(Self {
                    $($field: $crate::lambda::FromEnv::from_env(aws)?),*
                })
            }
        }
    };
}

/// Logs, then the dependencies, built once and kept for the life of the process (hence
/// leaked: the runtime borrows them into every invocation).
async fn start<D: FromEnv + 'static>(function: &str) -> Result<&'static D, Error> {
    crate::logs::init();
    metrics::start(function);
    let aws = config::aws().await?;
    let deps = Box::leak(Box::new(D::from_env(&aws)?));
    metrics::count("ColdStart", 1, None);
    Ok(deps)
}

/// The class of an answer's status (`2xx`, `4xx`, `5xx`), a metric's dimension.
fn status_class(status: u16) -> &'static str {
    match status {
        500.. => "5xx",
        400..=499 => "4xx",
        300..=399 => "3xx",
        _ => "2xx",
    }
}

/// Runs an HTTP function (API Gateway HTTP API, payload 2.0): every request through
/// `handler`, whose problems become RFC 9457 responses.
pub async fn serve_http<D, F, Fut>(function: &str, handler: F) -> Result<(), Error>
where
    D: FromEnv + Sync + 'static,
    F: Fn(Request, &'static D) -> Fut,
    Fut: Future<Output = Answer> + Send,
{
    let deps = start::<D>(function).await?;
    lambda_http::run(service_fn(|request| {
        let answer = handler(request, deps);
        async move {
            let response = respond(answer.await);
            let class = status_class(response.status().as_u16());
            metrics::count("Responses", 1, Some(("status_class", class)));
            Ok::<_, Error>(response)
        }
    }))
    .await
}

/// One event of a function invoked with events, and when the invocation must be over.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub event: Value,
    /// Lambda's deadline for this invocation (its timeout from the start).
    pub deadline: Timestamp,
}

impl Invocation {
    /// An event with a deadline `seconds` from now, as a function with that timeout gets it.
    pub fn with_timeout(event: Value, seconds: i64) -> Self {
        let now = Timestamp::from(time::OffsetDateTime::now_utc());
        Self {
            event,
            deadline: now.saturating_add(time::Duration::seconds(seconds)),
        }
    }
}

/// Runs a function invoked with events (EventBridge schedules and rules): each event
/// through `handler`; its error fails the invocation, so the invoker retries.
pub async fn serve_events<D, F, Fut, T, E>(function: &str, handler: F) -> Result<(), Error>
where
    D: FromEnv + 'static,
    F: Fn(Invocation, &'static D) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    T: Serialize,
    E: Into<Diagnostic> + std::fmt::Debug,
{
    let deps = start::<D>(function).await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<Value>| {
        let deadline = i64::try_from(event.context.deadline)
            .ok()
            .and_then(Timestamp::from_unix_millis)
            .unwrap_or_else(|| Timestamp::from(time::OffsetDateTime::now_utc()));
        let invocation = Invocation {
            event: event.payload,
            deadline,
        };
        handler(invocation, deps)
    }))
    .await
}

impl FromEnv for AuthMode {
    fn from_env(_: &SdkConfig) -> Result<Self, ConfigError> {
        config::auth_mode()
    }
}

impl FromEnv for Currency {
    fn from_env(_: &SdkConfig) -> Result<Self, ConfigError> {
        config::currency()
    }
}

impl FromEnv for DocumentStore {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_env(aws)
    }
}

/// The repositories: each on the table named by `TABLE_NAME`.
macro_rules! on_the_table {
    ($($repository:ty),*) => {
        $(impl FromEnv for $repository {
            fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
                Ok(Self::new(DocumentStore::from_env(aws)?))
            }
        })*
    };
}

on_the_table!(
    DynamoProductRepository,
    DynamoProductSearch,
    DynamoOrderRepository,
    DynamoMonitoringRepository
);

impl FromEnv for EventBridgePublisher {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_env(aws)
    }
}

impl FromEnv for ReportMailer {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_env(aws)
    }
}

impl FromEnv for Invitations {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_env(aws)
    }
}

/// `MAX_CHARTS_PER_CUSTOMER`: how many charts a customer may own (default 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxCharts(pub u32);

impl FromEnv for MaxCharts {
    fn from_env(_: &SdkConfig) -> Result<Self, ConfigError> {
        const VARIABLE: &str = "MAX_CHARTS_PER_CUSTOMER";
        match std::env::var(VARIABLE) {
            Ok(text) if !text.trim().is_empty() => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(Self)
                .ok_or_else(|| ConfigError {
                    variable: VARIABLE,
                    problem: format!("is {text:?}, not a whole number above 0"),
                }),
            _ => Ok(Self(100)),
        }
    }
}

crate::dependencies! {
    /// What the functions that list a chart's recipients need: the charts, how callers are
    /// identified, and the invitations to send.
    pub struct ChartRecipientsDeps {
        pub charts: DynamoMonitoringRepository,
        pub auth: AuthMode,
        pub invitations: Invitations,
    }
}

impl FromEnv for OrderMailer {
    fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_env(aws)
    }
}

crate::dependencies! {
    /// What the functions that move an order on need: the orders, the bus for their events,
    /// and how callers are identified.
    pub struct OrderChangeDeps {
        pub orders: DynamoOrderRepository,
        pub events: EventBridgePublisher,
        pub auth: AuthMode,
    }
}

crate::dependencies! {
    /// What the chart owner's HTTP functions need: the charts, and how callers are identified.
    pub struct ChartOwnerDeps {
        pub charts: DynamoMonitoringRepository,
        pub auth: AuthMode,
    }
}
