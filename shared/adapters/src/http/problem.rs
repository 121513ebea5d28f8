//! RFC 9457 problem responses (each use case's errors become them in [`super::errors`]).

use domain::{Causes, FieldError};
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
        tracing::error!(error = %Causes(error), "unexpected error");
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
