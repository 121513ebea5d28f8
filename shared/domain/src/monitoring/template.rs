//! Alert messages: templates with placeholders, checked when the alert is created.

use crate::Text;
use serde::{Deserialize, Serialize};

/// A message with `{chart}`, `{series}`, `{value}` and `{threshold}` placeholders, checked
/// when the alert is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageTemplate(Text<1, 500>);

const PLACEHOLDERS: [&str; 4] = ["chart", "series", "value", "threshold"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("must be between 1 and 500 characters")]
    Length,
    #[error(
        "has an unknown placeholder {{{0}}}; use {{chart}}, {{series}}, {{value}} or {{threshold}}"
    )]
    Unknown(String),
    #[error("has a brace that opens or closes no placeholder")]
    Unbalanced,
}

impl MessageTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let text = Text::<1, 500>::parse(text).map_err(|_| TemplateError::Length)?;
        let mut rest = text.as_str();
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(TemplateError::Unbalanced);
            }
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(TemplateError::Unbalanced)?;
            let name = &after[..close];
            if name.contains('{') {
                return Err(TemplateError::Unbalanced);
            }
            if !PLACEHOLDERS.contains(&name) {
                return Err(TemplateError::Unknown(name.to_owned()));
            }
            rest = &after[close + 1..];
        }
        Ok(Self(text))
    }

    pub fn render(&self, chart: &str, series: &str, value: Option<f64>, threshold: f64) -> String {
        let value = value.map_or_else(|| "no data".to_owned(), format_number);
        self.0
            .as_str()
            .replace("{chart}", chart)
            .replace("{series}", series)
            .replace("{value}", &value)
            .replace("{threshold}", &format_number(threshold))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

crate::text::serde_through_parse!(MessageTemplate, TemplateError);

/// Up to four decimals, without trailing zeros: `0.5`, `12`, `3.1416`.
pub fn format_number(n: f64) -> String {
    let text = format!("{n:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn templates_accept_only_known_placeholders() {
        let ok =
            MessageTemplate::parse("{series} on {chart} is {value} (limit {threshold})").unwrap();
        assert_eq!(
            ok.render("API", "p99", Some(512.25), 500.0),
            "p99 on API is 512.25 (limit 500)"
        );
        assert!(MessageTemplate::parse("no placeholders").is_ok());
        assert_eq!(
            MessageTemplate::parse("{host} down"),
            Err(TemplateError::Unknown("host".into()))
        );
        assert_eq!(
            MessageTemplate::parse("{}"),
            Err(TemplateError::Unknown(String::new()))
        );
        for bad in ["{value", "value}", "{{value}}", "{va{lue}"] {
            assert_eq!(
                MessageTemplate::parse(bad),
                Err(TemplateError::Unbalanced),
                "{bad}"
            );
        }
        assert_eq!(MessageTemplate::parse(""), Err(TemplateError::Length));
        assert_eq!(
            MessageTemplate::parse(&"x".repeat(501)),
            Err(TemplateError::Length)
        );
    }

    #[test]
    fn numbers_render_briefly() {
        assert_eq!(format_number(500.0), "500");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-0.00001), "0");
        assert_eq!(format_number(1.23456789), "1.2346");
    }

    proptest! {
        #[test]
        fn templates_never_panic(text in "\\PC{0,80}") {
            if let Ok(template) = MessageTemplate::parse(&text) {
                let _ = template.render("c", "s", Some(1.0), 2.0);
            }
        }

    }
}
