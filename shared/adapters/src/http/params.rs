//! Path and query parameters.

use super::problem::Problem;
use domain::{Cursor, FieldError, Limit, Validation};
use lambda_http::{Request, RequestExt};
use std::collections::BTreeMap;

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

/// A request's query parameters as API Gateway hands them to a function: a parameter given
/// more than once is one value, its values joined by commas (`limit=5&limit=6` is `"5,6"`),
/// and is judged as that value.
pub struct QueryParams(BTreeMap<String, String>);

impl QueryParams {
    pub fn of(request: &Request) -> Self {
        let params = request.query_string_parameters();
        let mut joined: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in params.iter() {
            joined
                .entry(name.to_owned())
                .and_modify(|all| {
                    all.push(',');
                    all.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        Self(joined)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Records every parameter that is not one of `known`.
    pub fn deny_unknown(&self, known: &[&str], validation: &mut Validation) {
        for name in self.0.keys().filter(|n| !known.contains(&n.as_str())) {
            validation.push(name.as_str(), "is not a known parameter");
        }
    }

    /// `?cursor=`: absent, or a non-empty opaque text.
    pub fn cursor(&self, validation: &mut Validation) -> Option<Cursor> {
        match self.get("cursor") {
            Some("") => {
                validation.push("cursor", "must not be empty");
                None
            }
            other => other.map(|c| Cursor::new(c.to_owned())),
        }
    }
}

/// `?limit=` (1..100, default 20) and `?cursor=` of a list route; 400 naming either.
pub fn page_params(request: &Request) -> Result<(Limit, Option<Cursor>), Problem> {
    let params = QueryParams::of(request);
    let mut validation = Validation::new();
    params.deny_unknown(&["limit", "cursor"], &mut validation);
    let limit = validation.check("limit", Limit::parse(params.get("limit")));
    let cursor = params.cursor(&mut validation);
    Ok(validation.finish(|| Some((limit?, cursor)))?)
}
