//! `GET /subscriptions/{token}`, `POST /subscriptions/{token}/confirm` and
//! `POST /subscriptions/{token}/unsubscribe` (whoever holds the token, no identity): the
//! page a recipient reaches from their e-mail, with a button to confirm (or, once
//! confirmed, to unsubscribe), and what each button does. The unsubscribe POST is also the
//! RFC 8058 one-click target of every report (its body, `List-Unsubscribe=One-Click`, is
//! not needed). Pages are HTML for people; a busy or broken store is a problem document.

use adapters::backoff::JitteredBackoff;
use adapters::http::{self, Answer, Problem};
use adapters::monitoring::DynamoMonitoringRepository;
use domain::monitoring::{
    ManageSubscriptionError, SubscriptionError, SubscriptionPage, SubscriptionRequest,
    SubscriptionStatus, SubscriptionToken, manage_subscription, subscription_page,
};
use domain::{SystemClock, escape_html};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};

adapters::dependencies! {
    pub struct Deps {
        pub charts: DynamoMonitoringRepository,
    }
}

pub async fn handle(request: Request, deps: &Deps) -> Answer {
    let Ok(token) = http::path_param(&request, "token", SubscriptionToken::parse) else {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Not a subscription link",
            "This link is not one of ours. Copy the whole link from the e-mail.",
        ));
    };
    let action = match (request.method(), request.uri().path()) {
        (&Method::POST, path) if path.ends_with("/confirm") => Some(SubscriptionRequest::Confirm),
        (&Method::POST, path) if path.ends_with("/unsubscribe") => {
            Some(SubscriptionRequest::Unsubscribe)
        }
        _ => None,
    };
    let result = match action {
        None => subscription_page(&token, &SystemClock, &deps.charts).await,
        Some(action) => {
            let charts = &deps.charts;
            manage_subscription(&token, action, &SystemClock, &JitteredBackoff, charts).await
        }
    };
    // Each page's button posts relative to the page's own path: from
    // `/subscriptions/{token}` to `{token}/<action>`, from `.../{token}/confirm` to `<action>`,
    // so it holds behind any domain or stage.
    let relative = match action {
        None => format!("{}/", token.as_str()),
        Some(_) => String::new(),
    };
    match result {
        Ok(subscription) => Ok(subscription_html(&subscription, &relative)),
        Err(ManageSubscriptionError::Refused(SubscriptionError::NotFound)) => Ok(page(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This link is unknown or has expired (an unconfirmed link works for 7 days). \
             Ask the chart's owner to list your address again for a new one.",
        )),
        Err(ManageSubscriptionError::Refused(SubscriptionError::Unsubscribed)) => Ok(page(
            StatusCode::CONFLICT,
            "You unsubscribed",
            "This address unsubscribed from this chart, so this link cannot confirm it again. \
             Ask the chart's owner to remove your address and list it again.",
        )),
        Err(ManageSubscriptionError::Contended) => Err(Problem::busy()),
        Err(e @ ManageSubscriptionError::Unexpected(_)) => Err(Problem::unexpected(&e)),
    }
}

/// The subscription as its recipient sees it, with the one button that applies.
fn subscription_html(subscription: &SubscriptionPage, relative: &str) -> Response<Body> {
    let chart = escape_html(&subscription.chart_name);
    let email = escape_html(&subscription.email);
    let (title, text, button) = match subscription.status {
        SubscriptionStatus::Pending => (
            "Confirm the alert reports",
            format!("Send the alert reports of the chart <b>{chart}</b> to <b>{email}</b>?"),
            Some(("confirm", "Yes, send me the reports")),
        ),
        SubscriptionStatus::Confirmed => (
            if subscription.changed {
                "Confirmed"
            } else {
                "Alert reports"
            },
            format!("<b>{email}</b> gets the alert reports of the chart <b>{chart}</b>."),
            Some(("unsubscribe", "Unsubscribe")),
        ),
        SubscriptionStatus::Unsubscribed => (
            "Unsubscribed",
            format!("<b>{email}</b> gets nothing more from the chart <b>{chart}</b>."),
            None,
        ),
    };
    let form = button.map_or_else(String::new, |(action, label)| {
        format!(
            r#"<form method="post" action="{}{action}"><button type="submit">{label}</button></form>"#,
            escape_html(relative)
        )
    });
    page(StatusCode::OK, title, &format!("{text}{form}"))
}

/// An HTML page that no cache keeps and no link leaks the address of.
fn page(status: StatusCode, title: &str, body_html: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body><h1>{title}</h1><div>{body_html}</div></body></html>"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header("referrer-policy", "no-referrer")
        .header(
            "content-security-policy",
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        .body(Body::Text(html))
        .unwrap_or_else(|_| Problem::internal().into_response())
}
