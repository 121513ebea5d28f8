//! Monitoring: customers' [`Chart`]s of numeric [`Series`], [`Alert`]s on them, mutes, and
//! the scheduled evaluation that e-mails one report per chart ([`evaluate_alerts`], each
//! chart judged by [`evaluation::evaluate_chart`]).

mod alert;
mod alert_commands;
mod chart;
mod chart_change;
mod chart_json;
mod charts;
pub mod evaluation;
mod manage;
mod ports;
mod schedule;
mod series;
mod subscribe;
mod subscription;
mod template;
#[cfg(test)]
mod test_data;
mod tick;
mod values;

pub use crate::PageError;
pub use alert::{
    Alert, AlertDetails, AlertState, AlertView, Evaluated, MAX_HISTORY, Notice, StateChange,
};
pub use alert_commands::{
    AlertChange, CreateAlert, CreateAlertInput, DEFAULT_PENDING_FOR, DEFAULT_STALE_AFTER,
    MAX_MUTE_SECONDS, MAX_THRESHOLD, MAX_WINDOW, MIN_NONZERO_THRESHOLD, MuteRequest,
};
pub use chart::{
    Chart, ChartDescription, ChartName, ChartSummary, ChartView, CreateChart, CreateChartInput,
    MAX_ALERTS, MAX_RECIPIENTS, MAX_SERIES, TooManyAlerts, TooManySeries,
};
pub use chart_change::{ChartChange, ChartChangeInput, EMPTY_CHANGE_FIELD};
pub use charts::{
    CreateAlertError, CreateChartError, ListAlertsError, MuteAlertError, RecordPointsError,
    create_alert, create_chart, list_alerts, mute_alert, record_points,
};
pub use manage::{
    AlertError, ChangeChartError, ChartChangeDeps, GetChartError, ListChartsError, delete_alert,
    delete_chart, get_alert, get_chart, list_charts, update_alert, update_chart,
};
pub use ports::{
    Appended, ChartContents, ChartData, ChartDataView, ChartStore, EvaluationStore, Mailer,
    SeriesChoice, SubscriptionMailer,
};
pub use schedule::{CLAIM_LEASE, PICTURE_POINTS, SHARDS, Scope, Tick, TickClaim, shard_of};
pub use series::{
    MAX_FUTURE_SECONDS, MAX_POINTS_PER_CALL, MAX_POINTS_PER_SERIES, Point, PointInput,
    RecordPoints, Series,
};
pub use subscribe::{
    Invitation, ManageSubscriptionError, SubscriptionPage, SubscriptionRequest, invitation,
    manage_subscription, subscription_page,
};
pub use subscription::{
    CONFIRMATION_DAYS, InvalidToken, Subscription, SubscriptionChanges, SubscriptionError,
    SubscriptionStatus, SubscriptionToken, SubscriptionView,
};
pub use template::{MessageTemplate, TemplateError, format_number};
pub use tick::{EvaluateAlertsError, TickSummary, evaluate_alerts};
pub use values::{Aggregation, Condition, InvalidSpan, Mute, Op, PendingFor, Span, StaleAfter};

#[cfg(test)]
mod alerting_tests;
#[cfg(test)]
mod manage_tests;
#[cfg(test)]
mod subscription_tests;
#[cfg(test)]
mod tests;
