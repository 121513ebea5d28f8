//! The events a product's changes cause, published like orders' (through the outbox): a
//! product created, or changed through `PATCH` with what changed. Stock taken by orders
//! causes none.

use super::product::Product;
use super::values::FieldChange;
use crate::{EventId, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const EVENT_SOURCE: &str = "shop.catalog";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductEventKind {
    ProductCreated,
    ProductUpdated,
}

impl ProductEventKind {
    pub fn detail_type(self) -> &'static str {
        match self {
            ProductEventKind::ProductCreated => "ProductCreated",
            ProductEventKind::ProductUpdated => "ProductUpdated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEvent {
    pub event_id: EventId,
    pub kind: ProductEventKind,
    pub product: Product,
    /// For an update: each field that changed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changes: BTreeMap<String, FieldChange>,
    pub occurred_at: Timestamp,
}

impl ProductEvent {
    pub(crate) fn new(
        kind: ProductEventKind,
        product: &Product,
        changes: BTreeMap<String, FieldChange>,
        now: Timestamp,
    ) -> Self {
        Self {
            event_id: EventId::new(),
            kind,
            product: product.clone(),
            changes,
            occurred_at: now,
        }
    }

    /// The event's `detail`: the product's fields, `event_id`, and for an update `changes`,
    /// written straight to text.
    pub fn detail(&self) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct Detail<'a> {
            #[serde(flatten)]
            product: &'a Product,
            event_id: EventId,
            #[serde(skip_serializing_if = "Option::is_none")]
            changes: Option<&'a BTreeMap<String, FieldChange>>,
        }
        serde_json::to_string(&Detail {
            product: &self.product,
            event_id: self.event_id,
            changes: (self.kind == ProductEventKind::ProductUpdated).then_some(&self.changes),
        })
    }
}
