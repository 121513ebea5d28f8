//! Functions' handlers called in this process, with metered clients.

use crate::stack::Stack;
use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
use adapters::config::AuthMode;
use adapters::http::Answer;
use adapters::lambda::{ChartOwnerDeps, Invocation};
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::orders::DynamoOrderRepository;
use anyhow::{Result, bail};
use domain::Currency;
use integration_tests::{parts, request};
use lambda_http::Request;
use serde_json::{Value, json};

/// An event as the Lambda runtime hands it to a handler: API Gateway's already turned into
/// an HTTP request (the runtime's work, not the function's, so done before any clock starts).
pub enum Input {
    Http(Box<Request>),
    Event(Value),
}

impl Input {
    pub fn of(event: Value) -> Self {
        if event.get("routeKey").is_some() {
            Self::Http(Box::new(request(&event)))
        } else {
            Self::Event(event)
        }
    }

    fn http(self) -> Result<Request> {
        match self {
            Self::Http(request) => Ok(*request),
            Self::Event(_) => bail!("an HTTP function was given a non-HTTP event"),
        }
    }

    fn event(self) -> Result<Value> {
        match self {
            Self::Event(event) => Ok(event),
            Self::Http(_) => bail!("an event function was given an HTTP request"),
        }
    }
}

/// What a handler answered, read after any clock stops.
pub enum Output {
    Http(Answer),
    Event(Value),
}

impl Output {
    /// The answer as `{"status", "body"}` (HTTP) or the handler's summary; a 5xx is an error.
    pub fn into_value(self, function: &str) -> Result<Value> {
        match self {
            Self::Http(answer) => {
                let (status, body) = parts(&answer);
                if status >= 500 {
                    bail!("{function} answered {status}: {body}");
                }
                Ok(json!({"status": status, "body": body}))
            }
            Self::Event(summary) => Ok(summary),
        }
    }
}

/// Runs one event through a function's handler in this process, with metered clients.
pub async fn invoke_in_process(
    stack: &Stack,
    function: &str,
    table: &str,
    event: Value,
) -> Result<Value> {
    run_in_process(stack, function, table, Input::of(event))
        .await?
        .into_value(function)
}

/// The handler's call alone: what `cost` clocks.
pub async fn run_in_process(
    stack: &Stack,
    function: &str,
    table: &str,
    input: Input,
) -> Result<Output> {
    let store = stack.metered(table);
    let http = |answer: Answer| -> Result<Output> { Ok(Output::Http(answer)) };
    let jwt = AuthMode::Jwt;
    match function {
        "create-product" => http(
            create_product::handle(
                input.http()?,
                &create_product::Deps {
                    products: DynamoProductRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                    currency: Currency::USD,
                },
            )
            .await,
        ),
        "update-product" => http(
            update_product::handle(
                input.http()?,
                &update_product::Deps {
                    products: DynamoProductRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                },
            )
            .await,
        ),
        "get-product" => http(
            get_product::handle(
                input.http()?,
                &get_product::Deps {
                    products: DynamoProductRepository::new(store),
                },
            )
            .await,
        ),
        "search-products" => http(
            search_products::handle(
                input.http()?,
                &search_products::Deps {
                    catalog: DynamoProductSearch::new(store),
                },
            )
            .await,
        ),
        "create-order" => http(
            create_order::handle(
                input.http()?,
                &create_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                    currency: Currency::USD,
                },
            )
            .await,
        ),
        "get-order" => http(
            get_order::handle(
                input.http()?,
                &get_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "cancel-order" => http(
            cancel_order::handle(
                input.http()?,
                &cancel_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                },
            )
            .await,
        ),
        "create-chart" | "record-points" | "create-alert" | "list-alerts" | "mute-alert"
        | "list-charts" | "get-chart" | "update-chart" | "delete-chart" | "render-chart"
        | "get-alert" | "update-alert" | "delete-alert" => {
            let deps = ChartOwnerDeps {
                charts: DynamoMonitoringRepository::new(store),
                auth: jwt,
            };
            let request = input.http()?;
            http(match function {
                "create-chart" => {
                    let deps = create_chart::Deps {
                        charts: deps.charts,
                        auth: jwt,
                        invitations: stack.invitations(),
                        max_charts: adapters::lambda::MaxCharts(1_000_000),
                    };
                    create_chart::handle(request, &deps).await
                }
                "record-points" => record_points::handle(request, &deps).await,
                "create-alert" => create_alert::handle(request, &deps).await,
                "list-alerts" => list_alerts::handle(request, &deps).await,
                "mute-alert" => mute_alert::handle(request, &deps).await,
                "list-charts" => list_charts::handle(request, &deps).await,
                "get-chart" => get_chart::handle(request, &deps).await,
                "update-chart" => {
                    let deps = adapters::lambda::ChartRecipientsDeps {
                        charts: deps.charts,
                        auth: jwt,
                        invitations: stack.invitations(),
                    };
                    update_chart::handle(request, &deps).await
                }
                "delete-chart" => delete_chart::handle(request, &deps).await,
                "render-chart" => render_chart::handle(request, &deps).await,
                "get-alert" => get_alert::handle(request, &deps).await,
                "update-alert" => update_alert::handle(request, &deps).await,
                _ => delete_alert::handle(request, &deps).await,
            })
        }
        "manage-subscription" => http(
            manage_subscription::handle(
                input.http()?,
                &manage_subscription::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                },
            )
            .await,
        ),
        "list-orders" => http(
            list_orders::handle(
                input.http()?,
                &list_orders::Deps {
                    orders: DynamoOrderRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "ship-order" => http(
            ship_order::handle(
                input.http()?,
                &ship_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                },
            )
            .await,
        ),
        "deliver-order" => http(
            deliver_order::handle(
                input.http()?,
                &deliver_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    events: stack.publisher(),
                    auth: jwt,
                },
            )
            .await,
        ),
        "notify-customer" => {
            let deps = notify_customer::Deps {
                orders: DynamoOrderRepository::new(store),
                mailer: stack.order_mailer(),
            };
            let told = notify_customer::handle(Invocation::with_timeout(input.event()?, 10), &deps)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(Output::Event(serde_json::to_value(told)?))
        }
        "publish-events" => {
            let deps = publish_events::Deps {
                orders: DynamoOrderRepository::new(store),
                events: stack.publisher(),
            };
            let summary =
                publish_events::handle(Invocation::with_timeout(input.event()?, 10), &deps)
                    .await
                    .map_err(anyhow::Error::msg)?;
            Ok(Output::Event(serde_json::to_value(summary)?))
        }
        "evaluate-alerts" => {
            let deps = evaluate_alerts::Deps {
                charts: DynamoMonitoringRepository::new(store),
                mailer: stack.report_mailer(),
                repeat_interval: time::Duration::hours(4),
                shards: None,
            };
            let summary =
                evaluate_alerts::handle(Invocation::with_timeout(input.event()?, 900), &deps)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(Output::Event(serde_json::to_value(summary)?))
        }
        other => bail!("no in-process runner for {other}"),
    }
}
