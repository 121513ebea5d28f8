//! `GET /charts/{id}/alerts` (the owner): the chart's alerts, a page at a time.

use adapters::http::{self, Answer};
use domain::monitoring::list_alerts;
use domain::{ChartId, Clock, SystemClock};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let (limit, cursor) = http::page_params(&request)?;
    let page = list_alerts(&caller, chart_id, limit, cursor.as_ref(), &deps.charts).await?;
    let now = SystemClock.now();
    let page = page.map(|alert| serde_json::to_value(alert.view(now)).unwrap_or_default());
    Ok(http::json(StatusCode::OK, &page))
}
