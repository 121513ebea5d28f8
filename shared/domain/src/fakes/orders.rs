use super::support::{Broken, Failures, OutboxEntry, broken, lock};
use crate::catalog::{Offer, Product, ProductRepository};
use crate::events::{DomainEvent, PendingEvent, Rejected};
use crate::fakes::InMemoryProducts;
use crate::order::{
    EventPublisher, IDEMPOTENCY_LEASE_SECONDS, IdempotencyKey, IdempotencyStore, KeyClaim,
    KeyState, Order, OrderEvent, OrderRefusal, OrderStore, Outbox, Outcome, PlaceRefused,
    ProductReader,
};
use crate::{Cursor, CustomerId, EventId, Limit, OrderId, ProductId, Timestamp, Unexpected};
use std::collections::HashMap;
use std::sync::Mutex;

/// A key's record: the customer and key it is under, by its fingerprint, state and version.
type KeyRecords = HashMap<(CustomerId, IdempotencyKey), (String, KeyRecord, u64)>;

#[derive(Debug, Clone)]
enum KeyRecord {
    InFlight { lease_until: Timestamp },
    Completed(Outcome),
}

/// Orders, idempotency keys, the outbox and the catalog's stock, with the rules of the real
/// store: stock taken for all lines or none, versions checked on every change, a claimed key
/// held until its lease runs out. Operations named in [`InMemoryOrders::fail`] fail;
/// `"cancel_race"` makes the next cancel lose to one that cancels the order just before it.
#[derive(Debug, Default)]
pub struct InMemoryOrders {
    pub catalog: InMemoryProducts,
    orders: Mutex<HashMap<OrderId, (Order, u64)>>,
    keys: Mutex<KeyRecords>,
    outbox: Mutex<Vec<OutboxEntry>>,
    failures: Failures,
}

impl InMemoryOrders {
    pub async fn with_products(products: &[Product]) -> Self {
        let store = Self::default();
        for product in products {
            let event = crate::catalog::ProductEvent::new(
                crate::catalog::ProductEventKind::ProductCreated,
                product,
                Default::default(),
                product.updated_at(),
            );
            let _ = store.catalog.create(product, &event).await;
        }
        store
    }

    pub fn fail(&self, operation: &'static str) {
        self.failures.fail(operation);
    }

    pub fn heal(&self, operation: &'static str) {
        self.failures.heal(operation);
    }

    pub fn orders(&self) -> Vec<Order> {
        lock(&self.orders)
            .values()
            .map(|(o, _)| o.clone())
            .collect()
    }

    /// The events still pending (not published, not set aside).
    pub fn outbox(&self) -> Vec<DomainEvent> {
        lock(&self.outbox)
            .iter()
            .filter(|e| !e.set_aside)
            .map(|e| e.event.clone())
            .collect()
    }

    /// The events set aside, with the reason of their last refusal.
    pub fn set_aside(&self) -> Vec<(DomainEvent, Option<String>)> {
        lock(&self.outbox)
            .iter()
            .filter(|e| e.set_aside)
            .map(|e| (e.event.clone(), e.last_error.clone()))
            .collect()
    }

    pub async fn stock(&self, id: ProductId) -> u32 {
        let product = self.catalog.get(&id).await.ok().flatten();
        product.map_or(0, |p| p.stock().units())
    }

    fn change_stock(&self, order: &Order, take: bool) {
        let mut products = self.catalog.products_mut();
        for line in order.items() {
            if let Some(product) = products.get_mut(&line.product_id()) {
                let (taken, returned) = if take {
                    (line.quantity(), 0)
                } else {
                    (0, line.quantity())
                };
                product.change_stock(taken, returned);
            }
        }
    }
}

impl ProductReader for InMemoryOrders {
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Offer>, Unexpected> {
        self.failures.check("products")?;
        self.catalog.products(ids).await
    }
}

