//! `POST /orders` (a customer): places an order, idempotently with `Idempotency-Key`.

use adapters::config::{self, AuthMode, ConfigError, SdkConfig};
use adapters::events::EventBridgePublisher;
use adapters::http::{self, Fields, JsonObject};
use adapters::orders::DynamoOrderRepository;
use adapters::problem::Problem;
use adapters::store::DocumentStore;
use domain::order::{CreateOrder, IdempotencyKey, LineInput, Outcome, create_order};
use domain::{Currency, SystemClock, Validation};
use lambda_http::http::HeaderValue;
use lambda_http::{Body, Request, Response};

pub struct Deps {
    pub orders: DynamoOrderRepository,
    pub events: EventBridgePublisher,
    pub auth: AuthMode,
    pub currency: Currency,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            orders: DynamoOrderRepository::new(DocumentStore::from_env(aws)?),
            events: EventBridgePublisher::from_env(aws)?,
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
    let mut response = match answer.outcome {
        Outcome::Placed(order) => http::created(&format!("/orders/{}", order.id), &order),
        Outcome::Refused(refusal) => Problem::from(refusal).into_response(),
    };
    if answer.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
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
            .map_err(|_| domain::order::InvalidIdempotencyKey)
            .and_then(IdempotencyKey::parse);
        validation.check(format!("header:{KEY_HEADER}"), parsed)
    });
    let mut fields = Fields::new(body);
    let lines = fields.array("items", &mut validation).map(|items| {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("items[{i}]");
                let Some(object) = item.as_object() else {
                    validation.push(path, "must be an object");
                    return LineInput::default();
                };
                let mut line = Fields::nested(object, path);
                let input = LineInput {
                    product_id: line.string("product_id", &mut validation),
                    quantity: line.integer("quantity", &mut validation),
                };
                line.deny_unknown(&mut validation);
                input
            })
            .collect::<Vec<_>>()
    });
    fields.deny_unknown(&mut validation);
    let command = CreateOrder::parse(lines.as_deref(), &mut validation);
    Ok(validation.finish(|| Some((command?, key)))?)
}
