//! The [`Chart`] aggregate: a customer's chart, the names of its series and how many alerts
//! it holds, with the bounds on both.

use super::subscription::{
    Subscription, SubscriptionError, SubscriptionToken, SubscriptionView, resubscribe,
};
use crate::version::first_version;
use crate::{ChartId, CustomerId, Email, Line, Slug, Text, Timestamp, Validation};
use serde::{Deserialize, Serialize};

/// A chart name becomes its reports' e-mail subject: one line.
pub type ChartName = Line<1, 100>;
pub type ChartDescription = Text<0, 1000>;

pub const MAX_RECIPIENTS: usize = 10;
pub const MAX_SERIES: usize = 20;
pub const MAX_ALERTS: u32 = 50;

/// A customer's chart. Its series live in their own documents; the chart keeps their names
/// so that the 20-series bound holds under concurrent writes, and its alert count for the
/// 50-alert bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub(super) id: ChartId,
    pub(super) owner_id: CustomerId,
    pub(super) name: ChartName,
    pub(super) description: ChartDescription,
    pub(super) recipients: Vec<Email>,
    pub(super) created_at: Timestamp,
    #[serde(default)]
    pub(super) series: Vec<Slug>,
    #[serde(default)]
    pub(super) alert_count: u32,
    /// Raised by each change the owner makes (not by points or alerts added).
    #[serde(default = "first_version")]
    pub(super) version: u64,
    /// `None` for a chart never changed (or stored before it was kept).
    #[serde(default)]
    pub(super) updated_at: Option<Timestamp>,
    /// One per recipient, in the same order.
    #[serde(default)]
    pub(super) subscriptions: Vec<Subscription>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a chart holds at most {MAX_SERIES} series")]
pub struct TooManySeries;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a chart holds at most {MAX_ALERTS} alerts")]
pub struct TooManyAlerts;

/// A chart as its owner's list shows it: with its series' names and alert count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSummary<'a> {
    #[serde(flatten)]
    pub chart: ChartView<'a>,
    pub series_names: &'a [Slug],
    pub alert_count: u32,
}

