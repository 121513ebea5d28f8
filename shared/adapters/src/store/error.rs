//! What a store operation can fail with, and the one mapping from the SDK's errors to it.

use super::document::Item;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` found an item with the same key.
    #[error("an item with this key already exists")]
    AlreadyExists,
    /// `save` was given a version that is no longer the stored one; nothing was written.
    #[error("the item changed since it was read (version conflict)")]
    VersionConflict,
    /// A transaction was cancelled; nothing in it was applied.
    #[error("the transaction was cancelled: {}", describe(.0))]
    TransactionCancelled(Vec<CancellationReason>),
    /// A cursor this store did not make for this query.
    #[error("invalid cursor: {0}")]
    InvalidCursor(&'static str),
    /// DynamoDB throttled the call, reported a conflict with other transactions, failed or
    /// timed out, past the retries with backoff: the caller may try again shortly.
    #[error("DynamoDB is busy ({what})")]
    Busy {
        what: String,
        #[source]
        cause: Option<anyhow::Error>,
    },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Error codes that say "not now": throttling, a conflict with a transaction in progress, a
/// failure on DynamoDB's side. The SDK has already retried them with backoff.
const BUSY_CODES: [&str; 7] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "ServiceUnavailable",
];

/// The one mapping of an SDK error: [`StoreError::Busy`] for what a later try can get past
/// (see [`BUSY_CODES`], timeouts, a connection that failed), [`StoreError::Unexpected`] with
/// `what` as context for the rest.
pub(crate) fn sdk_error<E, R>(error: SdkError<E, R>, what: impl FnOnce() -> String) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(_) => error.code().is_some_and(|c| BUSY_CODES.contains(&c)),
        _ => false,
    };
    let cause = anyhow::Error::new(error).context(what());
    if transient {
        StoreError::Busy {
            what: cause.to_string(),
            cause: Some(cause),
        }
    } else {
        cause.into()
    }
}

/// Why one write of a cancelled transaction failed, in the order the writes were given.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `ConditionalCheckFailed`, `TransactionConflict`, ... ; `None` for a write that was fine.
    pub code: Option<String>,
    /// The item as it was, for a failed condition.
    pub item: Option<Item>,
}

impl CancellationReason {
    pub fn condition_failed(&self) -> bool {
        self.code.as_deref() == Some("ConditionalCheckFailed")
    }

    pub fn conflicted(&self) -> bool {
        self.code.as_deref() == Some("TransactionConflict")
    }

    /// Cancelled only because DynamoDB was busy with other requests: a retry may pass.
    pub fn transient(&self) -> bool {
        matches!(
            self.code.as_deref(),
            None | Some(
                "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
            )
        )
    }
}

fn describe(reasons: &[CancellationReason]) -> String {
    reasons
        .iter()
        .map(|r| r.code.as_deref().unwrap_or("None"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A single-item write's answer: `Ok(None)` when its condition did not hold, the SDK's
/// error with `what` as context otherwise.
pub(crate) fn unless_condition_failed<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    what: impl FnOnce() -> String,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(None),
        Err(e) => Err(sdk_error(e, what)),
    }
}

/// A transaction's failure: its cancellation reasons, in the order of its writes, or the
/// SDK's error.
pub(crate) fn transaction_error<R>(error: SdkError<TransactWriteItemsError, R>) -> StoreError
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(service) if service.err().is_transaction_canceled_exception() => {
            let TransactWriteItemsError::TransactionCanceledException(cancelled) =
                service.into_err()
            else {
                return StoreError::TransactionCancelled(Vec::new());
            };
            let reasons = cancelled
                .cancellation_reasons
                .unwrap_or_default()
                .into_iter()
                .map(|r| CancellationReason {
                    code: r.code.filter(|c| c != "None"),
                    item: r.item,
                })
                .collect();
            StoreError::TransactionCancelled(reasons)
        }
        other => sdk_error(other, || "writing a transaction".to_owned()),
    }
}
