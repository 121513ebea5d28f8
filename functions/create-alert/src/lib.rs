//! `POST /charts/{id}/alerts` (the owner): adds an alert on one of the chart's series.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use domain::monitoring::{CreateAlert, CreateAlertInput, create_alert};
use domain::{ChartId, Clock, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let command = parse(&http::json_object(&request)?)?;
    let alert = create_alert(
        &caller,
        chart_id,
        command,
        &SystemClock,
        &JitteredBackoff,
        &deps.charts,
    )
    .await?;
    Ok(http::json(
        StatusCode::CREATED,
        &alert.view(SystemClock.now()),
    ))
}

fn parse(body: &JsonObject) -> Result<CreateAlert, Problem> {
    let mut validation = Validation::new();
    let mut fields = Fields::new(body);
    let series = fields.string("series", &mut validation);
    let (op, threshold) = match fields.object("condition", &mut validation) {
        Some(condition) => {
            let mut condition = Fields::nested(condition, "condition".into());
            let op = condition.string("op", &mut validation);
            let threshold = condition.number("threshold", &mut validation);
            condition.deny_unknown(&mut validation);
            (Some(op), threshold)
        }
        None => (None, None),
    };
    let input = CreateAlertInput {
        series,
        op,
        threshold,
        aggregation: fields.string("aggregation", &mut validation),
        window: fields.integer("window", &mut validation),
        message: fields.string("message", &mut validation),
    };
    fields.finish(validation, |validation| {
        CreateAlert::parse(input, validation)
    })
}
