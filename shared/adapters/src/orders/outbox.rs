//! The outbox: every order event is stored in the transaction of the change that causes it,
//! listed oldest first through gsi2, and deleted once published.

use super::DynamoOrderRepository;
use crate::store::{Document, Index, IndexKeys, Key, Query};
use domain::order::{OrderEvent, Outbox};
use domain::{Limit, Unexpected};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    pub(super) event: OrderEvent,
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

impl Outbox for DynamoOrderRepository {
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
