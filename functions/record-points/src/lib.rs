//! `POST /charts/{id}/points` (the owner): appends points to the chart's series.

use adapters::http::{self, Fields};
use adapters::problem::Problem;
use domain::monitoring::chart::{PointInput, RecordPoints};
use domain::monitoring::record_points;
use domain::{ChartId, Clock, SystemClock, Validation};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

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
    let points = fields.array("points", &mut validation).map(|list| {
        list.iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("points[{i}]");
                let Some(object) = item.as_object() else {
                    validation.push(path, "must be an object");
                    return PointInput::default();
                };
                let mut point = Fields::nested(object, path);
                let input = PointInput {
                    series: point.string("series", &mut validation),
                    value: point.number("value", &mut validation),
                    at: point.string("at", &mut validation),
                };
                point.deny_unknown(&mut validation);
                input
            })
            .collect::<Vec<_>>()
    });
    fields.deny_unknown(&mut validation);
    let command = RecordPoints::parse(points.as_deref(), SystemClock.now(), &mut validation);
    let command = validation.finish(|| command)?;
    let accepted = record_points(&caller, chart_id, &command, &deps.charts).await?;
    Ok(http::json(StatusCode::OK, &json!({ "accepted": accepted })))
}
