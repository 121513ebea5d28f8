//! Adapters between the domain and the outside world, shared by every function:
//!
//! - [`store::DocumentStore`]: the generic JSON-document repository on DynamoDB (one table),
//!   with [`store::Document`] saying how each aggregate is keyed; [`cursor`] makes its opaque
//!   page cursors.
//! - [`products::DynamoProductRepository`]: the catalog's ports on that store, with the
//!   DynamoDB-only search design in [`search`].
//! - [`orders::DynamoOrderRepository`]: orders, idempotency records and the event outbox;
//!   [`events::EventBridgePublisher`] publishes the events.
//! - [`monitoring::DynamoMonitoringRepository`]: charts, series and alerts;
//!   [`mail::SesMailer`] sends the reports.
//! - [`http`]: identity from JWT claims (or local headers), JSON bodies, responses;
//!   [`problem::Problem`]: RFC 9457 responses and the mapping of every use case's errors.
//! - [`config`]: configuration read once from the environment.

pub mod config;
mod cursor;
pub mod events;
pub mod http;
pub mod mail;
pub mod monitoring;
pub mod orders;
pub mod problem;
pub mod products;
pub mod search;
pub mod store;

/// Structured logs for Lambda: JSON when the function's log format is JSON, each event inside
/// the runtime's per-invocation span that carries the request id.
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}
