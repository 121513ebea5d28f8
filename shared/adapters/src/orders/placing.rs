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
    KeyClaim, Order, OrderEvent, OrderRefusal, OrderStatus, OrderStore, Outcome, PlaceRefused,
    ProductReader,
};
use domain::{CustomerId, OrderId, ProductId, Unexpected};

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

fn unexpected(error: impl Into<Unexpected>) -> PlaceRefused {
    PlaceRefused::Unexpected(error.into())
}

impl ProductReader for DynamoOrderRepository {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Offer>, Unexpected> {
        let keys: Vec<Key> = ids.iter().map(product_key).collect();
        let items = self.store.batch_get_items(&keys).await?;
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
        let outbox = OutboxRecord::new(event.clone());
        let completed = claim.map(|claim| {
            (
                KeyRecord::for_claim(
                    claim,
                    order.created_at(),
                    KeyRecordState::Completed {
                        outcome: Outcome::Placed(order.clone()),
                    },
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
