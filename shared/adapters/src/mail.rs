//! E-mail through SES v2: [`SesMailer`] sends reports from the `REPORT_SENDER` identity,
//! [`OrderMailer`] customers' order e-mails from `NOTIFY_SENDER`.

use crate::config::{self, ConfigError, SdkConfig};
use anyhow::Context;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use domain::monitoring::Mailer;
use domain::monitoring::evaluation::Report;
use domain::order::{CustomerMailer, OrderEmail};
use domain::{Email, Unexpected};

#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
}

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
        }
    }

    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_variable(aws, "REPORT_SENDER")
    }

    fn from_variable(aws: &SdkConfig, variable: &'static str) -> Result<Self, ConfigError> {
        let sender = config::required(variable)?;
        Email::parse(&sender).map_err(|e| ConfigError {
            variable,
            problem: e.to_string(),
        })?;
        Ok(Self::new(Client::new(aws), sender))
    }

    /// One message, text and HTML, to `to`.
    async fn send_message(
        &self,
        to: Vec<String>,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), Unexpected> {
        let message = Message::builder()
            .subject(content(subject)?)
            .body(
                Body::builder()
                    .text(content(text)?)
                    .html(content(html)?)
                    .build(),
            )
            .build();
        self.client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().set_to_addresses(Some(to)).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .context("sending an e-mail through SES")?;
        Ok(())
    }
}

/// Customers' order e-mails, from the `NOTIFY_SENDER` identity.
#[derive(Debug, Clone)]
pub struct OrderMailer(SesMailer);

impl OrderMailer {
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self(SesMailer::new(client, sender))
    }

    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        SesMailer::from_variable(aws, "NOTIFY_SENDER").map(Self)
    }
}

impl CustomerMailer for OrderMailer {
    async fn send(&self, to: &Email, email: &OrderEmail) -> Result<(), Unexpected> {
        self.0
            .send_message(
                vec![to.as_str().to_owned()],
                &email.subject,
                &email.text,
                &email.html,
            )
            .await
    }
}

fn content(text: &str) -> Result<Content, Unexpected> {
    Ok(Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .context("building e-mail content")?)
}

impl Mailer for SesMailer {
    async fn send(&self, to: &[Email], report: &Report) -> Result<(), Unexpected> {
        let to = to.iter().map(|e| e.as_str().to_owned()).collect();
        self.send_message(to, &report.subject, &report.text, &report.html)
            .await
    }
}
