//! The owner's change of a chart (`PATCH /charts/{id}`): any of its name, description and
//! recipients, with the rules of a new chart.

use super::chart::{Chart, ChartDescription, ChartName, parse_recipients};
use super::subscription::{SubscriptionChanges, resubscribe};
use crate::{Email, Timestamp, Validation};

#[derive(Debug, Clone, PartialEq)]
pub struct ChartChange {
    pub(super) name: Option<ChartName>,
    pub(super) description: Option<ChartDescription>,
    pub(super) recipients: Option<Vec<Email>>,
}

#[derive(Debug, Clone, Default)]
pub struct ChartChangeInput<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    /// Each element `None` when not a string (already reported).
    pub recipients: Option<Vec<Option<&'a str>>>,
}

/// The field a change that names none is reported on.
pub const EMPTY_CHANGE_FIELD: &str = "body";

impl ChartChange {
    pub fn parse(input: ChartChangeInput<'_>, validation: &mut Validation) -> Option<Self> {
        if input.name.is_none() && input.description.is_none() && input.recipients.is_none() {
            if validation.is_empty() {
                validation.push(
                    EMPTY_CHANGE_FIELD,
                    "must name at least one of name, description, recipients",
                );
            }
            return None;
        }
        let name = input
            .name
            .map(|n| validation.check("name", ChartName::parse(n)));
        let description = input
            .description
            .map(|d| validation.check("description", ChartDescription::parse(d)));
        let recipients = input
            .recipients
            .map(|list| parse_recipients(&list, validation));
        Some(Self {
            name: name.map_or(Some(None), |n| n.map(Some))?,
            description: description.map_or(Some(None), |d| d.map(Some))?,
            recipients: recipients.map_or(Some(None), |r| r.map(Some))?,
        })
    }
}

impl Chart {
    /// The owner's change: each field given replaces the chart's; the version goes up. New
    /// recipients start pending; removed ones lose their subscription.
    pub fn change(&mut self, change: ChartChange, now: Timestamp) -> SubscriptionChanges {
        let mut changes = SubscriptionChanges::default();
        if let Some(name) = change.name {
            self.name = name;
        }
        if let Some(description) = change.description {
            self.description = description;
        }
        if let Some(recipients) = change.recipients {
            let (subscriptions, changed) = resubscribe(&self.subscriptions, &recipients, now);
            self.subscriptions = subscriptions;
            self.recipients = recipients;
            changes = changed;
        }
        self.version += 1;
        self.updated_at = Some(now);
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: ChartChangeInput<'_>) -> (Option<ChartChange>, Vec<String>) {
        let mut validation = Validation::new();
        let parsed = ChartChange::parse(input, &mut validation);
        let fields = validation.fields().into_iter().map(String::from).collect();
        (parsed, fields)
    }

    #[test]
    fn a_change_names_at_least_one_field_and_keeps_the_create_rules() {
        let (parsed, fields) = parse(ChartChangeInput::default());
        assert!(parsed.is_none());
        assert_eq!(fields, [EMPTY_CHANGE_FIELD]);

        let (parsed, _) = parse(ChartChangeInput {
            description: Some("p99 of checkout"),
            ..Default::default()
        });
        let parsed = parsed.unwrap();
        assert!(parsed.name.is_none() && parsed.recipients.is_none());

        let (parsed, fields) = parse(ChartChangeInput {
            name: Some("two\nlines"),
            description: Some(&"d".repeat(1001)),
            recipients: Some(vec![]),
        });
        assert!(parsed.is_none());
        assert_eq!(fields, ["name", "description", "recipients"]);
    }
}
