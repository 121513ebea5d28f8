//! `POST /charts/{id}/points` (the owner): appends points to the chart's series.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use domain::monitoring::{MAX_POINTS_PER_CALL, PointInput, RecordPoints, record_points};
use domain::{ChartId, Clock, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let command = parse(&http::json_object(&request)?)?;
    let accepted =
        record_points(&caller, chart_id, &command, &JitteredBackoff, &deps.charts).await?;
    Ok(http::json(StatusCode::OK, &json!({ "accepted": accepted })))
}

fn parse(body: &JsonObject) -> Result<RecordPoints, Problem> {
    let mut validation = Validation::new();
    let mut fields = Fields::new(body);
    let points = fields.objects(
        "points",
        MAX_POINTS_PER_CALL,
        &mut validation,
        |point, validation| PointInput {
            series: point.string("series", validation),
            value: point.number("value", validation),
            at: point.string("at", validation),
        },
    );
    fields.finish(validation, |validation| {
        RecordPoints::parse(points.as_deref(), SystemClock.now(), validation)
    })
}
