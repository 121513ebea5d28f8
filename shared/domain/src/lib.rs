//! The shop and monitoring domain: aggregates, value objects, use cases and the ports they
//! need. Nothing here knows about AWS or Lambda; the compiler keeps it that way because no
//! such crate is a dependency.
//!
//! - Value objects ([`ProductName`], [`Slug`], [`Price`], [`Email`], ids such as [`ProductId`])
//!   are parsed once at the edge and cannot hold an invalid value afterwards.
//! - [`Validation`] collects every invalid field of a request, so a client learns all of them at
//!   once.
//! - Each use case is a plain async function taking its ports (`&impl ProductRepository`), with
//!   one error enum of its own.
//! - [`fakes`] holds in-memory implementations of the ports for unit tests.

mod clock;
mod identity;
mod ids;
mod money;
pub mod monitoring;
pub mod order;
mod pagination;
pub mod product;
pub mod search;
mod text;
mod validation;

#[cfg(any(test, feature = "fakes"))]
pub mod fakes;

pub use clock::{Clock, SystemClock, Timestamp};
pub use identity::{Caller, CustomerId};
pub use ids::{AlertId, ChartId, EventId, OrderId, ProductId};
pub use money::{Currency, Money, Price};
pub use pagination::{Cursor, Limit, Page};
pub use text::{Email, Slug, Text};
pub use validation::{FieldError, Validation};

/// A storage failure the domain cannot interpret: it travels up with its cause chain and becomes
/// a 500 at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync + 'static>;
