//! `POST /orders/{id}/cancel` (its customer, or an admin): cancels a pending order and
//! returns its stock.

use adapters::http::{self, Answer};
use domain::order::cancel_order;
use domain::{OrderId, SystemClock};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub use adapters::lambda::OrderChangeDeps as Deps;

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let id = http::path_param(&request, "id", OrderId::parse)?;
    let order = cancel_order(&caller, id, &SystemClock, &deps.orders, &deps.events).await?;
    Ok(http::json(StatusCode::OK, &order))
}
