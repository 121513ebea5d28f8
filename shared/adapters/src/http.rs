//! The HTTP edge shared by the functions: identity, JSON bodies, path and query parameters,
//! and responses. Problem responses for each use case's errors live in [`crate::problem`].

use crate::config::AuthMode;
use crate::problem::Problem;
use domain::{Caller, Cursor, CustomerId, Email, FieldError, Limit, Validation};
use lambda_http::http::{HeaderMap, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// A request body's top-level object.
pub type JsonObject = Map<String, Value>;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The authenticated caller, or 401.
///
/// With [`AuthMode::Jwt`] the identity is the JWT authorizer's claims (`sub`, `email`,
/// `cognito:groups`); the local headers are ignored. With [`AuthMode::LocalHeaders`] the
/// `x-customer-id`, `x-customer-email` and `x-customer-groups` headers stand in for them.
pub fn caller(request: &Request, mode: AuthMode) -> Result<Caller, Problem> {
    let identity = match mode {
        AuthMode::Jwt => jwt_identity(request),
        AuthMode::LocalHeaders => header_identity(request.headers()),
    };
    identity.ok_or_else(Problem::unauthorized)
}

fn jwt_identity(request: &Request) -> Option<Caller> {
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return None;
    };
    let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
    Some(Caller {
        customer_id: CustomerId::parse(claims.get("sub")?).ok()?,
        email: claims.get("email").and_then(|e| Email::parse(e).ok()),
        admin: claims
            .get("cognito:groups")
            .is_some_and(|groups| parse_groups(groups).any(|g| g == "admin")),
    })
}

fn header_identity(headers: &HeaderMap) -> Option<Caller> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Some(Caller {
        customer_id: CustomerId::parse(text("x-customer-id")?.trim()).ok()?,
        email: text("x-customer-email").and_then(|e| Email::parse(e).ok()),
        admin: text("x-customer-groups")
            .is_some_and(|groups| groups.split(',').any(|g| g.trim() == "admin")),
    })
}

/// Groups as API Gateway passes them: `[admin ops]`, or a JSON array `["admin","ops"]`.
fn parse_groups(text: &str) -> Box<dyn Iterator<Item = String> + '_> {
    if let Ok(groups) = serde_json::from_str::<Vec<String>>(text) {
        return Box::new(groups.into_iter());
    }
    Box::new(
        text.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split([' ', ','])
            .filter(|g| !g.is_empty())
            .map(str::to_owned),
    )
}

