use adapters::config;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::init_tracing();
    let deps = evaluate_alerts::Deps::from_env(&config::aws().await?)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        evaluate_alerts::handle(event.payload, &deps).await
    }))
    .await
}
