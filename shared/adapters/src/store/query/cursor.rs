//! Opaque page cursors: the key of the last item returned, bound to the query that made it.
//!
//! A cursor is base64url of `{"v":1,"k":{<key attributes>},"h":<check>}`, where the check is a
//! SHA-256 digest of the query's fingerprint (index, partition, sort condition, direction,
//! filter) and the key. On the way back in, the check must match the query being run (so a
//! cursor of another query, or one with an edited key, is refused), the key must carry exactly
//! that index's attributes and stay inside the query's partition and sort range. Anything else
//! is [`StoreError::InvalidCursor`]: a malformed or foreign cursor never reaches DynamoDB.
//!
//! The check is not a secret MAC: someone who recomputes it can forge a start key, but only
//! inside the partition the query already reads, which the range checks guarantee.

use crate::store::document::{Index, Item, PK, SK, key_attributes};
use crate::store::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Cursor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const VERSION: u8 = 1;
/// Far above any cursor this module makes; refuses huge inputs before decoding them.
const MAX_LEN: usize = 2048;

/// What a cursor is bound to: one query.
pub(crate) struct Scope<'a> {
    pub index: Option<Index>,
    pub partition: &'a str,
    /// Everything else that tells this query from another.
    pub fingerprint: String,
    /// Whether a sort key lies inside the query's sort condition.
    pub admits: &'a dyn Fn(&str) -> bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    v: u8,
    k: BTreeMap<String, String>,
    h: String,
}

