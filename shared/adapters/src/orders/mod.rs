//! Orders on DynamoDB: [`DynamoOrderRepository`] implements each of the domain's order ports
//! over the one table, one file a capability: the orders themselves ([`placing`]),
//! idempotency records ([`idempotency`]), the event outbox ([`crate::outbox`]), a customer's list
//! ([`history`]) and the customer e-mails sent ([`notifications`]).
//!
//! | item | pk | sk | index |
//! |---|---|---|---|
//! | order | `ORDER#<id>` | `ORDER` | gsi1 `ORDERS#<customer>` / `ORDER#<id>`; gsi2 `ORDERS_BY_STATUS#<status>#<customer>` / `ORDER#<id>` ([`history`]) |
//! | notification | `NOTIFIED#<event id>` | `NOTIFIED` | TTL `expires_at`, 30 days ([`notifications`]) |
//! | idempotency record | `IDEMPOTENCY#<customer length>:<customer>#<key>` | `IDEMPOTENCY` | TTL `expires_at`, 24 h after the first request and its lease |
//! | outbox record | `OUTBOX#<event id>` | `OUTBOX` | gsi2 `OUTBOX` / `<time>#<event id>`, deleted once published |
//!
//! Placing an order is one transaction: one conditional update per line (the catalog's
//! supply rule, `stock >= quantity AND active`, taking the stock), the order, its outbox
//! record, and the idempotency record's outcome (conditioned on the version the attempt
//! claimed it at). A cancellation is one transaction too: the order saved at the version
//! read, the stock of every line given back, the outbox record. Events are published right
//! after the commit; whatever is still in the outbox then is published by the
//! `publish-events` sweep, which runs every minute on an EventBridge schedule.

mod history;
mod idempotency;
mod notifications;
mod placing;

use crate::store::DocumentStore;

#[derive(Debug, Clone)]
pub struct DynamoOrderRepository {
    store: DocumentStore,
}

impl DynamoOrderRepository {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    pub(crate) fn outbox(&self) -> crate::outbox::DynamoOutbox {
        crate::outbox::DynamoOutbox::new(self.store.clone())
    }
}

crate::outbox::outbox_of!(DynamoOrderRepository);
