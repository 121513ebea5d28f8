//! [`create_order`]: idempotent, stock taken for all lines or none, an event for every stored
//! order.

use super::command::CreateOrder;
use super::idempotency::{IdempotencyKey, KeyClaim, KeyState, Outcome};
use super::model::Order;
use super::model::OrderEvent;
use super::ports::{IdempotencyStore, OrderStore, PlaceRefused, ProductReader};
use crate::events::{EventPublisher, Outbox, publish_now};
use crate::{Caller, Causes, Clock, Currency, ProductId, Timestamp, Unexpected};

/// The answer to a create: the outcome, and whether it is a replay of an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrderAnswer {
    pub outcome: Outcome,
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateOrderError {
    #[error("this idempotency key was used with a different request")]
    KeyReused,
    #[error("a request with this idempotency key is still in flight")]
    InFlight,
    #[error("could not create the order")]
    Unexpected(#[source] Unexpected),
}

/// Places an order for the caller. With an idempotency key, a repeat of the same request
/// answers the first outcome again, and creates nothing.
pub async fn create_order(
    caller: &Caller,
    command: &CreateOrder,
    key: Option<&IdempotencyKey>,
    currency: Currency,
    clock: &impl Clock,
    store: &(impl ProductReader + IdempotencyStore + OrderStore + Outbox),
    events: &impl EventPublisher,
) -> Result<CreateOrderAnswer, CreateOrderError> {
    let now = clock.now();
    let claim = match key {
        None => None,
        Some(key) => match claim(caller, command, key, now, store).await? {
            Ok(claim) => Some(claim),
            Err(replay) => return Ok(replay),
        },
    };
    let outcome = match place(caller, command, currency, now, claim.as_ref(), store).await {
        Ok((order, event)) => {
            // The event is stored with the order; publishing now is only the fast path.
            publish_now(&event.into(), store, events).await;
            Outcome::Placed(order)
        }
        Err(PlaceRefused::Refused(refusal)) => {
            if let Some(claim) = &claim {
                store
                    .settle_key(claim, &refusal)
                    .await
                    .map_err(CreateOrderError::Unexpected)?;
            }
            Outcome::Refused(refusal)
        }
        Err(PlaceRefused::KeyLost) => return Err(CreateOrderError::InFlight),
        Err(PlaceRefused::Unexpected(error)) => {
            if let Some(claim) = &claim {
                release(claim, store).await;
            }
            return Err(CreateOrderError::Unexpected(error));
        }
    };
    Ok(CreateOrderAnswer {
        outcome,
        replayed: false,
    })
}

/// The key claimed for this request, or the answer a repeat of it gets.
async fn claim(
    caller: &Caller,
    command: &CreateOrder,
    key: &IdempotencyKey,
    now: Timestamp,
    keys: &impl IdempotencyStore,
) -> Result<Result<KeyClaim, CreateOrderAnswer>, CreateOrderError> {
    let fingerprint = command.fingerprint();
    let state = keys
        .claim_key(&caller.customer_id, key, &fingerprint, now)
        .await
        .map_err(CreateOrderError::Unexpected)?;
    match state {
        KeyState::Claimed { version } => Ok(Ok(KeyClaim {
            customer_id: caller.customer_id.clone(),
            key: key.clone(),
            fingerprint,
            version,
        })),
        KeyState::InFlight { fingerprint: first }
        | KeyState::Completed {
            fingerprint: first, ..
        } if first != fingerprint => Err(CreateOrderError::KeyReused),
        KeyState::InFlight { .. } => Err(CreateOrderError::InFlight),
        KeyState::Completed { outcome, .. } => Ok(Err(CreateOrderAnswer {
            outcome,
            replayed: true,
        })),
    }
}

async fn place(
    caller: &Caller,
    command: &CreateOrder,
    currency: Currency,
    now: Timestamp,
    claim: Option<&KeyClaim>,
    store: &(impl ProductReader + OrderStore),
) -> Result<(Order, OrderEvent), PlaceRefused> {
    let ids: Vec<ProductId> = command.lines().iter().map(|l| l.product_id).collect();
    let products = store
        .products(&ids)
        .await
        .map_err(PlaceRefused::Unexpected)?;
    let (order, event) = Order::place(
        caller.customer_id.clone(),
        caller.email.clone(),
        command.lines(),
        &products,
        currency,
        now,
    )
    .map_err(PlaceRefused::Refused)?;
    store.place(&order, &event, claim).await?;
    Ok((order, event))
}

/// Gives up a key after a failed attempt; if that fails too, the key frees itself when its
/// lease runs out, so a retry is only delayed.
async fn release(claim: &KeyClaim, keys: &impl IdempotencyStore) {
    if let Err(error) = keys.release_key(claim).await {
        tracing::warn!(
            error = %Causes(error.as_ref()),
            "could not release an idempotency key; a retry waits for its lease to run out"
        );
    }
}
