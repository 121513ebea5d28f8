//! [`DynamoOrderRepository`]: orders, idempotency records and the event outbox.
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | order | `ORDER#<id>` | `ORDER` | |
//! | idempotency record | `IDEMPOTENCY#<customer length>:<customer>#<key>` | `IDEMPOTENCY` | TTL `expires_at`, 24 h after the first request and its lease |
//! | outbox record | `OUTBOX#<event id>` | `OUTBOX` | gsi2 `OUTBOX` / `<time>#<event id>`, deleted once published |
//!
//! Placing an order is one transaction: one conditional update per line
//! (`stock >= quantity AND active`, taking the stock), the order, its outbox record, and the
//! idempotency record's outcome (conditioned on the version the attempt claimed it at).
//! A cancellation is one transaction too: the order saved at the version read, the stock of
//! every line given back, the outbox record. Events are published right after the commit;
//! whatever is still in the outbox then is published by the `publish-events` sweep, which runs
//! every minute on an EventBridge schedule.

use crate::products::product_key;
use crate::store::{
    Condition, Document, DocumentStore, Index, IndexKeys, Key, Query, StoreError, Write, decode,
};
use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::order::{
    IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_RETENTION_SECONDS, IdempotencyKey, KeyClaim, KeyState,
    Order, OrderEvent, OrderRefusal, OrderRepository, Outcome, PlaceRefused, Shortage,
};
use domain::product::Product;
use domain::{CustomerId, Limit, OrderId, ProductId, Timestamp, Unexpected};
use serde::{Deserialize, Serialize};

/// Attempts of a transaction that DynamoDB cancelled only for conflicting with another
/// transaction on the same items (never for a failed condition).
const TRANSACTION_ATTEMPTS: u32 = 3;

pub fn order_key(id: &OrderId) -> Key {
    Key::new(format!("ORDER#{id}"), "ORDER")
}

impl Document for Order {
    const ENTITY: &'static str = "order";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        order_key(&self.id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum KeyRecordState {
    InFlight { lease_until: Timestamp },
    Completed { outcome: Outcome },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeyRecord {
    customer_id: CustomerId,
    key: IdempotencyKey,
    fingerprint: String,
    first_seen: Timestamp,
    #[serde(flatten)]
    state: KeyRecordState,
}

fn key_record_key(customer: &CustomerId, key: &IdempotencyKey) -> Key {
    // The customer's length keeps `a#b` + `c` apart from `a` + `b#c`.
    let customer = customer.as_str();
    Key::new(
        format!("IDEMPOTENCY#{}:{customer}#{}", customer.len(), key.as_str()),
        "IDEMPOTENCY",
    )
}

impl Document for KeyRecord {
    const ENTITY: &'static str = "idempotency";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        key_record_key(&self.customer_id, &self.key)
    }

    fn expires_at(&self) -> Option<i64> {
        Some(
            self.first_seen.unix_seconds()
                + IDEMPOTENCY_RETENTION_SECONDS
                + IDEMPOTENCY_LEASE_SECONDS,
        )
    }
}

