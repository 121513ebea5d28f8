//! Writing the index keys of documents stored before their type had them: an operator's
//! one-off after an upgrade adds an index to a type (see `infra/README.md`), never a request
//! path, so it may scan.

use super::codec::ENTITY;
use super::error::sdk_error;
use super::{Document, DocumentStore, StoreError, decode};
use aws_sdk_dynamodb::types::AttributeValue;

impl DocumentStore {
    /// Saves again every `T` stored without `gsi1pk`, which writes the index keys its type
    /// gives it now; one stored in between by a request already has them and is skipped.
    /// Returns how many were rewritten.
    pub async fn reindex<T: Document>(&self) -> Result<usize, StoreError> {
        let mut rewritten = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#entity = :entity AND attribute_not_exists(gsi1pk)")
                .expression_attribute_names("#entity", ENTITY)
                .expression_attribute_values(":entity", AttributeValue::S(T::ENTITY.into()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error(e, || format!("scanning for {} items", T::ENTITY)))?;
            for item in page.items.unwrap_or_default() {
                let stored = decode::<T>(item)?;
                match self.save(&stored.doc, stored.version).await {
                    Ok(_) => rewritten += 1,
                    Err(StoreError::VersionConflict) => {}
                    Err(e) => return Err(e),
                }
            }
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(rewritten),
            }
        }
    }
}
