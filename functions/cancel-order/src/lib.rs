//! `POST /orders/{id}/cancel` (its customer, or an admin): cancels a pending order and
//! returns its stock.

use adapters::config::{self, AuthMode, ConfigError, SdkConfig};
use adapters::events::EventBridgePublisher;
use adapters::http;
use adapters::orders::DynamoOrderRepository;
use adapters::problem::Problem;
use adapters::store::DocumentStore;
use domain::order::cancel_order;
use domain::{OrderId, SystemClock};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub orders: DynamoOrderRepository,
    pub events: EventBridgePublisher,
    pub auth: AuthMode,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            orders: DynamoOrderRepository::new(DocumentStore::from_env(aws)?),
            events: EventBridgePublisher::from_env(aws)?,
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
    let order = cancel_order(&caller, id, &SystemClock, &deps.orders, &deps.events).await?;
    Ok(http::json(StatusCode::OK, &order))
}
