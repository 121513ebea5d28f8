//! The inputs that several functions read the same way: a chart's and an alert's fields in a
//! body (create and change), a chart's series choice and a bounded integer in the query.

use super::body::Fields;
use super::params::QueryParams;
use domain::monitoring::{
    ChartChangeInput, CreateAlertInput, MAX_POINTS_PER_SERIES, MAX_SERIES, SeriesChoice,
};
use domain::{Slug, Validation};

/// A chart's `name`, `description` and `recipients`, as given.
pub fn chart_input<'a>(
    fields: &mut Fields<'a>,
    validation: &mut Validation,
) -> ChartChangeInput<'a> {
    ChartChangeInput {
        name: fields.string("name", validation),
        description: fields.string("description", validation),
        recipients: fields
            .array("recipients", validation)
            .map(|list| list.iter().map(|v| v.as_str()).collect()),
    }
}

/// An alert's fields, as given; `condition` read as a whole object.
pub fn alert_input<'a>(
    fields: &mut Fields<'a>,
    validation: &mut Validation,
) -> CreateAlertInput<'a> {
    let series = fields.string("series", validation);
    let (op, threshold) = match fields.object("condition", validation) {
        Some(condition) => {
            let mut condition = Fields::nested(condition, "condition".into());
            let op = condition.string("op", validation);
            let threshold = condition.number("threshold", validation);
            condition.deny_unknown(validation);
            (Some(op), threshold)
        }
        None => (None, None),
    };
    CreateAlertInput {
        series,
        op,
        threshold,
        aggregation: fields.string("aggregation", validation),
        window: fields.integer("window", validation),
        message: fields.string("message", validation),
        pending_for: fields.string("for", validation),
        stale_after: fields.string("stale_after", validation),
    }
}

/// Points of each series a chart read answers unless `?points=` says otherwise.
pub const DEFAULT_POINTS: usize = 100;

/// An integer query parameter within `range`, `default` when absent.
pub fn bounded(
    params: &QueryParams,
    name: &'static str,
    range: std::ops::RangeInclusive<usize>,
    default: usize,
    validation: &mut Validation,
) -> Option<usize> {
    match params.get(name) {
        None => Some(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                let (low, high) = (range.start(), range.end());
                validation.push(name, format!("must be an integer from {low} to {high}"));
                None
            }
        },
    }
}

/// `?series=a,b` (default every series) and `?points=` (1..1000, default 100).
pub fn series_choice(
    params: &QueryParams,
    with_alerts: bool,
    validation: &mut Validation,
) -> Option<SeriesChoice> {
    let newest = bounded(
        params,
        "points",
        1..=MAX_POINTS_PER_SERIES,
        DEFAULT_POINTS,
        validation,
    );
    let names = match params.get("series") {
        None => Some(None),
        Some(list) => {
            let names: Vec<&str> = list.split(',').collect();
            if names.len() > MAX_SERIES {
                validation.push("series", format!("names at most {MAX_SERIES} series"));
                None
            } else {
                let parsed: Result<Vec<Slug>, _> = names.into_iter().map(Slug::parse).collect();
                match parsed {
                    Ok(mut parsed) => {
                        // A name given twice is read once.
                        let mut seen = std::collections::HashSet::new();
                        parsed.retain(|name| seen.insert(name.clone()));
                        Some(Some(parsed))
                    }
                    Err(e) => {
                        validation.push(
                            "series",
                            format!("must be series names separated by commas: {e}"),
                        );
                        None
                    }
                }
            }
        }
    };
    Some(SeriesChoice {
        names: names?,
        newest: newest?,
        with_alerts,
    })
}
