#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::lambda::serve_events(publish_events::handle).await
}
