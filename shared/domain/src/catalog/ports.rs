//! What the catalog needs from storage.

use super::events::ProductEvent;
use super::product::Product;
use super::search::SearchCriteria;
use crate::{Page, ProductId, Unexpected};
use std::future::Future;

/// Why the repository refused to store a new product.
#[derive(Debug, thiserror::Error)]
pub enum CreateProductRefused {
    #[error("another product has this name")]
    DuplicateName,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// What an update found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    Updated,
    /// Another product has the new name: nothing changed.
    DuplicateName,
    /// The product changed since it was read (another change, or an order's stock): nothing
    /// changed; read it again.
    Moved,
}

/// Where products are kept.
pub trait ProductRepository: Send + Sync {
    /// Stores a new product. Returns `DuplicateName` when another product already has the
    /// same [`Product::name_key`], even when both are created at the same moment.
    fn create(
        &self,
        product: &Product,
        event: &ProductEvent,
    ) -> impl Future<Output = Result<(), CreateProductRefused>> + Send;

    /// In one write with `event`: `before` becomes `after`, if the stored product is still at
    /// `before`'s version (and, when the stock changes, at `before`'s stock: stock taken by
    /// orders meanwhile is never overwritten); its search entries follow at once and a new
    /// name is claimed as the old one is freed.
    fn update(
        &self,
        before: &Product,
        after: &Product,
        event: &ProductEvent,
    ) -> impl Future<Output = Result<UpdateOutcome, Unexpected>> + Send;

    /// The product with this id, active or not; `None` when there is none.
    fn get(
        &self,
        id: &ProductId,
    ) -> impl Future<Output = Result<Option<Product>, Unexpected>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum SearchFailed {
    #[error("the cursor does not belong to this search")]
    InvalidCursor,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Where searches run.
pub trait ProductSearch: Send + Sync {
    /// One page of the active products that meet `criteria`, in its sort order (ties by id
    /// in the same direction). Pages never repeat or skip a product while the catalog is
    /// unchanged. Returns `InvalidCursor` for a cursor made by another search, or not made
    /// by this port at all.
    fn search(
        &self,
        criteria: &SearchCriteria,
    ) -> impl Future<Output = Result<Page<Product>, SearchFailed>> + Send;
}
