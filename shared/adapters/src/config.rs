//! Configuration, read once from the environment at start-up.

pub use aws_config::SdkConfig;
use domain::Currency;

#[derive(Debug, thiserror::Error)]
#[error("configuration: environment variable {variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// A variable that must be set and not empty.
pub fn required(variable: &'static str) -> Result<String, ConfigError> {
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        Ok(_) => Err(ConfigError {
            variable,
            problem: "is empty".into(),
        }),
        Err(_) => Err(ConfigError {
            variable,
            problem: "is not set".into(),
        }),
    }
}

fn optional(variable: &'static str) -> Option<String> {
    std::env::var(variable)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// `CURRENCY`, `USD` when unset.
pub fn currency() -> Result<Currency, ConfigError> {
    optional("CURRENCY").map_or(Ok(Currency::USD), |text| {
        Currency::parse(&text).map_err(|e| ConfigError {
            variable: "CURRENCY",
            problem: e.to_string(),
        })
    })
}

/// Where the caller's identity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The API Gateway JWT authorizer's claims: the only mode `template.yaml` deploys.
    Jwt,
    /// `x-customer-*` headers, for `cargo lambda watch` on a developer's machine.
    LocalHeaders,
}

/// `AUTH_MODE`: unset means [`AuthMode::Jwt`]; `local-headers` is the only other value.
pub fn auth_mode() -> Result<AuthMode, ConfigError> {
    match optional("AUTH_MODE").as_deref() {
        None => Ok(AuthMode::Jwt),
        Some("local-headers") => Ok(AuthMode::LocalHeaders),
        Some(other) => Err(ConfigError {
            variable: "AUTH_MODE",
            problem: format!("is {other:?}; the only accepted value is \"local-headers\""),
        }),
    }
}

/// The AWS SDK's shared configuration, from its standard variables (`AWS_REGION`,
/// `AWS_ENDPOINT_URL`, credentials, ...).
pub async fn aws() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
