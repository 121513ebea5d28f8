//! `POST /products` (admins): adds a product to the catalog.

use adapters::catalog::DynamoProductRepository;
use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use domain::catalog::{CreateProduct, CreateProductInput, create_product};
use domain::{Currency, SystemClock, Validation};
use lambda_http::Request;

adapters::dependencies! {
    pub struct Deps {
        pub products: DynamoProductRepository,
        pub events: EventBridgePublisher,
        pub auth: AuthMode,
        pub currency: Currency,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let command = parse(&http::json_object(&request)?)?;
    let product = create_product(
        &caller,
        command,
        deps.currency,
        &SystemClock,
        &deps.products,
        &deps.events,
    )
    .await?;
    let location = format!("/products/{}", product.id());
    adapters::metrics::count("ProductsChanged", 1, None);
    let etag = http::etag(product.version());
    Ok(http::tagged(http::created(&location, &product), &etag))
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
    fields.finish(validation, |validation| {
        CreateProduct::parse(input, validation)
    })
}
