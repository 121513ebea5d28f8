//! The outbox sweep, on an EventBridge schedule (every minute): publishes every order event
//! whose publish right after its order failed, so no stored order is left without its event.

use adapters::events::EventBridgePublisher;
use adapters::orders::DynamoOrderRepository;
use domain::Causes;
use domain::order::publish_pending_events;
use serde_json::{Value, json};

/// Events one page of the sweep publishes; a sweep goes on while pages come back full.
const PAGE: u16 = 100;
/// Pages one invocation sweeps at most, to stay well inside the function's timeout.
const MAX_PAGES: usize = 20;

adapters::dependencies! {
    pub struct Deps {
        pub orders: DynamoOrderRepository,
        pub events: EventBridgePublisher,
    }
}

/// Sweeps the outbox; an error makes the invocation fail, so EventBridge's retry (and the
/// next tick) try again.
pub async fn handle(_scheduled: Value, deps: &Deps) -> Result<Value, String> {
    let mut published = 0;
    for _ in 0..MAX_PAGES {
        let count = publish_pending_events(PAGE, &deps.orders, &deps.events)
            .await
            .map_err(|e| {
                let cause = Causes(&e).to_string();
                tracing::error!(error = %cause, published, "outbox sweep failed");
                cause
            })?;
        published += count;
        if count < usize::from(PAGE) {
            break;
        }
    }
    tracing::info!(published, "outbox sweep done");
    Ok(json!({ "published": published }))
}
