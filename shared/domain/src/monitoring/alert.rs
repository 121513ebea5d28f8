//! Alerts on a chart's series: condition, aggregation over a window, a message template,
//! mutes, and the state kept across evaluations.

use super::alert_commands::{AlertChange, CreateAlert};
use super::chart::Chart;
use super::series::Series;
use super::template::MessageTemplate;
use super::values::{Aggregation, Condition, Mute, PendingFor, StaleAfter};
use crate::version::first_version;
use crate::{AlertId, ChartId, CustomerId, Slug, Timestamp};
use serde::{Deserialize, Serialize};
use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    #[default]
    Ok,
    /// The condition holds, for less than the alert's `for` so far.
    Pending,
    Firing,
    NoData,
}

fn default_pending_for() -> PendingFor {
    super::alert_commands::DEFAULT_PENDING_FOR
}

fn default_stale_after() -> StaleAfter {
    super::alert_commands::DEFAULT_STALE_AFTER
}

fn had_data_before_it_was_kept() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub(super) id: AlertId,
    pub(super) chart_id: ChartId,
    /// The chart's owner, copied so a mute is authorised from the alert alone.
    pub(super) owner_id: CustomerId,
    pub(super) series: Slug,
    pub(super) condition: Condition,
    pub(super) aggregation: Aggregation,
    pub(super) window: u16,
    pub(super) message: MessageTemplate,
    pub(super) mute: Option<Mute>,
    pub(super) state: AlertState,
    pub(super) firing_since: Option<Timestamp>,
    pub(super) last_notified_at: Option<Timestamp>,
    pub(super) created_at: Timestamp,
    /// Raised by each change the owner makes (a `PATCH`, a mute or unmute), not by a tick.
    #[serde(default = "first_version")]
    pub(super) version: u64,
    #[serde(default)]
    pub(super) updated_at: Option<Timestamp>,
    /// The newest [`MAX_HISTORY`] state changes, newest first.
    #[serde(default)]
    pub(super) history: Vec<StateChange>,
    #[serde(rename = "for", default = "default_pending_for")]
    pub(super) pending_for: PendingFor,
    #[serde(default = "default_stale_after")]
    pub(super) stale_after: StaleAfter,
    /// Since when the condition has held on every tick, while `pending`.
    #[serde(default)]
    pub(super) pending_since: Option<Timestamp>,
    /// Whether an evaluation has found data since it was created or changed: losing data is
    /// reported only then.
    #[serde(default = "had_data_before_it_was_kept")]
    pub(super) seen_data: bool,
}

/// State changes an alert keeps.
pub const MAX_HISTORY: usize = 50;

/// One change of an alert's state by a tick.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub at: Timestamp,
    pub from: AlertState,
    pub to: AlertState,
    /// The value judged; `None` for no data.
    pub value: Option<f64>,
    /// Whether the tick's report told of it.
    pub notified: bool,
}

/// What an evaluation tells of an alert in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// It starts firing, or is still firing and was last reported a repeat interval ago.
    Firing,
    /// It stopped firing since it was last reported.
    Resolved,
    /// Its series had data at its last evaluation and has none now.
    NoData,
}

/// An alert after one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub next: Alert,
    /// The aggregated value the condition was judged on; `None` for no data.
    pub value: Option<f64>,
    pub notice: Option<Notice>,
    /// Whether `next` has a new history entry for this evaluation.
    state_changed: bool,
}

impl Evaluated {
    /// The report told of it: when, in the alert and its history.
    pub(super) fn notified(&mut self, now: Timestamp) {
        if self.notice.is_none() {
            return;
        }
        self.next.last_notified_at = Some(now);
        if self.state_changed
            && let Some(change) = self.next.history.first_mut()
        {
            change.notified = true;
        }
    }
}

