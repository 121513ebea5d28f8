//! Path and query parameters.

use super::problem::Problem;
use domain::{Cursor, FieldError, Limit, Validation};
use lambda_http::{Request, RequestExt};

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