impl IdempotencyStore for InMemoryOrders {
    async fn claim_key(
        &self,
        customer_id: &CustomerId,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<KeyState, Unexpected> {
        self.failures.check("claim_key")?;
        let lease_until = now.saturating_add(time::Duration::seconds(IDEMPOTENCY_LEASE_SECONDS));
        let mut keys = lock(&self.keys);
        let slot = (customer_id.clone(), key.clone());
        let Some((first, record, version)) = keys.get(&slot).cloned() else {
            keys.insert(
                slot,
                (
                    fingerprint.to_owned(),
                    KeyRecord::InFlight { lease_until },
                    1,
                ),
            );
            return Ok(KeyState::Claimed { version: 1 });
        };
        Ok(match record {
            KeyRecord::Completed(outcome) => KeyState::Completed {
                fingerprint: first,
                outcome,
            },
            KeyRecord::InFlight { lease_until: until } if until > now || first != fingerprint => {
                KeyState::InFlight { fingerprint: first }
            }
            KeyRecord::InFlight { .. } => {
                keys.insert(
                    slot,
                    (first, KeyRecord::InFlight { lease_until }, version + 1),
                );
                KeyState::Claimed {
                    version: version + 1,
                }
            }
        })
    }

    async fn settle_key(&self, claim: &KeyClaim, refusal: &OrderRefusal) -> Result<(), Unexpected> {
        self.failures.check("settle_key")?;
        let mut keys = lock(&self.keys);
        let slot = (claim.customer_id.clone(), claim.key.clone());
        match keys.get_mut(&slot) {
            Some((_, record, version)) if *version == claim.version => {
                *record = KeyRecord::Completed(Outcome::Refused(refusal.clone()));
                *version += 1;
                Ok(())
            }
            _ => Err("the claimed key changed".into()),
        }
    }

    async fn release_key(&self, claim: &KeyClaim) -> Result<(), Unexpected> {
        self.failures.check("release_key")?;
        let mut keys = lock(&self.keys);
        let slot = (claim.customer_id.clone(), claim.key.clone());
        if keys.get(&slot).is_some_and(|(_, _, v)| *v == claim.version) {
            keys.remove(&slot);
        }
        Ok(())
    }
}

impl OrderStore for InMemoryOrders {
    async fn place(
        &self,
        order: &Order,
        event: &OrderEvent,
        claim: Option<&KeyClaim>,
    ) -> Result<(), PlaceRefused> {
        self.failures
            .check("place")
            .map_err(PlaceRefused::Unexpected)?;
        let mut keys = lock(&self.keys);
        if let Some(claim) = claim {
            let slot = (claim.customer_id.clone(), claim.key.clone());
            if keys.get(&slot).is_none_or(|(_, _, v)| *v != claim.version) {
                return Err(PlaceRefused::KeyLost);
            }
        }
        {
            let products = self.catalog.products_mut();
            let failed: Vec<(ProductId, u32, Option<Offer>)> = order
                .items()
                .iter()
                .map(|l| {
                    let offer = products.get(&l.product_id()).map(Offer::from);
                    (l.product_id(), l.quantity(), offer)
                })
                .filter(|(_, q, p)| !p.as_ref().is_some_and(|p| p.can_supply(*q)))
                .collect();
            if !failed.is_empty() {
                let failed = failed.iter().map(|(id, q, p)| (*id, *q, p.as_ref()));
                let refusal = OrderRefusal::for_failed_lines(failed)
                    .ok_or_else(|| PlaceRefused::Unexpected("an unexplained refusal".into()))?;
                return Err(PlaceRefused::Refused(refusal));
            }
        }
        self.change_stock(order, true);
        lock(&self.orders).insert(order.id(), (order.clone(), 1));
        lock(&self.outbox).push(OutboxEntry::new(event.clone()));
        if let Some(claim) = claim {
            let slot = (claim.customer_id.clone(), claim.key.clone());
            if let Some((_, record, version)) = keys.get_mut(&slot) {
                *record = KeyRecord::Completed(Outcome::Placed(order.clone()));
                *version += 1;
            }
        }
        Ok(())
    }

    async fn get(&self, id: &OrderId) -> Result<Option<(Order, u64)>, Unexpected> {
        self.failures.check("get")?;
        Ok(lock(&self.orders).get(id).cloned())
    }

