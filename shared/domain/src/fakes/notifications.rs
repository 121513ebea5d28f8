//! Order history and customer e-mails, in memory.

use super::orders::InMemoryOrders;
use super::support::lock;
use crate::order::Order;
use crate::order::{
    CustomerMailer, NOTIFICATION_LEASE_SECONDS, NotificationClaim, NotificationLog, OrderEmail,
    OrderFilter, OrderHistory,
};
use crate::{Cursor, Email, EventId, Limit, OrderId, Page, PageError, Timestamp, Unexpected};
use std::collections::HashMap;
use std::sync::Mutex;

impl OrderHistory for InMemoryOrders {
    async fn orders_page(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Order>, PageError> {
        let after = match cursor {
            None => None,
            Some(c) => Some(OrderId::parse(c.as_str()).map_err(|_| PageError::InvalidCursor)?),
        };
        let mut orders: Vec<Order> = self
            .orders()
            .into_iter()
            .filter(|o| o.customer_id() == &filter.customer_id)
            .filter(|o| filter.status.is_none_or(|s| o.status() == s))
            .collect();
        // Newest first: order ids are UUIDv7.
        orders.sort_by_key(|o| std::cmp::Reverse(o.id()));
        let size = usize::from(limit.get());
        let mut items: Vec<Order> = orders
            .into_iter()
            .filter(|o| after.is_none_or(|after| o.id() < after))
            .take(size + 1)
            .collect();
        let next_cursor = (items.len() > size).then(|| {
            items.truncate(size);
            Cursor::new(items[size - 1].id().to_string())
        });
        Ok(Page { items, next_cursor })
    }
}

/// Claims and sent e-mails; refuses to send to the addresses it was told to refuse.
#[derive(Debug, Default)]
pub struct RecordingNotifications {
    claims: Mutex<HashMap<EventId, (bool, Timestamp)>>,
    sent: Mutex<Vec<(Email, OrderEmail)>>,
    refused: Mutex<Vec<Email>>,
}

impl RecordingNotifications {
    pub fn sent(&self) -> Vec<(Email, OrderEmail)> {
        lock(&self.sent).clone()
    }

    pub fn refuse(&self, address: &Email) {
        lock(&self.refused).push(address.clone());
    }

    pub fn accept_all(&self) {
        lock(&self.refused).clear();
    }
}

impl NotificationLog for RecordingNotifications {
    async fn claim(
        &self,
        event: &EventId,
        now: Timestamp,
    ) -> Result<NotificationClaim, Unexpected> {
        let mut claims = lock(&self.claims);
        match claims.get(event) {
            Some((true, _)) => Ok(NotificationClaim::AlreadySent),
            Some((false, until)) if *until > now => Ok(NotificationClaim::InFlight),
            _ => {
                let lease = time::Duration::seconds(NOTIFICATION_LEASE_SECONDS);
                claims.insert(*event, (false, now.saturating_add(lease)));
                Ok(NotificationClaim::Claimed)
            }
        }
    }

    async fn mark_sent(&self, event: &EventId) -> Result<(), Unexpected> {
        if let Some(claim) = lock(&self.claims).get_mut(event) {
            claim.0 = true;
        }
        Ok(())
    }

    async fn release(&self, event: &EventId) -> Result<(), Unexpected> {
        lock(&self.claims).remove(event);
        Ok(())
    }
}

impl CustomerMailer for RecordingNotifications {
    async fn send(&self, to: &Email, email: &OrderEmail) -> Result<(), Unexpected> {
        if lock(&self.refused).contains(to) {
            return Err("the mail service refused the e-mail".into());
        }
        lock(&self.sent).push((to.clone(), email.clone()));
        Ok(())
    }
}
