//! Who is calling: the JWT authorizer's claims, or the local development headers.

use super::problem::Problem;
use crate::config::AuthMode;
use domain::{Caller, CustomerId, Email};
use lambda_http::http::HeaderMap;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

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
}
