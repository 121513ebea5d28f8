//! `POST /charts` (a customer, who owns it, up to `MAX_CHARTS_PER_CUSTOMER`); each recipient
//! gets an e-mail to confirm.

use adapters::http::{self, Answer, Fields};
use adapters::lambda::MaxCharts;
use adapters::mail::Invitations;
use adapters::monitoring::DynamoMonitoringRepository;
use domain::monitoring::{CreateChart, CreateChartInput, create_chart};
use domain::{SystemClock, Validation};
use lambda_http::Request;

adapters::dependencies! {
    pub struct Deps {
        pub charts: DynamoMonitoringRepository,
        pub auth: adapters::config::AuthMode,
        pub invitations: Invitations,
        pub max_charts: MaxCharts,
    }
}

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
    let invitations = deps.invitations.for_request(&request);
    let chart = create_chart(
        &caller,
        command,
        deps.max_charts.0,
        &SystemClock,
        &deps.charts,
        &invitations,
    )
    .await?;
    let location = format!("/charts/{}", chart.id());
    let etag = http::etag(chart.version());
    Ok(http::tagged(http::created(&location, &chart.view()), &etag))
}
