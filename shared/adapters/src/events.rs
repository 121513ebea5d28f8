//! [`EventBridgePublisher`]: domain events onto the bus named by `EVENT_BUS_NAME`.

use crate::config::{self, ConfigError, SdkConfig};
use anyhow::{Context, anyhow};
pub use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use domain::Unexpected;
use domain::events::{DomainEvent, EventPublisher, Rejected};

#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Client::new(aws),
            config::required("EVENT_BUS_NAME")?,
        ))
    }
}

/// Entries a PutEvents call takes.
const PUT_EVENTS_MAX: usize = 10;

impl EventBridgePublisher {
    /// Puts one event per detail (of `source` and `detail_type`) on the bus, ten a call;
    /// entries the bus refuses are sent once more, then their count is the error.
    pub async fn put_details(
        &self,
        source: &str,
        detail_type: &str,
        details: &[serde_json::Value],
    ) -> Result<(), Unexpected> {
        let mut pending: Vec<PutEventsRequestEntry> = details
            .iter()
            .map(|detail| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(source)
                    .detail_type(detail_type)
                    .detail(detail.to_string())
                    .build()
            })
            .collect();
        for _attempt in 0..2 {
            let mut refused = Vec::new();
            for chunk in pending.chunks(PUT_EVENTS_MAX) {
                let output = self
                    .client
                    .put_events()
                    .set_entries(Some(chunk.to_vec()))
                    .send()
                    .await
                    .with_context(|| format!("putting {detail_type} events on {}", self.bus))?;
                for (entry, result) in chunk.iter().zip(output.entries()) {
                    if result.error_code().is_some() {
                        refused.push(entry.clone());
                    }
                }
            }
            if refused.is_empty() {
                return Ok(());
            }
            pending = refused;
        }
        Err(anyhow!(
            "the bus refused {} {detail_type} events twice",
            pending.len()
        )
        .into())
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: &[DomainEvent]) -> Result<Vec<Rejected>, Unexpected> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let entries = events
            .iter()
            .map(|event| {
                let detail = event
                    .detail()
                    .with_context(|| format!("writing the detail of event {}", event.event_id()))?;
                Ok(PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(event.source())
                    .detail_type(event.detail_type())
                    .detail(detail)
                    .build())
            })
            .collect::<Result<Vec<_>, anyhow::Error>>()?;
        let output = self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .context("publishing domain events")?;
        // One result per entry, in order; an entry with an error code was not published.
        let results = output.entries.unwrap_or_default();
        if output.failed_entry_count > 0 && results.len() != events.len() {
            return Err(anyhow!(
                "EventBridge refused {} of {} events without saying which",
                output.failed_entry_count,
                events.len()
            )
            .into());
        }
        Ok(events
            .iter()
            .zip(results)
            .filter_map(|(event, result)| {
                let code = result.error_code?;
                Some(Rejected {
                    event_id: event.event_id(),
                    reason: format!("{code}: {}", result.error_message.unwrap_or_default()),
                })
            })
            .collect())
    }
}
