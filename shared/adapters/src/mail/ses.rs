//! [`SesMailer`]: messages from one SES identity, simple (text and HTML) or raw (MIME).

use crate::config::{self, ConfigError, SdkConfig};
use anyhow::Context;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, RawMessage};
use domain::{Email, Unexpected};
use std::time::Duration;

/// An SES client that rides out throttling (`TooManyRequestsException`: the account's
/// sending rate) with up to 6 attempts and jittered backoff of up to 5 s, so a tick's burst
/// of reports slows down instead of failing charts.
pub fn client(aws: &SdkConfig) -> Client {
    let retries = RetryConfig::standard()
        .with_max_attempts(6)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(5));
    let config = aws_sdk_sesv2::config::Builder::from(aws)
        .retry_config(retries)
        .build();
    Client::from_conf(config)
}

#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    pub(super) sender: String,
}

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
        }
    }

    pub(crate) fn from_variable(
        aws: &SdkConfig,
        variable: &'static str,
    ) -> Result<Self, ConfigError> {
        let sender = config::required(variable)?;
        Email::parse(&sender).map_err(|e| ConfigError {
            variable,
            problem: e.to_string(),
        })?;
        Ok(Self::new(client(aws), sender))
    }

    /// One raw message (see [`mime`]) to `to`.
    pub(super) async fn send_raw(&self, to: &str, message: Vec<u8>) -> Result<(), Unexpected> {
        let raw = RawMessage::builder()
            .data(Blob::new(message))
            .build()
            .context("building a raw e-mail")?;
        self.client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .context("sending an e-mail through SES")?;
        Ok(())
    }

    /// One message, text and HTML, to `to`.
    pub(super) async fn send_message(
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

fn content(text: &str) -> Result<Content, Unexpected> {
    Ok(Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .context("building e-mail content")?)
}
