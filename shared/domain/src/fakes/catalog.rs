use super::support::{Broken, broken, lock};
use crate::catalog::{
    CreateProductRefused, Product, ProductRepository, ProductSearch, SearchCriteria, SearchFailed,
    search,
};
use crate::order::ProductReader;
use crate::{Cursor, Page, ProductId, Unexpected};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Products in a map, with the same uniqueness rule as the real repository. Its search
/// matches the contract's words rule over every active product, by id; its cursor is the last
/// id returned.
#[derive(Debug, Default)]
pub struct InMemoryProducts {
    products: Mutex<BTreeMap<ProductId, Product>>,
}

impl InMemoryProducts {
    pub fn is_empty(&self) -> bool {
        lock(&self.products).is_empty()
    }

    pub(crate) fn products_mut(&self) -> std::sync::MutexGuard<'_, BTreeMap<ProductId, Product>> {
        lock(&self.products)
    }
}

impl ProductRepository for InMemoryProducts {
    async fn create(&self, product: &Product) -> Result<(), CreateProductRefused> {
        let mut products = lock(&self.products);
        if products
            .values()
            .any(|p| p.name_key() == product.name_key())
        {
            return Err(CreateProductRefused::DuplicateName);
        }
        products.insert(product.id(), product.clone());
        Ok(())
    }

    async fn get(&self, id: &ProductId) -> Result<Option<Product>, Unexpected> {
        Ok(lock(&self.products).get(id).cloned())
    }
}

impl ProductReader for InMemoryProducts {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, Unexpected> {
        let products = lock(&self.products);
        Ok(ids
            .iter()
            .filter_map(|id| products.get(id).cloned())
            .collect())
    }
}

impl ProductSearch for InMemoryProducts {
    async fn search(&self, criteria: &SearchCriteria) -> Result<Page<Product>, SearchFailed> {
        let after = match &criteria.cursor {
            None => None,
            Some(cursor) => {
                Some(ProductId::parse(cursor.as_str()).map_err(|_| SearchFailed::InvalidCursor)?)
            }
        };
        let page_size = usize::from(criteria.limit.get());
        let mut items: Vec<Product> = lock(&self.products)
            .values()
            .filter(|p| after.is_none_or(|after| p.id() > after))
            .filter(|p| p.is_active())
            .filter(|p| search::matches(&criteria.words, &search::product_words(p)))
            .take(page_size + 1)
            .cloned()
            .collect();
        let next_cursor = (items.len() > page_size).then(|| {
            items.truncate(page_size);
            Cursor::new(items[page_size - 1].id().to_string())
        });
        Ok(Page { items, next_cursor })
    }
}

impl ProductRepository for Broken {
    async fn create(&self, _: &Product) -> Result<(), CreateProductRefused> {
        Err(CreateProductRefused::Unexpected(broken()))
    }

    async fn get(&self, _: &ProductId) -> Result<Option<Product>, Unexpected> {
        Err(broken())
    }
}

impl ProductSearch for Broken {
    async fn search(&self, _: &SearchCriteria) -> Result<Page<Product>, SearchFailed> {
        Err(SearchFailed::Unexpected(broken()))
    }
}
