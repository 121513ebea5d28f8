//! Monitoring on DynamoDB: [`DynamoMonitoringRepository`] keeps charts, their points and
//! alerts ([`keys`], [`points`]) for the owner's requests ([`charts`]) and for the scheduled
//! evaluation ([`evaluation`]).
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | chart | `CHART#<id>` | `CHART` | gsi2 `CHARTS_WITH_ALERTS#<shard>` / `CHART#<id>` once it has alerts |
//! | point | `CHART#<id>` | `POINT#<series>#<slot>` | (a ring of 1,000 slots per series: [`points`]) |
//! | alert | `CHART#<id>` | `ALERT#<id>` | |
//! | alert reference | `ALERT#<id>` | `ALERT` | (the chart and owner of an alert, for mutes by alert id) |
//! | tick mark | `CHART#<id>` | `TICK` | (the last tick that sent this chart's report) |
//!
//! An evaluation reads the chart and its alerts in one query (`ALERT#...` and `CHART` sort
//! together), then the newest points of the watched series: for alerts' usual short windows,
//! one batch read of their slots.

mod charts;
mod evaluation;
pub mod keys;
pub mod points;

use crate::store::{ClientToken, DocumentStore, StoreError, Write};
use domain::Unexpected;

#[derive(Debug, Clone)]
pub struct DynamoMonitoringRepository {
    store: DocumentStore,
}

impl DynamoMonitoringRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    /// Applies the writes at once; `Ok(false)` when one of those `may_race` names (by its
    /// position) lost to another writer: its version changed since it was read.
    async fn transact_unless_raced(
        &self,
        writes: Vec<Write>,
        token: &ClientToken,
        may_race: impl Fn(usize) -> bool,
    ) -> Result<bool, Unexpected> {
        match self.store.transact(writes, token).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons
                    .iter()
                    .enumerate()
                    .any(|(i, r)| may_race(i) && (r.condition_failed() || r.conflicted())) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}
