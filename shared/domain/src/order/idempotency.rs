//! Idempotency keys: a client's retry of one request answers the first outcome again.

use super::model::{Order, OrderRefusal};
use crate::CustomerId;
use serde::{Deserialize, Serialize};

/// A client's key making retries of one request safe: 1 to 255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 255 printable ASCII characters")]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, InvalidIdempotencyKey> {
        let valid =
            (1..=255).contains(&text.len()) && text.bytes().all(|b| (0x20..0x7f).contains(&b));
        valid
            .then(|| Self(text.to_owned()))
            .ok_or(InvalidIdempotencyKey)
    }
}

crate::text::parsed_from_string!(IdempotencyKey, InvalidIdempotencyKey);

/// How long an idempotency key is remembered (at least; storage may keep it longer).
pub const IDEMPOTENCY_RETENTION_SECONDS: i64 = 24 * 3600;
/// How long a first attempt holds its key before another may take over (a crashed attempt
/// must not block the key): longer than any function's timeout.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 60;

/// The first answer to an idempotent request, kept to answer its replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Placed(Order),
    Refused(OrderRefusal),
}

/// What a key's record says when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key is ours now: go ahead. `version` is handed back when the outcome is stored.
    Claimed { version: u64 },
    /// Another attempt holds it and its lease has not run out.
    InFlight { fingerprint: String },
    Completed {
        fingerprint: String,
        outcome: Outcome,
    },
}

/// An idempotency key as held by one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyClaim {
    pub customer_id: CustomerId,
    pub key: IdempotencyKey,
    pub fingerprint: String,
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("order 42 / retry").is_ok());
        for bad in ["", &"k".repeat(256), "tab\t", "é"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<IdempotencyKey>("\"tab\\t\"").is_err());
    }
}
