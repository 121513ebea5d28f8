//! Adapters between the domain and the outside world, shared by every function. Imports run
//! one way: the contexts' adapters use the infrastructure, the HTTP edge uses neither, and
//! [`lambda`] (the wiring) uses them all.
//!
//! - Infrastructure: [`store`] (the generic JSON-document repository on the one DynamoDB
//!   table), [`config`] (read once from the environment), [`mail`] (SES), [`events`]
//!   (EventBridge).
//! - One module per bounded context, implementing the domain's ports: [`catalog`]
//!   (products, their name claims and search), [`orders`] (orders, idempotency records, the
//!   outbox), [`monitoring`] (charts, series, alerts, the evaluation's reads and writes).
//! - [`http`]: identity from JWT claims (or local headers), JSON bodies, parameters,
//!   responses, and RFC 9457 problems with the mapping of every use case's errors.
//! - [`lambda`]: one way into a function: logs, dependencies built once, the runtime.

pub mod backoff;
pub mod catalog;
pub mod config;
pub mod events;
pub mod http;
pub mod lambda;
pub mod logs;
pub mod mail;
pub mod metrics;
pub mod monitoring;
pub mod orders;
pub mod outbox;
pub mod picture;
pub mod store;
