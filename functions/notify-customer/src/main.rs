#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::lambda::serve_events(notify_customer::handle).await
}
