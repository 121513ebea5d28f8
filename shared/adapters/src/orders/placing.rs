//! Orders: placed with their stock taken, cancelled with it given back, each in one
//! transaction with its outbox record.

use super::DynamoOrderRepository;
use super::idempotency::{KeyRecord, KeyRecordState};
use crate::catalog::keys::product_key;
use crate::outbox::OutboxRecord;
use crate::store::{
    ClientToken, Condition, Document, IndexKeys, Key, StoreError, Update, Versioned, Write,
    decode_part,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::catalog::{Offer, Product};
use domain::order::{
    KeyClaim, Order, OrderEvent, OrderEventKind, OrderRefusal, OrderStatus, OrderStore,
    PlaceRefused, ProductReader,
};
use domain::{CustomerId, EventId, OrderId, ProductId, Timestamp, Unexpected};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub fn order_key(id: &OrderId) -> Key {
    Key::new(format!("ORDER#{id}"), "ORDER")
}

/// A customer's orders in gsi1, newest first (ids are UUIDv7).
pub(super) fn customer_partition(customer: &CustomerId) -> String {
    format!("ORDERS#{customer}")
}

/// A customer's orders of one status in gsi2. The status comes first: it holds no `#`, so no
/// customer id can make one partition read as another.
pub(super) fn status_partition(customer: &CustomerId, status: OrderStatus) -> String {
    let status = serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("ORDERS_BY_STATUS#{status}#{customer}")
}

impl Document for Order {
    const ENTITY: &'static str = "order";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        order_key(&self.id())
    }

    fn indexes(&self) -> IndexKeys {
        let sort = format!("ORDER#{}", self.id());
        IndexKeys {
            gsi1: Some(Key::new(customer_partition(self.customer_id()), &sort)),
            gsi2: Some(Key::new(
                status_partition(self.customer_id(), self.status()),
                &sort,
            )),
        }
    }
}

fn quantity(units: u32) -> AttributeValue {
    AttributeValue::N(units.to_string())
}

/// One write per line of `order`: `update` of the first line's product and `:quantity`, and
/// copies of it for the other lines ([`Update::for_item`]).
fn per_line(
    order: &Order,
    update: fn(&ProductId, u32) -> Update,
    table: &str,
) -> Result<Vec<Write>, StoreError> {
    let Some(first) = order.items().first() else {
        return Ok(Vec::new());
    };
    let first = update(&first.product_id(), first.quantity());
    order
        .items()
        .iter()
        .map(|line| {
            let key = product_key(&line.product_id());
            let update = first.for_item(key, ":quantity", quantity(line.quantity()));
            Write::update(update, table)
        })
        .collect()
}

/// Takes a line's stock under the catalog's supply rule ([`Product::can_supply`]: active,
/// and the stock covers the quantity), checked by DynamoDB as the write's condition.
fn take_stock(product: &ProductId, units: u32) -> Update {
    Update::new(
        product_key(product),
        "SET #data.#stock = #data.#stock - :quantity, #data.#updated_at = :updated_at",
        Condition::new(
            "attribute_exists(pk) AND #data.#active = :true AND #data.#stock >= :quantity",
        )
        .name("#data", "data")
        .name("#stock", "stock")
        .name("#active", "active")
        .value(":true", AttributeValue::Bool(true))
        .value(":quantity", quantity(units)),
    )
}

/// Gives a line's stock back.
fn return_stock(product: &ProductId, units: u32) -> Update {
    Update::new(
        product_key(product),
        "SET #data.#stock = #data.#stock + :quantity, #data.#updated_at = :updated_at",
        Condition::new("attribute_exists(pk)")
            .name("#data", "data")
            .name("#stock", "stock")
            .value(":quantity", quantity(units)),
    )
}

