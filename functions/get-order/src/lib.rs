//! `GET /orders/{id}` (its customer, or an admin).

use adapters::config::AuthMode;
use adapters::http::{self, Answer};
use adapters::orders::DynamoOrderRepository;
use domain::OrderId;
use domain::order::get_order;
use lambda_http::Request;
use lambda_http::http::StatusCode;

adapters::dependencies! {
    pub struct Deps {
        pub orders: DynamoOrderRepository,
        pub auth: AuthMode,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let id = http::path_param(&request, "id", OrderId::parse)?;
    let order = get_order(&caller, id, &deps.orders).await?;
    Ok(http::json(StatusCode::OK, &order))
}
