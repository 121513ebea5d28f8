//! E-mail through SES v2: [`SesMailer`] sends from one identity; [`ReportMailer`] sends
//! monitoring's reports and confirmations from `REPORT_SENDER`, [`OrderMailer`] customers'
//! order e-mails from `NOTIFY_SENDER`.

mod mime;
mod reports;
mod ses;

pub use reports::{Invitations, Links, ReportMailer, RequestInvitations};
pub use ses::{SesMailer, client};

use crate::config::{ConfigError, SdkConfig};
use aws_sdk_sesv2::Client;
use domain::order::{CustomerMailer, OrderEmail};
use domain::{Email, Unexpected};

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
