//! Documents to items and back.
//!
//! | attribute | meaning |
//! |---|---|
//! | `pk`, `sk` | the item's key ([`Document::key`]) |
//! | `gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk` | optional index keys ([`Document::indexes`]); absent keys keep an item out of that (sparse) index |
//! | `entity` | the aggregate's type, checked on every read |
//! | `schema_version` | the version of `data`'s shape; older ones are upgraded on read ([`Document::upgrade`]) |
//! | `version` | optimistic-locking counter, 1 on create, +1 on every save |
//! | `created_at`, `updated_at` | RFC 3339 times of the first and the latest write |
//! | `expires_at` | optional epoch seconds for DynamoDB's TTL ([`Document::expires_at`]) |
//! | `data` | the aggregate's serde form as a map (serde_dynamo's format, written by [`to_attribute_value`], read by [`from_attribute_value`]) |

use super::document::{Document, Index, Item, Versioned};
use super::error::StoreError;
use super::reader::from_attribute_value;
use super::writer::to_attribute_value;
use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::Timestamp;
use serde::de::DeserializeOwned;

pub(crate) const ENTITY: &str = "entity";
pub(crate) const SCHEMA_VERSION: &str = "schema_version";
pub(crate) const VERSION: &str = "version";
const CREATED_AT: &str = "created_at";
pub(crate) const UPDATED_AT: &str = "updated_at";
pub(crate) const EXPIRES_AT: &str = "expires_at";
pub(crate) const DATA: &str = "data";

pub(crate) fn now() -> String {
    Timestamp::from(time::OffsetDateTime::now_utc()).to_string()
}

pub(crate) fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// A value in the form the table stores it (serde_dynamo's format).
pub fn attribute<T: serde::Serialize + ?Sized>(value: &T) -> Result<AttributeValue, StoreError> {
    Ok(to_attribute_value(value).context("serializing a value")?)
}

pub(crate) fn data_of<T: Document>(doc: &T) -> Result<AttributeValue, StoreError> {
    to_attribute_value(doc)
        .with_context(|| format!("serializing a {}", T::ENTITY))
        .map_err(StoreError::from)
}

/// The whole item of a document written for the first time.
pub fn new_item<T: Document>(doc: &T) -> Result<Item, StoreError> {
    let now = now();
    let mut item = doc.key().into_item();
    let indexes = doc.indexes();
    for index in Index::ALL {
        if let Some(key) = indexes.get(index) {
            let (pk, sk) = index.key_attributes();
            item.insert(pk.into(), AttributeValue::S(key.pk.clone()));
            item.insert(sk.into(), AttributeValue::S(key.sk.clone()));
        }
    }
    item.insert(ENTITY.into(), AttributeValue::S(T::ENTITY.into()));
    item.insert(SCHEMA_VERSION.into(), number(T::SCHEMA_VERSION));
    item.insert(VERSION.into(), number(1));
    item.insert(CREATED_AT.into(), AttributeValue::S(now.clone()));
    item.insert(UPDATED_AT.into(), AttributeValue::S(now));
    if let Some(at) = doc.expires_at() {
        item.insert(EXPIRES_AT.into(), number(at));
    }
    item.insert(DATA.into(), data_of(doc)?);
    Ok(item)
}

/// The `entity` of a stored item, to tell the items of a mixed partition apart.
pub fn entity_of(item: &Item) -> Option<&str> {
    match item.get(ENTITY) {
        Some(AttributeValue::S(entity)) => Some(entity),
        _ => None,
    }
}

/// Reads a stored item back into its document, upgrading older schema versions.
pub fn decode<T: Document>(item: Item) -> Result<Versioned<T>, StoreError> {
    let (header, data) = header::<T>(item)?;
    let doc = if header.schema == T::SCHEMA_VERSION {
        from_attribute_value(data).with_context(|| format!("reading a stored {}", T::ENTITY))?
    } else {
        upgraded::<T>(header.schema, data)?
    };
    Ok(Versioned {
        doc,
        version: header.version,
    })
}

/// Reads part of a stored document `D`: `P`, a subset of its fields, without reading the
/// rest. An item of an older schema is upgraded to `D` first, from the data it holds: an item
/// read with a projection of the current schema's fields may lack what the upgrade needs.
pub fn decode_part<D: Document, P: DeserializeOwned + for<'a> From<&'a D>>(
    item: Item,
) -> Result<P, StoreError> {
    let (header, data) = header::<D>(item)?;
    if header.schema == D::SCHEMA_VERSION {
        Ok(
            from_attribute_value(data)
                .with_context(|| format!("reading a stored {}", D::ENTITY))?,
        )
    } else {
        Ok(P::from(&upgraded::<D>(header.schema, data)?))
    }
}

