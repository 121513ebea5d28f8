//! `DELETE /charts/{id}` (the owner): the chart goes with its series, alerts and everything
//! else of it; 204.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer};
use domain::ChartId;
use domain::monitoring::delete_chart;
use lambda_http::Request;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let if_match = http::if_match(&request);
    delete_chart(&caller, chart_id, &if_match, &JitteredBackoff, &deps.charts).await?;
    Ok(http::no_content())
}
