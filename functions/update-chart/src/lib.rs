//! `PATCH /charts/{id}` (the owner): any of `name`, `description`, `recipients` (new ones
//! get an e-mail to confirm); `If-Match` guards against changing a version the client has
//! not seen.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Fields};
use domain::monitoring::{ChartChange, ChartChangeDeps, update_chart};
use domain::{ChartId, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::ChartRecipientsDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let body = http::json_object(&request)?;
    let mut validation = Validation::new();
    let mut fields = Fields::new(&body);
    let input = http::chart_input(&mut fields, &mut validation);
    let change = fields.finish(validation, |validation| {
        ChartChange::parse(input, validation)
    })?;
    let chart = update_chart(
        &caller,
        chart_id,
        change,
        &http::if_match(&request),
        ChartChangeDeps {
            clock: &SystemClock,
            backoff: &JitteredBackoff,
            charts: &deps.charts,
            mailer: &deps.invitations.for_request(&request),
        },
    )
    .await?;
    let etag = http::etag(chart.version());
    Ok(http::tagged(
        http::json(StatusCode::OK, &chart.view()),
        &etag,
    ))
}
