//! In-memory implementations of every port, for unit tests of the domain only. Adapters and
//! functions are tested against a real AWS-protocol server instead.
//!
//! Each fake keeps the rule its port documents (unique names, conditional writes, claimed
//! keys) and can be told to fail an operation, so the use cases' failure branches are tested
//! here; [`Broken`] fails everything.

mod catalog;
mod evaluation;
mod mail;
mod monitoring;
mod notifications;
mod orders;
mod support;

pub use catalog::InMemoryProducts;
pub use mail::RecordingMailer;
pub use monitoring::InMemoryCharts;
pub use notifications::RecordingNotifications;
pub use orders::{InMemoryOrders, RecordingPublisher};
pub use support::{Broken, FixedClock, NoPause};
