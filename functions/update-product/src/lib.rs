//! `PATCH /products/{id}` (admins): any of `name`, `description`, `category`, `price`,
//! `active`, and `stock_change` added to the stock atomically with orders; `If-Match` guards
//! against changing a version the client has not seen. Publishes `ProductUpdated`.

use adapters::backoff::JitteredBackoff;
use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use domain::catalog::{ProductChange, ProductChangeInput, update_product};
use domain::{ProductId, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::StatusCode;

adapters::dependencies! {
    pub struct Deps {
        pub products: DynamoProductRepository,
        pub events: EventBridgePublisher,
        pub auth: AuthMode,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let id = http::path_param(&request, "id", ProductId::parse)?;
    let change = parse(&http::json_object(&request)?)?;
    let product = update_product(
        &caller,
        id,
        &change,
        &http::if_match(&request),
        &SystemClock,
        &JitteredBackoff,
        &deps.products,
        &deps.events,
    )
    .await?;
    adapters::metrics::count("ProductsChanged", 1, None);
    let etag = http::etag(product.version());
    Ok(http::tagged(http::json(StatusCode::OK, &product), &etag))
}

fn parse(body: &JsonObject) -> Result<ProductChange, Problem> {
    let mut validation = Validation::new();
    let mut fields = Fields::new(body);
    let input = ProductChangeInput {
        name: fields.string("name", &mut validation),
        description: fields.string("description", &mut validation),
        category: fields.string("category", &mut validation),
        price: fields.string("price", &mut validation),
        active: fields.boolean("active", &mut validation),
        stock_change: fields.integer("stock_change", &mut validation),
    };
    fields.finish(validation, |validation| {
        ProductChange::parse(input, validation)
    })
}
