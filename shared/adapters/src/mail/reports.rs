//! Monitoring's e-mails from `REPORT_SENDER`: each report as one copy per confirmed
//! recipient (their own links, RFC 8058 one-click unsubscribe, the pictures inline as PNG),
//! and the invitation a newly listed recipient gets.

use super::mime::{Inline, Message};
use super::ses::SesMailer;
use crate::config::{ConfigError, SdkConfig};
use anyhow::Context;
use domain::Unexpected;
use domain::monitoring::evaluation::Report;
use domain::monitoring::{Chart, Mailer, Subscription, SubscriptionMailer, invitation};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

const BASE_URL: &str = "PUBLIC_BASE_URL";

/// Where a subscription's links point: `PUBLIC_BASE_URL/subscriptions/{token}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// `base` without its trailing slash; it must be an `http(s)` URL.
    pub fn new(base: &str) -> Result<Self, ConfigError> {
        let base = base.trim().trim_end_matches('/');
        let valid = (base.starts_with("https://") || base.starts_with("http://"))
            && !base.contains(char::is_whitespace)
            && base.len() > "https://".len();
        if !valid {
            return Err(ConfigError {
                variable: BASE_URL,
                problem: format!("is {base:?}, not an http(s) URL"),
            });
        }
        Ok(Self {
            base: base.to_owned(),
        })
    }

    /// `PUBLIC_BASE_URL`, required.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(&crate::config::required(BASE_URL)?)
    }

    /// `PUBLIC_BASE_URL` when set; otherwise the API the request came through (its domain,
    /// and its stage unless the default one).
    pub fn for_request(configured: Option<&Links>, request: &Request) -> Option<Self> {
        if let Some(links) = configured {
            return Some(links.clone());
        }
        let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
            return None;
        };
        let domain = context.domain_name.as_deref()?;
        let stage = context
            .stage
            .as_deref()
            .filter(|s| !s.is_empty() && *s != "$default")
            .map(|s| format!("/{s}"))
            .unwrap_or_default();
        Self::new(&format!("https://{domain}{stage}")).ok()
    }

    pub fn page(&self, subscription: &Subscription) -> String {
        format!(
            "{}/subscriptions/{}",
            self.base,
            subscription.token().as_str()
        )
    }

    pub fn unsubscribe(&self, subscription: &Subscription) -> String {
        format!("{}/unsubscribe", self.page(subscription))
    }
}

/// Reports and invitations, with the links of `links`.
#[derive(Debug, Clone)]
pub struct ReportMailer {
    ses: SesMailer,
    links: Links,
}

/// What the functions that list recipients need to invite them: the sender, and the links'
/// base when `PUBLIC_BASE_URL` sets it (else each request's API).
#[derive(Debug, Clone)]
pub struct Invitations {
    ses: SesMailer,
    links: Option<Links>,
}

impl Invitations {
    pub fn new(ses: SesMailer, links: Option<Links>) -> Self {
        Self { ses, links }
    }

    /// `REPORT_SENDER`, and `PUBLIC_BASE_URL` if set.
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        let links = match std::env::var(BASE_URL) {
            Ok(base) if !base.trim().is_empty() => Some(Links::new(&base)?),
            _ => None,
        };
        Ok(Self::new(
            SesMailer::from_variable(aws, "REPORT_SENDER")?,
            links,
        ))
    }

    /// The mailer of `request`'s invitations.
    pub fn for_request(&self, request: &Request) -> RequestInvitations {
        RequestInvitations(
            Links::for_request(self.links.as_ref(), request)
                .map(|links| ReportMailer::new(self.ses.clone(), links)),
        )
    }
}

/// One request's invitations: without a base URL for their links, each fails (and is
/// logged, the recipient staying pending).
pub struct RequestInvitations(Option<ReportMailer>);

impl SubscriptionMailer for RequestInvitations {
    async fn invite(&self, chart: &Chart, subscription: &Subscription) -> Result<(), Unexpected> {
        match &self.0 {
            Some(mailer) => mailer.invite(chart, subscription).await,
            None => Err(anyhow::anyhow!(
                "{BASE_URL} is not set and the request names no API domain"
            )
            .into()),
        }
    }
}

/// Width and height of a report's pictures: readable in a mail client's column.
const PICTURE: (u32, u32) = (600, 240);

impl ReportMailer {
    pub fn new(ses: SesMailer, links: Links) -> Self {
        Self { ses, links }
    }

    /// `REPORT_SENDER` and `PUBLIC_BASE_URL`.
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(
            SesMailer::from_variable(aws, "REPORT_SENDER")?,
            Links::from_env()?,
        ))
    }

    fn pictures(report: &Report) -> Result<Vec<Inline>, Unexpected> {
        report
            .pictures
            .iter()
            .map(|picture| {
                let name = picture.series.name();
                let drawing = crate::picture::of_report(&report.chart_name, picture, PICTURE);
                let png = picture::draw(&drawing)
                    .to_png()
                    .with_context(|| format!("drawing the picture of series {name}"))?;
                Ok(Inline {
                    content_id: Report::content_id(name),
                    filename: format!("{name}.png"),
                    png,
                })
            })
            .collect()
    }
}

impl Mailer for ReportMailer {
    async fn send(&self, to: &[&Subscription], report: &Report) -> Result<(), Unexpected> {
        let pictures = Self::pictures(report)?;
        let mut failed = 0;
        let mut first_cause = None;
        for subscription in to {
            let page = self.links.page(subscription);
            let message = Message {
                from: &self.ses.sender,
                to: subscription.email().as_str(),
                subject: &report.subject,
                headers: vec![
                    (
                        "List-Unsubscribe",
                        format!("<{}>", self.links.unsubscribe(subscription)),
                    ),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()),
                ],
                text: &report.text(&page),
                html: &report.html(&page),
                inline: &pictures,
            };
            // Every copy is tried: one refused address does not keep the others' reports.
            if let Err(cause) = self
                .ses
                .send_raw(subscription.email().as_str(), message.to_bytes())
                .await
            {
                failed += 1;
                first_cause.get_or_insert(cause);
            }
        }
        match first_cause {
            None => Ok(()),
            Some(cause) => Err(anyhow::anyhow!(
                "{failed} of {} copies of the report were refused: {}",
                to.len(),
                domain::Causes(cause.as_ref())
            )
            .into()),
        }
    }
}

impl SubscriptionMailer for ReportMailer {
    async fn invite(&self, chart: &Chart, subscription: &Subscription) -> Result<(), Unexpected> {
        let email = invitation(chart, &self.links.page(subscription));
        self.ses
            .send_message(
                vec![subscription.email().as_str().to_owned()],
                &email.subject,
                &email.text,
                &email.html,
            )
            .await
    }
}
