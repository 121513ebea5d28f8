//! Which order events' e-mails were sent: one item per event, claimed before the send with a
//! lease, marked sent after; kept 30 days (TTL), far longer than EventBridge retries an event.

use super::DynamoOrderRepository;
use crate::store::{Condition, Document, Key, Update, attribute};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::order::{NOTIFICATION_LEASE_SECONDS, NotificationClaim, NotificationLog};
use domain::{EventId, Timestamp, Unexpected};
use serde::{Deserialize, Serialize};

const RETENTION_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Notification {
    event_id: EventId,
    sent: bool,
    lease_until: i64,
    claimed_at: Timestamp,
}

fn notification_key(event: &EventId) -> Key {
    Key::new(format!("NOTIFIED#{event}"), "NOTIFIED")
}

impl Document for Notification {
    const ENTITY: &'static str = "notification";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        notification_key(&self.event_id)
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.claimed_at.unix_seconds() + RETENTION_SECONDS)
    }
}

impl NotificationLog for DynamoOrderRepository {
    async fn claim(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> Result<NotificationClaim, Unexpected> {
        let claim = Notification {
            event_id: *event,
            sent: false,
            lease_until: now.unix_seconds() + NOTIFICATION_LEASE_SECONDS,
            claimed_at: now,
        };
        let fresh_or_abandoned = Condition::new(
            "attribute_not_exists(pk) OR (#data.#sent = :false AND #data.#lease_until < :now)",
        )
        .name("#data", "data")
        .name("#sent", "sent")
        .name("#lease_until", "lease_until")
        .value(":false", AttributeValue::Bool(false))
        .value(":now", AttributeValue::N(now.unix_seconds().to_string()));
        if self.store.put_if(&claim, fresh_or_abandoned).await? {
            return Ok(NotificationClaim::Claimed);
        }
        let earlier = self
            .store
            .get::<Notification>(&notification_key(event))
            .await?;
        Ok(match earlier {
            Some(found) if found.doc.sent => NotificationClaim::AlreadySent,
            _ => NotificationClaim::InFlight,
        })
    }

    async fn mark_sent(&self, event: &EventId) -> Result<(), Unexpected> {
        let update = Update::new(
            notification_key(event),
            "SET #data.#sent = :true",
            Condition::new("attribute_exists(pk)")
                .name("#data", "data")
                .name("#sent", "sent")
                .value(":true", attribute(&true)?),
        );
        self.store.update::<Notification>(update).await?;
        Ok(())
    }

    async fn release(&self, event: &EventId) -> Result<(), Unexpected> {
        Ok(self.store.remove(&notification_key(event)).await?)
    }
}
