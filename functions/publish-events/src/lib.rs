//! The outbox sweep, on an EventBridge schedule (every minute): publishes every order event
//! whose publish right after its order failed, so no stored order is left without its event.
//! An event the bus keeps refusing is set aside (and logged) instead of holding back the
//! others; the sweep stops a margin before the function's timeout and the next one goes on.

use adapters::events::EventBridgePublisher;
use adapters::lambda::Invocation;
use adapters::metrics::{self, Unit};
use adapters::orders::DynamoOrderRepository;
use domain::order::{SweepSummary, publish_pending_events};
use domain::{Causes, SystemClock};

/// Time kept back from the function's timeout, for the last page's writes and the answer.
const MARGIN: time::Duration = time::Duration::seconds(2);

adapters::dependencies! {
    pub struct Deps {
        pub orders: DynamoOrderRepository,
        pub events: EventBridgePublisher,
    }
}

/// Sweeps the outbox; an error makes the invocation fail, so the next tick tries again.
pub async fn handle(invocation: Invocation, deps: &Deps) -> Result<SweepSummary, String> {
    let until = invocation.deadline.saturating_sub(MARGIN);
    let summary = publish_pending_events(until, &SystemClock, &deps.orders, &deps.events)
        .await
        .map_err(|e| {
            let cause = Causes(&e).to_string();
            tracing::error!(error = %cause, "outbox sweep failed");
            cause
        })?;
    metrics::record(
        &[
            ("EventsPublished", summary.published as f64, Unit::Count),
            ("EventsRefused", summary.failed as f64, Unit::Count),
            ("EventsSetAside", summary.set_aside as f64, Unit::Count),
            ("OutboxBacklog", summary.backlog as f64, Unit::Count),
            (
                "OutboxOldestAgeSeconds",
                summary.oldest_pending_seconds.unwrap_or(0) as f64,
                Unit::Seconds,
            ),
        ],
        None,
    );
    tracing::info!(
        published = summary.published,
        failed = summary.failed,
        set_aside = summary.set_aside,
        stopped_early = summary.stopped_early,
        "outbox sweep done"
    );
    Ok(summary)
}
