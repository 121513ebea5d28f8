//! Functions' handlers called in this process, with metered clients.

use crate::stack::Stack;
use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
use adapters::config::AuthMode;
use adapters::lambda::{ChartOwnerDeps, Invocation};
use adapters::monitoring::DynamoMonitoringRepository;
use adapters::orders::DynamoOrderRepository;
use anyhow::{Result, bail};
use domain::Currency;
use integration_tests::{parts, request};
use serde_json::{Value, json};

/// Runs one event through a function's handler in this process, with metered clients.
pub async fn invoke_in_process(
    stack: &Stack,
    function: &str,
    table: &str,
    event: Value,
) -> Result<Value> {
    let store = stack.metered(table);
    let http = |answer: adapters::http::Answer| -> Result<Value> {
        let (status, body) = parts(&answer);
        if status >= 500 {
            bail!("{function} answered {status}: {body}");
        }
        Ok(json!({"status": status, "body": body}))
    };
    let jwt = AuthMode::Jwt;
    match function {
        "create-product" => http(
            create_product::handle(
                request(&event),
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
                request(&event),
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
                request(&event),
                &get_product::Deps {
                    products: DynamoProductRepository::new(store),
                },
            )
            .await,
        ),
        "search-products" => http(
            search_products::handle(
                request(&event),
                &search_products::Deps {
                    catalog: DynamoProductSearch::new(store),
                },
            )
            .await,
        ),
        "create-order" => http(
            create_order::handle(
                request(&event),
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
                request(&event),
                &get_order::Deps {
                    orders: DynamoOrderRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "cancel-order" => http(
            cancel_order::handle(
                request(&event),
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
            let request = request(&event);
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
                request(&event),
                &manage_subscription::Deps {
                    charts: DynamoMonitoringRepository::new(store),
                },
            )
            .await,
        ),
        "list-orders" => http(
            list_orders::handle(
                request(&event),
                &list_orders::Deps {
                    orders: DynamoOrderRepository::new(store),
                    auth: jwt,
                },
            )
            .await,
        ),
        "ship-order" => http(
            ship_order::handle(
                request(&event),
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
                request(&event),
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
            let told = notify_customer::handle(Invocation::with_timeout(event, 10), &deps)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(serde_json::to_value(told)?)
        }
        "publish-events" => {
            let deps = publish_events::Deps {
                orders: DynamoOrderRepository::new(store),
                events: stack.publisher(),
            };
            let summary = publish_events::handle(Invocation::with_timeout(event, 10), &deps)
                .await
                .map_err(anyhow::Error::msg)?;
            Ok(serde_json::to_value(summary)?)
        }
        "evaluate-alerts" => {
            let deps = evaluate_alerts::Deps {
                charts: DynamoMonitoringRepository::new(store),
                mailer: stack.report_mailer(),
                repeat_interval: time::Duration::hours(4),
                shards: None,
            };
            let summary = evaluate_alerts::handle(Invocation::with_timeout(event, 900), &deps)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(serde_json::to_value(summary)?)
        }
        other => bail!("no in-process runner for {other}"),
    }
}