/// The body as a JSON object: 413 when too large, 415 when declared as something other than
/// JSON, 400 when it is not a JSON object.
pub fn json_object(request: &Request) -> Result<Map<String, Value>, Problem> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Problem::too_large(MAX_BODY_BYTES));
    }
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
        let essence = content_type
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Problem::unsupported_media_type());
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request("the request needs a JSON object body"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::bad_request("the body must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// The body as a JSON object, or an empty one when there is no body (optional bodies).
pub fn optional_json_object(request: &Request) -> Result<Map<String, Value>, Problem> {
    let empty = match request.body() {
        Body::Empty => true,
        Body::Text(text) => text.trim().is_empty(),
        Body::Binary(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    if empty {
        Ok(Map::new())
    } else {
        json_object(request)
    }
}

/// Reads the fields of one JSON object, recording every wrong type and unknown field in a
/// [`Validation`] under the field's path (`items[0].quantity`). `null` counts as absent.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    path: String,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self::nested(object, String::new())
    }

    pub fn nested(object: &'a Map<String, Value>, path: String) -> Self {
        Self {
            object,
            path,
            known: Vec::new(),
        }
    }

    pub fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.object.get(name).filter(|v| !v.is_null())
    }

    fn typed<T>(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
        expected: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(name)?;
        let read = read(value);
        if read.is_none() {
            validation.push(self.path_of(name), format!("must be {expected}"));
        }
        read
    }

    pub fn string(&mut self, name: &'static str, validation: &mut Validation) -> Option<&'a str> {
        self.typed(name, validation, "a string", Value::as_str)
    }

    pub fn integer(&mut self, name: &'static str, validation: &mut Validation) -> Option<i64> {
        self.typed(name, validation, "an integer", Value::as_i64)
    }

    pub fn boolean(&mut self, name: &'static str, validation: &mut Validation) -> Option<bool> {
        self.typed(name, validation, "true or false", Value::as_bool)
    }

    pub fn number(&mut self, name: &'static str, validation: &mut Validation) -> Option<f64> {
        self.typed(name, validation, "a number", Value::as_f64)
    }

    pub fn array(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
    ) -> Option<&'a Vec<Value>> {
        self.typed(name, validation, "an array", Value::as_array)
    }

    pub fn object(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
    ) -> Option<&'a Map<String, Value>> {
        self.typed(name, validation, "an object", Value::as_object)
    }

    /// Records every field that no reader asked for.
    pub fn deny_unknown(self, validation: &mut Validation) {
        let mut unknown: Vec<&String> = self
            .object
            .keys()
            .filter(|k| !self.known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        for name in unknown {
            validation.push(self.path_of(name), "is not a known field");
        }
    }
}

/// A path parameter parsed by `parse`; 400 naming the parameter when it does not parse.
pub fn path_param<T, E: std::fmt::Display>(
    request: &Request,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, Problem> {
    let params = request.path_parameters();
    let text = params.first(name).unwrap_or("");
    parse(text).map_err(|e| {
        Problem::invalid_fields(vec![FieldError {
            field: name.to_owned(),
            message: e.to_string(),
        }])
    })
}

/// `?limit=` (1..100, default 20) and `?cursor=` of a list route; 400 naming either.
pub fn page_params(request: &Request) -> Result<(Limit, Option<Cursor>), Problem> {
    let params = request.query_string_parameters();
    let mut validation = Validation::new();
    for (name, _) in params.iter() {
        if name != "limit" && name != "cursor" {
            validation.push(name, "is not a known parameter");
        }
    }
    let limit = validation.check("limit", Limit::parse(params.first("limit")));
    let cursor = match params.first("cursor") {
        Some("") => {
            validation.push("cursor", "must not be empty");
            None
        }
        other => other.map(|c| Cursor::new(c.to_owned())),
    };
    Ok(validation.finish(|| Some((limit?, cursor)))?)
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    match serde_json::to_string(body) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_both_forms() {
        assert_eq!(
            parse_groups("[admin ops]").collect::<Vec<_>>(),
            ["admin", "ops"]
        );
        assert_eq!(
            parse_groups("[\"ops\",\"admin\"]").collect::<Vec<_>>(),
            ["ops", "admin"]
        );
        assert_eq!(parse_groups("[]").count(), 0);
        assert_eq!(parse_groups("admin").collect::<Vec<_>>(), ["admin"]);
        assert!(!parse_groups("[administrators]").any(|g| g == "admin"));
    }

    #[test]
    fn fields_record_wrong_types_and_unknown_fields_once_each() {
        let object = serde_json::json!({
            "name": 5, "stock": "x", "active": true, "extra": 1, "other": null
        });
        let object = object.as_object().unwrap();
        let mut validation = Validation::new();
        let mut fields = Fields::nested(object, "items[2]".into());
        assert_eq!(fields.string("name", &mut validation), None);
        assert_eq!(fields.integer("stock", &mut validation), None);
        assert_eq!(fields.boolean("active", &mut validation), Some(true));
        assert_eq!(fields.string("missing", &mut validation), None);
        fields.deny_unknown(&mut validation);
        let errors: Vec<_> = validation
            .errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(
            errors,
            [
                "items[2].name",
                "items[2].stock",
                "items[2].extra",
                "items[2].other"
            ]
        );
    }
}
