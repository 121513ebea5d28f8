//! The [`Order`] aggregate and its use cases: [`create_order`] (idempotent, stock taken for all
//! lines or none, an event for every stored order), [`get_order`], [`cancel_order`], and
//! [`publish_pending_events`], the sweep that publishes what a failed publish left behind.

use crate::product::Product;
use crate::{
    Caller, Clock, Currency, CustomerId, EventId, Money, OrderId, ProductId, Timestamp, Unexpected,
    Validation,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

pub const MAX_LINES: usize = 25;
pub const MAX_QUANTITY: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Cancelled,
    Shipped,
    Delivered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: ProductId,
    pub name: String,
    pub unit_price: Money,
    pub quantity: u32,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub customer_id: CustomerId,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub total: Money,
    pub currency: Currency,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A line as asked for: one product, 1 to 1000 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    pub product_id: ProductId,
    pub quantity: u32,
}

/// The command to order: 1 to 25 lines as sent, merged per product (in order of first
/// appearance), each merged quantity 1 to 1000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    lines: Vec<LineRequest>,
}

/// One line of a request body before validation; `None` where the field was missing or of
/// the wrong type (already reported).
#[derive(Debug, Clone, Default)]
pub struct LineInput<'a> {
    pub product_id: Option<&'a str>,
    pub quantity: Option<i64>,
}

impl CreateOrder {
    pub fn parse(lines: Option<&[LineInput<'_>]>, validation: &mut Validation) -> Option<Self> {
        let Some(lines) = lines else {
            validation.push("items", "is required");
            return None;
        };
        if lines.is_empty() || lines.len() > MAX_LINES {
            validation.push("items", format!("must hold 1 to {MAX_LINES} lines"));
            return None;
        }
        let mut merged: Vec<LineRequest> = Vec::new();
        let mut valid = true;
        for (i, line) in lines.iter().enumerate() {
            let id = match line.product_id {
                Some(text) => {
                    validation.check(format!("items[{i}].product_id"), ProductId::parse(text))
                }
                None => {
                    validation.push(format!("items[{i}].product_id"), "is required");
                    None
                }
            };
            let quantity = match line.quantity {
                Some(q) if (1..=i64::from(MAX_QUANTITY)).contains(&q) => u32::try_from(q).ok(),
                Some(_) => {
                    validation.push(
                        format!("items[{i}].quantity"),
                        format!("must be an integer from 1 to {MAX_QUANTITY}"),
                    );
                    None
                }
                None => {
                    validation.push(format!("items[{i}].quantity"), "is required");
                    None
                }
            };
            let (Some(product_id), Some(quantity)) = (id, quantity) else {
                valid = false;
                continue;
            };
            match merged.iter_mut().find(|l| l.product_id == product_id) {
                Some(existing) => {
                    existing.quantity += quantity;
                    if existing.quantity > MAX_QUANTITY {
                        validation.push(
                            format!("items[{i}].quantity"),
                            format!("lines of one product may add up to at most {MAX_QUANTITY}"),
                        );
                        valid = false;
                    }
                }
                None => merged.push(LineRequest {
                    product_id,
                    quantity,
                }),
            }
        }
        valid.then_some(Self { lines: merged })
    }

    pub fn lines(&self) -> &[LineRequest] {
        &self.lines
    }

    /// What identifies the request for idempotency: the merged lines in product order, so
    /// the same order written differently is the same request.
    pub fn fingerprint(&self) -> String {
        let lines: BTreeMap<String, u32> = self
            .lines
            .iter()
            .map(|l| (l.product_id.to_string(), l.quantity))
            .collect();
        serde_json::to_string(&lines).unwrap_or_default()
    }
}

/// Why an order was not placed, as the client is told (and told again on a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderRefusal {
    #[error("unknown or inactive products: {}", list(.product_ids))]
    UnknownProducts { product_ids: Vec<ProductId> },
    #[error("not enough stock for {}", shortages.iter().map(|s| format!("{} ({} left)", s.product_id, s.available)).collect::<Vec<_>>().join(", "))]
    InsufficientStock { shortages: Vec<Shortage> },
}

fn list(ids: &[ProductId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    pub product_id: ProductId,
    pub requested: u32,
    pub available: u32,
}

/// A client's key making retries of one request safe: 1 to 255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 255 printable ASCII characters")]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, InvalidIdempotencyKey> {
        if (1..=255).contains(&text.len()) && text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidIdempotencyKey)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long an idempotency key is remembered (at least; storage may keep it longer).
pub const IDEMPOTENCY_RETENTION_SECONDS: i64 = 24 * 3600;
/// How long a first attempt holds its key before another may take over (a crashed attempt
/// must not block the key): longer than any function's timeout.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 60;

