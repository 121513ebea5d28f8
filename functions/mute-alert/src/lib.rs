//! `POST /alerts/{id}/mute` mutes (body optional: `until`, `reason`), `DELETE` unmutes; the
//! chart's owner only. Both answer 200 with the alert.

use adapters::http::{self, Answer, Fields, Problem};
use domain::monitoring::{MuteRequest, mute_alert};
use domain::{AlertId, Clock, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::{Method, StatusCode};

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let alert_id = http::path_param(&request, "id", AlertId::parse)?;
    let now = SystemClock.now();
    let mute = match *request.method() {
        Method::DELETE => None,
        Method::POST => {
            let body = http::optional_json_object(&request)?;
            let mut validation = Validation::new();
            let mut fields = Fields::new(&body);
            let until = fields.string("until", &mut validation);
            let reason = fields.string("reason", &mut validation);
            Some(fields.finish(validation, |validation| {
                MuteRequest::parse(until, reason, now, validation)
            })?)
        }
        _ => return Err(Problem::method_not_allowed()),
    };
    let alert = mute_alert(&caller, alert_id, mute, now, &deps.charts).await?;
    let etag = http::etag(alert.version());
    Ok(http::tagged(
        http::json(StatusCode::OK, &alert.view(now)),
        &etag,
    ))
}
