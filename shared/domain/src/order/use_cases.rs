//! Reading and cancelling an order, and the outbox sweep.

use super::model::{Fulfilment, NotPending, Order, OrderStatus, WrongStatus};
use super::ports::{OrderFilter, OrderHistory, OrderStore};
use crate::events::{EventPublisher, Outbox, publish_now};
use crate::{Caller, Clock, Cursor, CustomerId, Limit, OrderId, Page, PageError, Unexpected};

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
            publish_now(&event.clone().into(), store, events).await;
            return Ok(cancelled);
        }
    }
    Err(CancelOrderError::NotPending(NotPending(
        OrderStatus::Cancelled,
    )))
}

#[derive(Debug, thiserror::Error)]
pub enum FulfilOrderError {
    #[error("only admins may ship or deliver orders")]
    Forbidden,
    #[error("no order with id {0}")]
    NotFound(OrderId),
    #[error(transparent)]
    WrongStatus(WrongStatus),
    #[error("could not change the order")]
    Unexpected(#[source] Unexpected),
}

/// An admin ships a pending order, or delivers a shipped one; its event is stored with it.
pub async fn fulfil_order(
    caller: &Caller,
    id: OrderId,
    step: Fulfilment,
    clock: &impl Clock,
    store: &(impl OrderStore + Outbox),
    events: &impl EventPublisher,
) -> Result<Order, FulfilOrderError> {
    if !caller.admin {
        return Err(FulfilOrderError::Forbidden);
    }
    // A lost race re-reads once: the winner's write moved the order on.
    for _ in 0..2 {
        let (order, version) = store
            .get(&id)
            .await
            .map_err(FulfilOrderError::Unexpected)?
            .ok_or(FulfilOrderError::NotFound(id))?;
        let (changed, event) = order
            .fulfil(step, clock.now())
            .map_err(FulfilOrderError::WrongStatus)?;
        if store
            .fulfil(&changed, version, &event)
            .await
            .map_err(FulfilOrderError::Unexpected)?
        {
            publish_now(&event.clone().into(), store, events).await;
            return Ok(changed);
        }
    }
    let (order, _) = store
        .get(&id)
        .await
        .map_err(FulfilOrderError::Unexpected)?
        .ok_or(FulfilOrderError::NotFound(id))?;
    Err(FulfilOrderError::WrongStatus(
        order
            .fulfil(step, clock.now())
            .err()
            .unwrap_or(WrongStatus {
                step,
                expected: order.status(),
                found: order.status(),
            }),
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum ListOrdersError {
    #[error("only admins may list another customer's orders")]
    Forbidden,
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error("could not list the orders")]
    Unexpected(#[source] Unexpected),
}

/// The caller's orders, newest first (an admin's `customer`'s), of one `status` if given.
pub async fn list_orders(
    caller: &Caller,
    customer: Option<CustomerId>,
    status: Option<OrderStatus>,
    limit: Limit,
    cursor: Option<&Cursor>,
    orders: &impl OrderHistory,
) -> Result<Page<Order>, ListOrdersError> {
    let customer_id = customer.unwrap_or_else(|| caller.customer_id.clone());
    if customer_id != caller.customer_id && !caller.admin {
        return Err(ListOrdersError::Forbidden);
    }
    let filter = OrderFilter {
        customer_id,
        status,
    };
    orders
        .orders_page(&filter, limit, cursor)
        .await
        .map_err(|e| match e {
            PageError::InvalidCursor => ListOrdersError::InvalidCursor,
            PageError::Unexpected(e) => ListOrdersError::Unexpected(e),
        })
}
