//! Entity ids: UUIDv7 (time-ordered, so new items sort after old ones) behind one newtype per
//! entity, so a product id can never be passed where an order id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a UUID such as 0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69")]
pub struct InvalidId;

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh UUIDv7.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Accepts the hyphenated form only; ids of other versions are accepted too (they
            /// simply match nothing), so only text that is not a UUID is refused.
            pub fn parse(text: &str) -> Result<Self, InvalidId> {
                if text.len() != 36 {
                    return Err(InvalidId);
                }
                Uuid::try_parse(text).map(Self).map_err(|_| InvalidId)
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

entity_id!(
    /// A catalog product.
    ProductId
);
entity_id!(
    /// A customer's order.
    OrderId
);
entity_id!(
    /// A monitoring chart.
    ChartId
);
entity_id!(
    /// An alert on one chart's series.
    AlertId
);
entity_id!(
    /// A domain event, stable across redeliveries so consumers can deduplicate.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn new_ids_are_version_7_and_round_trip() {
        let id = ProductId::new();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert_eq!(ProductId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let first = OrderId::new();
        let second = OrderId::new();
        assert!(first < second);
    }

    #[test]
    fn refuses_text_that_is_not_a_hyphenated_uuid() {
        for bad in [
            "",
            "abc",
            "0190b6c86f4e7c3a9a6f2f1d3c4b5a69",
            "{0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69}",
            "0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a6g",
            "urn:uuid:0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69",
        ] {
            assert_eq!(ProductId::parse(bad), Err(InvalidId), "{bad:?}");
        }
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let id = ChartId::parse("0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69\""
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".{0,64}") {
            let _ = AlertId::parse(&text);
        }

        #[test]
        fn any_uuid_round_trips(bytes in any::<[u8; 16]>()) {
            let uuid = Uuid::from_bytes(bytes);
            let id = AlertId::parse(&uuid.to_string()).unwrap();
            prop_assert_eq!(id.to_string(), uuid.hyphenated().to_string());
        }
    }
}
