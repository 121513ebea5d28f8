//! `GET /alerts/{id}` (the chart's owner): the alert with its newest 50 state changes.

use adapters::http::{self, Answer};
use domain::monitoring::get_alert;
use domain::{AlertId, Clock, SystemClock};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let alert_id = http::path_param(&request, "id", AlertId::parse)?;
    let alert = get_alert(&caller, alert_id, &deps.charts).await?;
    let etag = http::etag(alert.version());
    if http::not_modified_since(&request, &etag) {
        return Ok(http::not_modified(&etag));
    }
    let details = alert.details(SystemClock.now());
    Ok(http::tagged(http::json(StatusCode::OK, &details), &etag))
}
