//! `POST /products` (admins): adds a product to the catalog.

use adapters::config::{self, AuthMode, ConfigError};
use adapters::http::{self, Fields, JsonObject};
use adapters::problem::Problem;
use adapters::products::DynamoProductRepository;
use adapters::store::DocumentStore;
use domain::product::{CreateProduct, CreateProductInput, create_product};
use domain::{Currency, SystemClock, Validation};
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub products: DynamoProductRepository,
    pub auth: AuthMode,
    pub currency: Currency,
}

impl Deps {
    pub fn from_env(aws: &config::SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            products: DynamoProductRepository::new(DocumentStore::from_env(aws)?),
            auth: config::auth_mode()?,
            currency: config::currency()?,
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
    let body = http::json_object(&request)?;
    let command = parse(&body)?;
    let product = create_product(
        &caller,
        command,
        deps.currency,
        &SystemClock,
        &deps.products,
    )
    .await?;
    Ok(http::created(
        &format!("/products/{}", product.id),
        &product,
    ))
}

fn parse(body: &JsonObject) -> Result<CreateProduct, Problem> {
    let mut validation = Validation::new();
    let mut fields = Fields::new(body);
    let input = CreateProductInput {
        name: fields.string("name", &mut validation),
        description: fields.string("description", &mut validation),
        category: fields.string("category", &mut validation),
        price: fields.string("price", &mut validation),
        stock: fields.integer("stock", &mut validation),
        active: fields.boolean("active", &mut validation),
    };
    fields.deny_unknown(&mut validation);
    let command = CreateProduct::parse(input, &mut validation);
    Ok(validation.finish(|| command)?)
}
