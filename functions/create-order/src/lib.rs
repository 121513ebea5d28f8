//! `POST /orders` (a customer): places an order, idempotently with `Idempotency-Key`.

use adapters::config::AuthMode;
use adapters::events::EventBridgePublisher;
use adapters::http::{self, Answer, Fields, JsonObject, Problem};
use adapters::metrics;
use adapters::orders::DynamoOrderRepository;
use domain::order::{
    CreateOrder, IdempotencyKey, InvalidIdempotencyKey, LineInput, MAX_LINES, OrderRefusal,
    Outcome, create_order,
};
use domain::{Currency, SystemClock, Validation};
use lambda_http::Request;
use lambda_http::http::HeaderValue;

adapters::dependencies! {
    pub struct Deps {
        pub orders: DynamoOrderRepository,
        pub events: EventBridgePublisher,
        pub auth: AuthMode,
        pub currency: Currency,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let caller = http::caller(&request, deps.auth)?;
    let body = http::json_object(&request)?;
    let (command, key) = parse(&request, &body)?;
    let answer = create_order(
        &caller,
        &command,
        key.as_ref(),
        deps.currency,
        &SystemClock,
        &deps.orders,
        &deps.events,
    )
    .await?;
    count_outcome(&answer.outcome, answer.replayed);
    let mut response = match answer.outcome {
        Outcome::Placed(order) => http::created(&format!("/orders/{}", order.id()), &order),
        Outcome::Refused(refusal) => Problem::from(refusal).into_response(),
    };
    if answer.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Orders placed, refused (by reason) and replayed, as metrics.
fn count_outcome(outcome: &Outcome, replayed: bool) {
    if replayed {
        return metrics::count("IdempotentReplays", 1, None);
    }
    match outcome {
        Outcome::Placed(_) => metrics::count("OrdersPlaced", 1, None),
        Outcome::Refused(refusal) => {
            let reason = match refusal {
                OrderRefusal::UnknownProducts { .. } => "unknown_products",
                OrderRefusal::InsufficientStock { .. } => "insufficient_stock",
            };
            metrics::count("OrdersRefused", 1, Some(("reason", reason)));
        }
    }
}

const KEY_HEADER: &str = "idempotency-key";

fn parse(
    request: &Request,
    body: &JsonObject,
) -> Result<(CreateOrder, Option<IdempotencyKey>), Problem> {
    let mut validation = Validation::new();
    let key = request.headers().get(KEY_HEADER).and_then(|value| {
        let parsed = value
            .to_str()
            .map_err(|_| InvalidIdempotencyKey)
            .and_then(IdempotencyKey::parse);
        validation.check(format!("header:{KEY_HEADER}"), parsed)
    });
    let mut fields = Fields::new(body);
    let lines = fields.objects("items", MAX_LINES, &mut validation, |line, validation| {
        LineInput {
            product_id: line.string("product_id", validation),
            quantity: line.integer("quantity", validation),
        }
    });
    fields.finish(validation, |validation| {
        Some((CreateOrder::parse(lines.as_deref(), validation)?, key))
    })
}
