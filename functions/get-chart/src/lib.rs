//! `GET /charts/{id}` (the owner): the chart with the newest `?points=` of each series (or of
//! those `?series=` names), oldest first. Its `ETag` changes with the chart and its points.

use adapters::http::{self, Answer, QueryParams};
use domain::ChartId;
use domain::Validation;
use domain::monitoring::get_chart;
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let params = QueryParams::of(&request);
    let mut validation = Validation::new();
    params.deny_unknown(&["points", "series"], &mut validation);
    let choice = http::series_choice(&params, false, &mut validation);
    let choice = validation.finish(|| choice)?;
    let data = get_chart(&caller, chart_id, &choice, &deps.charts).await?;
    let etag = format!("\"{}\"", data.revision());
    if http::not_modified_since(&request, &etag) {
        return Ok(http::not_modified(&etag));
    }
    Ok(http::tagged(
        http::json_text(StatusCode::OK, data.view().to_json()),
        &etag,
    ))
}
