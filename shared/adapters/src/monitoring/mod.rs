//! Monitoring on DynamoDB: [`DynamoMonitoringRepository`] keeps charts, their points and
//! alerts ([`keys`], [`points`]) for the owner's requests ([`charts`]) and for the scheduled
//! evaluation ([`evaluation`]).
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | chart | `CHART#<id>` | `CHART` | gsi1 `CHARTS#<owner>` / `CHART#<id>` (the owner's list, newest first); gsi2 `CHARTS_WITH_ALERTS#<shard>` / `CHART#<id>` once it has alerts |
//! | point | `CHART#<id>` | `POINT#<series>#<slot>` | (a ring of 1,000 slots per series: [`points`]) |
//! | alert | `CHART#<id>` | `ALERT#<id>` | |
//! | alert reference | `ALERT#<id>` | `ALERT` | (the chart and owner of an alert, for mutes by alert id) |
//! | tick mark | `CHART#<id>` | `CHART#TICK` | (the last tick that claimed the chart, and whether it finished) |
//! | subscription | `SUBSCRIPTION#<token>` | `SUBSCRIPTION` | (the chart of a recipient's token) |
//! | chart count | `CHART_COUNT#<owner>` | `CHART_COUNT` | (the owner's charts, for their bound) |
//!
//! An evaluation reads the chart, its alerts and its tick mark in one query (`ALERT#...`,
//! `CHART` and `CHART#TICK` sort together), then the newest points of the watched series: for alerts' usual short windows,
//! one batch read of their slots. Deletes are in [`lifecycle`].

mod charts;
mod evaluation;
pub mod keys;
mod lifecycle;
pub mod points;

use crate::store::DocumentStore;

#[derive(Debug, Clone)]
pub struct DynamoMonitoringRepository {
    store: DocumentStore,
}

impl DynamoMonitoringRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }
}