/// The part of a chart its owner sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartView<'a> {
    pub id: ChartId,
    pub owner_id: &'a CustomerId,
    pub name: &'a ChartName,
    pub description: &'a ChartDescription,
    pub recipients: &'a [Email],
    pub subscriptions: Vec<SubscriptionView<'a>>,
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Chart {
    /// A new chart of `owner`'s, without series or alerts.
    pub fn create(owner: CustomerId, command: CreateChart, now: Timestamp) -> Self {
        let (subscriptions, _) = resubscribe(&[], &command.recipients, now);
        Self {
            id: ChartId::new(),
            owner_id: owner,
            name: command.name,
            description: command.description,
            recipients: command.recipients,
            created_at: now,
            series: Vec::new(),
            alert_count: 0,
            version: 1,
            updated_at: None,
            subscriptions,
        }
    }

    pub fn id(&self) -> ChartId {
        self.id
    }

    pub fn owner_id(&self) -> &CustomerId {
        &self.owner_id
    }

    pub fn is_owned_by(&self, customer: &CustomerId) -> bool {
        &self.owner_id == customer
    }

    pub fn name(&self) -> &ChartName {
        &self.name
    }

    pub fn recipients(&self) -> &[Email] {
        &self.recipients
    }

    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subscriptions
    }

    pub fn subscription(&self, token: &SubscriptionToken) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.token() == token)
    }

    /// The recipients who get its reports.
    pub fn confirmed_subscriptions(&self) -> Vec<&Subscription> {
        self.subscriptions
            .iter()
            .filter(|s| s.is_confirmed())
            .collect()
    }

    /// The recipient of `token` confirms; `Ok(false)` when they already had.
    pub fn confirm(
        &mut self,
        token: &SubscriptionToken,
        now: Timestamp,
    ) -> Result<bool, SubscriptionError> {
        self.change_subscription(token, |s| s.confirm(now))
    }

    /// The recipient of `token` wants nothing more; `Ok(false)` when they already had.
    pub fn unsubscribe(
        &mut self,
        token: &SubscriptionToken,
        now: Timestamp,
    ) -> Result<bool, SubscriptionError> {
        self.change_subscription(token, |s| s.unsubscribe(now))
    }

    fn change_subscription(
        &mut self,
        token: &SubscriptionToken,
        change: impl FnOnce(&mut Subscription) -> Result<bool, SubscriptionError>,
    ) -> Result<bool, SubscriptionError> {
        let subscription = self
            .subscriptions
            .iter_mut()
            .find(|s| s.token() == token)
            .ok_or(SubscriptionError::NotFound)?;
        let changed = change(subscription)?;
        // A concurrent save of the owner's change must not undo it.
        if changed {
            self.version += 1;
        }
        Ok(changed)
    }

    pub fn series_names(&self) -> &[Slug] {
        &self.series
    }

    pub fn alert_count(&self) -> u32 {
        self.alert_count
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Makes room for points of `names`: the ones the chart does not have yet join it, if it
    /// stays within [`MAX_SERIES`]. `Ok(true)` when the chart changed.
    pub fn add_series(&mut self, names: &[Slug]) -> Result<bool, TooManySeries> {
        let new: Vec<&Slug> = names.iter().filter(|n| !self.series.contains(n)).collect();
        if self.series.len() + new.len() > MAX_SERIES {
            return Err(TooManySeries);
        }
        self.series.extend(new.iter().map(|n| (*n).clone()));
        Ok(!new.is_empty())
    }

    /// Counts one more alert, if the chart stays within [`MAX_ALERTS`].
    pub fn add_alert(&mut self) -> Result<(), TooManyAlerts> {
        if self.alert_count >= MAX_ALERTS {
            return Err(TooManyAlerts);
        }
        self.alert_count += 1;
        Ok(())
    }

    /// An alert of the chart is gone: it counts no more against [`MAX_ALERTS`].
    pub fn remove_alert(&mut self) {
        self.alert_count = self.alert_count.saturating_sub(1);
    }

    pub fn summary(&self) -> ChartSummary<'_> {
        ChartSummary {
            chart: self.view(),
            series_names: &self.series,
            alert_count: self.alert_count,
        }
    }

    pub fn view(&self) -> ChartView<'_> {
        ChartView {
            id: self.id,
            owner_id: &self.owner_id,
            name: &self.name,
            description: &self.description,
            recipients: &self.recipients,
            subscriptions: self.subscriptions.iter().map(Subscription::view).collect(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at.unwrap_or(self.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateChart {
    pub name: ChartName,
    pub description: ChartDescription,
    pub recipients: Vec<Email>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateChartInput<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    /// `None` when missing; each element `None` when not a string (already reported).
    pub recipients: Option<Vec<Option<&'a str>>>,
}

impl CreateChart {
    pub fn parse(input: CreateChartInput<'_>, validation: &mut Validation) -> Option<Self> {
        let name = validation.required("name", input.name, ChartName::parse);
        let description = validation.check(
            "description",
            ChartDescription::parse(input.description.unwrap_or("")),
        );
        let recipients = match input.recipients {
            None => {
                validation.push("recipients", "is required");
                None
            }
            Some(list) => parse_recipients(&list, validation),
        };
        Some(Self {
            name: name?,
            description: description?,
            recipients: recipients?,
        })
    }
}

/// One to [`MAX_RECIPIENTS`] addresses, duplicates merged; each invalid one named by its
/// index. `list` holds `None` for an element that is not a string.
pub(super) fn parse_recipients(
    list: &[Option<&str>],
    validation: &mut Validation,
) -> Option<Vec<Email>> {
    if list.is_empty() || list.len() > MAX_RECIPIENTS {
        validation.push(
            "recipients",
            format!("must hold 1 to {MAX_RECIPIENTS} addresses"),
        );
        return None;
    }
    let mut parsed = Vec::new();
    let mut all_valid = true;
    for (i, text) in list.iter().enumerate() {
        let field = format!("recipients[{i}]");
        match text.map(|t| validation.check(field.clone(), Email::parse(t))) {
            Some(Some(email)) if !parsed.contains(&email) => parsed.push(email),
            Some(Some(_duplicate)) => {}
            Some(None) => all_valid = false,
            None => {
                validation.push(field, "must be a string");
                all_valid = false;
            }
        }
    }
    all_valid.then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        crate::monitoring::test_data::chart("Latency")
    }

    #[test]
    fn a_chart_holds_at_most_twenty_series() {
        let mut chart = chart();
        let names: Vec<Slug> = (0..20)
            .map(|i| Slug::parse(&format!("s{i}")).unwrap())
            .collect();
        assert_eq!(chart.add_series(&names[..19]), Ok(true));
        assert_eq!(
            chart.add_series(&names[..19]),
            Ok(false),
            "known series change nothing"
        );
        let more = [names[19].clone(), Slug::parse("extra").unwrap()];
        assert_eq!(chart.add_series(&more), Err(TooManySeries));
        assert_eq!(
            chart.series.len(),
            19,
            "a refused change leaves the chart as it was"
        );
        assert_eq!(chart.add_series(&names[19..]), Ok(true));
    }

    #[test]
    fn a_chart_holds_at_most_fifty_alerts() {
        let mut chart = chart();
        for _ in 0..MAX_ALERTS {
            chart.add_alert().unwrap();
        }
        assert_eq!(chart.add_alert(), Err(TooManyAlerts));
        assert_eq!(chart.alert_count(), MAX_ALERTS);
    }

    #[test]
    fn charts_need_a_name_and_one_to_ten_recipients() {
        let mut validation = Validation::new();
        let chart = CreateChart::parse(
            CreateChartInput {
                name: Some(" Latency "),
                description: None,
                recipients: Some(vec![Some("a@example.com"), Some("a@example.com")]),
            },
            &mut validation,
        )
        .unwrap();
        assert_eq!(chart.name.as_str(), "Latency");
        assert_eq!(chart.recipients.len(), 1, "duplicates are merged");

        let eleven: Vec<Option<&str>> = vec![Some("a@example.com"); 11];
        for (input, field) in [
            (
                CreateChartInput {
                    name: None,
                    description: None,
                    recipients: Some(vec![Some("a@example.com")]),
                },
                "name",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(vec![]),
                },
                "recipients",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(eleven),
                },
                "recipients",
            ),
            (
                CreateChartInput {
                    name: Some("x"),
                    description: None,
                    recipients: Some(vec![Some("nope")]),
                },
                "recipients[0]",
            ),
        ] {
            let mut validation = Validation::new();
            assert!(CreateChart::parse(input, &mut validation).is_none());
            assert_eq!(validation.errors()[0].field, field);
        }
    }
}
