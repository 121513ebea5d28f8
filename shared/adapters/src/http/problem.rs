//! RFC 9457 problem responses (each use case's errors become them in [`super::errors`]).

use crate::store::StoreError;
use domain::{Causes, FieldError, Validation};
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A problem document: `{"type", "title", "status", "detail", "errors"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    #[serde(serialize_with = "status_code")]
    pub status: StatusCode,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// RFC 9457 extension members (e.g. the short products of a 409).
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
    /// Seconds after which a retry may succeed: the `Retry-After` header of a 503.
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

/// How long a client is asked to wait before retrying a request refused as busy.
const BUSY_RETRY_AFTER_SECONDS: u32 = 1;

fn status_code<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    pub(super) fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: String,
    ) -> Self {
        Self {
            kind,
            title,
            status,
            detail,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
            retry_after: None,
        }
    }

    /// Adds an extension member.
    pub fn with(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(name.to_owned(), value);
        self
    }

    /// 400 listing every invalid field.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            many if many.len() >= Validation::MAX_ERRORS => {
                format!(
                    "{0} or more fields are invalid; the first {0} are listed",
                    many.len()
                )
            }
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "urn:problem:invalid-fields",
                "Invalid request fields",
                detail,
            )
        }
    }

    /// 400 for a request that is malformed as a whole.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "urn:problem:bad-request",
            "Bad request",
            detail.into(),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "urn:problem:unauthorized",
            "Authentication required",
            "this route needs an authenticated caller".into(),
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "urn:problem:forbidden",
            "Forbidden",
            detail.into(),
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "urn:problem:not-found",
            "Not found",
            detail.into(),
        )
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "urn:problem:conflict",
            "Conflict",
            detail.into(),
        )
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "urn:problem:unprocessable",
            "Unprocessable request",
            detail.into(),
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "urn:problem:method-not-allowed",
            "Method not allowed",
            "this route does not answer that method".into(),
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "urn:problem:too-large",
            "Request body too large",
            format!("the body may hold at most {limit} bytes"),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "urn:problem:unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json".into(),
        )
    }

    /// 500: the detail never says more, the log says everything.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "urn:problem:internal",
            "Internal error",
            "something went wrong on our side; it has been logged".into(),
        )
    }

    /// Logs an unexpected error with its whole cause chain and answers 500.
    pub fn unexpected(error: &(dyn std::error::Error + 'static)) -> Self {
        if is_busy(error) {
            tracing::warn!(error = %Causes(error), "storage busy; the client is asked to retry");
            return Self::busy();
        }
        tracing::error!(error = %Causes(error), "unexpected error");
        Self::internal()
    }

    /// 503 with `Retry-After`: storage is throttling or contended past the retries with
    /// backoff; the same request may pass shortly.
    pub fn busy() -> Self {
        Self {
            retry_after: Some(BUSY_RETRY_AFTER_SECONDS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "urn:problem:busy",
                "Service busy",
                format!(
                    "the data is busy with other requests; retry in {BUSY_RETRY_AFTER_SECONDS} s"
                ),
            )
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

/// Whether storage was busy somewhere down `error`'s cause chain.
fn is_busy(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if matches!(error.downcast_ref(), Some(StoreError::Busy { .. })) {
            return true;
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_documents_have_the_contract_shape() {
        let problem = Problem::invalid_fields(vec![FieldError {
            field: "items[0].quantity".into(),
            message: "must be from 1 to 1000".into(),
        }]);
        let response = problem.into_response();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let Body::Text(text) = response.body() else {
            panic!("a text body")
        };
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(json["status"], 400);
        assert_eq!(json["errors"][0]["field"], "items[0].quantity");
        assert!(
            json["type"].is_string() && json["title"].is_string() && json["detail"].is_string()
        );
    }

    #[test]
    fn busy_storage_anywhere_in_the_chain_is_a_503_with_retry_after() {
        #[derive(Debug, thiserror::Error)]
        #[error("could not place the order")]
        struct Outer(#[source] Box<dyn std::error::Error + Send + Sync>);
        let busy = StoreError::Busy {
            what: "throttled".into(),
            cause: None,
        };
        let problem = Problem::unexpected(&Outer(Box::new(busy)));
        assert_eq!(problem.status, 503);
        let response = problem.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let other = Problem::unexpected(&Outer("disk on fire".into()));
        assert_eq!(other.status, 500);
        assert!(other.retry_after.is_none());
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = std::io::Error::other("the table is on fire");
        let problem = Problem::unexpected(&error);
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("fire"));
    }
}
