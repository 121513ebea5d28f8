//! `GET /charts` (a customer): their charts, newest first, a page at a time, each with its
//! series' names and alert count.

use adapters::http::{self, Answer};
use domain::monitoring::list_charts;
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let (limit, cursor) = http::page_params(&request)?;
    let page = list_charts(&caller, limit, cursor.as_ref(), &deps.charts).await?;
    let page = page.map(|chart| serde_json::to_value(chart.summary()).unwrap_or_default());
    Ok(http::json(StatusCode::OK, &page))
}
