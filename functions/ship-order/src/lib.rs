//! `POST /orders/{id}/ship` (admin): a pending order becomes `shipped` and `OrderShipped` is published; 409 from any other status.

use adapters::http::{self, Answer};
use domain::order::{Fulfilment, fulfil_order};
use domain::{OrderId, SystemClock};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::OrderChangeDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let id = http::path_param(&request, "id", OrderId::parse)?;
    let step = Fulfilment::Ship;
    let order = fulfil_order(&caller, id, step, &SystemClock, &deps.orders, &deps.events).await?;
    Ok(http::json(StatusCode::OK, &order))
}
