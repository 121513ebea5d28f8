//! What a tick is and what it claims: the schedule's instant, the charts it covers (by
//! shard), and the claim that keeps two ticks off one chart.

use crate::{ChartId, Timestamp};
use serde::{Deserialize, Serialize};

/// Charts with alerts are spread over this many shards (by the last byte of their id), so a
/// tick can be split into independent parts.
pub const SHARDS: u8 = 16;

pub fn shard_of(chart: &ChartId) -> u8 {
    chart.as_uuid().as_bytes()[15] % SHARDS
}

/// Which charts a tick evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Shard(u8),
    Chart(ChartId),
}

/// Newest points of a reported series its report's picture shows.
pub const PICTURE_POINTS: usize = 100;

/// How long a tick's claim on a chart keeps other ticks off it before they may take it over
/// (the longest a Lambda invocation runs).
pub const CLAIM_LEASE: time::Duration = time::Duration::minutes(15);

/// The last tick that claimed a chart: which, for when, and whether it finished (stored its
/// states, or gave the claim back after a failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickClaim {
    pub tick: String,
    pub at: Timestamp,
    pub settled: bool,
}

/// One delivery of the schedule (or of a per-chart event): its id makes a redelivery
/// harmless, its time is "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub id: String,
    pub now: Timestamp,
}
