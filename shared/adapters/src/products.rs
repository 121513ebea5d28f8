//! [`DynamoProductRepository`]: products as JSON documents, with a name claim item that
//! makes names unique ignoring case.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | product | `PRODUCT#<id>` | `PRODUCT` |
//! | name claim | `PRODUCT_NAME#<lowercased trimmed name>` | `PRODUCT_NAME` |
//!
//! A product, its name claim and its search entries ([`crate::search`]) are created in one
//! transaction, each conditioned on its key being free, so two concurrent creates of the same
//! name cannot both succeed and search never sees half a product.

use crate::store::{Document, DocumentStore, Key, StoreError, Write, new_item};
use domain::product::{CreateProductRefused, Product, ProductRepository};
use domain::{ProductId, Unexpected};
use serde::{Deserialize, Serialize};

pub fn product_key(id: &ProductId) -> Key {
    Key::new(format!("PRODUCT#{id}"), "PRODUCT")
}

impl Document for Product {
    const ENTITY: &'static str = "product";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        product_key(&self.id)
    }
}

/// Holds a product name: exists exactly while a product has that name.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProductNameClaim {
    name_key: String,
    product_id: ProductId,
}

impl Document for ProductNameClaim {
    const ENTITY: &'static str = "product_name";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        Key::new(format!("PRODUCT_NAME#{}", self.name_key), "PRODUCT_NAME")
    }
}

#[derive(Debug, Clone)]
pub struct DynamoProductRepository {
    store: DocumentStore,
}

impl DynamoProductRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    /// Loads products (with their name claims and search entries) in batches, for seeding
    /// and imports. Unlike [`ProductRepository::create`] it checks nothing: the caller
    /// guarantees new ids and unique names.
    pub async fn import(&self, products: &[Product]) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for product in products {
            let claim = ProductNameClaim {
                name_key: product.name_key(),
                product_id: product.id,
            };
            items.push(new_item(product)?);
            items.push(new_item(&claim)?);
            for entry in crate::search::entries_for(product) {
                items.push(new_item(&entry)?);
            }
        }
        self.store.batch_put(items).await
    }

    pub(crate) fn store(&self) -> &DocumentStore {
        &self.store
    }
}

impl ProductRepository for DynamoProductRepository {
    async fn create(&self, product: &Product) -> Result<(), CreateProductRefused> {
        let claim = ProductNameClaim {
            name_key: product.name_key(),
            product_id: product.id,
        };
        let table = self.store.table();
        let entries = crate::search::entries_for(product);
        let writes = [Write::create(product, table), Write::create(&claim, table)]
            .into_iter()
            .chain(entries.iter().map(|entry| Write::create(entry, table)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CreateProductRefused::Unexpected(e.into()))?;
        match self.store.transact(writes).await {
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
