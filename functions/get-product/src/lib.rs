//! `GET /products/{id}` (anyone): one product, active or not.

use adapters::config::{ConfigError, SdkConfig};
use adapters::http;
use adapters::problem::Problem;
use adapters::products::DynamoProductRepository;
use adapters::store::DocumentStore;
use domain::ProductId;
use domain::product::get_product;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub products: DynamoProductRepository,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            products: DynamoProductRepository::new(DocumentStore::from_env(aws)?),
        })
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Response<Body> {
    run(request, deps)
        .await
        .unwrap_or_else(Problem::into_response)
}

async fn run(request: Request, deps: &Deps) -> Result<Response<Body>, Problem> {
    let id = http::path_param(&request, "id", ProductId::parse)?;
    let product = get_product(id, &deps.products).await?;
    Ok(http::json(StatusCode::OK, &product))
}
