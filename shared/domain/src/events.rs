//! Domain events of every context, as they are stored with the change that causes them (the
//! outbox) and published after: [`DomainEvent`], and the ports of the outbox and the bus.

use crate::catalog::ProductEvent;
use crate::order::OrderEvent;
use crate::{Causes, Clock, Cursor, EventId, Limit, Timestamp, Unexpected};
use serde::{Deserialize, Serialize};
use std::future::Future;

/// An event of any context. Stored untagged: an order event stored before product events
/// existed reads back as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DomainEvent {
    Order(OrderEvent),
    Product(ProductEvent),
}

impl DomainEvent {
    pub fn event_id(&self) -> EventId {
        match self {
            DomainEvent::Order(e) => e.event_id,
            DomainEvent::Product(e) => e.event_id,
        }
    }

    pub fn occurred_at(&self) -> Timestamp {
        match self {
            DomainEvent::Order(e) => e.occurred_at,
            DomainEvent::Product(e) => e.occurred_at,
        }
    }

    /// The bus's `source`.
    pub fn source(&self) -> &'static str {
        match self {
            DomainEvent::Order(_) => crate::order::EVENT_SOURCE,
            DomainEvent::Product(_) => crate::catalog::EVENT_SOURCE,
        }
    }

    pub fn detail_type(&self) -> &'static str {
        match self {
            DomainEvent::Order(e) => e.kind.detail_type(),
            DomainEvent::Product(e) => e.kind.detail_type(),
        }
    }

    /// The bus's `detail`: the aggregate's fields plus `event_id` (and what changed).
    pub fn detail(&self) -> Result<String, serde_json::Error> {
        match self {
            DomainEvent::Order(e) => e.detail(),
            DomainEvent::Product(e) => e.detail(),
        }
    }
}

impl From<OrderEvent> for DomainEvent {
    fn from(event: OrderEvent) -> Self {
        DomainEvent::Order(event)
    }
}

impl From<ProductEvent> for DomainEvent {
    fn from(event: ProductEvent) -> Self {
        DomainEvent::Product(event)
    }
}

/// An event waiting in the outbox, with how many sweeps failed to publish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    pub event: DomainEvent,
    pub failures: u32,
}

/// Events stored with their change and not yet published.
pub trait Outbox: Send + Sync {
    /// A page of pending events, oldest first, starting after `cursor` (set-aside events are
    /// not pending).
    fn pending_events(
        &self,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> impl Future<Output = Result<(Vec<PendingEvent>, Option<Cursor>), Unexpected>> + Send;

    /// Forgets events that were published.
    fn mark_published(
        &self,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// Counts one more failed publish of `pending`, with its reason; with `set_aside` the
    /// event leaves the pending events (kept, with its reason, for an operator to replay).
    fn record_failure(
        &self,
        pending: &PendingEvent,
        reason: &str,
        set_aside: bool,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// An event the bus refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub event_id: EventId,
    pub reason: String,
}

/// Where events go (EventBridge). At least once: a repeat carries the same `event_id`.
pub trait EventPublisher: Send + Sync {
    /// Publishes them: the events the bus refused one by one are returned; `Err` when the
    /// call as a whole failed (nothing can be said of any of them).
    fn publish(
        &self,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<Vec<Rejected>, Unexpected>> + Send;
}

/// Publishes one just-stored event; on failure it stays in the outbox for the sweep.
pub async fn publish_now(event: &DomainEvent, outbox: &impl Outbox, events: &impl EventPublisher) {
    let one = std::slice::from_ref(event);
    let failure = match events.publish(one).await {
        Ok(rejected) if rejected.is_empty() => outbox.mark_published(one).await.err(),
        Ok(rejected) => Some(rejected[0].reason.clone().into()),
        Err(error) => Some(error),
    };
    if let Some(error) = failure {
        tracing::warn!(
            event_id = %event.event_id(),
            error = %Causes(error.as_ref()),
            "event left in the outbox; the scheduled sweep publishes it"
        );
    }
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
    /// Events still pending after the sweep (counted up to [`SWEEP_PAGE`]).
    pub backlog: usize,
    /// How long the oldest of them has waited; `None` when none is left (or it could not be
    /// read, which is logged).
    pub oldest_pending_seconds: Option<i64>,
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
    let mut summary = sweep(until, clock, outbox, events).await?;
    // What is left, for the operator's backlog and age figures.
    match outbox.pending_events(page_size(), None).await {
        Ok((left, _)) => {
            summary.backlog = left.len();
            summary.oldest_pending_seconds = left.first().map(|p| {
                clock
                    .now()
                    .elapsed_since(p.event.occurred_at())
                    .whole_seconds()
            });
        }
        Err(error) => tracing::warn!(
            error = %Causes(error.as_ref()),
            "could not read the outbox's backlog after the sweep"
        ),
    }
    Ok(summary)
}

fn page_size() -> Limit {
    Limit::new(SWEEP_PAGE).unwrap_or(Limit::DEFAULT)
}

async fn sweep(
    until: Timestamp,
    clock: &impl Clock,
    outbox: &impl Outbox,
    events: &impl EventPublisher,
) -> Result<SweepSummary, PublishEventsError> {
    let mut summary = SweepSummary::default();
    let mut cursor = None;
    let page_size = page_size();
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
            let sent: Vec<DomainEvent> = batch.iter().map(|p| p.event.clone()).collect();
            let rejected = events.publish(&sent).await.map_err(failed(summary))?;
            let published: Vec<DomainEvent> = sent
                .into_iter()
                .filter(|e| !rejected.iter().any(|r| r.event_id == e.event_id()))
                .collect();
            outbox
                .mark_published(&published)
                .await
                .map_err(failed(summary))?;
            summary.published += published.len();
            for refusal in &rejected {
                let Some(pending) = batch
                    .iter()
                    .find(|p| p.event.event_id() == refusal.event_id)
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