/// An order event as the outbox keeps it: the text of [`domain::events::DomainEvent::Order`],
/// with the order's text written once and shared with the idempotency record (a 25-line
/// order's text is a twentieth of placing it, each time it is written).
#[derive(Debug, Serialize, Deserialize)]
struct OrderEventText {
    event_id: EventId,
    kind: OrderEventKind,
    order: Box<RawValue>,
    occurred_at: Timestamp,
}

impl crate::outbox::OutboxEvent for OrderEventText {
    fn event_id(&self) -> EventId {
        self.event_id
    }

    fn occurred_at(&self) -> Timestamp {
        self.occurred_at
    }
}

/// [`domain::order::Outcome::Placed`] as the idempotency record keeps it, of the order's text.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlacedText {
    Placed(Box<RawValue>),
}

/// The texts an order's placing stores: its event's, for the outbox, and its outcome's, for
/// the idempotency record, with the order written once.
fn placed_texts(
    order: &Order,
    event: &OrderEvent,
) -> Result<(OrderEventText, PlacedText), serde_json::Error> {
    let text = serde_json::value::to_raw_value(order)?;
    let event_order = if event.order == *order {
        text.clone()
    } else {
        serde_json::value::to_raw_value(&event.order)?
    };
    let event = OrderEventText {
        event_id: event.event_id,
        kind: event.kind,
        order: event_order,
        occurred_at: event.occurred_at,
    };
    Ok((event, PlacedText::Placed(text)))
}

fn unexpected(error: impl Into<Unexpected>) -> PlaceRefused {
    PlaceRefused::Unexpected(error.into())
}

/// What an order reads of a stored product: the checks of its item, and an [`Offer`]'s
/// fields. The attributes left out were a twentieth of a 25-line order's own work, to build
/// and free. These are the fields of the product's current schema
/// (`offer_paths_are_those_of_the_current_product_schema`).
const OFFER_PATHS: [&str; 8] = [
    "entity",
    "schema_version",
    "version",
    "data.id",
    "data.name",
    "data.price",
    "data.stock",
    "data.active",
];

impl ProductReader for DynamoOrderRepository {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Offer>, Unexpected> {
        let keys: Vec<Key> = ids.iter().map(product_key).collect();
        let items = self.store.batch_get_items(&keys, &OFFER_PATHS).await?;
        Ok(items
            .into_iter()
            .map(decode_part::<Product, Offer>)
            .collect::<Result<_, _>>()?)
    }
}

