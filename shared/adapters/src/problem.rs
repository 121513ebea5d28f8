//! RFC 9457 problem responses, and the one place where each use case's errors become them.

use domain::FieldError;
use domain::monitoring::MonitoringError;
use domain::order::{CancelOrderError, CreateOrderError, GetOrderError, OrderRefusal};
use domain::product::{CreateProductError, GetProductError};
use domain::search::SearchError;
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
}

fn status_code<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: String) -> Self {
        Self {
            kind,
            title,
            status,
            detail,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
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
        tracing::error!(error = %chain(error), "unexpected error");
        Self::internal()
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// `outer: cause: root cause`.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<Vec<FieldError>> for Problem {
    fn from(errors: Vec<FieldError>) -> Self {
        Problem::invalid_fields(errors)
    }
}

impl From<CreateProductError> for Problem {
    fn from(error: CreateProductError) -> Self {
        match error {
            CreateProductError::Forbidden => Problem::forbidden(error.to_string()),
            CreateProductError::DuplicateName(_) => Problem::conflict(error.to_string()),
            CreateProductError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<GetProductError> for Problem {
    fn from(error: GetProductError) -> Self {
        match error {
            GetProductError::NotFound(_) => Problem::not_found(error.to_string()),
            GetProductError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<OrderRefusal> for Problem {
    fn from(refusal: OrderRefusal) -> Self {
        match &refusal {
            OrderRefusal::UnknownProducts { product_ids } => {
                Problem::unprocessable(refusal.to_string())
                    .with("product_ids", serde_json::json!(product_ids))
            }
            OrderRefusal::InsufficientStock { shortages } => Problem::conflict(refusal.to_string())
                .with("shortages", serde_json::json!(shortages)),
        }
    }
}

impl From<CreateOrderError> for Problem {
    fn from(error: CreateOrderError) -> Self {
        match error {
            CreateOrderError::KeyReused => Problem::unprocessable(error.to_string()),
            CreateOrderError::InFlight => Problem::conflict(error.to_string()),
            CreateOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<GetOrderError> for Problem {
    fn from(error: GetOrderError) -> Self {
        match error {
            GetOrderError::NotFound(_) => Problem::not_found(error.to_string()),
            GetOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<CancelOrderError> for Problem {
    fn from(error: CancelOrderError) -> Self {
        match error {
            CancelOrderError::NotFound(_) => Problem::not_found(error.to_string()),
            CancelOrderError::NotPending(_) => Problem::conflict(error.to_string()),
            CancelOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<MonitoringError> for Problem {
    fn from(error: MonitoringError) -> Self {
        match error {
            MonitoringError::ChartNotFound(_) | MonitoringError::AlertNotFound(_) => {
                Problem::not_found(error.to_string())
            }
            MonitoringError::TooManySeries
            | MonitoringError::TooManyAlerts
            | MonitoringError::Contended => Problem::conflict(error.to_string()),
            MonitoringError::InvalidCursor => Problem::invalid_fields(vec![FieldError {
                field: "cursor".into(),
                message: "is not a cursor of this list".into(),
            }]),
            MonitoringError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<SearchError> for Problem {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::InvalidCursor => Problem::invalid_fields(vec![FieldError {
                field: "cursor".into(),
                message: "is not a cursor of this search".into(),
            }]),
            SearchError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
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
    fn internal_errors_hide_their_cause() {
        let error = std::io::Error::other("the table is on fire");
        let problem = Problem::unexpected(&error);
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("fire"));
    }
}