struct Header {
    version: u64,
    schema: u32,
}

/// The item's version and schema, once its entity is checked to be `T`'s, and its data.
fn header<T: Document>(mut item: Item) -> Result<(Header, AttributeValue), StoreError> {
    let entity =
        entity_of(&item).ok_or_else(|| anyhow!("stored item has no string attribute {ENTITY}"))?;
    if entity != T::ENTITY {
        return Err(anyhow!("expected a {} item, found {entity}", T::ENTITY).into());
    }
    let integer = |name: &str| -> anyhow::Result<u64> {
        match item.get(name) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .with_context(|| format!("attribute {name} is not an integer")),
            _ => Err(anyhow!("stored item has no number attribute {name}")),
        }
    };
    let version = integer(VERSION)?;
    let schema = u32::try_from(integer(SCHEMA_VERSION)?).context("schema_version")?;
    let data = item
        .remove(DATA)
        .ok_or_else(|| anyhow!("stored {} has no data", T::ENTITY))?;
    Ok((Header { version, schema }, data))
}

/// A document of an older schema, upgraded to `T`'s.
fn upgraded<T: Document>(schema: u32, data: AttributeValue) -> Result<T, StoreError> {
    let entity = T::ENTITY;
    if schema > T::SCHEMA_VERSION {
        return Err(anyhow!(
            "stored {entity} has schema {schema}, newer than this code's {}",
            T::SCHEMA_VERSION
        )
        .into());
    }
    let old: serde_json::Value = from_attribute_value(data)
        .with_context(|| format!("reading a stored {entity} of schema {schema}"))?;
    let upgraded = T::upgrade(schema, old)?;
    Ok(serde_json::from_value(upgraded)
        .with_context(|| format!("reading an upgraded {entity} of schema {schema}"))?)
}

