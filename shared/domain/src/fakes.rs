//! In-memory implementations of the ports, for unit tests of the domain only. Adapters and
//! functions are tested against a real AWS-protocol server instead.

use crate::product::{CreateProductRefused, Product, ProductRepository};
use crate::{Clock, ProductId, Timestamp, Unexpected};
use std::collections::HashMap;
use std::sync::Mutex;

/// A clock that says what the test tells it.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// Panics on a malformed time: test input only.
    pub fn at(rfc3339: &str) -> Self {
        Self(Mutex::new(
            Timestamp::parse(rfc3339).expect("a valid RFC 3339 time"),
        ))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Products in a map, with the same uniqueness rule as the real repository.
#[derive(Debug, Default)]
pub struct InMemoryProducts {
    products: Mutex<HashMap<ProductId, Product>>,
}

impl InMemoryProducts {
    pub fn is_empty(&self) -> bool {
        self.products
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }
}

impl ProductRepository for InMemoryProducts {
    async fn create(&self, product: &Product) -> Result<(), CreateProductRefused> {
        let mut products = self.products.lock().unwrap_or_else(|e| e.into_inner());
        if products
            .values()
            .any(|p| p.name_key() == product.name_key())
        {
            return Err(CreateProductRefused::DuplicateName);
        }
        products.insert(product.id, product.clone());
        Ok(())
    }

    async fn get(&self, id: &ProductId) -> Result<Option<Product>, Unexpected> {
        Ok(self
            .products
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned())
    }
}
