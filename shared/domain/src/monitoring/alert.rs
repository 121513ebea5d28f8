//! Alerts on a chart's series: condition, aggregation over a window, a message template,
//! mutes, and the state kept across evaluations.

use super::alert_commands::{AlertChange, CreateAlert};
use super::chart::Chart;
use super::series::Series;
use super::template::MessageTemplate;
use super::values::{Aggregation, Condition, Mute};
use crate::version::first_version;
use crate::{AlertId, ChartId, CustomerId, Slug, Timestamp};
use serde::{Deserialize, Serialize};
use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    #[default]
    Ok,
    Firing,
    NoData,
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
}

/// An alert after one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub next: Alert,
    /// The aggregated value the condition was judged on; `None` for no data.
    pub value: Option<f64>,
    pub notice: Option<Notice>,
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
        let before = (
            self.series.clone(),
            self.condition,
            self.aggregation,
            self.window,
        );
        self.series = change.series.unwrap_or_else(|| self.series.clone());
        self.condition = change.condition.unwrap_or(self.condition);
        self.aggregation = change.aggregation.unwrap_or(self.aggregation);
        self.window = change.window.unwrap_or(self.window);
        if let Some(message) = change.message {
            self.message = message;
        }
        let after = (
            self.series.clone(),
            self.condition,
            self.aggregation,
            self.window,
        );
        if before != after {
            self.state = AlertState::Ok;
            self.firing_since = None;
        }
        self.version += 1;
        self.updated_at = Some(now);
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

    /// Its mute as set, expired or not.
    pub fn mute(&self) -> Option<&Mute> {
        self.mute.as_ref()
    }

    /// The alert judged over its series' newest points at `now`: `no_data` with fewer points
    /// than its window, `firing` while its condition holds, `ok` otherwise. A report tells of
    /// it when it starts firing, when it is still firing and was last reported at least
    /// `repeat_interval` ago, and when it stops firing.
    pub fn evaluate(
        &self,
        series: Option<&Series>,
        now: Timestamp,
        repeat_interval: Duration,
    ) -> Evaluated {
        let value = series
            .and_then(|s| s.newest(usize::from(self.window)))
            .and_then(|values| self.aggregation.apply(values));
        let state = match value {
            None => AlertState::NoData,
            Some(v) if self.condition.op.holds(v, self.condition.threshold) => AlertState::Firing,
            Some(_) => AlertState::Ok,
        };
        let mut next = self.clone();
        next.state = state;
        let mut notice = None;
        if state == AlertState::Firing {
            let starts = self.state != AlertState::Firing;
            let due = self
                .last_notified_at
                .is_none_or(|last| now.elapsed_since(last) >= repeat_interval);
            if starts {
                next.firing_since = Some(now);
            }
            if starts || due {
                next.last_notified_at = Some(now);
                notice = Some(Notice::Firing);
            }
        } else if self.state == AlertState::Firing {
            next.firing_since = None;
            next.last_notified_at = Some(now);
            notice = Some(Notice::Resolved);
        }
        if state != self.state {
            next.history.insert(
                0,
                StateChange {
                    at: now,
                    from: self.state,
                    to: state,
                    value,
                    notified: notice.is_some(),
                },
            );
            next.history.truncate(MAX_HISTORY);
        }
        Evaluated {
            next,
            value,
            notice,
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
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
