//! The generic JSON-document repository over the single DynamoDB table.
//!
//! Every aggregate is one item:
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
//! | `data` | the aggregate's serde form as a map (serde_dynamo) |
//!
//! The keys per aggregate and access pattern are listed in `infra/README.md`.
//!
//! Only the SDK's standard retry (throttling, transient errors) retries anything; a conditional
//! failure is always a typed error for the caller to decide on.

use crate::cursor::{self, CursorScope};
use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, KeysAndAttributes, Put, PutRequest,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update, WriteRequest,
};
use domain::{Cursor, Limit, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";
const ENTITY: &str = "entity";
const SCHEMA_VERSION: &str = "schema_version";
const VERSION: &str = "version";
const CREATED_AT: &str = "created_at";
const UPDATED_AT: &str = "updated_at";
const EXPIRES_AT: &str = "expires_at";
const DATA: &str = "data";

/// A DynamoDB transaction holds at most this many writes.
pub const MAX_TRANSACTION_WRITES: usize = 100;
const MAX_BATCH_GET_KEYS: usize = 100;
const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// Rounds of `UnprocessedKeys` a batch get follows before giving up.
const MAX_BATCH_GET_ROUNDS: usize = 5;

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

    fn to_item(&self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
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

/// An item's keys in the indexes it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexKeys {
    pub gsi1: Option<Key>,
    pub gsi2: Option<Key>,
}

impl IndexKeys {
    fn get(&self, index: Index) -> Option<&Key> {
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
        Err(anyhow!(
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

/// Why one write of a cancelled transaction failed, in the order the writes were given.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `ConditionalCheckFailed`, `TransactionConflict`, ... ; `None` for a write that was fine.
    pub code: Option<String>,
    /// The item as it was, for a failed condition.
    pub item: Option<Item>,
}

impl CancellationReason {
    pub fn condition_failed(&self) -> bool {
        self.code.as_deref() == Some("ConditionalCheckFailed")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` found an item with the same key.
    #[error("an item with this key already exists")]
    AlreadyExists,
    /// `save` was given a version that is no longer the stored one; nothing was written.
    #[error("the item changed since it was read (version conflict)")]
    VersionConflict,
    /// A transaction was cancelled; nothing in it was applied.
    #[error("the transaction was cancelled: {}", describe(.0))]
    TransactionCancelled(Vec<CancellationReason>),
    /// A cursor this store did not make for this query.
    #[error("invalid cursor: {0}")]
    InvalidCursor(&'static str),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn describe(reasons: &[CancellationReason]) -> String {
    reasons
        .iter()
        .map(|r| r.code.as_deref().unwrap_or("None"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which items of a partition a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Any,
    BeginsWith(String),
    Between(String, String),
}

impl SortKey {
    pub(crate) fn admits(&self, value: &str) -> bool {
        match self {
            SortKey::Any => true,
            SortKey::BeginsWith(prefix) => value.starts_with(prefix.as_str()),
            SortKey::Between(low, high) => (low.as_str()..=high.as_str()).contains(&value),
        }
    }
}

/// A query of one partition of the table or of an index, one page at a time.
#[derive(Debug, Clone)]
pub struct Query {
    pub index: Option<Index>,
    pub partition: String,
    pub sort: SortKey,
    pub ascending: bool,
    /// A filter applied after the items are read (they still count as read).
    pub filter: Option<Condition>,
    /// Anything else that makes two queries different for their cursors (e.g. a filter the
    /// caller applies after the query).
    pub tag: String,
}

impl Query {
    pub fn table(partition: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: partition.into(),
            sort: SortKey::Any,
            ascending: true,
            filter: None,
            tag: String::new(),
        }
    }

    pub fn index(index: Index, partition: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::table(partition)
        }
    }

    pub fn sort(mut self, sort: SortKey) -> Self {
        self.sort = sort;
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        self.index.map_or((PK, SK), Index::key_attributes)
    }

    pub fn filter(mut self, filter: Condition) -> Self {
        self.filter = Some(filter);
        self
    }

    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    fn scope(&self) -> CursorScope<'_> {
        CursorScope {
            index: self.index.map_or("table", Index::name),
            partition: &self.partition,
            sort: &self.sort,
            ascending: self.ascending,
            filter: self.filter.as_ref(),
            tag: &self.tag,
        }
    }

    /// The cursor of the page that starts after `item` (an item this query read, or the
    /// `LastEvaluatedKey` of one of its calls).
    pub fn cursor_after(&self, item: &Item) -> Result<Cursor, StoreError> {
        cursor::encode(item, &self.scope(), self.index)
    }

    /// The start key a cursor of this query stands for; `InvalidCursor` for any other.
    pub fn start_key(&self, cursor: &Cursor) -> Result<Item, StoreError> {
        cursor::decode(cursor, &self.scope(), self.index)
    }
}

/// One page of documents and the cursor of the next page, `None` after the last.
#[derive(Debug)]
pub struct DocPage<T> {
    pub items: Vec<Versioned<T>>,
    pub next_cursor: Option<Cursor>,
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub struct Write(TransactWriteItem);

impl Write {
    /// Puts a new document; the transaction fails if its key exists.
    pub fn create<T: Document>(doc: &T, table: &str) -> Result<Self, StoreError> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(new_item(doc)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional put")?;
        Ok(Self(TransactWriteItem::builder().put(put).build()))
    }

    /// Saves a document read at `expected_version`; the transaction fails if it changed.
    pub fn save<T: Document>(
        doc: &T,
        expected_version: u64,
        table: &str,
    ) -> Result<Self, StoreError> {
        let parts = save_parts(doc, expected_version)?;
        let update = Update::builder()
            .table_name(table)
            .set_key(Some(doc.key().to_item()))
            .update_expression(parts.expression)
            .condition_expression(parts.condition)
            .set_expression_attribute_names(Some(parts.names))
            .set_expression_attribute_values(Some(parts.values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional update")?;
        Ok(Self(TransactWriteItem::builder().update(update).build()))
    }

    /// Deletes an item, if `condition` (when given) holds.
    pub fn delete(
        key: &Key,
        condition: Option<Condition>,
        table: &str,
    ) -> Result<Self, StoreError> {
        let mut delete = Delete::builder()
            .table_name(table)
            .set_key(Some(key.to_item()));
        if let Some(c) = condition {
            delete = delete
                .condition_expression(c.expression)
                .set_expression_attribute_names(non_empty(c.names))
                .set_expression_attribute_values(non_empty(c.values));
        }
        let delete = delete
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional delete")?;
        Ok(Self(TransactWriteItem::builder().delete(delete).build()))
    }

    /// An update expression on an item's attributes (e.g. `data.stock`), guarded by a
    /// condition. The item's `version` is raised with it, so optimistic readers notice.
    pub fn update(
        key: &Key,
        expression: &str,
        condition: Condition,
        table: &str,
    ) -> Result<Self, StoreError> {
        let (expression, condition) = bumping_version(expression, condition);
        let update = Update::builder()
            .table_name(table)
            .set_key(Some(key.to_item()))
            .update_expression(expression)
            .condition_expression(condition.expression)
            .set_expression_attribute_names(Some(condition.names))
            .set_expression_attribute_values(Some(condition.values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional update")?;
        Ok(Self(TransactWriteItem::builder().update(update).build()))
    }

    /// Fails the transaction unless `condition` holds on an item it does not write.
    pub fn check(key: &Key, condition: Condition, table: &str) -> Result<Self, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(key.to_item()))
            .condition_expression(condition.expression)
            .set_expression_attribute_names(non_empty(condition.names))
            .set_expression_attribute_values(non_empty(condition.values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a condition check")?;
        Ok(Self(
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }
}

/// A condition expression with its placeholders.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Condition {
    pub fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            ..Self::default()
        }
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.into(), attribute.into());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }
}

/// An update expression extended to raise `version` and set `updated_at`, so optimistic
/// readers notice the change, with the placeholders it needs added to `condition`.
fn bumping_version(expression: &str, condition: Condition) -> (String, Condition) {
    let condition = condition
        .name("#version", VERSION)
        .name("#updated_at", UPDATED_AT)
        .value(":one", number(1))
        .value(":updated_at", AttributeValue::S(now()));
    (
        format!("{expression}, #version = #version + :one, #updated_at = :updated_at"),
        condition,
    )
}

fn non_empty<K, V>(map: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

fn now() -> String {
    Timestamp::from(time::OffsetDateTime::now_utc()).to_string()
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn data_of<T: Document>(doc: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(doc)
        .with_context(|| format!("serializing a {}", T::ENTITY))
        .map_err(StoreError::from)
}

/// The whole item of a document written for the first time.
pub fn new_item<T: Document>(doc: &T) -> Result<Item, StoreError> {
    let now = now();
    let mut item = doc.key().to_item();
    for index in Index::ALL {
        if let Some(key) = doc.indexes().get(index) {
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

struct SaveParts {
    expression: String,
    condition: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

/// An update that rewrites everything but `created_at`, if the version is still the one read.
fn save_parts<T: Document>(doc: &T, expected_version: u64) -> Result<SaveParts, StoreError> {
    let mut names: HashMap<String, String> = [
        ("#data", DATA),
        ("#version", VERSION),
        ("#schema", SCHEMA_VERSION),
        ("#updated_at", UPDATED_AT),
        ("#entity", ENTITY),
        ("#expires_at", EXPIRES_AT),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut values = HashMap::from([
        (":data".to_owned(), data_of(doc)?),
        (":expected".to_owned(), number(expected_version)),
        (":next".to_owned(), number(expected_version + 1)),
        (":schema".to_owned(), number(T::SCHEMA_VERSION)),
        (":updated_at".to_owned(), AttributeValue::S(now())),
        (":entity".to_owned(), AttributeValue::S(T::ENTITY.into())),
    ]);
    let mut set = vec![
        "#data = :data",
        "#version = :next",
        "#schema = :schema",
        "#updated_at = :updated_at",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    let mut remove = Vec::new();
    match doc.expires_at() {
        Some(at) => {
            set.push("#expires_at = :expires_at".into());
            values.insert(":expires_at".into(), number(at));
        }
        None => remove.push("#expires_at".to_owned()),
    }
    let indexes = doc.indexes();
    for index in Index::ALL {
        let (pk, sk) = index.key_attributes();
        names.insert(format!("#{pk}"), pk.into());
        names.insert(format!("#{sk}"), sk.into());
        match indexes.get(index) {
            Some(key) => {
                set.push(format!("#{pk} = :{pk}, #{sk} = :{sk}"));
                values.insert(format!(":{pk}"), AttributeValue::S(key.pk.clone()));
                values.insert(format!(":{sk}"), AttributeValue::S(key.sk.clone()));
            }
            None => remove.push(format!("#{pk}, #{sk}")),
        }
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    Ok(SaveParts {
        expression,
        condition: "#version = :expected AND #entity = :entity".into(),
        names,
        values,
    })
}

/// The `entity` of a stored item, to tell the items of a mixed partition apart.
pub fn entity_of(item: &Item) -> Option<&str> {
    match item.get(ENTITY) {
        Some(AttributeValue::S(entity)) => Some(entity),
        _ => None,
    }
}

/// Reads a stored item back into its document, upgrading older schema versions.
pub fn decode<T: Document>(mut item: Item) -> Result<Versioned<T>, StoreError> {
    let text = |item: &Item, name: &str| -> anyhow::Result<String> {
        match item.get(name) {
            Some(AttributeValue::S(s)) => Ok(s.clone()),
            _ => Err(anyhow!("stored item has no string attribute {name}")),
        }
    };
    let integer = |item: &Item, name: &str| -> anyhow::Result<u64> {
        match item.get(name) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .with_context(|| format!("attribute {name} is not an integer")),
            _ => Err(anyhow!("stored item has no number attribute {name}")),
        }
    };
    let entity = text(&item, ENTITY)?;
    if entity != T::ENTITY {
        return Err(anyhow!("expected a {} item, found {entity}", T::ENTITY).into());
    }
    let version = integer(&item, VERSION)?;
    let schema = u32::try_from(integer(&item, SCHEMA_VERSION)?).context("schema_version")?;
    let data = item
        .remove(DATA)
        .ok_or_else(|| anyhow!("stored {entity} has no data"))?;
    let doc = if schema == T::SCHEMA_VERSION {
        serde_dynamo::aws_sdk_dynamodb_1::from_attribute_value(data)
            .with_context(|| format!("reading a stored {entity}"))?
    } else if schema < T::SCHEMA_VERSION {
        let old: serde_json::Value =
            serde_dynamo::aws_sdk_dynamodb_1::from_attribute_value(data)
                .with_context(|| format!("reading a stored {entity} of schema {schema}"))?;
        let upgraded = T::upgrade(schema, old)?;
        serde_json::from_value(upgraded)
            .with_context(|| format!("reading an upgraded {entity} of schema {schema}"))?
    } else {
        return Err(anyhow!(
            "stored {entity} has schema {schema}, newer than this code's {}",
            T::SCHEMA_VERSION
        )
        .into());
    };
    Ok(Versioned { doc, version })
}

/// The JSON-document repository: one client, one table.
#[derive(Debug, Clone)]
pub struct DocumentStore {
    client: Client,
    table: String,
}

impl DocumentStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A store on the table named by `TABLE_NAME`.
    pub fn from_env(aws: &aws_config::SdkConfig) -> Result<Self, crate::config::ConfigError> {
        let table = crate::config::required("TABLE_NAME")?;
        Ok(Self::new(Client::new(aws), table))
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Stores a new document at version 1. `AlreadyExists` when its key is taken.
    pub async fn create<T: Document + Clone>(&self, doc: &T) -> Result<Versioned<T>, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(new_item(doc)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Versioned {
                doc: doc.clone(),
                version: 1,
            }),
            Err(e) if is_condition_failure(&e, |s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("creating a {}", T::ENTITY))
                .into()),
        }
    }

    /// The document under `key`, read consistently; `None` when there is none.
    pub async fn get<T: Document>(&self, key: &Key) -> Result<Option<Versioned<T>>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await
            .with_context(|| format!("reading a {}", T::ENTITY))?;
        output.item.map(decode).transpose()
    }

    /// Saves a document read at `expected_version`. `VersionConflict`, with nothing written,
    /// when someone else saved it in between (or it is gone).
    pub async fn save<T: Document>(
        &self,
        doc: &T,
        expected_version: u64,
    ) -> Result<u64, StoreError> {
        let parts = save_parts(doc, expected_version)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(doc.key().to_item()))
            .update_expression(parts.expression)
            .condition_expression(parts.condition)
            .set_expression_attribute_names(Some(parts.names))
            .set_expression_attribute_values(Some(parts.values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(expected_version + 1),
            Err(e) if is_condition_failure(&e, |s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::VersionConflict)
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("saving a {}", T::ENTITY))
                .into()),
        }
    }

    /// The documents under `keys` that exist, in no particular order. One round trip per 100
    /// keys, plus any DynamoDB asks to be repeated (`UnprocessedKeys`).
    pub async fn batch_get<T: Document>(
        &self,
        keys: &[Key],
    ) -> Result<Vec<Versioned<T>>, StoreError> {
        self.batch_get_items(keys)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// The raw items under `keys` that exist, for partitions that mix entities.
    pub async fn batch_get_items(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_BATCH_GET_KEYS) {
            let mut pending: Vec<Item> = chunk.iter().map(Key::to_item).collect();
            let mut rounds = 0;
            while !pending.is_empty() {
                rounds += 1;
                if rounds > MAX_BATCH_GET_ROUNDS {
                    return Err(anyhow!(
                        "DynamoDB left {} keys unprocessed after {MAX_BATCH_GET_ROUNDS} rounds",
                        pending.len()
                    )
                    .into());
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .context("building a batch get")?;
                let mut output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .context("batch reading items")?;
                if let Some(items) = output
                    .responses
                    .as_mut()
                    .and_then(|r| r.remove(&self.table))
                {
                    found.extend(items);
                }
                if let Some(unprocessed) = output
                    .unprocessed_keys
                    .as_mut()
                    .and_then(|u| u.remove(&self.table))
                {
                    pending = unprocessed.keys;
                    // DynamoDB asks for a pause before the unprocessed keys are sent again.
                    tokio::time::sleep(std::time::Duration::from_millis(25 << rounds)).await;
                }
            }
        }
        Ok(found)
    }

    /// One page of a partition, in sort-key order. Reads at most `limit + 1` items: the extra
    /// one only tells whether another page follows, so `next_cursor` is `None` on the last page.
    pub async fn query<T: Document>(
        &self,
        query: &Query,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<DocPage<T>, StoreError> {
        let start = cursor.map(|c| query.start_key(c)).transpose()?;
        let page_size = usize::from(limit.get());
        let (mut items, _) = self
            .query_items(query, i32::from(limit.get()) + 1, start)
            .await
            .with_context(|| format!("querying {}s", T::ENTITY))?;
        let next_cursor = if items.len() > page_size {
            items.truncate(page_size);
            items
                .last()
                .map(|last| query.cursor_after(last))
                .transpose()?
        } else {
            None
        };
        let items = items.into_iter().map(decode).collect::<Result<_, _>>()?;
        Ok(DocPage { items, next_cursor })
    }

    /// One Query call: at most `read_limit` items are read (DynamoDB's `Limit`, counted before
    /// the filter), those passing the filter are returned with the key to continue after, if
    /// any is left.
    pub async fn query_items(
        &self,
        query: &Query,
        read_limit: i32,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let (pk_attribute, sk_attribute) = query.key_attributes();
        let mut condition = "#pk = :pk".to_owned();
        let mut values =
            HashMap::from([(":pk".to_owned(), AttributeValue::S(query.partition.clone()))]);
        let mut names = HashMap::from([("#pk".to_owned(), pk_attribute.to_owned())]);
        match &query.sort {
            SortKey::Any => {}
            SortKey::BeginsWith(prefix) => {
                condition.push_str(" AND begins_with(#sk, :prefix)");
                values.insert(":prefix".into(), AttributeValue::S(prefix.clone()));
            }
            SortKey::Between(low, high) => {
                condition.push_str(" AND #sk BETWEEN :low AND :high");
                values.insert(":low".into(), AttributeValue::S(low.clone()));
                values.insert(":high".into(), AttributeValue::S(high.clone()));
            }
        }
        if query.sort != SortKey::Any {
            names.insert("#sk".into(), sk_attribute.into());
        }
        let mut filter_expression = None;
        if let Some(filter) = &query.filter {
            filter_expression = Some(filter.expression.clone());
            names.extend(filter.names.clone());
            values.extend(filter.values.clone());
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(|i| i.name().to_owned()))
            .key_condition_expression(condition)
            .set_filter_expression(filter_expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(query.ascending)
            .limit(read_limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .with_context(|| format!("querying partition {}", query.partition))?;
        Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
    }

    /// Puts a document (at version 1, as new) if `condition` holds on what is there;
    /// `Ok(false)` when it does not.
    pub async fn put_if<T: Document>(
        &self,
        doc: &T,
        condition: Condition,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(new_item(doc)?))
            .condition_expression(condition.expression)
            .set_expression_attribute_names(non_empty(condition.names))
            .set_expression_attribute_values(non_empty(condition.values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e, |s| s.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("putting a {}", T::ENTITY))
                .into()),
        }
    }

    /// Applies an update expression (raising the version) if `condition` holds, and returns
    /// the document as it is after; `Ok(None)` when the condition does not hold.
    pub async fn update<T: Document>(
        &self,
        key: &Key,
        expression: &str,
        condition: Condition,
    ) -> Result<Option<Versioned<T>>, StoreError> {
        let (expression, condition) = bumping_version(expression, condition);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(expression)
            .condition_expression(condition.expression)
            .set_expression_attribute_names(Some(condition.names))
            .set_expression_attribute_values(Some(condition.values))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output
                .attributes
                .map(decode)
                .transpose()?
                .map(Some)
                .ok_or_else(|| anyhow!("an update returned no item").into()),
            Err(e) if is_condition_failure(&e, |s| s.is_conditional_check_failed_exception()) => {
                Ok(None)
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context(format!("updating a {}", T::ENTITY))
                .into()),
        }
    }

    /// Deletes the item under `key` if it is still at `expected_version`; `VersionConflict`
    /// otherwise (also when it is gone).
    pub async fn delete(&self, key: &Key, expected_version: u64) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":expected", number(expected_version))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e, |s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::VersionConflict)
            }
            Err(e) => Err(anyhow::Error::new(e).context("deleting an item").into()),
        }
    }

    /// Deletes items unconditionally, 25 to a call (BatchWriteItem).
    pub async fn batch_delete(&self, keys: &[Key]) -> Result<(), StoreError> {
        let requests = keys
            .iter()
            .map(|key| {
                Ok(WriteRequest::builder()
                    .delete_request(
                        DeleteRequest::builder()
                            .set_key(Some(key.to_item()))
                            .build()?,
                    )
                    .build())
            })
            .collect::<Result<Vec<_>, aws_sdk_dynamodb::error::BuildError>>()
            .context("building a batch delete")?;
        self.batch_write(requests).await
    }

    /// Writes documents' items with BatchWriteItem, 25 to a call, without conditions: for
    /// loading data (seeding, imports), never for a request path, where `create` and
    /// `transact` keep their guarantees.
    pub async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let requests = items
            .into_iter()
            .map(|item| {
                Ok(WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                    .build())
            })
            .collect::<Result<Vec<_>, aws_sdk_dynamodb::error::BuildError>>()
            .context("building a batch write")?;
        self.batch_write(requests).await
    }

    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(MAX_BATCH_WRITE_ITEMS) {
            let mut pending: Vec<WriteRequest> = chunk.to_vec();
            for round in 1.. {
                if pending.is_empty() {
                    break;
                }
                if round > MAX_BATCH_GET_ROUNDS {
                    return Err(
                        anyhow!("DynamoDB left {} writes unprocessed", pending.len()).into(),
                    );
                }
                let mut output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .context("batch writing items")?;
                if let Some(left) = output
                    .unprocessed_items
                    .as_mut()
                    .and_then(|u| u.remove(&self.table))
                {
                    pending = left;
                    tokio::time::sleep(std::time::Duration::from_millis(25 << round)).await;
                }
            }
        }
        Ok(())
    }

    /// Applies all the writes or none. `TransactionCancelled` carries one reason per write, in
    /// order, with the old item of each failed condition.
    pub async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        if writes.len() > MAX_TRANSACTION_WRITES {
            return Err(anyhow!(
                "a transaction holds at most {MAX_TRANSACTION_WRITES} writes, not {}",
                writes.len()
            )
            .into());
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes.into_iter().map(|w| w.0).collect()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service))
                if service.err().is_transaction_canceled_exception() =>
            {
                let reasons = match service.into_err() {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e) => e
                        .cancellation_reasons
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| CancellationReason {
                            code: r.code.filter(|c| c != "None"),
                            item: r.item,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                Err(StoreError::TransactionCancelled(reasons))
            }
            Err(e) => Err(anyhow::Error::new(e)
                .context("writing a transaction")
                .into()),
        }
    }
}

fn is_condition_failure<E, R>(error: &SdkError<E, R>, is_condition: impl Fn(&E) -> bool) -> bool {
    error.as_service_error().is_some_and(is_condition)
}
