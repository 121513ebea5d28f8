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
    let input = CreateChartInput {
        name: fields.string("name", &mut validation),
        description: fields.string("description", &mut validation),
        recipients: fields
            .array("recipients", &mut validation)
            .map(|list| list.iter().map(|v| v.as_str()).collect()),
    };
    let command = fields.finish(validation, |validation| {
        CreateChart::parse(input, validation)
    })?;
    let chart = create_chart(&caller, command, &SystemClock, &deps.charts).await?;
    Ok(http::created(
        &format!("/charts/{}", chart.id()),
        &chart.view(),
    ))
}
