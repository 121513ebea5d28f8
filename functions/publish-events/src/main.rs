// The sweep's future nests deeply (pages, batches, the SDK's calls) for rustc's default.
#![recursion_limit = "256"]

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::lambda::serve_events(env!("CARGO_PKG_NAME"), publish_events::handle).await
}
