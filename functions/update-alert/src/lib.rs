//! `PATCH /alerts/{id}` (the chart's owner): any of the alert's fields, with the rules of a
//! new alert; a change of what it evaluates puts it back to `ok`.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Fields};
use domain::monitoring::{AlertChange, update_alert};
use domain::{AlertId, Clock, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let alert_id = http::path_param(&request, "id", AlertId::parse)?;
    let body = http::json_object(&request)?;
    let mut validation = Validation::new();
    let mut fields = Fields::new(&body);
    let input = http::alert_input(&mut fields, &mut validation);
    let change = fields.finish(validation, |validation| {
        AlertChange::parse(input, validation)
    })?;
    let alert = update_alert(
        &caller,
        alert_id,
        change,
        &http::if_match(&request),
        &SystemClock,
        &JitteredBackoff,
        &deps.charts,
    )
    .await?;
    let etag = http::etag(alert.version());
    let view = alert.view(SystemClock.now());
    Ok(http::tagged(http::json(StatusCode::OK, &view), &etag))
}
