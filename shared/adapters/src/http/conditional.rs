//! Conditional requests: `ETag` on answers holding a versioned resource, `If-Match` on
//! changes (412 when it names another version), `If-None-Match` on reads (304 when the
//! client's copy is current).

use super::problem::Problem;
use domain::IfMatch;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};

/// The `ETag` of a version: a strong tag, the number quoted.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The entity tags a header lists (`"3", W/"4"`), or `None` for `*`.
fn tags(value: &str) -> Option<Vec<&str>> {
    let mut tags = Vec::new();
    for tag in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tag == "*" {
            return None;
        }
        tags.push(tag.trim_start_matches("W/"));
    }
    Some(tags)
}

/// What `If-Match` lets a change apply to: any version without the header (or with `*`),
/// else the versions it names (a tag that is not one of ours names none).
pub fn if_match(request: &Request) -> IfMatch {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return IfMatch::any();
    };
    match value.to_str().ok().map(tags) {
        Some(None) => IfMatch::any(),
        Some(Some(tags)) => IfMatch::versions(
            tags.iter()
                .filter_map(|t| t.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
                .collect(),
        ),
        None => IfMatch::versions(Vec::new()),
    }
}

/// Whether `If-None-Match` names `etag` (or is `*`): the client's copy is current.
pub fn not_modified_since(request: &Request, etag: &str) -> bool {
    let Some(value) = request.headers().get(header::IF_NONE_MATCH) else {
        return false;
    };
    value
        .to_str()
        .ok()
        .map(tags)
        .is_some_and(|tags| tags.is_none_or(|tags| tags.contains(&etag)))
}

/// `response` with its `ETag`.
pub fn tagged(mut response: Response<Body>, etag: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 304 with the current `ETag` and no body.
pub fn not_modified(etag: &str) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    tagged(response, etag)
}

/// 204, no body.
pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

impl Problem {
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "urn:problem:precondition-failed",
            "Precondition failed",
            detail.into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: header::HeaderName, value: &str) -> Request {
        let mut request = Request::default();
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(value).unwrap());
        request
    }

    #[test]
    fn if_match_names_versions_or_any() {
        assert!(if_match(&Request::default()).allows(9));
        assert!(if_match(&request(header::IF_MATCH, "*")).allows(9));
        let named = if_match(&request(header::IF_MATCH, "\"2\", W/\"3\""));
        assert!(named.allows(2) && named.allows(3) && !named.allows(4));
        assert!(!if_match(&request(header::IF_MATCH, "\"abc\"")).allows(1));
    }

    #[test]
    fn if_none_match_is_current_when_it_names_the_tag() {
        let current = "\"4-17\"";
        assert!(not_modified_since(
            &request(header::IF_NONE_MATCH, "\"1\", \"4-17\""),
            current
        ));
        assert!(not_modified_since(
            &request(header::IF_NONE_MATCH, "*"),
            current
        ));
        assert!(!not_modified_since(
            &request(header::IF_NONE_MATCH, "\"4-16\""),
            current
        ));
        assert!(!not_modified_since(&Request::default(), current));
    }
}
