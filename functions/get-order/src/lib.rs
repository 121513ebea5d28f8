//! `GET /orders/{id}` (its customer, or an admin).

use adapters::config::{self, AuthMode, ConfigError, SdkConfig};
use adapters::http;
use adapters::orders::DynamoOrderRepository;
use adapters::problem::Problem;
use adapters::store::DocumentStore;
use domain::OrderId;
use domain::order::get_order;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub orders: DynamoOrderRepository,
    pub auth: AuthMode,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            orders: DynamoOrderRepository::new(DocumentStore::from_env(aws)?),
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
    let id = http::path_param(&request, "id", OrderId::parse)?;
    let order = get_order(&caller, id, &deps.orders).await?;
    Ok(http::json(StatusCode::OK, &order))
}
