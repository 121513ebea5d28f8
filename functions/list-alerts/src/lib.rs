//! `GET /charts/{id}/alerts` (the owner): the chart's alerts, a page at a time.

use adapters::config::{self, AuthMode, ConfigError, SdkConfig};
use adapters::http;
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::problem::Problem;
use adapters::store::DocumentStore;
use domain::monitoring::list_alerts;
use domain::{ChartId, Clock, SystemClock};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub charts: DynamoMonitoringRepository,
    pub auth: AuthMode,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            charts: DynamoMonitoringRepository::new(DocumentStore::from_env(aws)?),
            auth: config::auth_mode()?,
        })
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Response<Body> {
    run(request, deps)
        .await
        .unwrap_or_else(Problem::into_response)
}

async fn run(request: Request, deps: &Deps) -> Result<Response<Body>, Problem> {
    let caller = http::caller(&request, deps.auth)?;
    let chart_id = http::path_param(&request, "id", ChartId::parse)?;
    let (limit, cursor) = http::page_params(&request)?;
    let page = list_alerts(&caller, chart_id, limit, cursor.as_ref(), &deps.charts).await?;
    let now = SystemClock.now();
    let page = page.map(|alert| serde_json::to_value(alert.view(now)).unwrap_or_default());
    Ok(http::json(StatusCode::OK, &page))
}
