use adapters::config;
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::init_tracing();
    let deps = create_order::Deps::from_env(&config::aws().await?)?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(create_order::handle(request, &deps).await)
    }))
    .await
}
