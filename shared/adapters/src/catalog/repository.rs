//! [`DynamoProductRepository`]: products as JSON documents, with a name claim item that
//! makes names unique ignoring case.
//!
//! A product, its name claim, its search entries ([`super::search_index`]) and its event
//! (the outbox) are created in one transaction, each conditioned on its key being free, so
//! two concurrent creates of the same name cannot both succeed and search never sees half a
//! product.
//!
//! # An update
//!
//! Its product, claims, entries and event must change together, and a transaction holds at
//! most 100 writes while a product has up to 92 entries, old and new. So the entries under
//! new keys (a new price, new words) are put first, on their own: the search checks every
//! entry against its product and skips one that does not say what the product is, so they
//! show nothing yet. Then one transaction writes the product (its own fields only: the stock
//! orders take is left alone unless the change is to the stock, and then it is applied only
//! over the stock it was judged on), frees the old name and claims the new one, rewrites the
//! entries whose keys stay but whose words or category changed, deletes those whose keys
//! went, and stores the event. If that
//! transaction fails, the entries put first are removed again (they were never shown).

use super::keys::{ProductNameClaim, product_key};
use super::search_index::{SearchEntry, entries_for};
use crate::outbox::OutboxRecord;
use crate::store::{
    ClientToken, Condition, Document, DocumentStore, Key, StoreError, Update, Write, attribute,
    new_item,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::catalog::{
    CreateProductRefused, Product, ProductEvent, ProductRepository, UpdateOutcome,
};
use domain::{Causes, ProductId, Unexpected};
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub struct DynamoProductRepository {
    store: DocumentStore,
}

impl DynamoProductRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    pub(crate) fn outbox(&self) -> crate::outbox::DynamoOutbox {
        crate::outbox::DynamoOutbox::new(self.store.clone())
    }

    /// Loads products (with their name claims and search entries) in batches, for seeding
    /// and imports. Unlike [`ProductRepository::create`] it checks nothing and publishes
    /// nothing: the caller guarantees new ids and unique names.
    pub async fn import(&self, products: &[Product]) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for product in products {
            items.push(new_item(product)?);
            items.push(new_item(&ProductNameClaim::of(product))?);
            for entry in entries_for(product) {
                items.push(new_item(&entry)?);
            }
        }
        self.store.batch_put(items).await
    }
}

crate::outbox::outbox_of!(DynamoProductRepository);

/// The write of a product's own fields, over the version it was read at (and over the stock
/// it was judged on, when the stock changes).
fn product_update(before: &Product, after: &Product) -> Result<Update, StoreError> {
    let mut expression = "SET #data.#name = :name, #data.#description = :description, #data.#category = :category, #data.#price = :price, #data.#active = :active, #data.#pversion = :new_version, #data.#updated_at = :product_updated_at".to_owned();
    let version_check = if before.version() == 1 {
        "(attribute_not_exists(#data.#pversion) OR #data.#pversion = :old_version)"
    } else {
        "#data.#pversion = :old_version"
    };
    let mut condition = format!("attribute_exists(pk) AND {version_check}");
    let mut values = Condition::default()
        .name("#data", "data")
        .name("#name", "name")
        .name("#description", "description")
        .name("#category", "category")
        .name("#price", "price")
        .name("#active", "active")
        .name("#pversion", "version")
        .value(":name", attribute(after.name())?)
        .value(":description", attribute(after.description())?)
        .value(":category", attribute(after.category())?)
        .value(":price", attribute(&after.price())?)
        .value(":active", attribute(&after.is_active())?)
        .value(":new_version", attribute(&after.version())?)
        .value(":old_version", attribute(&before.version())?)
        .value(":product_updated_at", attribute(&after.updated_at())?);
    if after.stock() != before.stock() {
        expression.push_str(", #data.#stock = :new_stock");
        condition.push_str(" AND #data.#stock = :old_stock");
        values = values
            .name("#stock", "stock")
            .value(":new_stock", attribute(&after.stock())?)
            .value(":old_stock", attribute(&before.stock())?);
    }
    values.expression = condition;
    Ok(Update::new(product_key(&after.id()), &expression, values))
}

