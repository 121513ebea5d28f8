//! `POST /charts/{id}/alerts` (the owner): adds an alert on one of the chart's series.

use adapters::http::{self, Fields};
use adapters::problem::Problem;
use domain::monitoring::alert::{CreateAlert, CreateAlertInput};
use domain::monitoring::create_alert;
use domain::{ChartId, Clock, SystemClock, Validation};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub use adapters::monitoring::HttpDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Response<Body> {
    run(request, deps)
        .await
        .unwrap_or_else(Problem::into_response)
}

async fn run(request: Request, deps: &Deps) -> Result<Response<Body>, Problem> {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let body = http::json_object(&request)?;
    let mut validation = Validation::new();
    let mut fields = Fields::new(&body);
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
    fields.deny_unknown(&mut validation);
    let command = CreateAlert::parse(input, &mut validation);
    let command = validation.finish(|| command)?;
    let alert = create_alert(&caller, chart_id, command, &SystemClock, &deps.charts).await?;
    Ok(http::json(
        StatusCode::CREATED,
        &alert.view(SystemClock.now()),
    ))
}
