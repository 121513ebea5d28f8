use super::support::{Broken, OutboxEntry, broken, lock};
use crate::catalog::{
    CreateProductRefused, Offer, Product, ProductEvent, ProductRepository, ProductSearch,
    SearchCriteria, SearchFailed, UpdateOutcome, search,
};
use crate::events::{DomainEvent, Outbox, PendingEvent};
use crate::order::ProductReader;
use crate::{Cursor as PageCursor, Limit};
use crate::{Cursor, Page, ProductId, Unexpected};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Products in a map, with the same uniqueness rule as the real repository. Its search
/// matches the contract's words rule over every active product, by id; its cursor is the last
/// id returned.
#[derive(Debug, Default)]
pub struct InMemoryProducts {
    products: Mutex<BTreeMap<ProductId, Product>>,
    outbox: Mutex<Vec<OutboxEntry>>,
    /// Orders' stock taken right before the next update lands (as a race would).
    race: Mutex<Option<u32>>,
}

impl InMemoryProducts {
    pub fn is_empty(&self) -> bool {
        lock(&self.products).is_empty()
    }

    /// The next update finds `units` taken by an order since it read the product.
    pub fn take_before_next_update(&self, units: u32) {
        *lock(&self.race) = Some(units);
    }

    /// Events stored with the products' changes and not yet published.
    pub fn outbox(&self) -> Vec<DomainEvent> {
        lock(&self.outbox).iter().map(OutboxEntry::event).collect()
    }

    pub(crate) fn products_mut(&self) -> std::sync::MutexGuard<'_, BTreeMap<ProductId, Product>> {
        lock(&self.products)
    }
}

impl ProductRepository for InMemoryProducts {
    async fn create(
        &self,
        product: &Product,
        event: &ProductEvent,
    ) -> Result<(), CreateProductRefused> {
        let mut products = lock(&self.products);
        if products
            .values()
            .any(|p| p.name_key() == product.name_key())
        {
            return Err(CreateProductRefused::DuplicateName);
        }
        products.insert(product.id(), product.clone());
        lock(&self.outbox).push(OutboxEntry::new(event.clone()));
        Ok(())
    }

    async fn update(
        &self,
        before: &Product,
        after: &Product,
        event: &ProductEvent,
    ) -> Result<UpdateOutcome, Unexpected> {
        let mut products = lock(&self.products);
        if let Some(units) = lock(&self.race).take()
            && let Some(stored) = products.get_mut(&before.id())
        {
            stored.change_stock(units, 0);
        }
        let Some(stored) = products.get(&before.id()) else {
            return Ok(UpdateOutcome::Moved);
        };
        let stock_changes = after.stock() != before.stock();
        if stored.version() != before.version()
            || (stock_changes && stored.stock() != before.stock())
        {
            return Ok(UpdateOutcome::Moved);
        }
        if products
            .values()
            .any(|p| p.id() != after.id() && p.name_key() == after.name_key())
        {
            return Ok(UpdateOutcome::DuplicateName);
        }
        let mut stored_after = after.clone();
        if !stock_changes {
            // Orders' stock since the read stays.
            stored_after.keep_stock_of(stored);
        }
        products.insert(after.id(), stored_after);
        lock(&self.outbox).push(OutboxEntry::new(event.clone()));
        Ok(UpdateOutcome::Updated)
    }

    async fn get(&self, id: &ProductId) -> Result<Option<Product>, Unexpected> {
        Ok(lock(&self.products).get(id).cloned())
    }
}

impl ProductReader for InMemoryProducts {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Offer>, Unexpected> {
        let products = lock(&self.products);
        Ok(ids
            .iter()
            .filter_map(|id| products.get(id).map(Offer::from))
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

impl Outbox for InMemoryProducts {
    async fn pending_events(
        &self,
        _: Limit,
        _: Option<&PageCursor>,
    ) -> Result<(Vec<PendingEvent>, Option<PageCursor>), Unexpected> {
        Ok((Vec::new(), None))
    }

    async fn mark_published(&self, events: &[DomainEvent]) -> Result<(), Unexpected> {
        lock(&self.outbox).retain(|e| !events.iter().any(|p| p.event_id() == e.event().event_id()));
        Ok(())
    }

    async fn record_failure(&self, _: &PendingEvent, _: &str, _: bool) -> Result<(), Unexpected> {
        Ok(())
    }
}

impl ProductRepository for Broken {
    async fn create(&self, _: &Product, _: &ProductEvent) -> Result<(), CreateProductRefused> {
        Err(CreateProductRefused::Unexpected(broken()))
    }

    async fn update(
        &self,
        _: &Product,
        _: &Product,
        _: &ProductEvent,
    ) -> Result<UpdateOutcome, Unexpected> {
        Err(broken())
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
