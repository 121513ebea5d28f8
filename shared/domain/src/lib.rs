//! The shop and monitoring domain: aggregates, value objects, use cases and the ports they
//! need. Nothing here knows about AWS or Lambda; the compiler keeps it that way because no
//! such crate is a dependency.
//!
//! One module per bounded context, each laid out the same way (aggregates and value objects,
//! commands parsed from raw input, ports, use cases):
//!
//! - [`catalog`]: products, their search.
//! - [`order`]: orders, idempotency keys, order events and their outbox.
//! - [`monitoring`]: charts, series, alerts, mutes and the scheduled evaluation.
//!
//! Shared value objects ([`Slug`], [`Email`], [`Money`], ids such as [`ProductId`]) are parsed
//! once at the edge and cannot hold an invalid value afterwards (deserialising one goes through
//! its `parse` too). [`Validation`] collects every invalid field of a request. Each use case is
//! a plain async function taking its ports (`&impl ProductRepository`), with one error enum of
//! its own. [`fakes`] holds in-memory implementations of every port for unit tests.

pub mod catalog;
mod clock;
mod error;
pub mod events;
mod identity;
mod ids;
mod money;
pub mod monitoring;
pub mod order;
mod pagination;
mod text;
mod validation;
mod version;

#[cfg(any(test, feature = "fakes"))]
pub mod fakes;

pub use clock::{Backoff, Clock, SystemClock, Timestamp};
pub use error::{Causes, Unexpected};
pub use identity::{Caller, CustomerId};
pub use ids::{AlertId, ChartId, EventId, OrderId, ProductId};
pub use money::{Currency, Money, Price};
pub use pagination::{Cursor, Limit, Page, PageError};
pub use text::{Email, Line, Slug, Text, escape_html};
pub use validation::{FieldError, Validation};
pub use version::{IfMatch, VersionMismatch};
