//! Orders on DynamoDB: [`DynamoOrderRepository`] implements each of the domain's order ports
//! over the one table, one file a capability: the orders themselves ([`placing`]),
//! idempotency records ([`idempotency`]) and the event outbox ([`outbox`]).
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | order | `ORDER#<id>` | `ORDER` | |
//! | idempotency record | `IDEMPOTENCY#<customer length>:<customer>#<key>` | `IDEMPOTENCY` | TTL `expires_at`, 24 h after the first request and its lease |
//! | outbox record | `OUTBOX#<event id>` | `OUTBOX` | gsi2 `OUTBOX` / `<time>#<event id>`, deleted once published |
//!
//! Placing an order is one transaction: one conditional update per line (the catalog's
//! supply rule, `stock >= quantity AND active`, taking the stock), the order, its outbox
//! record, and the idempotency record's outcome (conditioned on the version the attempt
//! claimed it at). A cancellation is one transaction too: the order saved at the version
//! read, the stock of every line given back, the outbox record. Events are published right
//! after the commit; whatever is still in the outbox then is published by the
//! `publish-events` sweep, which runs every minute on an EventBridge schedule.

mod idempotency;
mod outbox;
mod placing;

use crate::store::{DocumentStore, StoreError, Write};
use std::time::Duration;

/// Attempts of a transaction that DynamoDB cancelled only for conflicting with another
/// transaction on the same items (never for a failed condition).
const TRANSACTION_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct DynamoOrderRepository {
    store: DocumentStore,
}

impl DynamoOrderRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    /// Runs a transaction, again while DynamoDB cancels it only for conflicts with other
    /// transactions; any other cancellation is returned for the caller to read.
    async fn transact(
        &self,
        writes: impl Fn() -> Result<Vec<Write>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.store.transact(writes()?).await {
                Err(StoreError::TransactionCancelled(reasons))
                    if attempt < TRANSACTION_ATTEMPTS
                        && reasons.iter().any(|r| r.conflicted())
                        && !reasons.iter().any(|r| r.condition_failed()) =>
                {
                    let pause = 20 * u64::from(attempt) + u64::from(subsec_jitter());
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                other => return other,
            }
        }
    }
}

fn subsec_jitter() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 20_000_000 / 1_000_000)
}
