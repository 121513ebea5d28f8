//! `POST /charts/{id}/alerts` (the owner): adds an alert on one of the chart's series.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use domain::monitoring::{CreateAlert, create_alert};
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
    let etag = http::etag(alert.version());
    let view = alert.view(SystemClock.now());
    Ok(http::tagged(http::json(StatusCode::CREATED, &view), &etag))
}

fn parse(body: &JsonObject) -> Result<CreateAlert, Problem> {
    let mut validation = Validation::new();
    let mut fields = Fields::new(body);
    let input = http::alert_input(&mut fields, &mut validation);
    fields.finish(validation, |validation| {
        CreateAlert::parse(input, validation)
    })
}
