//! What the fakes share: a fixed clock, a broken store, failures on demand, an outbox entry.

use crate::events::DomainEvent;
use crate::{Clock, Timestamp, Unexpected};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

/// A clock that says what the test tells it.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// Panics on a malformed time: test input only.
    pub fn at(rfc3339: &str) -> Self {
        Self(Mutex::new(
            Timestamp::parse(rfc3339).expect("a valid RFC 3339 time"),
        ))
    }

    pub fn set(&self, at: Timestamp) {
        *lock(&self.0) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *lock(&self.0)
    }
}

/// A backoff that does not wait: unit tests need the retries, not the pauses.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPause;

impl crate::Backoff for NoPause {
    async fn pause(&self, _attempt: u32) {}
}

/// A store whose every operation fails, as storage does when it is unreachable.
#[derive(Debug, Clone, Copy, Default)]
pub struct Broken;

pub(crate) fn broken() -> Unexpected {
    "the store is broken".into()
}

/// Operations a fake has been told to fail, by name (`"publish"`, `"save_states"`, ...).
#[derive(Debug, Default)]
pub(crate) struct Failures(Mutex<HashSet<&'static str>>);

impl Failures {
    pub fn fail(&self, operation: &'static str) {
        lock(&self.0).insert(operation);
    }

    pub fn heal(&self, operation: &'static str) {
        lock(&self.0).remove(operation);
    }

    /// `Err` when `operation` was told to fail.
    pub fn check(&self, operation: &'static str) -> Result<(), Unexpected> {
        if lock(&self.0).contains(operation) {
            Err(format!("{operation} failed (as the test asked)").into())
        } else {
            Ok(())
        }
    }
}

/// A poisoned lock only means another test thread panicked: its data is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// An event in a fake outbox.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEntry {
    pub(crate) event: DomainEvent,
    pub(crate) failures: u32,
    pub(crate) set_aside: bool,
    pub(crate) last_error: Option<String>,
}

impl OutboxEntry {
    pub(crate) fn event(&self) -> DomainEvent {
        self.event.clone()
    }

    pub(crate) fn new(event: impl Into<DomainEvent>) -> Self {
        Self {
            event: event.into(),
            failures: 0,
            set_aside: false,
            last_error: None,
        }
    }
}
