use adapters::config;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::init_tracing();
    let deps = publish_events::Deps::from_env(&config::aws().await?)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        publish_events::handle(event.payload, &deps)
            .await
            .map_err(Error::from)
    }))
    .await
}