    async fn cancel(
        &self,
        cancelled: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> Result<bool, Unexpected> {
        self.failures.check("cancel")?;
        if self.failures.check("cancel_race").is_err() {
            self.failures.heal("cancel_race");
            // Another request's cancel lands first.
            let mut orders = lock(&self.orders);
            if let Some((order, v)) = orders.get_mut(&cancelled.id()) {
                *order = cancelled.clone();
                *v += 1;
            }
            return Ok(false);
        }
        let mut orders = lock(&self.orders);
        match orders.get_mut(&cancelled.id()) {
            Some((order, v)) if *v == version => {
                *order = cancelled.clone();
                *v += 1;
            }
            _ => return Ok(false),
        }
        drop(orders);
        self.change_stock(cancelled, false);
        lock(&self.outbox).push(OutboxEntry::new(event.clone()));
        Ok(true)
    }

    async fn fulfil(
        &self,
        changed: &Order,
        version: u64,
        event: &OrderEvent,
    ) -> Result<bool, Unexpected> {
        self.failures.check("fulfil")?;
        let mut orders = lock(&self.orders);
        match orders.get_mut(&changed.id()) {
            Some((order, v)) if *v == version => {
                *order = changed.clone();
                *v += 1;
            }
            _ => return Ok(false),
        }
        lock(&self.outbox).push(OutboxEntry::new(event.clone()));
        Ok(true)
    }
}

impl Outbox for InMemoryOrders {
    async fn pending_events(
        &self,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<(Vec<PendingEvent>, Option<Cursor>), Unexpected> {
        self.failures.check("pending_events")?;
        let outbox = lock(&self.outbox);
        let pending = outbox.iter().filter(|e| !e.set_aside);
        let start = cursor.map(|c| c.as_str().to_owned());
        let mut after: Vec<PendingEvent> = pending
            .skip_while(|e| {
                start
                    .as_ref()
                    .is_some_and(|s| *s != e.event.event_id().to_string())
            })
            .skip(usize::from(start.is_some()))
            .map(|e| PendingEvent {
                event: e.event.clone(),
                failures: e.failures,
            })
            .take(usize::from(limit.get()) + 1)
            .collect();
        let size = usize::from(limit.get());
        let next = (after.len() > size).then(|| {
            after.truncate(size);
            Cursor::new(after[size - 1].event.event_id().to_string())
        });
        Ok((after, next))
    }

    async fn mark_published(&self, events: &[DomainEvent]) -> Result<(), Unexpected> {
        self.failures.check("mark_published")?;
        lock(&self.outbox).retain(|e| !events.iter().any(|p| p.event_id() == e.event.event_id()));
        Ok(())
    }

    async fn record_failure(
        &self,
        pending: &PendingEvent,
        reason: &str,
        set_aside: bool,
    ) -> Result<(), Unexpected> {
        self.failures.check("record_failure")?;
        let mut outbox = lock(&self.outbox);
        if let Some(entry) = outbox
            .iter_mut()
            .find(|e| e.event.event_id() == pending.event.event_id())
        {
            entry.failures += 1;
            entry.set_aside = set_aside;
            entry.last_error = Some(reason.to_owned());
        }
        Ok(())
    }
}

/// Keeps what it was asked to publish; refuses the events it was told to refuse, and fails as
/// a whole while told to.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    published: Mutex<Vec<DomainEvent>>,
    refused: Mutex<Vec<EventId>>,
    failures: Failures,
}

impl RecordingPublisher {
    /// The order events published.
    pub fn published(&self) -> Vec<OrderEvent> {
        lock(&self.published)
            .iter()
            .filter_map(|e| match e {
                DomainEvent::Order(e) => Some(e.clone()),
                DomainEvent::Product(_) => None,
            })
            .collect()
    }

    /// Every event published, of any context.
    pub fn published_events(&self) -> Vec<DomainEvent> {
        lock(&self.published).clone()
    }

    pub fn fail(&self) {
        self.failures.fail("publish");
    }

    pub fn heal(&self) {
        self.failures.heal("publish");
    }

    /// Refuses this event, one by one, whenever it is sent.
    pub fn refuse(&self, event: EventId) {
        lock(&self.refused).push(event);
    }
}

impl EventPublisher for RecordingPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> Result<Vec<Rejected>, Unexpected> {
        self.failures.check("publish")?;
        let refused = lock(&self.refused).clone();
        let mut rejected = Vec::new();
        for event in events {
            if refused.contains(&event.event_id()) {
                rejected.push(Rejected {
                    event_id: event.event_id(),
                    reason: "refused by the test".into(),
                });
            } else {
                lock(&self.published).push(event.clone());
            }
        }
        Ok(rejected)
    }
}

impl OrderStore for Broken {
    async fn place(
        &self,
        _: &Order,
        _: &OrderEvent,
        _: Option<&KeyClaim>,
    ) -> Result<(), PlaceRefused> {
        Err(PlaceRefused::Unexpected(broken()))
    }

    async fn get(&self, _: &OrderId) -> Result<Option<(Order, u64)>, Unexpected> {
        Err(broken())
    }

    async fn cancel(&self, _: &Order, _: u64, _: &OrderEvent) -> Result<bool, Unexpected> {
        Err(broken())
    }

    async fn fulfil(&self, _: &Order, _: u64, _: &OrderEvent) -> Result<bool, Unexpected> {
        Err(broken())
    }
}

impl Outbox for Broken {
    async fn pending_events(
        &self,
        _: Limit,
        _: Option<&Cursor>,
    ) -> Result<(Vec<PendingEvent>, Option<Cursor>), Unexpected> {
        Err(broken())
    }

    async fn mark_published(&self, _: &[DomainEvent]) -> Result<(), Unexpected> {
        Err(broken())
    }

    async fn record_failure(&self, _: &PendingEvent, _: &str, _: bool) -> Result<(), Unexpected> {
        Err(broken())
    }
}
