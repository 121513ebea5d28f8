//! Batch reads and writes: up to 100 keys or 25 writes a call, following what DynamoDB
//! leaves unprocessed for a few rounds with a pause between them.

use super::error::sdk_error;
use super::{Document, DocumentStore, Item, Key, StoreError, Versioned, decode};
use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const MAX_BATCH_GET_KEYS: usize = 100;
const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// Rounds of unprocessed keys or writes a batch follows before giving up.
const MAX_BATCH_ROUNDS: u32 = 5;

/// The pause DynamoDB asks for before unprocessed keys or writes are sent again.
fn batch_pause(round: u32) -> Duration {
    Duration::from_millis(25 << round)
}

impl DocumentStore {
    /// The documents under `keys` that exist, in no particular order. One round trip per 100
    /// keys, plus any DynamoDB asks to be repeated (`UnprocessedKeys`).
    pub async fn batch_get<T: Document>(
        &self,
        keys: &[Key],
    ) -> Result<Vec<Versioned<T>>, StoreError> {
        self.batch_get_items(keys, &[])
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// The raw items under `keys` that exist, for partitions that mix entities, with only the
    /// attributes at `paths` (`data.name`) unless it is empty. A key named twice is read once:
    /// DynamoDB refuses a batch that repeats a key.
    pub async fn batch_get_items(
        &self,
        keys: &[Key],
        paths: &[&str],
    ) -> Result<Vec<Item>, StoreError> {
        let mut names = HashMap::new();
        let projection = (!paths.is_empty()).then(|| super::query::projection(paths, &mut names));
        let mut seen = HashSet::with_capacity(keys.len());
        let keys: Vec<&Key> = keys.iter().filter(|key| seen.insert(*key)).collect();
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_BATCH_GET_KEYS) {
            let mut pending: Vec<Item> = chunk.iter().map(|key| key.to_item()).collect();
            for round in 1.. {
                if pending.is_empty() {
                    break;
                }
                if round > MAX_BATCH_ROUNDS {
                    return Err(anyhow!(
                        "DynamoDB left {} keys unprocessed after {MAX_BATCH_ROUNDS} rounds",
                        pending.len()
                    )
                    .into());
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .set_projection_expression(projection.clone())
                    .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                    .consistent_read(true)
                    .build()
                    .context("building a batch get")?;
                let mut output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| sdk_error(e, || "batch reading items".to_owned()))?;
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
                    tokio::time::sleep(batch_pause(round)).await;
                }
            }
        }
        Ok(found)
    }

    /// Deletes items unconditionally, 25 to a call (BatchWriteItem).
    pub async fn batch_delete(&self, keys: &[Key]) -> Result<(), StoreError> {
        let requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key.to_item()))
                    .build()?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, aws_sdk_dynamodb::error::BuildError>>()
            .context("building a batch delete")?;
        self.batch_write(requests).await
    }

    /// Writes items with BatchWriteItem, 25 to a call, without conditions: for loading data
    /// (seeding, imports) and for items that are meant to be overwritten (a series' ring of
    /// points); where a write must not overwrite, `create` and `transact` keep their
    /// guarantees.
    pub async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let requests = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item)).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
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
                if round > MAX_BATCH_ROUNDS {
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
                    .map_err(|e| sdk_error(e, || "batch writing items".to_owned()))?;
                if let Some(left) = output
                    .unprocessed_items
                    .as_mut()
                    .and_then(|u| u.remove(&self.table))
                {
                    pending = left;
                    tokio::time::sleep(batch_pause(round)).await;
                }
            }
        }
        Ok(())
    }
}
