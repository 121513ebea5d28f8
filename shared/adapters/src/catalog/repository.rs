//! [`DynamoProductRepository`]: products as JSON documents, with a name claim item that
//! makes names unique ignoring case.
//!
//! A product, its name claim and its search entries ([`super::search_index`]) are created in
//! one transaction, each conditioned on its key being free, so two concurrent creates of the
//! same name cannot both succeed and search never sees half a product.

use super::keys::{ProductNameClaim, product_key};
use super::search_index::entries_for;
use crate::store::{ClientToken, DocumentStore, StoreError, Write, new_item};
use domain::catalog::{CreateProductRefused, Product, ProductRepository};
use domain::{ProductId, Unexpected};

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
    /// and imports. Unlike [`ProductRepository::create`] it checks nothing: the caller
    /// guarantees new ids and unique names.
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

impl ProductRepository for DynamoProductRepository {
    async fn create(&self, product: &Product) -> Result<(), CreateProductRefused> {
        let table = self.store.table();
        let claim = ProductNameClaim::of(product);
        let entries = entries_for(product);
        let writes = [Write::create(product, table), Write::create(&claim, table)]
            .into_iter()
            .chain(entries.iter().map(|entry| Write::create(entry, table)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CreateProductRefused::Unexpected(e.into()))?;
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
}
