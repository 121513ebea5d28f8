//! `POST /charts` (a customer, who owns it).

use adapters::http::{self, Fields};
use adapters::problem::Problem;
use domain::monitoring::chart::{CreateChart, CreateChartInput};
use domain::monitoring::create_chart;
use domain::{SystemClock, Validation};
use lambda_http::{Body, Request, Response};

pub use adapters::monitoring::HttpDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Response<Body> {
    run(request, deps)
        .await
        .unwrap_or_else(Problem::into_response)
}

async fn run(request: Request, deps: &Deps) -> Result<Response<Body>, Problem> {
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
    fields.deny_unknown(&mut validation);
    let command = CreateChart::parse(input, &mut validation);
    let command = validation.finish(|| command)?;
    let chart = create_chart(&caller, command, &SystemClock, &deps.charts).await?;
    Ok(http::created(
        &format!("/charts/{}", chart.id),
        &chart.view(),
    ))
}
