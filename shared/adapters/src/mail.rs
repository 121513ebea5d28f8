//! [`SesMailer`]: reports through SES v2, from the `REPORT_SENDER` identity.

use crate::config::{self, ConfigError, SdkConfig};
use anyhow::Context;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use domain::monitoring::Mailer;
use domain::monitoring::evaluation::Report;
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
        let sender = config::required("REPORT_SENDER")?;
        Email::parse(&sender).map_err(|e| ConfigError {
            variable: "REPORT_SENDER",
            problem: e.to_string(),
        })?;
        Ok(Self::new(Client::new(aws), sender))
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
        let message = Message::builder()
            .subject(content(&report.subject)?)
            .body(
                Body::builder()
                    .text(content(&report.text)?)
                    .html(content(&report.html)?)
                    .build(),
            )
            .build();
        self.client
            .send_email()
            .from_email_address(&self.sender)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(to.iter().map(|e| e.as_str().to_owned()).collect()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .context("sending a report through SES")?;
        Ok(())
    }
}