/// A value kept as JSON text inside a document (`#[serde(with = "json_text")]`), for copies
/// only ever read whole: an outbox event, a replayed outcome. One string attribute instead of
/// a tree of maps, which for a 25-line order cost a third of its own work to build and
/// convert for the SDK. Documents written before hold the tree, which is still read.
pub(crate) mod json_text {
    use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
    use serde::{Deserializer, Serialize, Serializer};
    use std::fmt;
    use std::marker::PhantomData;

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        deserializer.deserialize_any(TextOrTree(PhantomData))
    }

    struct TextOrTree<T>(PhantomData<T>);

    impl<'de, T: DeserializeOwned> Visitor<'de> for TextOrTree<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON text, or the map that documents held before")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            serde_json::from_str(text).map_err(E::custom)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IndexKeys, Key};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Doc {
        id: String,
        count: u32,
        #[serde(default)]
        expires: Option<i64>,
    }

    impl Document for Doc {
        const ENTITY: &'static str = "doc";
        const SCHEMA_VERSION: u32 = 2;

        fn key(&self) -> Key {
            Key::new(format!("DOC#{}", self.id), "DOC")
        }

        fn indexes(&self) -> IndexKeys {
            IndexKeys {
                gsi1: None,
                gsi2: Some(Key::new("ALL", &self.id)),
            }
        }

        fn expires_at(&self) -> Option<i64> {
            self.expires
        }

        fn upgrade(from: u32, mut data: serde_json::Value) -> anyhow::Result<serde_json::Value> {
            anyhow::ensure!(from == 1, "no upgrade from {from}");
            data["count"] = data["n"].take();
            Ok(data)
        }
    }

    fn doc() -> Doc {
        Doc {
            id: "a".into(),
            count: 3,
            expires: Some(1_900_000_000),
        }
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.into())
    }

    #[test]
    fn a_new_item_carries_keys_index_keys_bookkeeping_and_data() {
        let item = new_item(&doc()).unwrap();
        assert_eq!(item["pk"], s("DOC#a"));
        assert_eq!(item["sk"], s("DOC"));
        assert_eq!(item["gsi2pk"], s("ALL"));
        assert_eq!(item["gsi2sk"], s("a"));
        assert!(
            !item.contains_key("gsi1pk"),
            "absent index keys stay absent"
        );
        assert_eq!(item[ENTITY], s("doc"));
        assert_eq!(item[SCHEMA_VERSION], number(2));
        assert_eq!(item[VERSION], number(1));
        assert_eq!(item[EXPIRES_AT], number(1_900_000_000));
        assert_eq!(item["created_at"], item[UPDATED_AT]);
        assert_eq!(decode::<Doc>(item).unwrap().doc, doc());
    }

    #[test]
    fn a_document_without_expiry_has_no_ttl_attribute() {
        let item = new_item(&Doc {
            expires: None,
            ..doc()
        })
        .unwrap();
        assert!(!item.contains_key(EXPIRES_AT));
    }

    #[test]
    fn decode_refuses_other_entities_and_newer_schemas() {
        let mut item = new_item(&doc()).unwrap();
        item.insert(ENTITY.into(), s("note"));
        assert!(decode::<Doc>(item).is_err());
        let mut item = new_item(&doc()).unwrap();
        item.insert(SCHEMA_VERSION.into(), number(3));
        let error = decode::<Doc>(item).unwrap_err().to_string();
        assert!(error.contains("newer"), "{error}");
        let mut item = new_item(&doc()).unwrap();
        item.remove(DATA);
        assert!(decode::<Doc>(item).is_err());
    }

    #[test]
    fn decode_upgrades_an_older_schema() {
        let mut item = new_item(&doc()).unwrap();
        item.insert(SCHEMA_VERSION.into(), number(1));
        item.insert(
            DATA.into(),
            attribute(&serde_json::json!({"id": "a", "n": 7})).unwrap(),
        );
        let read = decode::<Doc>(item).unwrap();
        assert_eq!(read.doc.count, 7);
        assert_eq!(read.version, 1);
    }

    /// The part of a `Doc` a reader needs.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Count {
        count: u32,
    }

    impl From<&Doc> for Count {
        fn from(doc: &Doc) -> Self {
            Self { count: doc.count }
        }
    }

    #[test]
    fn a_part_of_a_document_is_read_alone_and_checked_like_the_whole() {
        let item = new_item(&doc()).unwrap();
        assert_eq!(decode_part::<Doc, Count>(item).unwrap(), Count { count: 3 });

        let mut older = new_item(&doc()).unwrap();
        older.insert(SCHEMA_VERSION.into(), number(1));
        older.insert(
            DATA.into(),
            attribute(&serde_json::json!({"id": "a", "n": 7})).unwrap(),
        );
        assert_eq!(
            decode_part::<Doc, Count>(older).unwrap(),
            Count { count: 7 },
            "an older schema is upgraded first"
        );

        let mut other = new_item(&doc()).unwrap();
        other.insert(ENTITY.into(), s("note"));
        assert!(decode_part::<Doc, Count>(other).is_err());
        let mut newer = new_item(&doc()).unwrap();
        newer.insert(SCHEMA_VERSION.into(), number(3));
        assert!(decode_part::<Doc, Count>(newer).is_err());
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Kept {
        #[serde(with = "json_text")]
        copy: Doc,
    }

    #[test]
    fn a_value_kept_as_json_text_is_one_string_and_reads_back() {
        let kept = Kept { copy: doc() };
        let stored = attribute(&kept).unwrap();
        let AttributeValue::M(fields) = &stored else {
            panic!("{stored:?}")
        };
        assert_eq!(
            fields["copy"],
            s(r#"{"id":"a","count":3,"expires":1900000000}"#)
        );
        let read: Kept = from_attribute_value(stored).unwrap();
        assert_eq!(read, kept);
    }

    #[test]
    fn a_value_stored_as_a_tree_before_is_still_read() {
        let before = AttributeValue::M(
            [("copy".to_owned(), attribute(&doc()).unwrap())]
                .into_iter()
                .collect(),
        );
        let read: Kept = from_attribute_value(before).unwrap();
        assert_eq!(read.copy, doc());
        let broken = AttributeValue::M([("copy".to_owned(), s("{not json"))].into_iter().collect());
        let error = from_attribute_value::<Kept>(broken)
            .unwrap_err()
            .to_string();
        assert!(error.contains("key must be a string"), "{error}");
    }

    #[test]
    fn entity_of_reads_only_a_string_entity() {
        let item = new_item(&doc()).unwrap();
        assert_eq!(entity_of(&item), Some("doc"));
        assert_eq!(entity_of(&Item::from([(ENTITY.into(), number(1))])), None);
    }
}
