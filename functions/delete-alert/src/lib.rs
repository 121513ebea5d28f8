//! `DELETE /alerts/{id}` (the chart's owner): 204; its place under the chart's 50 is free.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer};
use domain::AlertId;
use domain::monitoring::delete_alert;
use lambda_http::Request;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let alert_id = http::path_param(&request, "id", AlertId::parse)?;
    let if_match = http::if_match(&request);
    delete_alert(&caller, alert_id, &if_match, &JitteredBackoff, &deps.charts).await?;
    Ok(http::no_content())
}
