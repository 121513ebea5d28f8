//! Test data for monitoring's unit tests: charts, series and alerts built through their
//! constructors, as the use cases build them.

use super::alert::Alert;
use super::alert_commands::{CreateAlert, DEFAULT_PENDING_FOR, DEFAULT_STALE_AFTER};
use super::chart::{Chart, ChartDescription, ChartName, CreateChart};
use super::series::{Point, Series};
use super::template::MessageTemplate;
use super::values::{Aggregation, Condition, Op};
use crate::fakes::FixedClock;
use crate::{Caller, CustomerId, Email, Slug, Timestamp};

/// A customer (not an admin) with the id `id`.
pub fn caller(id: &str) -> Caller {
    Caller {
        customer_id: CustomerId::parse(id).unwrap(),
        email: None,
        admin: false,
    }
}

/// The clock the use case tests run at.
pub fn clock() -> FixedClock {
    FixedClock::at("2026-11-21T10:00:00Z")
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn slug(text: &str) -> Slug {
    Slug::parse(text).unwrap()
}

pub fn chart_command(name: &str, recipient: &str) -> CreateChart {
    CreateChart {
        name: ChartName::parse(name).unwrap(),
        description: ChartDescription::parse("").unwrap(),
        recipients: vec![Email::parse(recipient).unwrap()],
    }
}

/// Ada's chart named `name`, mailing ops@example.com, who confirmed.
pub fn chart(name: &str) -> Chart {
    let owner = CustomerId::parse("ada").unwrap();
    let listed = at("2026-11-01T00:00:00Z");
    let mut chart = Chart::create(owner, chart_command(name, "ops@example.com"), listed);
    let token = chart.subscriptions()[0].token().clone();
    chart.confirm(&token, listed).unwrap();
    chart
}

/// When the newest point of a test series was taken: fresh for the tests' ticks (10:00 to
/// 12:00 on 2026-11-21).
pub const NEWEST_POINT: &str = "2026-11-21T11:59:00Z";

/// A series holding `values`, a second apart, the last at [`NEWEST_POINT`].
pub fn series(_chart: &Chart, name: &str, values: &[f64]) -> Series {
    let newest = at(NEWEST_POINT).unix_millis();
    let first = newest - 1000 * (values.len() as i64 - 1);
    let points = values.iter().enumerate().map(|(i, value)| Point {
        at_millis: first + 1000 * i as i64,
        value: *value,
    });
    Series::new(slug(name), points)
}

/// The command of an alert on `series` when its aggregate over `window` points is `op`
/// `threshold`.
pub fn alert_command(series: &str, op: Op, threshold: f64, window: u16) -> CreateAlert {
    CreateAlert {
        series: slug(series),
        condition: Condition { op, threshold },
        aggregation: Aggregation::Avg,
        window,
        message: MessageTemplate::parse("{series} is {value} over {threshold} on {chart}").unwrap(),
        pending_for: DEFAULT_PENDING_FOR,
        stale_after: DEFAULT_STALE_AFTER,
    }
}

pub fn alert(chart: &Chart, series: &str, op: Op, threshold: f64, window: u16) -> Alert {
    Alert::new(
        chart,
        alert_command(series, op, threshold, window),
        at("2026-11-01T00:00:00Z"),
    )
}
