//! The generic JSON-document repository over the single DynamoDB table: every aggregate is
//! one item ([`codec`] says which attributes), keyed as its [`Document`] impl says.
//!
//! The keys per aggregate and access pattern are listed in `infra/README.md`.
//!
//! Only the SDK's standard retry (throttling, transient errors) retries anything; a conditional
//! failure is always a typed error (or `None`/`false`) for the caller to decide on.

mod batch;
pub mod codec;
mod document;
mod error;
mod query;
mod reader;
mod reindex;
mod write;
mod writer;

pub use codec::{attribute, decode, decode_part, entity_of, new_item};
pub(crate) use document::SK;
pub use document::{Document, Index, IndexKeys, Item, Key, Versioned};
pub use error::{CancellationReason, StoreError};
pub use query::{DocPage, Query, SortKey};
pub use write::{ClientToken, Condition, Update, Write};

use anyhow::anyhow;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use codec::{VERSION, new_item as item_of, number};
use domain::{Cursor, Limit};
use error::{sdk_error, transaction_error, unless_condition_failed};

/// A DynamoDB transaction holds at most this many writes.
pub const MAX_TRANSACTION_WRITES: usize = 100;
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

    /// Stores a new document at version 1. `AlreadyExists` when its key is taken.
    ///
    /// When the SDK retries a create whose reply was lost after DynamoDB stored it, the retry
    /// finds the item there: an item holding exactly this document at version 1 is taken as
    /// this create's own, and answered as the success it was.
    pub async fn create<T: Document + Clone>(&self, doc: &T) -> Result<Versioned<T>, StoreError> {
        self.create_with(doc, Item::new()).await
    }

    /// [`DocumentStore::create`], with attributes of the store's own beside the document
    /// (counters an update keeps apart from `data`).
    pub async fn create_with<T: Document + Clone>(
        &self,
        doc: &T,
        extra: Item,
    ) -> Result<Versioned<T>, StoreError> {
        let mut item = item_of(doc)?;
        item.extend(extra);
        let data = item.get(codec::DATA).cloned();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let created = Versioned {
            doc: doc.clone(),
            version: 1,
        };
        match result {
            Ok(_) => Ok(created),
            Err(SdkError::ServiceError(failure))
                if failure.err().is_conditional_check_failed_exception() =>
            {
                let PutItemError::ConditionalCheckFailedException(found) = failure.into_err()
                else {
                    return Err(StoreError::AlreadyExists);
                };
                let ours = found.item.as_ref().is_some_and(|existing| {
                    existing.get(codec::DATA) == data.as_ref()
                        && existing.get(VERSION) == Some(&number(1))
                });
                if ours {
                    Ok(created)
                } else {
                    Err(StoreError::AlreadyExists)
                }
            }
            Err(e) => Err(sdk_error(e, || format!("creating a {}", T::ENTITY))),
        }
    }

    /// The raw item under `key`, read consistently, for what the store keeps beside a
    /// document; `None` when there is none.
    pub async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error(e, || format!("reading {}", key.pk)))?;
        Ok(output.item)
    }

    /// The document under `key`, read consistently; `None` when there is none.
    pub async fn get<T: Document>(&self, key: &Key) -> Result<Option<Versioned<T>>, StoreError> {
        self.get_item(key).await?.map(decode).transpose()
    }

    /// Saves a document read at `expected_version`. `VersionConflict`, with nothing written,
    /// when someone else saved it in between (or it is gone).
    pub async fn save<T: Document>(
        &self,
        doc: &T,
        expected_version: u64,
    ) -> Result<u64, StoreError> {
        match self
            .apply(Update::save(doc, expected_version)?, false)
            .await?
        {
            Some(_) => Ok(expected_version + 1),
            None => Err(StoreError::VersionConflict),
        }
    }

    /// Applies an update if its condition holds, and returns the document as it is after;
    /// `Ok(None)` when the condition does not hold.
    pub async fn update<T: Document>(
        &self,
        update: Update,
    ) -> Result<Option<Versioned<T>>, StoreError> {
        let Some(item) = self.apply(update, true).await? else {
            return Ok(None);
        };
        let item = item.ok_or_else(|| anyhow!("an update of a {} returned no item", T::ENTITY))?;
        decode(item).map(Some)
    }

    /// Applies an update to attributes beside the document (counters), returning the updated
    /// attributes; when its condition fails, `Err` with the item as it was (`None`: no item).
    pub async fn update_attributes(
        &self,
        update: Update,
    ) -> Result<Result<Item, Option<Item>>, StoreError> {
        Ok(self
            .update_item(update, Some(ReturnValue::UpdatedNew))
            .await?
            .map(Option::unwrap_or_default))
    }

    /// One UpdateItem: `None` when its condition failed, else the item after it (when asked).
    async fn apply(
        &self,
        update: Update,
        return_item: bool,
    ) -> Result<Option<Option<Item>>, StoreError> {
        let returns = return_item.then_some(ReturnValue::AllNew);
        Ok(self.update_item(update, returns).await?.ok())
    }

    /// One UpdateItem returning `returns`; when its condition fails, `Err` with the item as it
    /// was (`None`: no item), which DynamoDB returns at no extra cost.
    async fn update_item(
        &self,
        update: Update,
        returns: Option<ReturnValue>,
    ) -> Result<Result<Option<Item>, Option<Item>>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(update.key.to_item()))
            .update_expression(update.expression)
            .condition_expression(update.condition.expression)
            .set_expression_attribute_names(Some(update.condition.names))
            .set_expression_attribute_values(non_empty(update.condition.values))
            .set_return_values(returns)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Ok(output.attributes)),
            Err(SdkError::ServiceError(failure))
                if failure.err().is_conditional_check_failed_exception() =>
            {
                match failure.into_err() {
                    UpdateItemError::ConditionalCheckFailedException(found) => Ok(Err(found.item)),
                    _ => Ok(Err(None)),
                }
            }
            Err(e) => Err(sdk_error(e, || format!("updating {}", update.key.pk))),
        }
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
            .await?;
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
        let expression = query.expression();
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(|i| i.name().to_owned()))
            .key_condition_expression(expression.key_condition)
            .set_filter_expression(expression.filter)
            .set_projection_expression(expression.projection)
            .set_expression_attribute_names(Some(expression.names))
            .set_expression_attribute_values(Some(expression.values))
            .scan_index_forward(query.ascending)
            .limit(read_limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| sdk_error(e, || format!("querying partition {}", query.partition)))?;
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
            .set_item(Some(item_of(doc)?))
            .condition_expression(condition.expression)
            .set_expression_attribute_names(non_empty(condition.names))
            .set_expression_attribute_values(non_empty(condition.values))
            .send()
            .await;
        Ok(unless_condition_failed(result, || format!("putting a {}", T::ENTITY))?.is_some())
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
        unless_condition_failed(result, || format!("deleting {}", key.pk))?
            .map(drop)
            .ok_or(StoreError::VersionConflict)
    }

    /// Deletes the item under `key`, if there is one.
    pub async fn remove(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .send()
            .await
            .map(drop)
            .map_err(|e| sdk_error(e, || format!("deleting {}", key.pk)))
    }

    /// Applies all the writes `writes` builds, or none. `TransactionCancelled` carries one
    /// reason per write, in order, with the old item of each failed condition. A transaction
    /// cancelled only for conflicting with others (or throttled) is tried again with backoff,
    /// then `Busy`. The writes are built again for each attempt rather than kept and cloned:
    /// a retry is rare, and a copy of every write (an order's lines, thrice) is not.
    ///
    /// `token` is DynamoDB's `ClientRequestToken`: when the SDK retries a transaction whose
    /// reply was lost after DynamoDB committed it, the retry is answered as the success it was
    /// instead of being cancelled by its own writes. Each attempt after a cancellation sends
    /// a token of its own ([`ClientToken::for_attempt`]).
    pub async fn transact(
        &self,
        writes: impl Fn() -> Result<Vec<Write>, StoreError>,
        token: &ClientToken,
    ) -> Result<(), StoreError> {
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let writes = writes()?;
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
                .client_request_token(token.for_attempt(attempt))
                .send()
                .await
                .map(drop)
                .map_err(transaction_error);
            match result {
                Err(StoreError::TransactionCancelled(reasons))
                    if reasons.iter().all(CancellationReason::transient) =>
                {
                    if attempt == TRANSACTION_ATTEMPTS {
                        return Err(StoreError::Busy {
                            what: format!(
                                "a transaction conflicted with others {TRANSACTION_ATTEMPTS} times"
                            ),
                            cause: None,
                        });
                    }
                    tokio::time::sleep(crate::backoff::pause(attempt)).await;
                }
                other => return other,
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// Attempts of a transaction that DynamoDB cancels only for conflicts with other
/// transactions.
const TRANSACTION_ATTEMPTS: u32 = 4;

fn non_empty<K, V>(
    map: std::collections::HashMap<K, V>,
) -> Option<std::collections::HashMap<K, V>> {
    (!map.is_empty()).then_some(map)
}
