//! The outbox: every domain event (an order's, a product's) is stored in the transaction of
//! the change that causes it,
//! listed oldest first through gsi2, and deleted once published. An event the bus keeps
//! refusing is set aside: it moves to its own gsi2 partition (`OUTBOX_SET_ASIDE`), out of
//! the sweep's way, with the reason of its last refusal, for an operator to replay.

use crate::store::{
    Condition, Document, DocumentStore, Index, IndexKeys, Key, Query, Update, attribute,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::events::{DomainEvent, Outbox, PendingEvent};
use domain::{Cursor, EventId, Limit, Timestamp, Unexpected};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What an outbox record holds: a domain event, or, when one is written, a form of it whose
/// text is the same (an order event whose order was written to text once, for the idempotency
/// record too).
pub(crate) trait OutboxEvent: Serialize + DeserializeOwned + Send + Sync {
    fn event_id(&self) -> EventId;
    fn occurred_at(&self) -> Timestamp;
}

impl OutboxEvent for DomainEvent {
    fn event_id(&self) -> EventId {
        DomainEvent::event_id(self)
    }

    fn occurred_at(&self) -> Timestamp {
        DomainEvent::occurred_at(self)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "E: Serialize", deserialize = "E: DeserializeOwned"))]
pub(crate) struct OutboxRecord<E = DomainEvent> {
    #[serde(with = "crate::store::codec::json_text")]
    pub(crate) event: E,
    /// Sweeps that failed to publish it.
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    set_aside: bool,
}

impl OutboxRecord {
    pub(crate) fn new(event: impl Into<DomainEvent>) -> Self {
        OutboxRecord::of(event.into())
    }
}

impl<E: OutboxEvent> OutboxRecord<E> {
    pub(crate) fn of(event: E) -> Self {
        Self {
            event,
            failures: 0,
            last_error: None,
            set_aside: false,
        }
    }
}

const OUTBOX_PARTITION: &str = "OUTBOX";
const SET_ASIDE_PARTITION: &str = "OUTBOX_SET_ASIDE";

fn outbox_key(event: &impl OutboxEvent) -> Key {
    Key::new(format!("OUTBOX#{}", event.event_id()), "OUTBOX")
}

impl<E: OutboxEvent> Document for OutboxRecord<E> {
    const ENTITY: &'static str = "outbox";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        outbox_key(&self.event)
    }

    fn indexes(&self) -> IndexKeys {
        let partition = if self.set_aside {
            SET_ASIDE_PARTITION
        } else {
            OUTBOX_PARTITION
        };
        IndexKeys {
            gsi1: None,
            gsi2: Some(Key::new(
                partition,
                format!("{}#{}", self.event.occurred_at(), self.event.event_id()),
            )),
        }
    }
}

/// The outbox on the table: any repository whose changes store events serves it.
#[derive(Debug, Clone)]
pub struct DynamoOutbox {
    store: DocumentStore,
}

impl DynamoOutbox {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }
}

impl Outbox for DynamoOutbox {
    async fn pending_events(
        &self,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<(Vec<PendingEvent>, Option<Cursor>), Unexpected> {
        let query = Query::index(Index::Gsi2, OUTBOX_PARTITION);
        let page = self
            .store
            .query::<OutboxRecord>(&query, limit, cursor)
            .await?;
        let pending = page
            .items
            .into_iter()
            .map(|v| PendingEvent {
                event: v.doc.event,
                failures: v.doc.failures,
            })
            .collect();
        Ok((pending, page.next_cursor))
    }

    async fn mark_published(&self, events: &[DomainEvent]) -> Result<(), Unexpected> {
        match events {
            [] => Ok(()),
            // Right after an order: one DeleteItem, no batch permission needed.
            [one] => Ok(self.store.remove(&outbox_key(one)).await?),
            many => {
                let keys: Vec<Key> = many.iter().map(outbox_key).collect();
                Ok(self.store.batch_delete(&keys).await?)
            }
        }
    }

    async fn record_failure(
        &self,
        pending: &PendingEvent,
        reason: &str,
        set_aside: bool,
    ) -> Result<(), Unexpected> {
        let mut expression =
            "SET #data.#failures = :failures, #data.#last_error = :reason".to_owned();
        let mut condition = Condition::new("attribute_exists(pk)")
            .name("#data", "data")
            .name("#failures", "failures")
            .name("#last_error", "last_error")
            .value(":failures", attribute(&(pending.failures + 1))?)
            .value(":reason", AttributeValue::S(reason.to_owned()));
        if set_aside {
            expression.push_str(", #data.#set_aside = :true, #gsi2pk = :aside");
            condition = condition
                .name("#set_aside", "set_aside")
                .name("#gsi2pk", "gsi2pk")
                .value(":true", AttributeValue::Bool(true))
                .value(":aside", AttributeValue::S(SET_ASIDE_PARTITION.to_owned()));
        }
        let update = Update::new(outbox_key(&pending.event), &expression, condition);
        // Gone already (published by a sweep running at the same time): nothing to record.
        self.store.update::<OutboxRecord>(update).await?;
        Ok(())
    }
}

/// A repository that stores events with its changes serves the outbox through its store.
macro_rules! outbox_of {
    ($($repository:ty),*) => {$(
        impl domain::events::Outbox for $repository {
            async fn pending_events(
                &self,
                limit: domain::Limit,
                cursor: Option<&domain::Cursor>,
            ) -> Result<(Vec<domain::events::PendingEvent>, Option<domain::Cursor>), domain::Unexpected> {
                domain::events::Outbox::pending_events(&self.outbox(), limit, cursor).await
            }

            async fn mark_published(
                &self,
                events: &[domain::events::DomainEvent],
            ) -> Result<(), domain::Unexpected> {
                domain::events::Outbox::mark_published(&self.outbox(), events).await
            }

            async fn record_failure(
                &self,
                pending: &domain::events::PendingEvent,
                reason: &str,
                set_aside: bool,
            ) -> Result<(), domain::Unexpected> {
                domain::events::Outbox::record_failure(&self.outbox(), pending, reason, set_aside).await
            }
        }
    )*};
}

pub(crate) use outbox_of;