/// The first 16 bytes of SHA-256 over the query's fingerprint and the key, as hex.
fn check(scope: &Scope<'_>, key: &BTreeMap<String, String>) -> String {
    let mut digest = Sha256::new();
    let index = scope.index.map_or("table", Index::name);
    for part in [index, scope.partition, scope.fingerprint.as_str()] {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    for (name, value) in key {
        // Lengths first, so no two different keys hash the same bytes.
        for part in [name, value] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
    }
    digest.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The attributes a start key of this index holds: the table's key, and the index's.
pub(super) fn start_key_attributes(index: Option<Index>) -> Vec<&'static str> {
    let mut names = vec![PK, SK];
    if let Some(index) = index {
        let (pk, sk) = index.key_attributes();
        names.extend([pk, sk]);
    }
    names
}

pub(crate) fn encode(last: &Item, scope: &Scope<'_>) -> Result<Cursor, StoreError> {
    let mut k = BTreeMap::new();
    for name in start_key_attributes(scope.index) {
        match last.get(name) {
            Some(AttributeValue::S(value)) => {
                k.insert(name.to_owned(), value.clone());
            }
            _ => {
                return Err(anyhow::anyhow!("a queried item has no string key {name}").into());
            }
        }
    }
    let payload = Payload {
        v: VERSION,
        h: check(scope, &k),
        k,
    };
    let json = serde_json::to_vec(&payload).map_err(anyhow::Error::from)?;
    Ok(Cursor::new(URL_SAFE_NO_PAD.encode(json)))
}

pub(crate) fn decode(cursor: &Cursor, scope: &Scope<'_>) -> Result<Item, StoreError> {
    let text = cursor.as_str();
    if text.is_empty() || text.len() > MAX_LEN {
        return Err(StoreError::InvalidCursor("wrong length"));
    }
    let json = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| StoreError::InvalidCursor("not base64url"))?;
    let payload: Payload =
        serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor("not a cursor"))?;
    if payload.v != VERSION {
        return Err(StoreError::InvalidCursor("unknown cursor version"));
    }
    if payload.h != check(scope, &payload.k) {
        return Err(StoreError::InvalidCursor(
            "made for another query, or edited",
        ));
    }
    let expected = start_key_attributes(scope.index);
    if payload.k.len() != expected.len() || !expected.iter().all(|n| payload.k.contains_key(*n)) {
        return Err(StoreError::InvalidCursor("wrong key attributes"));
    }
    let (pk, sk) = key_attributes(scope.index);
    if payload.k[pk] != scope.partition || !(scope.admits)(&payload.k[sk]) {
        return Err(StoreError::InvalidCursor("outside the query"));
    }
    Ok(payload
        .k
        .into_iter()
        .map(|(name, value)| (name, AttributeValue::S(value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str) -> bool {
        true
    }

    fn scope(partition: &str) -> Scope<'_> {
        Scope {
            index: Some(Index::Gsi1),
            partition,
            fingerprint: "asc".into(),
            admits: &any,
        }
    }

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect()
    }

    fn last() -> Item {
        item(&[
            ("pk", "CHART#1"),
            ("sk", "CHART"),
            ("gsi1pk", "OWNER#a"),
            ("gsi1sk", "CHART#1"),
            ("data", "ignored"),
        ])
    }

    #[test]
    fn round_trips_the_key_only() {
        let scope = scope("OWNER#a");
        let cursor = encode(&last(), &scope).unwrap();
        let key = decode(&cursor, &scope).unwrap();
        let mut expected = last();
        expected.remove("data");
        assert_eq!(key, expected);
    }

    #[test]
    fn an_item_without_the_index_keys_makes_no_cursor() {
        let table_item = item(&[("pk", "CHART#1"), ("sk", "CHART")]);
        assert!(encode(&table_item, &scope("OWNER#a")).is_err());
    }

    #[test]
    fn refuses_a_cursor_of_another_query() {
        let cursor = encode(&last(), &scope("OWNER#a")).unwrap();
        let other = decode(&cursor, &scope("OWNER#b"));
        assert!(matches!(other, Err(StoreError::InvalidCursor(_))));
        let descending = Scope {
            fingerprint: "desc".into(),
            ..scope("OWNER#a")
        };
        assert!(matches!(
            decode(&cursor, &descending),
            Err(StoreError::InvalidCursor(_))
        ));
        let table = Scope {
            index: None,
            ..scope("OWNER#a")
        };
        assert!(matches!(
            decode(&cursor, &table),
            Err(StoreError::InvalidCursor(_))
        ));
    }

    #[test]
    fn refuses_garbage_and_edited_cursors() {
        let scope = scope("OWNER#a");
        let forged =
            |payload: serde_json::Value| Cursor::new(URL_SAFE_NO_PAD.encode(payload.to_string()));
        let key = |partition: &str| -> BTreeMap<String, String> {
            [
                ("pk", "x"),
                ("sk", "y"),
                ("gsi1pk", partition),
                ("gsi1sk", "z"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
        };
        let good = key("OWNER#a");
        let h = check(&scope, &good);
        let moved = key("OWNER#b");
        let moved_h = check(&scope, &moved);
        let short: BTreeMap<String, String> = [("pk".to_owned(), "x".to_owned())].into();
        let short_h = check(&scope, &short);
        for bad in [
            Cursor::new(String::new()),
            Cursor::new("!!!".into()),
            Cursor::new("a".repeat(MAX_LEN + 1)),
            Cursor::new(URL_SAFE_NO_PAD.encode("not json")),
            forged(serde_json::json!({"v": 2, "k": good, "h": h})),
            forged(serde_json::json!({"v": 1, "k": good, "h": "0".repeat(32)})),
            forged(serde_json::json!({"v": 1, "k": moved, "h": h})),
            forged(serde_json::json!({"v": 1, "k": moved, "h": moved_h})),
            forged(serde_json::json!({"v": 1, "k": short, "h": short_h})),
            forged(serde_json::json!({"v": 1, "k": good, "h": h, "extra": 1})),
        ] {
            assert!(
                matches!(decode(&bad, &scope), Err(StoreError::InvalidCursor(_))),
                "{bad:?}"
            );
        }
        // A recomputed check over a key inside the partition is accepted: see the module docs.
        assert!(
            decode(
                &forged(serde_json::json!({"v": 1, "k": good, "h": h})),
                &scope
            )
            .is_ok()
        );
    }

    #[test]
    fn refuses_a_key_outside_the_sort_range() {
        let admits = |sk: &str| ("PRICE#0001"..="PRICE#0002").contains(&sk);
        let scope = Scope {
            index: None,
            partition: "P",
            fingerprint: String::new(),
            admits: &admits,
        };
        let inside = item(&[("pk", "P"), ("sk", "PRICE#0001#x")]);
        let outside = item(&[("pk", "P"), ("sk", "PRICE#0003")]);
        let cursor = encode(&inside, &scope).unwrap();
        assert!(decode(&cursor, &scope).is_ok());
        let cursor = encode(&outside, &scope).unwrap();
        assert!(matches!(
            decode(&cursor, &scope),
            Err(StoreError::InvalidCursor(_))
        ));
    }
}