impl OrderStore for DynamoOrderRepository {
    async fn place(
        &self,
        order: &Order,
        event: &OrderEvent,
        claim: Option<&KeyClaim>,
    ) -> Result<(), PlaceRefused> {
        let table = self.store.table();
        let (event_text, placed) = placed_texts(order, event).map_err(unexpected)?;
        let outbox = OutboxRecord::of(event_text);
        let completed = claim.map(|claim| {
            (
                KeyRecord::for_claim(
                    claim,
                    order.created_at(),
                    KeyRecordState::Completed { outcome: placed },
                ),
                claim.version,
            )
        });
        let writes = || {
            let mut writes = per_line(order, take_stock, table)?;
            writes.push(Write::create(order, table)?);
            writes.push(Write::create(&outbox, table)?);
            if let Some((record, version)) = &completed {
                writes.push(Write::save(record, *version, table)?);
            }
            Ok(writes)
        };
        let token = ClientToken::of(&["place-order", &order.id().to_string()]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                if claim.is_some() && reasons.last().is_some_and(|r| r.condition_failed()) {
                    return Err(PlaceRefused::KeyLost);
                }
                // What each failed line's product was when the transaction ran.
                let mut seen = Vec::new();
                for (line, reason) in order.items().iter().zip(&reasons) {
                    if reason.condition_failed() {
                        let product = reason
                            .item
                            .clone()
                            .map(decode_part::<Product, Offer>)
                            .transpose()
                            .map_err(unexpected)?;
                        seen.push((line.product_id(), line.quantity(), product));
                    }
                }
                let failed = seen.iter().map(|(id, q, p)| (*id, *q, p.as_ref()));
                match OrderRefusal::for_failed_lines(failed) {
                    Some(refusal) => Err(PlaceRefused::Refused(refusal)),
                    None => Err(unexpected(StoreError::TransactionCancelled(reasons))),
                }
            }
            Err(e) => Err(unexpected(e)),
        }
    }

    async fn get(&self, id: &OrderId) -> Result<Option<(Order, u64)>, Unexpected> {
        let found = self.store.get::<Order>(&order_key(id)).await?;
        Ok(found.map(Versioned::into_pair))
    }

    async fn cancel(
        &self,
        cancelled: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let outbox = OutboxRecord::new(event.clone());
        let writes = || {
            let mut writes = vec![Write::save(cancelled, version, table)?];
            writes.extend(per_line(cancelled, return_stock, table)?);
            writes.push(Write::create(&outbox, table)?);
            Ok(writes)
        };
        // Two cancels racing from the same version are two requests: the time of each
        // cancellation tells them apart.
        let token = ClientToken::of(&[
            "cancel-order",
            &cancelled.id().to_string(),
            &version.to_string(),
            &cancelled.updated_at().to_string(),
        ]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.first().is_some_and(|r| r.condition_failed()) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn fulfil(
        &self,
        changed: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let outbox = OutboxRecord::new(event.clone());
        let writes = || {
            Ok(vec![
                Write::save(changed, version, table)?,
                Write::create(&outbox, table)?,
            ])
        };
        let token = ClientToken::of(&[
            "fulfil-order",
            &changed.id().to_string(),
            &version.to_string(),
        ]);
        match self.store.transact(writes, &token).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.first().is_some_and(|r| r.condition_failed()) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::events::DomainEvent;
    use domain::order::Outcome;

    fn order(name: &str) -> Order {
        let line = serde_json::json!({
            "product_id": ProductId::new(),
            "name": name,
            "unit_price": "2.50",
            "quantity": 2,
            "line_total": "5.00",
        });
        serde_json::from_value(serde_json::json!({
            "id": OrderId::new(),
            "customer_id": "ada",
            "status": "pending",
            "items": [line.clone(), line],
            "total": "10.00",
            "currency": "EUR",
            "created_at": "2026-11-29T10:00:00.123Z",
            "updated_at": "2026-11-29T10:00:00.123Z",
            "customer_email": "ada@example.com",
        }))
        .unwrap()
    }

    fn event(order: &Order) -> OrderEvent {
        OrderEvent {
            event_id: EventId::new(),
            kind: OrderEventKind::OrderCreated,
            order: order.clone(),
            occurred_at: order.updated_at(),
        }
    }

    #[test]
    fn offer_paths_are_those_of_the_current_product_schema() {
        // An older product read through these paths could not be upgraded: raising the
        // schema means reading products of the old one whole.
        assert_eq!(Product::SCHEMA_VERSION, 1);
    }

    #[test]
    fn the_texts_of_a_placed_order_are_those_of_its_event_and_outcome() {
        let order = order("Mug \"blue\" ☕");
        let event = event(&order);
        let (event_text, placed) = placed_texts(&order, &event).unwrap();
        assert_eq!(
            serde_json::to_string(&event_text).unwrap(),
            serde_json::to_string(&DomainEvent::Order(event)).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&placed).unwrap(),
            serde_json::to_string(&Outcome::Placed(order)).unwrap()
        );
    }

    #[test]
    fn an_event_of_another_order_keeps_its_own_order() {
        let (placed, other) = (order("Mug"), order("Lamp"));
        let event = event(&other);
        let (event_text, _) = placed_texts(&placed, &event).unwrap();
        let stored: DomainEvent =
            serde_json::from_str(&serde_json::to_string(&event_text).unwrap()).unwrap();
        assert_eq!(stored, DomainEvent::Order(event));
    }
}