impl Alert {
    /// A new alert on `chart`, `ok` until its first evaluation.
    pub fn new(chart: &Chart, command: CreateAlert, now: Timestamp) -> Self {
        Self {
            id: AlertId::new(),
            chart_id: chart.id(),
            owner_id: chart.owner_id().clone(),
            series: command.series,
            condition: command.condition,
            aggregation: command.aggregation,
            window: command.window,
            message: command.message,
            mute: None,
            state: AlertState::Ok,
            firing_since: None,
            last_notified_at: None,
            created_at: now,
            version: 1,
            updated_at: None,
            history: Vec::new(),
            pending_for: command.pending_for,
            stale_after: command.stale_after,
            pending_since: None,
            seen_data: false,
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn history(&self) -> &[StateChange] {
        &self.history
    }

    /// The owner's change. A change of what is evaluated (series, condition, aggregation,
    /// window) puts the alert back to `ok`, not firing; the version goes up either way.
    pub fn change(&mut self, change: AlertChange, now: Timestamp) {
        let before = self.judged_on();
        self.series = change.series.unwrap_or_else(|| self.series.clone());
        self.condition = change.condition.unwrap_or(self.condition);
        self.aggregation = change.aggregation.unwrap_or(self.aggregation);
        self.window = change.window.unwrap_or(self.window);
        self.pending_for = change.pending_for.unwrap_or(self.pending_for);
        self.stale_after = change.stale_after.unwrap_or(self.stale_after);
        if let Some(message) = change.message {
            self.message = message;
        }
        if before != self.judged_on() {
            self.state = AlertState::Ok;
            self.firing_since = None;
            self.pending_since = None;
            self.seen_data = false;
        }
        self.version += 1;
        self.updated_at = Some(now);
    }

    /// What its value and condition are, besides the data: a change of it starts the alert
    /// afresh (a new `for` or `stale_after` applies from the next evaluation).
    fn judged_on(&self) -> (Slug, Condition, Aggregation, u16) {
        (
            self.series.clone(),
            self.condition,
            self.aggregation,
            self.window,
        )
    }

    pub fn id(&self) -> AlertId {
        self.id
    }

    pub fn chart_id(&self) -> ChartId {
        self.chart_id
    }

    pub fn owner_id(&self) -> &CustomerId {
        &self.owner_id
    }

    /// The series it watches, and how many of its newest points an evaluation reads.
    pub fn watches(&self) -> (&Slug, usize) {
        (&self.series, usize::from(self.window))
    }

    /// Its threshold, when it watches `series`.
    pub fn threshold_on(&self, series: &Slug) -> Option<f64> {
        (&self.series == series).then_some(self.condition.threshold)
    }

    pub fn state(&self) -> AlertState {
        self.state
    }

    pub fn firing_since(&self) -> Option<Timestamp> {
        self.firing_since
    }

    pub fn last_notified_at(&self) -> Option<Timestamp> {
        self.last_notified_at
    }

    /// Since when its condition has held, while `pending`.
    pub fn pending_since(&self) -> Option<Timestamp> {
        self.pending_since
    }

    /// Whether it has found data since it was created or last changed.
    pub fn seen_data(&self) -> bool {
        self.seen_data
    }

    /// Its mute as set, expired or not.
    pub fn mute(&self) -> Option<&Mute> {
        self.mute.as_ref()
    }

    /// The alert judged over its series' newest points at `now`: `no_data` with fewer points
    /// than its window or a newest point older than `stale_after`; while its condition holds,
    /// `pending` until it has held on every evaluation for `for`, then `firing`; `ok`
    /// otherwise. The notice says what a report would tell: a start of firing, a firing still
    /// on after `repeat_interval`, a resolution, or data lost; [`Evaluated::notified`] records
    /// that it was told.
    pub fn evaluate(
        &self,
        series: Option<&Series>,
        now: Timestamp,
        repeat_interval: Duration,
    ) -> Evaluated {
        let stale_after_millis = i64::from(self.stale_after.as_seconds()) * 1000;
        let value = series
            .filter(|s| {
                s.latest_at_millis()
                    .is_some_and(|at| now.unix_millis() - at <= stale_after_millis)
            })
            .and_then(|s| s.newest(usize::from(self.window)))
            .and_then(|values| self.aggregation.apply(values));
        let mut next = self.clone();
        let mut notice = None;
        match value.map(|v| self.condition.op.holds(v, self.condition.threshold)) {
            None => {
                next.state = AlertState::NoData;
                next.pending_since = None;
                next.firing_since = None;
                if self.seen_data && self.state != AlertState::NoData {
                    notice = Some(Notice::NoData);
                }
            }
            Some(true) if self.state == AlertState::Firing => {
                let due = self
                    .last_notified_at
                    .is_none_or(|last| now.elapsed_since(last) >= repeat_interval);
                notice = due.then_some(Notice::Firing);
            }
            Some(true) => {
                // Only a pending alert has held before; from any other state it starts now.
                let since = self.pending_since.unwrap_or(now);
                if now.elapsed_since(since) >= self.pending_for.duration() {
                    next.state = AlertState::Firing;
                    next.firing_since = Some(now);
                    next.pending_since = None;
                    notice = Some(Notice::Firing);
                } else {
                    next.state = AlertState::Pending;
                    next.pending_since = Some(since);
                }
            }
            Some(false) => {
                next.state = AlertState::Ok;
                next.pending_since = None;
                next.firing_since = None;
                if self.state == AlertState::Firing {
                    notice = Some(Notice::Resolved);
                }
            }
        }
        next.seen_data |= value.is_some();
        let state_changed = next.state != self.state;
        if state_changed {
            next.history.insert(
                0,
                StateChange {
                    at: now,
                    from: self.state,
                    to: next.state,
                    value,
                    notified: false,
                },
            );
            next.history.truncate(MAX_HISTORY);
        }
        Evaluated {
            next,
            value,
            notice,
            state_changed,
        }
    }

    /// What a mute request stores: the mute replaced, nothing else.
    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn set_mute(&mut self, mute: Option<Mute>, now: Timestamp) {
        self.mute = mute;
        self.version += 1;
        self.updated_at = Some(now);
    }

    /// What a tick stores: `evaluated`'s state, `firing_since` and `last_notified_at`, the
    /// mute left as it is (it may have changed during the tick).
    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn keep_evaluation_of(&mut self, evaluated: &Alert) {
        self.state = evaluated.state;
        self.firing_since = evaluated.firing_since;
        self.last_notified_at = evaluated.last_notified_at;
        self.history = evaluated.history.clone();
        self.pending_since = evaluated.pending_since;
        self.seen_data = evaluated.seen_data;
    }

    /// A mute whose `until` has passed no longer mutes.
    pub fn is_muted(&self, now: Timestamp) -> bool {
        self.mute
            .as_ref()
            .is_some_and(|m| m.until.is_none_or(|until| until > now))
    }

    /// The alert as the contract shows it at `now`.
    pub fn view(&self, now: Timestamp) -> AlertView<'_> {
        let mute = self.mute.as_ref().filter(|_| self.is_muted(now));
        AlertView {
            id: self.id,
            chart_id: self.chart_id,
            series: &self.series,
            condition: self.condition,
            aggregation: self.aggregation,
            window: self.window,
            message: self.message.as_str(),
            muted: mute.is_some(),
            muted_until: mute.and_then(|m| m.until),
            mute_reason: mute.and_then(|m| m.reason.as_deref()),
            state: self.state,
            firing_since: self.firing_since,
            last_notified_at: self.last_notified_at,
            pending_for: self.pending_for,
            stale_after: self.stale_after,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at.unwrap_or(self.created_at),
        }
    }

    /// The alert with its history, as `GET /alerts/{id}` shows it.
    pub fn details(&self, now: Timestamp) -> AlertDetails<'_> {
        AlertDetails {
            alert: self.view(now),
            history: &self.history,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertDetails<'a> {
    #[serde(flatten)]
    pub alert: AlertView<'a>,
    pub history: &'a [StateChange],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertView<'a> {
    pub id: AlertId,
    pub chart_id: ChartId,
    pub series: &'a Slug,
    pub condition: Condition,
    pub aggregation: Aggregation,
    pub window: u16,
    pub message: &'a str,
    pub muted: bool,
    pub muted_until: Option<Timestamp>,
    pub mute_reason: Option<&'a str>,
    pub state: AlertState,
    pub firing_since: Option<Timestamp>,
    pub last_notified_at: Option<Timestamp>,
    #[serde(rename = "for")]
    pub pending_for: PendingFor,
    pub stale_after: StaleAfter,
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
