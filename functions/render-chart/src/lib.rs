//! `GET /charts/{id}/image` (the owner): the chart as a standalone SVG line chart of the
//! chosen series (`?series=`, `?points=` as for the chart), each alert's threshold dashed on
//! its series, `?width=` x `?height=` pixels.

use adapters::http::{self, Answer, QueryParams};
use adapters::picture::{self, Size};
use domain::monitoring::get_chart;
use domain::{ChartId, Validation};
use lambda_http::Request;

pub use adapters::lambda::ChartOwnerDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let params = QueryParams::of(&request);
    let mut validation = Validation::new();
    params.deny_unknown(&["points", "series", "width", "height"], &mut validation);
    let choice = http::series_choice(&params, true, &mut validation);
    let size = picture::size(&params, &mut validation);
    let (choice, size): (_, Size) = validation.finish(|| choice.zip(size))?;
    let data = get_chart(&caller, chart_id, &choice, &deps.charts).await?;
    Ok(picture::svg_response(&data, size))
}
