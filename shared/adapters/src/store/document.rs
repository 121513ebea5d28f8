//! How an aggregate becomes an item: its key, the indexes it is listed in, its entity name and
//! schema version.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A stored item, attribute by attribute.
pub type Item = HashMap<String, AttributeValue>;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";

/// An item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    pub fn to_item(&self) -> Item {
        self.clone().into_item()
    }

    pub fn into_item(self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk)),
            (SK.to_owned(), AttributeValue::S(self.sk)),
        ])
    }
}

/// The table's global secondary indexes, each keyed by two string attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    pub const ALL: [Index; 2] = [Index::Gsi1, Index::Gsi2];

    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1",
            Index::Gsi2 => "gsi2",
        }
    }

    pub(crate) fn key_attributes(self) -> (&'static str, &'static str) {
        match self {
            Index::Gsi1 => ("gsi1pk", "gsi1sk"),
            Index::Gsi2 => ("gsi2pk", "gsi2sk"),
        }
    }
}

/// The key attributes of the table (`None`) or of an index.
pub(crate) fn key_attributes(index: Option<Index>) -> (&'static str, &'static str) {
    index.map_or((PK, SK), Index::key_attributes)
}

/// An item's keys in the indexes it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexKeys {
    pub gsi1: Option<Key>,
    pub gsi2: Option<Key>,
}

impl IndexKeys {
    pub(crate) fn get(&self, index: Index) -> Option<&Key> {
        match index {
            Index::Gsi1 => self.gsi1.as_ref(),
            Index::Gsi2 => self.gsi2.as_ref(),
        }
    }
}

/// How an aggregate is keyed, indexed and versioned in the table.
pub trait Document: Serialize + DeserializeOwned + Send + Sync {
    /// Stored in `entity`; an item of another entity is never read as this one.
    const ENTITY: &'static str;
    /// The current shape of `data`. Raise it when the shape changes and teach
    /// [`Document::upgrade`] to read the old one.
    const SCHEMA_VERSION: u32;

    fn key(&self) -> Key;

    fn indexes(&self) -> IndexKeys {
        IndexKeys::default()
    }

    /// When DynamoDB's TTL may delete the item (epoch seconds); `None` keeps it.
    fn expires_at(&self) -> Option<i64> {
        None
    }

    /// Rewrites `data` stored at schema version `from` into the current shape.
    fn upgrade(from: u32, data: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let _ = data;
        Err(anyhow::anyhow!(
            "{} has no upgrade from schema version {from}",
            Self::ENTITY
        ))
    }
}

/// A document with the version it was read or written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub doc: T,
    pub version: u64,
}

impl<T> Versioned<T> {
    /// The document and its version, as the domain's ports hand them over.
    pub fn into_pair(self) -> (T, u64) {
        (self.doc, self.version)
    }
}
