//! `POST /charts` (a customer, who owns it).

use adapters::http::{self, Answer, Fields};
use domain::monitoring::{CreateChart, CreateChartInput, create_chart};
use domain::{SystemClock, Validation};
use lambda_http::Request;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let body = http::json_object(&request)?;
    let mut validation = Validation::new();
    let mut fields = Fields::new(&body);
    let given = http::chart_input(&mut fields, &mut validation);
    let input = CreateChartInput {
        name: given.name,
        description: given.description,
        recipients: given.recipients,
    };
    let command = fields.finish(validation, |validation| {
        CreateChart::parse(input, validation)
    })?;
    let chart = create_chart(&caller, command, &SystemClock, &deps.charts).await?;
    let location = format!("/charts/{}", chart.id());
    let etag = http::etag(chart.version());
    Ok(http::tagged(http::created(&location, &chart.view()), &etag))
}
