#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    adapters::lambda::serve_http(env!("CARGO_PKG_NAME"), manage_subscription::handle).await
}
