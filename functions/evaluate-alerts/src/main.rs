#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::lambda::serve_events(env!("CARGO_PKG_NAME"), evaluate_alerts::handle).await
}
