//! The functions' HTTPS client against a real TLS endpoint: moto served over HTTPS with a
//! certificate from a throwaway CA. It must refuse the endpoint with only the compiled-in
//! Amazon Trust Services roots, and accept it once `AWS_CA_BUNDLE`'s file names that CA.

use adapters::config::{CaBundle, https_client};
use aws_config::retry::RetryConfig;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::error::display::DisplayErrorContext;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A moto server of its own, on HTTPS, stopped when dropped.
struct HttpsMoto {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl HttpsMoto {
    fn start() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir().join(format!("https-moto-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir(&dir).expect("a directory for the TLS files");
        let child = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("infra/moto_server.py"))
            .args(["--port", "0", "--port-file"])
            .arg(dir.join("port"))
            .arg("--tls-dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto from the project's virtual environment (make test creates it)");
        let mut server = Self {
            child,
            dir,
            port: 0,
        };
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(server.dir.join("port"))
                && let Ok(port) = text.trim().parse()
            {
                server.port = port;
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("moto did not start on HTTPS within 10 s");
    }

    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    async fn list_tables(
        &self,
        http: SharedHttpClient,
    ) -> Result<(), aws_sdk_dynamodb::error::SdkError<impl std::error::Error + 'static>> {
        let aws = adapters::config::aws()
            .await
            .expect("the AWS configuration");
        let config = aws_sdk_dynamodb::config::Builder::from(&aws)
            .http_client(http)
            .endpoint_url(format!("https://localhost:{}", self.port))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
            .list_tables()
            .send()
            .await
            .map(|_| ())
    }
}

impl Drop for HttpsMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn an_endpoint_outside_amazons_roots_is_refused() {
    let moto = HttpsMoto::start();
    let error = moto
        .list_tables(https_client(None))
        .await
        .expect_err("a certificate no compiled-in root issued");
    let chain = DisplayErrorContext(&error).to_string();
    assert!(chain.contains("UnknownIssuer"), "{chain}");
}

#[tokio::test]
async fn aws_ca_bundle_adds_the_roots_it_names() {
    let moto = HttpsMoto::start();
    let bundle = CaBundle::read(&moto.ca()).expect("the test CA's certificate");
    if let Err(error) = moto.list_tables(https_client(Some(bundle))).await {
        panic!("{}", DisplayErrorContext(&error));
    }
}
