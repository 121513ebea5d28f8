//! [`RecordingMailer`]: monitoring's e-mails (reports and invitations), kept instead of sent.

use super::support::lock;
use crate::monitoring::evaluation::Report;
use crate::monitoring::{Chart, Mailer, Subscription, SubscriptionMailer};
use crate::{Email, Unexpected};
use std::sync::Mutex;

/// Keeps every report it was asked to send, with its recipients, and every invitation;
/// refuses reports to the addresses it was told to refuse.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<(Vec<Email>, Report)>>,
    invited: Mutex<Vec<Subscription>>,
    refused: Mutex<Vec<Email>>,
}

impl RecordingMailer {
    pub fn sent(&self) -> Vec<(Vec<Email>, Report)> {
        lock(&self.sent).clone()
    }

    pub fn invited(&self) -> Vec<Subscription> {
        lock(&self.invited).clone()
    }

    pub fn refuse(&self, address: &Email) {
        lock(&self.refused).push(address.clone());
    }
}

impl Mailer for RecordingMailer {
    async fn send(&self, to: &[&Subscription], report: &Report) -> Result<(), Unexpected> {
        let to: Vec<Email> = to.iter().map(|s| s.email().clone()).collect();
        if to.iter().any(|a| lock(&self.refused).contains(a)) {
            return Err("the mail service refused the report".into());
        }
        lock(&self.sent).push((to, report.clone()));
        Ok(())
    }
}

impl SubscriptionMailer for RecordingMailer {
    async fn invite(&self, _: &Chart, subscription: &Subscription) -> Result<(), Unexpected> {
        if lock(&self.refused).contains(subscription.email()) {
            return Err("the mail service refused the invitation".into());
        }
        lock(&self.invited).push(subscription.clone());
        Ok(())
    }
}
