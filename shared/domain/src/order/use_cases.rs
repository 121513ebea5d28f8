//! Reading and cancelling an order, and the outbox sweep.

use super::create::publish_now;
use super::model::{NotPending, Order, OrderStatus};
use super::ports::{EventPublisher, OrderStore, Outbox};
use crate::{Caller, Clock, OrderId, Unexpected};

#[derive(Debug, thiserror::Error)]
pub enum GetOrderError {
    #[error("no order with id {0}")]
    NotFound(OrderId),
    #[error("could not read the order")]
    Unexpected(#[source] Unexpected),
}

/// The order, for its customer or an admin; anyone else is told it does not exist.
pub async fn get_order(
    caller: &Caller,
    id: OrderId,
    orders: &impl OrderStore,
) -> Result<Order, GetOrderError> {
    match orders.get(&id).await.map_err(GetOrderError::Unexpected)? {
        Some((order, _)) if caller.may_access(order.customer_id()) => Ok(order),
        _ => Err(GetOrderError::NotFound(id)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CancelOrderError {
    #[error("no order with id {0}")]
    NotFound(OrderId),
    #[error(transparent)]
    NotPending(NotPending),
    #[error("could not cancel the order")]
    Unexpected(#[source] Unexpected),
}

/// Cancels a pending order of the caller's (or any, for an admin) and returns its stock,
/// exactly once however many cancels race.
pub async fn cancel_order(
    caller: &Caller,
    id: OrderId,
    clock: &impl Clock,
    store: &(impl OrderStore + Outbox),
    events: &impl EventPublisher,
) -> Result<Order, CancelOrderError> {
    // A lost race re-reads once: the winner's write makes the order no longer pending.
    for _ in 0..2 {
        let (order, version) = match store.get(&id).await.map_err(CancelOrderError::Unexpected)? {
            Some((order, version)) if caller.may_access(order.customer_id()) => (order, version),
            _ => return Err(CancelOrderError::NotFound(id)),
        };
        let (cancelled, event) = order
            .cancel(clock.now())
            .map_err(CancelOrderError::NotPending)?;
        if store
            .cancel(&cancelled, version, &event)
            .await
            .map_err(CancelOrderError::Unexpected)?
        {
            publish_now(&event, store, events).await;
            return Ok(cancelled);
        }
    }
    Err(CancelOrderError::NotPending(NotPending(
        OrderStatus::Cancelled,
    )))
}

#[derive(Debug, thiserror::Error)]
pub enum PublishEventsError {
    #[error("could not publish the pending events ({published} published before)")]
    Unexpected {
        published: usize,
        #[source]
        cause: Unexpected,
    },
}

/// Publishes up to `limit` pending events, oldest first; returns how many were published.
/// Run on a schedule, so that an event whose publish failed goes out without anyone acting.
pub async fn publish_pending_events(
    limit: u16,
    outbox: &impl Outbox,
    events: &impl EventPublisher,
) -> Result<usize, PublishEventsError> {
    let failed = |published| move |cause| PublishEventsError::Unexpected { published, cause };
    let pending = outbox.pending_events(limit).await.map_err(failed(0))?;
    let mut published = 0;
    // EventBridge takes at most 10 entries a call.
    for batch in pending.chunks(10) {
        events.publish(batch).await.map_err(failed(published))?;
        outbox
            .mark_published(batch)
            .await
            .map_err(failed(published))?;
        published += batch.len();
    }
    Ok(published)
}
