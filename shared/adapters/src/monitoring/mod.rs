//! Monitoring on DynamoDB: [`DynamoMonitoringRepository`] keeps charts, series and alerts
//! ([`keys`]) for the owner's requests ([`charts`]) and for the scheduled evaluation
//! ([`evaluation`]).
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | chart | `CHART#<id>` | `CHART` | gsi2 `CHARTS_WITH_ALERTS#<shard>` / `CHART#<id>` once it has alerts |
//! | series | `CHART#<id>` | `SERIES#<name>` | |
//! | alert | `CHART#<id>` | `ALERT#<id>` | |
//! | alert reference | `ALERT#<id>` | `ALERT` | (the chart and owner of an alert, for mutes by alert id) |
//! | tick mark | `CHART#<id>` | `TICK` | (the last tick that sent this chart's report) |
//!
//! A chart's partition holds everything its evaluation needs, so one query reads it. A series
//! keeps its points as two columns (times, values): a full series is about 30 KB, a full chart
//! (20 series, 50 alerts) well under a megabyte across its items, and no item nears DynamoDB's
//! 400 KB limit.

mod charts;
mod evaluation;
pub mod keys;

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
