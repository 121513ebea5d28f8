//! Idempotency records: one item per customer and key, claimed by a request's first attempt
//! (with a lease, so a crashed attempt frees the key) and completed with its outcome.

use super::DynamoOrderRepository;
use crate::store::{Document, Key, StoreError};
use anyhow::Context;
use domain::order::{
    IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_RETENTION_SECONDS, IdempotencyKey, IdempotencyStore,
    KeyClaim, KeyState, OrderRefusal, Outcome,
};
use domain::{CustomerId, Timestamp, Unexpected};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// `O` is the outcome, or, when one is written, a form of it whose text is the same.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[serde(bound(serialize = "O: Serialize", deserialize = "O: DeserializeOwned"))]
pub(super) enum KeyRecordState<O = Outcome> {
    InFlight {
        lease_until: Timestamp,
    },
    Completed {
        #[serde(with = "crate::store::codec::json_text")]
        outcome: O,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "O: Serialize", deserialize = "O: DeserializeOwned"))]
pub(super) struct KeyRecord<O = Outcome> {
    customer_id: CustomerId,
    key: IdempotencyKey,
    fingerprint: String,
    first_seen: Timestamp,
    #[serde(flatten)]
    state: KeyRecordState<O>,
}

pub(super) fn key_record_key(customer: &CustomerId, key: &IdempotencyKey) -> Key {
    // The customer's length keeps `a#b` + `c` apart from `a` + `b#c`.
    let customer = customer.as_str();
    Key::new(
        format!("IDEMPOTENCY#{}:{customer}#{}", customer.len(), key.as_str()),
        "IDEMPOTENCY",
    )
}

impl<O: Serialize + DeserializeOwned + Send + Sync> Document for KeyRecord<O> {
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

impl<O> KeyRecord<O> {
    pub(super) fn for_claim(
        claim: &KeyClaim,
        first_seen: Timestamp,
        state: KeyRecordState<O>,
    ) -> Self {
        Self {
            customer_id: claim.customer_id.clone(),
            key: claim.key.clone(),
            fingerprint: claim.fingerprint.clone(),
            first_seen,
            state,
        }
    }
}

fn lease_until(now: Timestamp) -> Timestamp {
    now.saturating_add(time::Duration::seconds(IDEMPOTENCY_LEASE_SECONDS))
}

impl IdempotencyStore for DynamoOrderRepository {
    async fn claim_key(
        &self,
        customer_id: &CustomerId,
        key: &IdempotencyKey,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<KeyState, Unexpected> {
        let fresh: KeyRecord = KeyRecord {
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
}
