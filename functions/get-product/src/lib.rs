//! `GET /products/{id}` (anyone): one product, active or not, with its `ETag`
//! (`If-None-Match` naming it: 304).

use adapters::catalog::DynamoProductRepository;
use adapters::http::{self, Answer};
use domain::ProductId;
use domain::catalog::get_product;
use lambda_http::Request;
use lambda_http::http::StatusCode;

adapters::dependencies! {
    pub struct Deps {
        pub products: DynamoProductRepository,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let id = http::path_param(&request, "id", ProductId::parse)?;
    let product = get_product(id, &deps.products).await?;
    let etag = http::etag(product.version());
    if http::not_modified_since(&request, &etag) {
        return Ok(http::not_modified(&etag));
    }
    Ok(http::tagged(http::json(StatusCode::OK, &product), &etag))
}
