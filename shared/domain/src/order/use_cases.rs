//! Reading and cancelling an order, and the outbox sweep.

use super::create::publish_now;
use super::model::OrderEvent;
use super::model::{Fulfilment, NotPending, Order, OrderStatus, WrongStatus};
use super::ports::{EventPublisher, OrderFilter, OrderHistory, OrderStore, Outbox};
use crate::{
    Caller, Clock, Cursor, CustomerId, Limit, OrderId, Page, PageError, Timestamp, Unexpected,
};

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
            publish_now(&event, store, events).await;
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

/// A sweep's tally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepSummary {
    pub published: usize,
    /// Refused by the bus this time, left pending for the next sweep.
    pub failed: usize,
    /// Refused [`MAX_PUBLISH_ATTEMPTS`] times: set aside, no longer pending.
    pub set_aside: usize,
    /// Whether the sweep stopped at its deadline with events possibly left.
    pub stopped_early: bool,
}

/// Sweeps that may fail to publish an event before it is set aside, so that one event the
/// bus keeps refusing does not come back forever.
pub const MAX_PUBLISH_ATTEMPTS: u32 = 5;

/// Pending events read per page of a sweep.
const SWEEP_PAGE: u16 = 100;

#[derive(Debug, thiserror::Error)]
pub enum PublishEventsError {
    #[error("the outbox sweep stopped ({} published before)", .summary.published)]
    Unexpected {
        summary: SweepSummary,
        #[source]
        cause: Unexpected,
    },
}

/// Publishes the pending events, oldest first, page after page until none is left or the
/// clock reaches `until`. An event the bus refuses is counted and left for the next sweep,
/// and set aside (and logged) at its [`MAX_PUBLISH_ATTEMPTS`]th refusal; the events after it
/// go on. A failure of the bus as a whole stops the sweep: the next one starts over.
pub async fn publish_pending_events(
    until: Timestamp,
    clock: &impl Clock,
    outbox: &impl Outbox,
    events: &impl EventPublisher,
) -> Result<SweepSummary, PublishEventsError> {
    let mut summary = SweepSummary::default();
    let mut cursor = None;
    let page_size = Limit::new(SWEEP_PAGE).unwrap_or(Limit::DEFAULT);
    loop {
        if clock.now() >= until {
            summary.stopped_early = true;
            return Ok(summary);
        }
        let failed =
            |summary: SweepSummary| move |cause| PublishEventsError::Unexpected { summary, cause };
        let (page, next) = outbox
            .pending_events(page_size, cursor.as_ref())
            .await
            .map_err(failed(summary))?;
        // EventBridge takes at most 10 entries a call.
        for batch in page.chunks(10) {
            let sent: Vec<OrderEvent> = batch.iter().map(|p| p.event.clone()).collect();
            let rejected = events.publish(&sent).await.map_err(failed(summary))?;
            let published: Vec<OrderEvent> = sent
                .into_iter()
                .filter(|e| !rejected.iter().any(|r| r.event_id == e.event_id))
                .collect();
            outbox
                .mark_published(&published)
                .await
                .map_err(failed(summary))?;
            summary.published += published.len();
            for refusal in &rejected {
                let Some(pending) = batch.iter().find(|p| p.event.event_id == refusal.event_id)
                else {
                    continue;
                };
                let set_aside = pending.failures + 1 >= MAX_PUBLISH_ATTEMPTS;
                outbox
                    .record_failure(pending, &refusal.reason, set_aside)
                    .await
                    .map_err(failed(summary))?;
                if set_aside {
                    summary.set_aside += 1;
                    tracing::error!(
                        event_id = %refusal.event_id,
                        reason = %refusal.reason,
                        attempts = pending.failures + 1,
                        "event set aside after being refused by the bus on every sweep"
                    );
                } else {
                    summary.failed += 1;
                    tracing::warn!(
                        event_id = %refusal.event_id,
                        reason = %refusal.reason,
                        "event refused by the bus; the next sweep tries again"
                    );
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(summary),
        }
    }
}
