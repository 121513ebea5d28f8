//! What orders need from storage and from the event bus, one capability a trait.

use super::idempotency::{IdempotencyKey, KeyClaim, KeyState};
use super::model::OrderEvent;
use super::model::{Order, OrderRefusal, OrderStatus};
use crate::catalog::Offer;
use crate::{
    Cursor, CustomerId, Limit, OrderId, Page, PageError, ProductId, Timestamp, Unexpected,
};
use std::future::Future;

/// Reads the catalog's products for pricing.
pub trait ProductReader: Send + Sync {
    /// What the products of these ids that exist (active or not) offer, in one read.
    fn products(
        &self,
        ids: &[ProductId],
    ) -> impl Future<Output = Result<Vec<Offer>, Unexpected>> + Send;
}

/// Remembers idempotency keys and the first outcome of their request.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request with `fingerprint`: a fresh key, or one whose earlier
    /// attempt's lease ran out, becomes [`KeyState::Claimed`]; otherwise the key's state.
    fn claim_key(
        &self,
        customer_id: &CustomerId,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<KeyState, Unexpected>> + Send;

    /// Records a refusal as the outcome of a claimed key, for its replays.
    fn settle_key(
        &self,
        claim: &KeyClaim,
        refusal: &OrderRefusal,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// Gives a claimed key up (the attempt failed), so a retry may claim it at once.
    fn release_key(&self, claim: &KeyClaim) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// Why the store did not place an order.
#[derive(Debug, thiserror::Error)]
pub enum PlaceRefused {
    #[error(transparent)]
    Refused(OrderRefusal),
    /// Another attempt took the idempotency key over (this one outlived its lease).
    #[error("the idempotency key was taken over by another attempt")]
    KeyLost,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Where orders are kept, each change stored with its event (the outbox).
pub trait OrderStore: Send + Sync {
    /// In one transaction: takes every line's stock (each conditioned on
    /// [`crate::catalog::Product::can_supply`]), stores the order and its event, and records the outcome under
    /// the claimed key. Nothing is written when any condition fails; the refusal names every
    /// short or inactive product, judged by [`OrderRefusal::for_failed_lines`] on what the
    /// store saw.
    fn place(
        &self,
        order: &Order,
        event: &OrderEvent,
        claim: Option<&KeyClaim>,
    ) -> impl Future<Output = Result<(), PlaceRefused>> + Send;

    /// The order with the version it was read at.
    fn get(
        &self,
        id: &OrderId,
    ) -> impl Future<Output = Result<Option<(Order, u64)>, Unexpected>> + Send;

    /// In one transaction: saves the cancelled order if still at `version`, gives every
    /// line's stock back, and stores the event. `Ok(false)` when the order changed since.
    fn cancel(
        &self,
        cancelled: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// In one transaction: saves the order after a step of its delivery if still at
    /// `version`, and stores the event. `Ok(false)` when the order changed since.
    fn fulfil(
        &self,
        changed: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;
}

/// Which of a customer's orders to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFilter {
    pub customer_id: CustomerId,
    pub status: Option<OrderStatus>,
}

/// A customer's orders, for their list.
pub trait OrderHistory: Send + Sync {
    /// One page of the orders `filter` names, newest first; what it reads grows with the
    /// page, not with the customer's history.
    fn orders_page(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<Page<Order>, PageError>> + Send;
}