/// The first answer to an idempotent request, kept to answer its replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Placed(Order),
    Refused(OrderRefusal),
}

/// What a key's record says when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key is ours now: go ahead. `version` is handed back when the outcome is stored.
    Claimed { version: u64 },
    /// Another attempt holds it and its lease has not run out.
    InFlight { fingerprint: String },
    Completed {
        fingerprint: String,
        outcome: Outcome,
    },
}

/// An idempotency key as held by one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyClaim {
    pub customer_id: CustomerId,
    pub key: IdempotencyKey,
    pub fingerprint: String,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEventKind {
    OrderCreated,
    OrderCancelled,
}

impl OrderEventKind {
    pub fn detail_type(self) -> &'static str {
        match self {
            OrderEventKind::OrderCreated => "OrderCreated",
            OrderEventKind::OrderCancelled => "OrderCancelled",
        }
    }
}

/// A domain event, stored with the change that causes it and published after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub event_id: EventId,
    pub kind: OrderEventKind,
    pub order: Order,
    pub occurred_at: Timestamp,
}

pub const EVENT_SOURCE: &str = "shop.orders";

impl OrderEvent {
    fn new(kind: OrderEventKind, order: &Order) -> Self {
        Self {
            event_id: EventId::new(),
            kind,
            order: order.clone(),
            occurred_at: order.updated_at,
        }
    }

    /// The event's `detail`: the order's fields plus `event_id`.
    pub fn detail(&self) -> serde_json::Value {
        let mut detail = serde_json::to_value(&self.order).unwrap_or_default();
        if let Some(fields) = detail.as_object_mut() {
            fields.insert("event_id".into(), serde_json::json!(self.event_id));
        }
        detail
    }
}

impl Order {
    /// Prices each line at the catalog's current price. `products` must hold every line's
    /// product, active; otherwise the refusal names the ones that are not.
    pub fn price(
        id: OrderId,
        customer_id: CustomerId,
        lines: &[LineRequest],
        products: &[Product],
        currency: Currency,
        now: Timestamp,
    ) -> Result<Order, OrderRefusal> {
        let find = |id: &ProductId| products.iter().find(|p| p.id == *id && p.active);
        let unknown: Vec<ProductId> = lines
            .iter()
            .filter(|l| find(&l.product_id).is_none())
            .map(|l| l.product_id)
            .collect();
        if !unknown.is_empty() {
            return Err(OrderRefusal::UnknownProducts {
                product_ids: unknown,
            });
        }
        let mut items = Vec::with_capacity(lines.len());
        let mut total = Money::ZERO;
        for line in lines {
            let product = find(&line.product_id).ok_or(OrderRefusal::UnknownProducts {
                product_ids: vec![line.product_id],
            })?;
            let unit_price = product.price.money();
            // 1,000,000.00 x 1000 x 25 lines is far inside a decimal's range.
            let line_total = unit_price.checked_mul(line.quantity).unwrap_or(unit_price);
            total = total.checked_add(line_total).unwrap_or(total);
            items.push(OrderLine {
                product_id: line.product_id,
                name: product.name.as_str().to_owned(),
                unit_price,
                quantity: line.quantity,
                line_total,
            });
        }
        Ok(Order {
            id,
            customer_id,
            status: OrderStatus::Pending,
            items,
            total,
            currency,
            created_at: now,
            updated_at: now,
        })
    }

    /// Only a pending order can be cancelled.
    pub fn cancel(&self, now: Timestamp) -> Option<Order> {
        (self.status == OrderStatus::Pending).then(|| Order {
            status: OrderStatus::Cancelled,
            updated_at: now,
            ..self.clone()
        })
    }
}

/// Why the repository did not place an order.
#[derive(Debug, thiserror::Error)]
pub enum PlaceRefused {
    #[error(transparent)]
    Refused(OrderRefusal),
    /// Another attempt took the idempotency key over (this one outlived its lease).
    #[error("the idempotency key was taken over by another attempt")]
    KeyLost,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Where orders, their idempotency keys and their pending events are kept.
pub trait OrderRepository: Send + Sync {
    /// The products of these ids that exist (active or not), in one read.
    fn products(
        &self,
        ids: &[ProductId],
    ) -> impl Future<Output = Result<Vec<Product>, Unexpected>> + Send;