impl ProductRepository for DynamoProductRepository {
    async fn create(
        &self,
        product: &Product,
        event: &ProductEvent,
    ) -> Result<(), CreateProductRefused> {
        let table = self.store.table();
        let claim = ProductNameClaim::of(product);
        let entries = entries_for(product);
        let outbox = OutboxRecord::new(event.clone());
        let writes = || {
            [Write::create(product, table), Write::create(&claim, table)]
                .into_iter()
                .chain(entries.iter().map(|entry| Write::create(entry, table)))
                .chain([Write::create(&outbox, table)])
                .collect()
        };
        let token = ClientToken::of(&["create-product", &product.id().to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.get(1).is_some_and(|r| r.condition_failed()) =>
            {
                Err(CreateProductRefused::DuplicateName)
            }
            Err(e) => Err(CreateProductRefused::Unexpected(e.into())),
        }
    }

    async fn get(&self, id: &ProductId) -> Result<Option<Product>, Unexpected> {
        Ok(self
            .store
            .get::<Product>(&product_key(id))
            .await?
            .map(|v| v.doc))
    }

    async fn update(
        &self,
        before: &Product,
        after: &Product,
        event: &ProductEvent,
    ) -> Result<UpdateOutcome, Unexpected> {
        let table = self.store.table();
        let old = entries_for(before);
        let new = entries_for(after);
        let old_keys: HashSet<Key> = old.iter().map(SearchEntry::key).collect();
        let new_keys: HashSet<Key> = new.iter().map(SearchEntry::key).collect();
        let (kept, fresh): (Vec<&SearchEntry>, Vec<&SearchEntry>) =
            new.iter().partition(|e| old_keys.contains(&e.key()));
        // An entry that says the same as before (a stock change, say) is not written again.
        let changed: Vec<&SearchEntry> = kept.into_iter().filter(|e| !old.contains(e)).collect();
        let fresh_items = fresh
            .iter()
            .map(|e| new_item(*e))
            .collect::<Result<Vec<_>, _>>()?;
        self.store.batch_put(fresh_items).await?;

        let renamed = before.name_key() != after.name_key();
        let outbox = OutboxRecord::new(event.clone());
        let writes = || {
            let mut writes = vec![Write::update(product_update(before, after)?, table)?];
            if renamed {
                let old_claim = ProductNameClaim::of(before);
                writes.push(Write::delete(
                    &old_claim.key(),
                    Condition::new("#data.#product_id = :id")
                        .name("#data", "data")
                        .name("#product_id", "product_id")
                        .value(":id", AttributeValue::S(before.id().to_string())),
                    table,
                )?);
                writes.push(Write::create(&ProductNameClaim::of(after), table)?);
            }
            for entry in &changed {
                writes.push(Write::update(
                    Update::new(
                        entry.key(),
                        "SET #data = :data",
                        Condition::new("attribute_exists(pk)")
                            .name("#data", "data")
                            .value(":data", attribute(*entry)?),
                    ),
                    table,
                )?);
            }
            for entry in old.iter().filter(|e| !new_keys.contains(&e.key())) {
                writes.push(Write::delete(&entry.key(), Condition::default(), table)?);
            }
            writes.push(Write::create(&outbox, table)?);
            Ok(writes)
        };
        let token = ClientToken::of(&[
            "update-product",
            &after.id().to_string(),
            &after.version().to_string(),
        ]);
        let outcome = match self.store.transact(writes, &token).await {
            Ok(()) => return Ok(UpdateOutcome::Updated),
            Err(StoreError::TransactionCancelled(reasons)) => {
                let failed = |i: usize| reasons.get(i).is_some_and(|r| r.condition_failed());
                if failed(0) {
                    Ok(UpdateOutcome::Moved)
                } else if renamed && failed(2) {
                    Ok(UpdateOutcome::DuplicateName)
                } else {
                    Err(StoreError::TransactionCancelled(reasons))
                }
            }
            Err(e) => Err(e),
        };
        // Nothing changed: the entries put first go again (they never matched the product).
        let fresh_keys: Vec<Key> = fresh.iter().map(|e| e.key()).collect();
        if let Err(e) = self.store.batch_delete(&fresh_keys).await {
            tracing::warn!(
                product_id = %after.id(),
                error = %Causes(&e),
                "entries of a failed product change were left; search skips them"
            );
        }
        Ok(outcome?)
    }
}