impl KeyRecord {
    fn for_claim(claim: &KeyClaim, first_seen: Timestamp, state: KeyRecordState) -> Self {
        Self {
            customer_id: claim.customer_id.clone(),
            key: claim.key.clone(),
            fingerprint: claim.fingerprint.clone(),
            first_seen,
            state,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OutboxRecord {
    event: OrderEvent,
}

const OUTBOX_PARTITION: &str = "OUTBOX";

impl Document for OutboxRecord {
    const ENTITY: &'static str = "outbox";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        Key::new(format!("OUTBOX#{}", self.event.event_id), "OUTBOX")
    }

    fn indexes(&self) -> IndexKeys {
        IndexKeys {
            gsi1: None,
            gsi2: Some(Key::new(
                OUTBOX_PARTITION,
                format!("{}#{}", self.event.occurred_at, self.event.event_id),
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DynamoOrderRepository {
    store: DocumentStore,
}

impl DynamoOrderRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    /// Runs a transaction, again while DynamoDB cancels it only for conflicts with other
    /// transactions; any other cancellation is returned for the caller to read.
    async fn transact(
        &self,
        writes: impl Fn() -> Result<Vec<Write>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.store.transact(writes()?).await {
                Err(StoreError::TransactionCancelled(reasons))
                    if attempt < TRANSACTION_ATTEMPTS
                        && reasons
                            .iter()
                            .any(|r| r.code.as_deref() == Some("TransactionConflict"))
                        && !reasons.iter().any(|r| r.condition_failed()) =>
                {
                    let pause = 20 * u64::from(attempt) + u64::from(subsec_jitter());
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                other => return other,
            }
        }
    }
}

fn subsec_jitter() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 20_000_000 / 1_000_000)
}

fn lease_until(now: Timestamp) -> Timestamp {
    now.saturating_add(time::Duration::seconds(IDEMPOTENCY_LEASE_SECONDS))
}

/// Takes a line's stock if there is enough and the product is active.
fn take_stock(product: &ProductId, quantity: u32, table: &str) -> Result<Write, StoreError> {
    Write::update(
        &product_key(product),
        "SET #data.#stock = #data.#stock - :quantity, #data.#updated_at = :updated_at",
        Condition::new(
            "attribute_exists(pk) AND #data.#active = :true AND #data.#stock >= :quantity",
        )
        .name("#data", "data")
        .name("#stock", "stock")
        .name("#active", "active")
        .value(":true", AttributeValue::Bool(true))
        .value(":quantity", AttributeValue::N(quantity.to_string())),
        table,
    )
}

/// Gives a line's stock back.
fn return_stock(product: &ProductId, quantity: u32, table: &str) -> Result<Write, StoreError> {
    Write::update(
        &product_key(product),
        "SET #data.#stock = #data.#stock + :quantity, #data.#updated_at = :updated_at",
        Condition::new("attribute_exists(pk)")
            .name("#data", "data")
            .name("#stock", "stock")
            .value(":quantity", AttributeValue::N(quantity.to_string())),
        table,
    )
}

fn unexpected(error: impl Into<Unexpected>) -> PlaceRefused {
    PlaceRefused::Unexpected(error.into())
}

impl OrderRepository for DynamoOrderRepository {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, Unexpected> {
        let keys: Vec<Key> = ids.iter().map(product_key).collect();
        Ok(self
            .store
            .batch_get::<Product>(&keys)
            .await?
            .into_iter()
            .map(|v| v.doc)
            .collect())
    }

    async fn claim_key(
        &self,
        customer_id: &CustomerId,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<KeyState, Unexpected> {
        let fresh = KeyRecord {
            customer_id: customer_id.clone(),
            key: key.clone(),
            fingerprint: fingerprint.to_owned(),
            first_seen: now,
            state: KeyRecordState::InFlight {
                lease_until: lease_until(now),
            },
        };
        // Twice at most: the record may expire between a failed create and the read.
        for _ in 0..2 {
            match self.store.create(&fresh).await {
                Ok(created) => {
                    return Ok(KeyState::Claimed {
                        version: created.version,
                    });
                }
                Err(StoreError::AlreadyExists) => {}
                Err(e) => return Err(e.into()),
            }
            let Some(existing) = self.store.get::<KeyRecord>(&fresh.key()).await? else {
                continue;
            };
            let record = existing.doc;
            match record.state {
                KeyRecordState::Completed { outcome } => {
                    return Ok(KeyState::Completed {
                        fingerprint: record.fingerprint,
                        outcome,
                    });
                }
                KeyRecordState::InFlight { lease_until: until }
                    if until > now || record.fingerprint != fingerprint =>
                {
                    return Ok(KeyState::InFlight {
                        fingerprint: record.fingerprint,
                    });
                }
                KeyRecordState::InFlight { .. } => {
                    // The first attempt died without an outcome: take the key over.
                    let taken = KeyRecord {
                        state: KeyRecordState::InFlight {
                            lease_until: lease_until(now),
                        },
                        ..record
                    };
                    return match self.store.save(&taken, existing.version).await {
                        Ok(version) => Ok(KeyState::Claimed { version }),
                        Err(StoreError::VersionConflict) => Ok(KeyState::InFlight {
                            fingerprint: taken.fingerprint,
                        }),
                        Err(e) => Err(e.into()),
                    };
                }
            }
        }
        Err(anyhow::anyhow!("idempotency record vanished twice while claiming it").into())
    }

    async fn place(
        &self,
        order: &Order,
        event: &OrderEvent,
        claim: Option<&KeyClaim>,
    ) -> Result<(), PlaceRefused> {
        let table = self.store.table();
        let outbox = OutboxRecord {
            event: event.clone(),
        };
        let completed = claim.map(|claim| {
            (
                KeyRecord::for_claim(
                    claim,
                    order.created_at,
                    KeyRecordState::Completed {
                        outcome: Outcome::Placed(order.clone()),
                    },
                ),
                claim.version,
            )
        });
        let writes = || {
            let mut writes = order
                .items
                .iter()
                .map(|line| take_stock(&line.product_id, line.quantity, table))
                .collect::<Result<Vec<_>, _>>()?;
            writes.push(Write::create(order, table)?);
            writes.push(Write::create(&outbox, table)?);
            if let Some((record, version)) = &completed {
                writes.push(Write::save(record, *version, table)?);
            }
            Ok(writes)
        };
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                if claim.is_some() && reasons.last().is_some_and(|r| r.condition_failed()) {
                    return Err(PlaceRefused::KeyLost);
                }
                let mut unknown = Vec::new();
                let mut shortages = Vec::new();
                for (line, reason) in order.items.iter().zip(&reasons) {
                    if !reason.condition_failed() {
                        continue;
                    }
                    let product = reason
                        .item
                        .clone()
                        .map(decode::<Product>)
                        .transpose()
                        .map_err(unexpected)?
                        .map(|v| v.doc);
                    match product {
                        Some(p) if p.active => shortages.push(Shortage {
                            product_id: line.product_id,
                            requested: line.quantity,
                            available: p.stock.units(),
                        }),
                        _ => unknown.push(line.product_id),
                    }
                }
                if !unknown.is_empty() {
                    Err(PlaceRefused::Refused(OrderRefusal::UnknownProducts {
                        product_ids: unknown,
                    }))
                } else if !shortages.is_empty() {
                    Err(PlaceRefused::Refused(OrderRefusal::InsufficientStock {
                        shortages,
                    }))
                } else {
                    Err(unexpected(StoreError::TransactionCancelled(reasons)))
                }
            }
            Err(e) => Err(unexpected(e)),
        }
    }

    async fn settle_key(&self, claim: &KeyClaim, refusal: &OrderRefusal) -> Result<(), Unexpected> {
        let existing = self
            .store
            .get::<KeyRecord>(&key_record_key(&claim.customer_id, &claim.key))
            .await?
            .context("the claimed idempotency record is gone")?;
        let settled = KeyRecord {
            state: KeyRecordState::Completed {
                outcome: Outcome::Refused(refusal.clone()),
            },
            ..existing.doc
        };
        self.store.save(&settled, claim.version).await?;
        Ok(())
    }

    async fn release_key(&self, claim: &KeyClaim) -> Result<(), Unexpected> {
        let key = key_record_key(&claim.customer_id, &claim.key);
        match self.store.delete(&key, claim.version).await {
            Ok(()) | Err(StoreError::VersionConflict) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn get(&self, id: &OrderId) -> Result<Option<(Order, u64)>, Unexpected> {
        Ok(self
            .store
            .get::<Order>(&order_key(id))
            .await?
            .map(|v| (v.doc, v.version)))
    }

    async fn cancel(
        &self,
        cancelled: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> Result<bool, Unexpected> {
        let table = self.store.table();
        let outbox = OutboxRecord {
            event: event.clone(),
        };
        let writes = || {
            let mut writes = vec![Write::save(cancelled, version, table)?];
            for line in &cancelled.items {
                writes.push(return_stock(&line.product_id, line.quantity, table)?);
            }
            writes.push(Write::create(&outbox, table)?);
            Ok(writes)
        };
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(reasons))
                if reasons.first().is_some_and(|r| r.condition_failed()) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn pending_events(&self, limit: u16) -> Result<Vec<OrderEvent>, Unexpected> {
        let limit = Limit::new(limit.clamp(1, Limit::MAX))?;
        let page = self
            .store
            .query::<OutboxRecord>(&Query::index(Index::Gsi2, OUTBOX_PARTITION), limit, None)
            .await?;
        Ok(page.items.into_iter().map(|v| v.doc.event).collect())
    }

    async fn mark_published(&self, events: &[OrderEvent]) -> Result<(), Unexpected> {
        let keys: Vec<Key> = events
            .iter()
            .map(|event| {
                OutboxRecord {
                    event: event.clone(),
                }
                .key()
            })
            .collect();
        Ok(self.store.batch_delete(&keys).await?)
    }
}
