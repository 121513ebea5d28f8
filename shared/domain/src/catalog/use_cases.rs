//! The catalog's use cases.

use super::command::{CreateProduct, ProductChange};
use super::events::{ProductEvent, ProductEventKind};
use super::ports::{
    CreateProductRefused, ProductRepository, ProductSearch, SearchFailed, UpdateOutcome,
};
use super::product::{ChangeRefused, Product};
use super::search::SearchCriteria;
use crate::events::{EventPublisher, Outbox, publish_now};
use crate::{
    Backoff, Caller, Clock, Currency, IfMatch, Page, ProductId, Unexpected, VersionMismatch,
};

#[derive(Debug, thiserror::Error)]
pub enum CreateProductError {
    #[error("only admins may create products")]
    Forbidden,
    #[error("a product named {0:?} already exists")]
    DuplicateName(String),
    #[error("could not create the product")]
    Unexpected(#[source] Unexpected),
}

/// Adds a product to the catalog, and publishes `ProductCreated`. Admins only.
pub async fn create_product(
    caller: &Caller,
    command: CreateProduct,
    currency: Currency,
    clock: &impl Clock,
    products: &(impl ProductRepository + Outbox),
    events: &impl EventPublisher,
) -> Result<Product, CreateProductError> {
    if !caller.admin {
        return Err(CreateProductError::Forbidden);
    }
    let now = clock.now();
    let product = Product::create(ProductId::new(), command, currency, now);
    let event = ProductEvent::new(
        ProductEventKind::ProductCreated,
        &product,
        Default::default(),
        now,
    );
    match products.create(&product, &event).await {
        Ok(()) => {
            publish_now(&event.into(), products, events).await;
            Ok(product)
        }
        Err(CreateProductRefused::DuplicateName) => Err(CreateProductError::DuplicateName(
            product.name().as_str().to_owned(),
        )),
        Err(CreateProductRefused::Unexpected(e)) => Err(CreateProductError::Unexpected(e)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GetProductError {
    #[error("no product with id {0}")]
    NotFound(ProductId),
    #[error("could not read the product")]
    Unexpected(#[source] Unexpected),
}

/// Anyone may read a product, active or not, by its id.
pub async fn get_product(
    id: ProductId,
    products: &impl ProductRepository,
) -> Result<Product, GetProductError> {
    products
        .get(&id)
        .await
        .map_err(GetProductError::Unexpected)?
        .ok_or(GetProductError::NotFound(id))
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateProductError {
    #[error("only admins may change products")]
    Forbidden,
    #[error("no product with id {0}")]
    NotFound(ProductId),
    #[error(transparent)]
    VersionMismatch(#[from] VersionMismatch),
    #[error(transparent)]
    Refused(#[from] ChangeRefused),
    #[error("a product named {0:?} already exists")]
    DuplicateName(String),
    #[error("the product is being changed by other requests; try again")]
    Contended,
    #[error("could not change the product")]
    Unexpected(#[source] Unexpected),
}

/// Attempts of a change before the caller is told to retry later: a stock change is applied
/// over the stock it read, and orders may move it in between.
const UPDATE_ATTEMPTS: u32 = 8;

/// An admin changes a product; `ProductUpdated` says what changed. Concurrent orders' stock
/// is never overwritten, and search follows at once.
#[expect(
    clippy::too_many_arguments,
    reason = "a use case takes each port it uses by name; a bundle would hide which"
)]
pub async fn update_product(
    caller: &Caller,
    id: ProductId,
    change: &ProductChange,
    if_match: &IfMatch,
    clock: &impl Clock,
    backoff: &impl Backoff,
    products: &(impl ProductRepository + Outbox),
    events: &impl EventPublisher,
) -> Result<Product, UpdateProductError> {
    if !caller.admin {
        return Err(UpdateProductError::Forbidden);
    }
    let fail = UpdateProductError::Unexpected;
    for attempt in 1..=UPDATE_ATTEMPTS {
        let before = products
            .get(&id)
            .await
            .map_err(fail)?
            .ok_or(UpdateProductError::NotFound(id))?;
        if_match.check(before.version())?;
        let now = clock.now();
        let changed = before.change(change, now)?;
        let event = ProductEvent::new(
            ProductEventKind::ProductUpdated,
            &changed.product,
            changed.changes,
            now,
        );
        match products
            .update(&before, &changed.product, &event)
            .await
            .map_err(fail)?
        {
            UpdateOutcome::Updated => {
                publish_now(&event.into(), products, events).await;
                return Ok(changed.product);
            }
            UpdateOutcome::DuplicateName => {
                return Err(UpdateProductError::DuplicateName(
                    changed.product.name().as_str().to_owned(),
                ));
            }
            UpdateOutcome::Moved => backoff.pause(attempt).await,
        }
    }
    Err(UpdateProductError::Contended)
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the cursor does not belong to this search")]
    InvalidCursor,
    #[error("could not search the catalog")]
    Unexpected(#[source] Unexpected),
}

/// Anyone may search the catalog.
pub async fn search_products(
    criteria: &SearchCriteria,
    catalog: &impl ProductSearch,
) -> Result<Page<Product>, SearchError> {
    catalog.search(criteria).await.map_err(|e| match e {
        SearchFailed::InvalidCursor => SearchError::InvalidCursor,
        SearchFailed::Unexpected(e) => SearchError::Unexpected(e),
    })
}
