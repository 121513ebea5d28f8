#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    adapters::lambda::serve_http(update_product::handle).await
}
