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

/// `TryFrom<String>` through the type's `parse`, and back to `String`, so that serde reads a
/// string value object only through its `parse` (`#[serde(try_from = "String")]`).
macro_rules! parsed_from_string {
    ($type:ty, $error:ty $(, $($generics:tt)*)?) => {
        impl<$($($generics)*)?> TryFrom<String> for $type {
            type Error = $error;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl<$($($generics)*)?> From<$type> for String {
            fn from(value: $type) -> String {
                value.0
            }
        }
    };
}
pub(crate) use parsed_from_string;

pub mod catalog;
mod clock;
mod identity;
mod ids;
mod money;
pub mod monitoring;
pub mod order;
mod pagination;
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

/// An error with its whole cause chain, `outer: cause: root cause`, for logs.
pub struct Causes<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_lists_the_whole_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("could not save")]
        struct Outer(#[source] std::io::Error);
        let error = Outer(std::io::Error::other("disk full"));
        assert_eq!(
            super::Causes(&error).to_string(),
            "could not save: disk full"
        );
    }
}
