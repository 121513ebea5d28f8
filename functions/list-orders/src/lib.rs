//! `GET /orders`: the caller's orders newest first (`?status=` one status); an admin's
//! `?customer_id=` lists that customer's.

use adapters::config::AuthMode;
use adapters::http::{self, Answer, QueryParams};
use adapters::orders::DynamoOrderRepository;
use domain::order::{OrderStatus, list_orders};
use domain::{CustomerId, Limit, Validation};
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
    let params = QueryParams::of(&request);
    let mut validation = Validation::new();
    params.deny_unknown(
        &["limit", "cursor", "status", "customer_id"],
        &mut validation,
    );
    let limit = validation.check("limit", Limit::parse(params.get("limit")));
    let cursor = params.cursor(&mut validation);
    let status = params
        .get("status")
        .map(|s| validation.check("status", OrderStatus::parse(s)));
    let customer = params
        .get("customer_id")
        .map(|c| validation.check("customer_id", CustomerId::parse(c)));
    let (limit, status, customer) = validation.finish(|| {
        Some((
            limit?,
            status.map_or(Some(None), |s| s.map(Some))?,
            customer.map_or(Some(None), |c| c.map(Some))?,
        ))
    })?;
    let page = list_orders(
        &caller,
        customer,
        status,
        limit,
        cursor.as_ref(),
        &deps.orders,
    )
    .await?;
    let page = page.map(|order| serde_json::to_value(order).unwrap_or_default());
    Ok(http::json(StatusCode::OK, &page))
}
