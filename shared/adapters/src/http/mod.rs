//! The HTTP edge shared by the functions: identity ([`caller`]), JSON bodies ([`Fields`]),
//! path and query parameters, responses, and RFC 9457 problems ([`Problem`]) with the one
//! mapping of every use case's errors to them ([`errors`]).

mod body;
mod conditional;
mod errors;
mod identity;
mod inputs;
mod params;
mod problem;

pub use body::{Fields, JsonObject, MAX_BODY_BYTES, json_object, optional_json_object};
pub use conditional::{etag, if_match, no_content, not_modified, not_modified_since, tagged};
pub use identity::caller;
pub use inputs::{alert_input, bounded, chart_input, series_choice};
pub use params::{QueryParams, page_params, path_param};
pub use problem::Problem;

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// What an HTTP handler answers: a response, or a problem that becomes one.
pub type Answer = Result<Response<Body>, Problem>;

/// The response an [`Answer`] stands for.
pub fn respond(answer: Answer) -> Response<Body> {
    answer.unwrap_or_else(Problem::into_response)
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    json_text(status, serde_json::to_string(body))
}

/// A JSON response of text already written.
pub fn json_text(status: StatusCode, text: Result<String, serde_json::Error>) -> Response<Body> {
    match text {
        Ok(text) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::Text(text))
            .unwrap_or_else(|_| Problem::internal().into_response()),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a response");
            Problem::internal().into_response()
        }
    }
}

/// 201 with `location`.
pub fn created<T: Serialize>(location: &str, body: &T) -> Response<Body> {
    let mut response = json(StatusCode::CREATED, body);
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