    /// Claims `key` for a request with `fingerprint`: a fresh key, or one whose earlier
    /// attempt's lease ran out, becomes [`KeyState::Claimed`]; otherwise the key's state.
    fn claim_key(
        &self,
        customer_id: &CustomerId,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<KeyState, Unexpected>> + Send;

    /// In one transaction: takes every line's stock (each conditioned on enough stock and the
    /// product being active), stores the order and its event, and records the outcome under
    /// the claimed key. Nothing is written when any condition fails; the refusal names every
    /// short or inactive product, from what the store saw.
    fn place(
        &self,
        order: &Order,
        event: &OrderEvent,
        claim: Option<&KeyClaim>,
    ) -> impl Future<Output = Result<(), PlaceRefused>> + Send;

    /// Records a refusal as the outcome of a claimed key, for its replays.
    fn settle_key(
        &self,
        claim: &KeyClaim,
        refusal: &OrderRefusal,
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// Gives a claimed key up after an unexpected failure, so a retry can run.
    fn release_key(&self, claim: &KeyClaim) -> impl Future<Output = Result<(), Unexpected>> + Send;

    /// The order and the version it was read at.
    fn get(
        &self,
        id: &OrderId,
    ) -> impl Future<Output = Result<Option<(Order, u64)>, Unexpected>> + Send;

    /// In one transaction: saves the cancelled order if it is still at `version`, returns
    /// every line's stock, and stores the event. `Ok(false)` when the order changed since.
    fn cancel(
        &self,
        cancelled: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> impl Future<Output = Result<bool, Unexpected>> + Send;

    /// Events stored but not yet published, oldest first.
    fn pending_events(
        &self,
        limit: u16,
    ) -> impl Future<Output = Result<Vec<OrderEvent>, Unexpected>> + Send;

    /// Forgets events that were published.
    fn mark_published(
        &self,
        events: &[OrderEvent],
    ) -> impl Future<Output = Result<(), Unexpected>> + Send;
}

/// Where events go (EventBridge). At least once: a repeat carries the same `event_id`.
pub trait EventPublisher: Send + Sync {
    /// Publishes all of them, or fails (then they stay pending and are published later).
    fn publish(&self, events: &[OrderEvent])
    -> impl Future<Output = Result<(), Unexpected>> + Send;
}

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
    orders: &impl OrderRepository,
    events: &impl EventPublisher,
) -> Result<CreateOrderAnswer, CreateOrderError> {
    let now = clock.now();
    let fingerprint = command.fingerprint();
    let claim = match key {
        None => None,
        Some(key) => match orders
            .claim_key(&caller.customer_id, key, &fingerprint, now)
            .await
            .map_err(CreateOrderError::Unexpected)?
        {
            KeyState::Claimed { version } => Some(KeyClaim {
                customer_id: caller.customer_id.clone(),
                key: key.clone(),
                fingerprint: fingerprint.clone(),
                version,
            }),
            KeyState::InFlight { fingerprint: first }
            | KeyState::Completed {
                fingerprint: first, ..
            } if first != fingerprint => {
                return Err(CreateOrderError::KeyReused);
            }
            KeyState::InFlight { .. } => return Err(CreateOrderError::InFlight),
            KeyState::Completed { outcome, .. } => {
                return Ok(CreateOrderAnswer {
                    outcome,
                    replayed: true,
                });
            }
        },
    };

    let result = place(caller, command, currency, now, claim.as_ref(), orders).await;
    let outcome = match result {
        Ok(event) => {
            // The event is stored with the order; publishing now is only the fast path.
            publish_now(&event, orders, events).await;
            Outcome::Placed(event.order)
        }
        Err(PlaceRefused::Refused(refusal)) => {
            if let Some(claim) = &claim {
                orders
                    .settle_key(claim, &refusal)
                    .await
                    .map_err(CreateOrderError::Unexpected)?;
            }
            Outcome::Refused(refusal)
        }
        Err(PlaceRefused::KeyLost) => return Err(CreateOrderError::InFlight),
        Err(PlaceRefused::Unexpected(error)) => {
            if let Some(claim) = &claim {
                // A failed release only delays a retry until the lease runs out.
                let _ = orders.release_key(claim).await;
            }
            return Err(CreateOrderError::Unexpected(error));
        }
    };
    Ok(CreateOrderAnswer {
        outcome,
        replayed: false,
    })
}

async fn place(
    caller: &Caller,
    command: &CreateOrder,
    currency: Currency,
    now: Timestamp,
    claim: Option<&KeyClaim>,
    orders: &impl OrderRepository,
) -> Result<OrderEvent, PlaceRefused> {
    let ids: Vec<ProductId> = command.lines().iter().map(|l| l.product_id).collect();
    let products = orders
        .products(&ids)
        .await
        .map_err(PlaceRefused::Unexpected)?;
    let order = Order::price(
        OrderId::new(),
        caller.customer_id.clone(),
        command.lines(),
        &products,
        currency,
        now,
    )
    .map_err(PlaceRefused::Refused)?;
    let event = OrderEvent::new(OrderEventKind::OrderCreated, &order);
    orders.place(&order, &event, claim).await?;
    Ok(event)
}

/// Publishes one just-stored event; on failure it stays pending for the sweep.
async fn publish_now(
    event: &OrderEvent,
    orders: &impl OrderRepository,
    events: &impl EventPublisher,
) -> bool {
    let events_to_send = std::slice::from_ref(event);
    if events.publish(events_to_send).await.is_err() {
        return false;
    }
    orders.mark_published(events_to_send).await.is_ok()
}

#[derive(Debug, thiserror::Error)]
pub enum GetOrderError {
    #[error("no order with id {0}")]
    NotFound(OrderId),
    #[error("could not read the order")]
    Unexpected(#[source] Unexpected),
}

/// The order, for its customer or an admin; anyone else is told it does not exist.
pub async fn get_order(
    caller: &Caller,
    id: OrderId,
    orders: &impl OrderRepository,
) -> Result<Order, GetOrderError> {
    match orders.get(&id).await.map_err(GetOrderError::Unexpected)? {
        Some((order, _)) if caller.may_access(&order.customer_id) => Ok(order),
        _ => Err(GetOrderError::NotFound(id)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CancelOrderError {
    #[error("no order with id {0}")]
    NotFound(OrderId),
    #[error("only a pending order can be cancelled; this one is {0:?}")]
    NotPending(OrderStatus),
    #[error("could not cancel the order")]
    Unexpected(#[source] Unexpected),
}

/// Cancels a pending order of the caller's (or any, for an admin) and returns its stock,
/// exactly once however many cancels race.
pub async fn cancel_order(
    caller: &Caller,
    id: OrderId,
    clock: &impl Clock,
    orders: &impl OrderRepository,
    events: &impl EventPublisher,
) -> Result<Order, CancelOrderError> {
    // A lost race re-reads once: the winner's write makes the order no longer pending.
    for _ in 0..2 {
        let (order, version) = match orders
            .get(&id)
            .await
            .map_err(CancelOrderError::Unexpected)?
        {
            Some((order, version)) if caller.may_access(&order.customer_id) => (order, version),
            _ => return Err(CancelOrderError::NotFound(id)),
        };
        let cancelled = order
            .cancel(clock.now())
            .ok_or(CancelOrderError::NotPending(order.status))?;
        let event = OrderEvent::new(OrderEventKind::OrderCancelled, &cancelled);
        if orders
            .cancel(&cancelled, version, &event)
            .await
            .map_err(CancelOrderError::Unexpected)?
        {
            publish_now(&event, orders, events).await;
            return Ok(cancelled);
        }
    }
    Err(CancelOrderError::NotPending(OrderStatus::Cancelled))
}

/// Publishes up to `limit` pending events, oldest first; returns how many were published.
/// Run on a schedule, so that an event whose publish failed goes out without anyone acting.
pub async fn publish_pending_events(
    limit: u16,
    orders: &impl OrderRepository,
    events: &impl EventPublisher,
) -> Result<usize, Unexpected> {
    let pending = orders.pending_events(limit).await?;
    // EventBridge takes at most 10 entries a call.
    for batch in pending.chunks(10) {
        events.publish(batch).await?;
        orders.mark_published(batch).await?;
    }
    Ok(pending.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::{ProductDescription, ProductName, Stock};
    use crate::{Price, Slug};

    fn lines(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
        pairs.iter().map(|(id, q)| (id.to_string(), *q)).collect()
    }

    fn parse(pairs: &[(String, i64)]) -> (Option<CreateOrder>, Vec<String>) {
        let inputs: Vec<LineInput<'_>> = pairs
            .iter()
            .map(|(id, q)| LineInput {
                product_id: Some(id),
                quantity: Some(*q),
            })
            .collect();
        let mut validation = Validation::new();
        let parsed = CreateOrder::parse(Some(&inputs), &mut validation);
        let fields = validation
            .into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect();
        (parsed, fields)
    }

    fn id(n: u8) -> String {
        format!("0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a{n:02x}")
    }

    #[test]
    fn lines_of_one_product_are_merged() {
        let (parsed, errors) = parse(&lines(&[(&id(1), 2), (&id(2), 1), (&id(1), 3)]));
        assert!(errors.is_empty());
        let parsed = parsed.unwrap();
        let merged: Vec<(String, u32)> = parsed
            .lines()
            .iter()
            .map(|l| (l.product_id.to_string(), l.quantity))
            .collect();
        assert_eq!(merged, [(id(1), 5), (id(2), 1)]);
    }

    #[test]
    fn line_and_quantity_bounds() {
        let many: Vec<(String, i64)> = (0..25).map(|i| (id(i), 1000)).collect();
        assert!(parse(&many).0.is_some());
        let too_many: Vec<(String, i64)> = (0..26).map(|i| (id(i), 1)).collect();
        assert_eq!(parse(&too_many).1, ["items"]);
        assert_eq!(parse(&[]).1, ["items"]);
        let (_, errors) = parse(&lines(&[(&id(1), 0), (&id(2), 1001), ("nope", 1)]));
        assert_eq!(
            errors,
            [
                "items[0].quantity",
                "items[1].quantity",
                "items[2].product_id"
            ]
        );
        let (_, errors) = parse(&lines(&[(&id(1), 600), (&id(1), 401)]));
        assert_eq!(errors, ["items[1].quantity"]);
    }

    #[test]
    fn the_fingerprint_ignores_how_the_same_order_is_written() {
        let a = parse(&lines(&[(&id(1), 2), (&id(2), 1)])).0.unwrap();
        let b = parse(&lines(&[(&id(2), 1), (&id(1), 1), (&id(1), 1)]))
            .0
            .unwrap();
        let c = parse(&lines(&[(&id(1), 3), (&id(2), 1)])).0.unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn idempotency_keys() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("order 42 / retry").is_ok());
        for bad in ["", &"k".repeat(256), "tab\t", "é"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn product(price: &str, active: bool) -> Product {
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        Product {
            id: ProductId::new(),
            name: ProductName::parse("Mug").unwrap(),
            description: ProductDescription::parse("").unwrap(),
            category: Slug::parse("kitchen").unwrap(),
            price: Price::parse(price).unwrap(),
            currency: Currency::USD,
            stock: Stock::new(10).unwrap(),
            active,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn pricing_uses_catalog_prices_exactly() {
        let (a, b) = (product("0.10", true), product("19.99", true));
        let lines = [
            LineRequest {
                product_id: a.id,
                quantity: 3,
            },
            LineRequest {
                product_id: b.id,
                quantity: 1000,
            },
        ];
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let customer = CustomerId::parse("c").unwrap();
        let order = Order::price(
            OrderId::new(),
            customer,
            &lines,
            &[a, b],
            Currency::USD,
            now,
        )
        .unwrap();
        assert_eq!(order.items[0].line_total.to_string(), "0.30");
        assert_eq!(order.items[1].line_total.to_string(), "19990.00");
        assert_eq!(order.total.to_string(), "19990.30");
        assert_eq!(order.status, OrderStatus::Pending);
    }

    #[test]
    fn unknown_and_inactive_products_are_all_named() {
        let (active, inactive) = (product("1", true), product("1", false));
        let missing = ProductId::new();
        let lines: Vec<LineRequest> = [active.id, inactive.id, missing]
            .into_iter()
            .map(|product_id| LineRequest {
                product_id,
                quantity: 1,
            })
            .collect();
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let refusal = Order::price(
            OrderId::new(),
            CustomerId::parse("c").unwrap(),
            &lines,
            &[active, inactive.clone()],
            Currency::USD,
            now,
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            OrderRefusal::UnknownProducts {
                product_ids: vec![inactive.id, missing]
            }
        );
    }

    #[test]
    fn only_pending_orders_cancel() {
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let p = product("1", true);
        let order = Order::price(
            OrderId::new(),
            CustomerId::parse("c").unwrap(),
            &[LineRequest {
                product_id: p.id,
                quantity: 1,
            }],
            &[p],
            Currency::USD,
            now,
        )
        .unwrap();
        let cancelled = order.cancel(now).unwrap();
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        assert!(cancelled.cancel(now).is_none());
    }

    #[test]
    fn event_detail_is_the_order_plus_its_event_id() {
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let p = product("2.50", true);
        let order = Order::price(
            OrderId::new(),
            CustomerId::parse("c").unwrap(),
            &[LineRequest {
                product_id: p.id,
                quantity: 2,
            }],
            &[p],
            Currency::USD,
            now,
        )
        .unwrap();
        let event = OrderEvent::new(OrderEventKind::OrderCreated, &order);
        let detail = event.detail();
        assert_eq!(detail["event_id"], serde_json::json!(event.event_id));
        assert_eq!(detail["id"], serde_json::json!(order.id));
        assert_eq!(detail["total"], "5.00");
        assert_eq!(detail["status"], "pending");
    }
}
