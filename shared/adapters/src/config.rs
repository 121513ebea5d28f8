//! Configuration, read once from the environment at start-up.

use std::path::Path;

pub use aws_config::SdkConfig;
use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use domain::Currency;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

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
/// `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_CA_BUNDLE`, ...), with [`https_client`].
///
/// Region and credentials come from the environment only, where Lambda puts them: the SDK's
/// default chains would also build STS and instance-metadata clients (for profiles, web
/// identity, EC2) at every cold start, for sources a function never has.
pub async fn aws() -> Result<SdkConfig, ConfigError> {
    let extra_roots = optional("AWS_CA_BUNDLE")
        .map(|path| CaBundle::read(Path::new(&path)))
        .transpose()?;
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(EnvironmentVariableRegionProvider::new())
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .http_client(https_client(extra_roots))
        .retry_config(retries())
        .timeout_config(timeouts())
        .load()
        .await)
}

/// The SDK's standard retries (throttling, 5xx, timeouts, lost connections), with exponential
/// backoff and jitter from 50 ms: three attempts of an operation at most, so that a busy
/// table is reported (503) well inside an HTTP function's 10 s rather than waited out.
pub fn retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(std::time::Duration::from_millis(50))
        .with_max_backoff(std::time::Duration::from_secs(1))
}

/// Per attempt 2 s (DynamoDB answers in milliseconds; a batch of 100 items in tens) and per
/// operation, retries included, 5 s: a hung connection cannot hold a function until its own
/// timeout (10 s for the HTTP functions), and two operations still fit in it.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_attempt_timeout(std::time::Duration::from_secs(2))
        .operation_timeout(std::time::Duration::from_secs(5))
        .build()
}

/// The root certificates of Amazon Trust Services, which issues the certificate of every AWS
/// service endpoint.
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("amazon-trust-services.pem");

/// The SDK's HTTPS client trusting the Amazon Trust Services roots, compiled in, and
/// `extra_roots`. The SDK's default client instead reads the system's whole certificate store
/// (a bundle plus every file of the certificate directory) at start-up: about 3 ms of every
/// cold start, measured by `make bench`, to trust hundreds of CAs no AWS endpoint uses.
pub fn https_client(extra_roots: Option<CaBundle>) -> SharedHttpClient {
    let mut trust = TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES);
    if let Some(CaBundle(pem)) = extra_roots {
        trust = trust.with_pem_certificate(pem);
    }
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context without extra server names always builds");
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(tls)
        .build_https();
    SharedHttpClient::new(ConnectOnFirstRequest(client))
}

/// An HTTP client whose TLS set-up waits for the first request.
///
/// The SDK's client builds a throwaway connector in `validate_base_client_config`, which
/// every service client's construction calls, so that a system's certificates load early:
/// the whole TLS configuration, its roots decoded from PEM and parsed, once per service
/// client at every cold start (a fifth to a quarter of a function's start-up instructions).
/// Ours are compiled in and checked by a test; the first request builds the connector,
/// which is cached as before.
#[derive(Debug)]
struct ConnectOnFirstRequest<C>(C);

impl<C: HttpClient> HttpClient for ConnectOnFirstRequest<C> {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        _: &RuntimeComponentsBuilder,
        _: &ConfigBag,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.validate_final_config(components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// PEM certificates to trust besides Amazon's: a TLS-inspecting proxy's CA, or a local
/// endpoint's. Checked when read, since the SDK only parses them on its first connection,
/// and panics on what it cannot parse.
#[derive(Debug, Clone)]
pub struct CaBundle(Vec<u8>);

impl CaBundle {
    /// `AWS_CA_BUNDLE`'s file, as the other AWS SDKs and the CLI read it.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let pem = std::fs::read(path).map_err(|e| ConfigError {
            variable: "AWS_CA_BUNDLE",
            problem: format!("names {}, which cannot be read: {e}", path.display()),
        })?;
        Self::parse(pem).map_err(|problem| ConfigError {
            variable: "AWS_CA_BUNDLE",
            problem: format!("names {}, which {problem}", path.display()),
        })
    }

    fn parse(pem: Vec<u8>) -> Result<Self, String> {
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("is not valid PEM: {e}"))?;
        if certificates.is_empty() {
            return Err("holds no PEM certificate".into());
        }
        let mut roots = RootCertStore::empty();
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| format!("holds a certificate that cannot be a root: {e}"))?;
        }
        Ok(Self(pem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_the_five_of_amazon_trust_services() {
        let certificates = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES)
            .collect::<Result<Vec<_>, _>>()
            .expect("valid PEM");
        assert_eq!(certificates.len(), 5);
        assert!(CaBundle::parse(AMAZON_TRUST_SERVICES.to_vec()).is_ok());
    }

    #[test]
    fn a_bundle_without_certificates_is_refused() {
        let problem = CaBundle::parse(b"not a certificate".to_vec()).unwrap_err();
        assert_eq!(problem, "holds no PEM certificate");
    }

    #[test]
    fn a_bundle_with_broken_pem_is_refused() {
        let pem = b"-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n".to_vec();
        let problem = CaBundle::parse(pem).unwrap_err();
        assert!(problem.starts_with("is not valid PEM"), "{problem}");
    }

    #[test]
    fn a_bundle_whose_certificate_is_not_one_is_refused() {
        // Valid PEM and base64, but the DER inside is not a certificate.
        let pem = b"-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n".to_vec();
        let problem = CaBundle::parse(pem).unwrap_err();
        assert!(
            problem.starts_with("holds a certificate that cannot be a root"),
            "{problem}"
        );
    }

    /// Counts what the SDK asks of an HTTP client, and answers every request with `{}`.
    #[derive(Debug, Default)]
    struct Counts {
        validations: std::sync::atomic::AtomicUsize,
        connectors: std::sync::atomic::AtomicUsize,
    }

    #[derive(Debug)]
    struct Counting(std::sync::Arc<Counts>);

    #[derive(Debug)]
    struct EmptyObject;

    impl aws_smithy_runtime_api::client::http::HttpConnector for EmptyObject {
        fn call(
            &self,
            _: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
        ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
            let status = aws_smithy_runtime_api::http::StatusCode::try_from(200).expect("200");
            let response = aws_smithy_runtime_api::http::Response::new(status, "{}".into());
            aws_smithy_runtime_api::client::http::HttpConnectorFuture::ready(Ok(response))
        }
    }

    impl HttpClient for Counting {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            self.0
                .connectors
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            SharedHttpConnector::new(EmptyObject)
        }

        fn validate_base_client_config(
            &self,
            _: &RuntimeComponentsBuilder,
            _: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.0
                .validations
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn service_clients_are_built_without_a_connector_and_requests_get_one() {
        use std::sync::atomic::Ordering::SeqCst;
        let counting = std::sync::Arc::new(Counts::default());
        let http = SharedHttpClient::new(ConnectOnFirstRequest(Counting(counting.clone())));
        let config = || {
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
                .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
                .http_client(http.clone())
                .build()
        };
        let first = aws_sdk_dynamodb::Client::from_conf(config());
        let _second = aws_sdk_dynamodb::Client::from_conf(config());
        assert_eq!(counting.validations.load(SeqCst), 0);
        assert_eq!(counting.connectors.load(SeqCst), 0);

        first
            .list_tables()
            .send()
            .await
            .expect("the connector answers");
        assert_eq!(counting.connectors.load(SeqCst), 1);
    }

    #[test]
    fn an_unreadable_bundle_names_the_variable_and_the_file() {
        let error = CaBundle::read(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert_eq!(error.variable, "AWS_CA_BUNDLE");
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
    }
}
