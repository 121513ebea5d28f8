//! Keeps what is deployed in step with the code: the functions of the workspace, the
//! resources and routes of `template.yaml`, the `cargo lambda watch` router, `openapi.yaml`,
//! the contract's route table, and each function's IAM policy against the DynamoDB calls its
//! code makes on the local server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

/// Function crate names under `functions/`.
fn crates() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

struct Function {
    logical_id: String,
    binary: String,
    resource: Yaml,
}

fn template_functions() -> Vec<Function> {
    let template = yaml("template.yaml");
    template["Resources"]
        .as_hash()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, r)| Function {
            logical_id: id.as_str().unwrap().to_owned(),
            binary: r["Properties"]["CodeUri"]
                .as_str()
                .and_then(|uri| uri.strip_prefix("target/lambda/"))
                .map(|dir| dir.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| panic!("{id:?}'s CodeUri is not target/lambda/<binary>/")),
            resource: r.clone(),
        })
        .collect()
}

type Route = (String, String); // (METHOD, /path/{id})

fn template_routes() -> BTreeMap<Route, (String, bool)> {
    let mut routes = BTreeMap::new();
    for f in template_functions() {
        for (_, event) in f.resource["Properties"]["Events"]
            .as_hash()
            .into_iter()
            .flatten()
        {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &event["Properties"];
            let public = p["Auth"]["Authorizer"].as_str() == Some("NONE");
            let route = (
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_owned(),
            );
            assert!(
                routes
                    .insert(route.clone(), (f.binary.clone(), public))
                    .is_none(),
                "{route:?} twice"
            );
        }
    }
    routes
}

fn router_routes() -> BTreeMap<Route, String> {
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let mut routes = BTreeMap::new();
    for (path, entries) in router {
        for entry in entries.as_array().unwrap() {
            let route = (
                entry["method"].as_str().unwrap().to_uppercase(),
                path.clone(),
            );
            routes.insert(route, entry["function"].as_str().unwrap().to_owned());
        }
    }
    routes
}

fn openapi_routes() -> BTreeMap<Route, bool> {
    let spec = yaml("openapi.yaml");
    let mut routes = BTreeMap::new();
    for (path, operations) in spec["paths"].as_hash().unwrap() {
        for (method, operation) in operations.as_hash().unwrap() {
            let public = operation["security"].as_vec().is_some_and(|s| s.is_empty());
            routes.insert(
                (
                    method.as_str().unwrap().to_uppercase(),
                    path.as_str().unwrap().to_owned(),
                ),
                public,
            );
        }
    }
    routes
}

#[test]
fn every_function_crate_has_a_resource_and_every_resource_a_crate() {
    let binaries: BTreeSet<String> = template_functions().into_iter().map(|f| f.binary).collect();
    assert_eq!(binaries, crates());
}

#[test]
fn every_function_has_a_sample_event() {
    for name in crates() {
        let path = root().join("events").join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing", path.display()));
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn template_router_openapi_and_contract_name_the_same_routes() {
    let template = template_routes();
    let router = router_routes();
    let openapi = openapi_routes();
    let template_functions: BTreeMap<Route, String> = template
        .iter()
        .map(|(r, (f, _))| (r.clone(), f.clone()))
        .collect();
    assert_eq!(
        template_functions, router,
        "template.yaml and the watch router"
    );
    assert_eq!(
        template.keys().collect::<BTreeSet<_>>(),
        openapi.keys().collect::<BTreeSet<_>>(),
        "template.yaml and openapi.yaml"
    );
    for (route, (_, public)) in &template {
        assert_eq!(
            openapi[route], *public,
            "{route:?}: public in one and not the other"
        );
    }
    let public: Vec<&Route> = template
        .iter()
        .filter(|(_, (_, p))| *p)
        .map(|(r, _)| r)
        .collect();
    let route = |method: &str, path: &str| (method.to_owned(), path.to_owned());
    assert_eq!(
        public,
        [
            &route("GET", "/products"),
            &route("GET", "/products/{id}"),
            &route("GET", "/subscriptions/{token}"),
            &route("POST", "/subscriptions/{token}/confirm"),
            &route("POST", "/subscriptions/{token}/unsubscribe"),
        ],
        "only the catalog's reads and the subscription links (the token is the credential) \
         skip the JWT authorizer"
    );

    // The contract's tables: | `POST /products` | `create-product` | who |
    // The team's reference folder sits beside a working copy, not inside a clone of it: a
    // clone elsewhere (a CI checkout) holds the routes to the template and openapi.yaml only.
    let contract = root().join("../shared/api.md");
    let Ok(text) = std::fs::read_to_string(&contract) else {
        eprintln!(
            "no contract at {}: routes not compared with it",
            contract.display()
        );
        return;
    };
    let mut contracted = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let function = cells[2].to_owned();
        for route in cells[1].split("`, `") {
            if let Some((method, path)) = route.split_once(' ')
                && path.starts_with('/')
            {
                contracted.insert((method.to_owned(), path.to_owned()), function.clone());
            }
        }
    }
    assert!(
        contracted.len() >= 12,
        "read the contract's routes: {contracted:?}"
    );
    // The deployed routes are the contract's, each served by the contract's function.
    assert_eq!(
        template_functions, contracted,
        "template.yaml and ../shared/api.md"
    );
}

#[test]
fn policies_name_actions_and_resources_without_wildcards() {
    for f in template_functions() {
        for policy in f.resource["Properties"]["Policies"].as_vec().unwrap() {
            for statement in policy["Statement"].as_vec().into_iter().flatten() {
                for action in statement["Action"].as_vec().unwrap() {
                    assert!(
                        !action.as_str().unwrap().contains('*'),
                        "{}: {action:?}",
                        f.logical_id
                    );
                }
                assert_ne!(
                    statement["Resource"].as_str(),
                    Some("*"),
                    "{}",
                    f.logical_id
                );
            }
        }
    }
}

/// One statement of a function's policy on the table or an index.
#[derive(Debug)]
pub struct Grant {
    actions: BTreeSet<String>,
    /// `None` for the table, the index's name for `${Table.Arn}/index/<name>`.
    index: Option<String>,
    /// `dynamodb:LeadingKeys` patterns (`ORDER#*`), if the statement has the condition.
    leading_keys: Option<Vec<String>>,
}

impl Grant {
    fn allows(&self, access: &integration_tests::meter::Access) -> bool {
        let key_allowed = match (&self.leading_keys, &access.partition) {
            (None, _) => true,
            (Some(patterns), Some(partition)) => {
                patterns.iter().any(|p| match p.strip_suffix('*') {
                    Some(prefix) => partition.starts_with(prefix),
                    None => partition == p,
                })
            }
            (Some(_), None) => false,
        };
        self.actions.contains(&access.action) && self.index == access.index && key_allowed
    }
}

/// The DynamoDB statements of a function's policy.
pub fn policy_grants(binary: &str) -> Vec<Grant> {
    let function = template_functions()
        .into_iter()
        .find(|f| f.binary == binary)
        .unwrap_or_else(|| panic!("no resource for {binary}"));
    let mut grants = Vec::new();
    for policy in function.resource["Properties"]["Policies"]
        .as_vec()
        .unwrap()
    {
        for statement in policy["Statement"].as_vec().into_iter().flatten() {
            // `!GetAtt Table.Arn` is the table; `!Sub "${Table.Arn}/index/<name>"` an index.
            let resource = match &statement["Resource"] {
                Yaml::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            let actions: BTreeSet<String> = statement["Action"]
                .as_vec()
                .unwrap()
                .iter()
                .filter_map(|a| a.as_str())
                .filter(|a| a.starts_with("dynamodb:"))
                .map(str::to_owned)
                .collect();
            if actions.is_empty() {
                continue;
            }
            let leading_keys =
                statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                    .as_vec()
                    .map(|keys| {
                        keys.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    });
            grants.push(Grant {
                actions,
                index: resource.split("/index/").nth(1).map(str::to_owned),
                leading_keys,
            });
        }
    }
    grants
}

#[test]
fn a_grant_with_leading_keys_allows_only_those_partitions() {
    use integration_tests::meter::Access;
    let grant = Grant {
        actions: ["dynamodb:GetItem".to_owned()].into(),
        index: None,
        leading_keys: Some(vec!["ORDER#*".to_owned()]),
    };
    let get = |partition: Option<&str>| Access {
        action: "dynamodb:GetItem".into(),
        index: None,
        partition: partition.map(str::to_owned),
    };
    assert!(grant.allows(&get(Some("ORDER#1"))));
    assert!(!grant.allows(&get(Some("PRODUCT#1"))));
    assert!(!grant.allows(&get(None)));
    assert!(!grant.allows(&Access {
        action: "dynamodb:PutItem".into(),
        ..get(Some("ORDER#1"))
    }));
}

#[test]
fn every_table_statement_names_its_leading_keys() {
    for f in template_functions() {
        for grant in policy_grants(&f.binary) {
            if grant.index.is_none() {
                assert!(
                    grant.leading_keys.as_ref().is_some_and(|k| !k.is_empty()),
                    "{}: a statement on the table without dynamodb:LeadingKeys",
                    f.logical_id
                );
            }
        }
    }
}

mod calls_within_policies {
    //! Each function runs its main paths on the local server with a client that records the
    //! IAM actions its calls need; every one must be allowed by the function's policy.

    use super::policy_grants;
    use adapters::catalog::{DynamoProductRepository, DynamoProductSearch};
    use adapters::config::AuthMode;
    use adapters::events::EventBridgePublisher;
    use adapters::http::respond;
    use adapters::lambda::Invocation;
    use adapters::lambda::{ChartOwnerDeps, ChartRecipientsDeps, MaxCharts};
    use adapters::monitoring::DynamoMonitoringRepository;
    use adapters::orders::DynamoOrderRepository;
    use adapters::store::DocumentStore;
    use domain::Currency;
    use integration_tests::{
        Calls, EventTap, Stack, event, invitation_token, invitations, parts, report_mailer,
        request, with_body, with_path_param, with_query,
    };
    use serde_json::{Value, json};

    fn check(binary: &str, calls: &Calls) {
        let used = calls.iam_actions();
        assert!(!used.is_empty(), "{binary} made no DynamoDB call");
        let grants = policy_grants(binary);
        let refused: Vec<_> = used
            .iter()
            .filter(|access| !grants.iter().any(|g| g.allows(access)))
            .collect();
        assert!(
            refused.is_empty(),
            "{binary} makes calls its policy does not allow: {refused:#?} (policy: {grants:#?})"
        );
    }

    fn counted(stack: &Stack) -> (DocumentStore, Calls) {
        stack.counted_store()
    }

    #[tokio::test]
    async fn catalog_functions() {
        let stack = Stack::new().await;
        let (store, calls) = counted(&stack);
        let deps = create_product::Deps {
            products: DynamoProductRepository::new(store),
            events: stack.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        let (status, product) =
            parts(&create_product::handle(request(&event("create-product.json")), &deps).await);
        assert_eq!(status, 201);
        assert_eq!(
            parts(&create_product::handle(request(&event("create-product.json")), &deps).await).0,
            409
        );
        check("create-product", &calls);

        let (store, calls) = counted(&stack);
        let deps = get_product::Deps {
            products: DynamoProductRepository::new(store),
        };
        let id = product["id"].as_str().unwrap();
        let get = with_path_param(
            event("get-product.json"),
            "id",
            id,
            &format!("/products/{id}"),
        );
        assert_eq!(
            parts(&get_product::handle(request(&get), &deps).await).0,
            200
        );
        check("get-product", &calls);

        let (store, calls) = counted(&stack);
        let deps = update_product::Deps {
            products: DynamoProductRepository::new(store),
            events: stack.publisher(),
            auth: AuthMode::Jwt,
        };
        let patch = with_path_param(
            event("update-product.json"),
            "id",
            id,
            &format!("/products/{id}"),
        );
        let (status, body) = parts(&update_product::handle(request(&patch), &deps).await);
        assert_eq!(status, 200, "{body}");
        let rename = with_body(
            patch,
            &json!({"name": "Renamed Product", "description": "New words"}),
        );
        let (status, body) = parts(&update_product::handle(request(&rename), &deps).await);
        assert_eq!(status, 412, "the sample's If-Match names version 1: {body}");
        let mut rename = rename;
        rename["headers"]
            .as_object_mut()
            .unwrap()
            .remove("if-match");
        let (status, body) = parts(&update_product::handle(request(&rename), &deps).await);
        assert_eq!(status, 200, "{body}");
        check("update-product", &calls);

        let (store, calls) = counted(&stack);
        let deps = search_products::Deps {
            catalog: DynamoProductSearch::new(store),
        };
        assert_eq!(
            parts(&search_products::handle(request(&event("search-products.json")), &deps).await).0,
            200
        );
        let browse = with_query(
            event("search-products.json"),
            &[("category", "shirts"), ("limit", "1")],
        );
        assert_eq!(
            parts(&search_products::handle(request(&browse), &deps).await).0,
            200
        );
        check("search-products", &calls);
    }

    #[tokio::test]
    async fn order_functions() {
        let stack = Stack::new().await;
        let tap = EventTap::new(&stack).await;
        let publisher =
            || EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&stack.aws), &tap.bus);
        let products = DynamoProductRepository::new(stack.store());
        let product_deps = create_product::Deps {
            products,
            events: publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        let (_, product) = parts(
            &create_product::handle(request(&event("create-product.json")), &product_deps).await,
        );
        let body = json!({"items": [{"product_id": product["id"], "quantity": 1}]});

        let (store, calls) = counted(&stack);
        let deps = create_order::Deps {
            orders: DynamoOrderRepository::new(store),
            events: publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        let order_event = with_body(event("create-order.json"), &body);
        let (status, order) = parts(&create_order::handle(request(&order_event), &deps).await);
        assert_eq!(status, 201);
        assert_eq!(
            parts(&create_order::handle(request(&order_event), &deps).await).0,
            201,
            "a replay"
        );
        let short = with_body(
            event("create-order.json"),
            &json!({"items": [{"product_id": product["id"], "quantity": 1000}]}),
        );
        let mut short = short;
        short["headers"]["idempotency-key"] = json!("short-one");
        assert_eq!(
            parts(&create_order::handle(request(&short), &deps).await).0,
            409
        );
        check("create-order", &calls);

        let id = order["id"].as_str().unwrap();
        let (store, calls) = counted(&stack);
        let deps = get_order::Deps {
            orders: DynamoOrderRepository::new(store),
            auth: AuthMode::Jwt,
        };
        let get = with_path_param(event("get-order.json"), "id", id, &format!("/orders/{id}"));
        assert_eq!(parts(&get_order::handle(request(&get), &deps).await).0, 200);
        check("get-order", &calls);

        let (store, calls) = counted(&stack);
        let deps = cancel_order::Deps {
            orders: DynamoOrderRepository::new(store),
            events: publisher(),
            auth: AuthMode::Jwt,
        };
        let cancel = with_path_param(
            event("cancel-order.json"),
            "id",
            id,
            &format!("/orders/{id}/cancel"),
        );
        assert_eq!(
            parts(&cancel_order::handle(request(&cancel), &deps).await).0,
            200
        );
        check("cancel-order", &calls);

        let (store, calls) = counted(&stack);
        let deps = publish_events::Deps {
            orders: DynamoOrderRepository::new(store),
            events: publisher(),
        };
        publish_events::handle(
            Invocation::with_timeout(event("publish-events.json"), 10),
            &deps,
        )
        .await
        .unwrap();
        check("publish-events", &calls);
    }

    #[tokio::test]
    async fn monitoring_functions() {
        let stack = Stack::new().await;
        let sender = format!("reports-{}@example.com", uuid::Uuid::now_v7().simple());
        local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
            .await
            .unwrap();

        let (store, calls) = counted(&stack);
        let deps = create_chart::Deps {
            charts: DynamoMonitoringRepository::new(store),
            auth: AuthMode::Jwt,
            invitations: invitations(&stack.aws, &sender),
            max_charts: MaxCharts(100),
        };
        let recipient = format!("oncall-{}@example.com", uuid::Uuid::now_v7().simple());
        let mut create = event("create-chart.json");
        let mut body: Value = serde_json::from_str(create["body"].as_str().unwrap()).unwrap();
        body["recipients"] = json!([recipient]);
        create = with_body(create, &body);
        let (status, chart) = parts(&create_chart::handle(request(&create), &deps).await);
        assert_eq!(status, 201);
        check("create-chart", &calls);
        let id = chart["id"].as_str().unwrap();

        let (store, calls) = counted(&stack);
        let deps = manage_subscription::Deps {
            charts: DynamoMonitoringRepository::new(store),
        };
        let token = invitation_token(&recipient);
        let path = format!("/subscriptions/{token}/confirm");
        let mut confirm =
            with_path_param(event("manage-subscription.json"), "token", &token, &path);
        confirm["requestContext"]["http"]["method"] = json!("POST");
        let confirmed = respond(manage_subscription::handle(request(&confirm), &deps).await);
        assert_eq!(confirmed.status(), 200);
        check("manage-subscription", &calls);

        let (store, calls) = counted(&stack);
        let deps = record_points::Deps {
            charts: DynamoMonitoringRepository::new(store),
            auth: AuthMode::Jwt,
        };
        let record = with_path_param(
            event("record-points.json"),
            "id",
            id,
            &format!("/charts/{id}/points"),
        );
        for _ in 0..2 {
            assert_eq!(
                parts(&record_points::handle(request(&record), &deps).await).0,
                200
            );
        }
        check("record-points", &calls);

        let (store, calls) = counted(&stack);
        let deps = create_alert::Deps {
            charts: DynamoMonitoringRepository::new(store),
            auth: AuthMode::Jwt,
        };
        let create = with_path_param(
            event("create-alert.json"),
            "id",
            id,
            &format!("/charts/{id}/alerts"),
        );
        let (status, alert) = parts(&create_alert::handle(request(&create), &deps).await);
        assert_eq!(status, 201);
        check("create-alert", &calls);

        let (store, calls) = counted(&stack);
        let deps = list_alerts::Deps {
            charts: DynamoMonitoringRepository::new(store),
            auth: AuthMode::Jwt,
        };
        let list = with_path_param(
            event("list-alerts.json"),
            "id",
            id,
            &format!("/charts/{id}/alerts"),
        );
        assert_eq!(
            parts(&list_alerts::handle(request(&list), &deps).await).0,
            200
        );
        check("list-alerts", &calls);

        let alert_id = alert["id"].as_str().unwrap();
        let (store, calls) = counted(&stack);
        let deps = mute_alert::Deps {
            charts: DynamoMonitoringRepository::new(store),
            auth: AuthMode::Jwt,
        };
        let mut mute = with_path_param(
            event("mute-alert.json"),
            "id",
            alert_id,
            &format!("/alerts/{alert_id}/mute"),
        );
        mute.as_object_mut().unwrap().remove("body");
        assert_eq!(
            parts(&mute_alert::handle(request(&mute), &deps).await).0,
            200
        );
        let unmute = with_path_param(
            event("unmute-alert.json"),
            "id",
            alert_id,
            &format!("/alerts/{alert_id}/mute"),
        );
        assert_eq!(
            parts(&mute_alert::handle(request(&unmute), &deps).await).0,
            200
        );
        check("mute-alert", &calls);

        let (store, calls) = counted(&stack);
        let deps = evaluate_alerts::Deps {
            charts: DynamoMonitoringRepository::new(store),
            mailer: report_mailer(&stack.aws, &sender),
            repeat_interval: time::Duration::hours(4),
            shards: None,
        };
        let mut tick: Value = event("evaluate-alerts.json");
        tick["time"] = json!(domain::Timestamp::from(time::OffsetDateTime::now_utc()).to_string());
        let summary = evaluate_alerts::handle(Invocation::with_timeout(tick, 900), &deps)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(summary).unwrap()["reports_sent"],
            1,
            "the sample points fire the sample alert"
        );
        check("evaluate-alerts", &calls);
    }

    /// Every chart owner's read, change and delete, each call checked against its policy.
    #[tokio::test]
    async fn chart_owner_functions() {
        let stack = Stack::new().await;
        let sender = format!("reports-{}@example.com", uuid::Uuid::now_v7().simple());
        local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
            .await
            .unwrap();
        let plain = ChartOwnerDeps {
            charts: DynamoMonitoringRepository::new(stack.store()),
            auth: AuthMode::Jwt,
        };
        let creating = create_chart::Deps {
            charts: DynamoMonitoringRepository::new(stack.store()),
            auth: AuthMode::Jwt,
            invitations: invitations(&stack.aws, &sender),
            max_charts: MaxCharts(100),
        };
        let (_, chart) =
            parts(&create_chart::handle(request(&event("create-chart.json")), &creating).await);
        let chart = chart["id"].as_str().unwrap().to_owned();
        let on = |file: &str, id: &str| {
            let mut sample = event(file);
            let template = sample["pathParameters"]["id"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let path = sample["rawPath"].as_str().unwrap().replace(&template, id);
            if !template.is_empty() {
                sample = with_path_param(sample, "id", id, &path);
            }
            sample
        };
        // Enough points that a read takes the range query as well as the batch read.
        let points: Vec<Value> = (0..30)
            .map(|i| json!({"series": "latency", "value": i}))
            .collect();
        let record = with_body(
            on("record-points.json", &chart),
            &json!({ "points": points }),
        );
        assert_eq!(
            parts(&record_points::handle(request(&record), &plain).await).0,
            200
        );
        let (_, alert) =
            parts(&create_alert::handle(request(&on("create-alert.json", &chart)), &plain).await);
        let alert = alert["id"].as_str().unwrap().to_owned();

        macro_rules! checked {
            ($function:ident, $binary:literal, $event:expr, $status:expr) => {{
                checked!($function, $binary, $event, $status, |charts| {
                    ChartOwnerDeps {
                        charts,
                        auth: AuthMode::Jwt,
                    }
                })
            }};
            ($function:ident, $binary:literal, $event:expr, $status:expr, $deps:expr) => {{
                let (store, calls) = counted(&stack);
                let deps = $deps(DynamoMonitoringRepository::new(store));
                let (status, body) = parts(&$function::handle(request(&$event), &deps).await);
                assert_eq!(status, $status, "{}: {body}", $binary);
                check($binary, &calls);
            }};
        }
        checked!(list_charts, "list-charts", event("list-charts.json"), 200);
        checked!(get_chart, "get-chart", on("get-chart.json", &chart), 200);
        checked!(
            render_chart,
            "render-chart",
            on("render-chart.json", &chart),
            200
        );
        checked!(
            update_chart,
            "update-chart",
            on("update-chart.json", &chart),
            200,
            |charts| ChartRecipientsDeps {
                charts,
                auth: AuthMode::Jwt,
                invitations: invitations(&stack.aws, &sender),
            }
        );
        checked!(get_alert, "get-alert", on("get-alert.json", &alert), 200);
        checked!(
            update_alert,
            "update-alert",
            on("update-alert.json", &alert),
            200
        );
        checked!(
            delete_alert,
            "delete-alert",
            on("delete-alert.json", &alert),
            204
        );
        let (_, again) =
            parts(&create_alert::handle(request(&on("create-alert.json", &chart)), &plain).await);
        assert!(again["id"].is_string());
        checked!(
            delete_chart,
            "delete-chart",
            on("delete-chart.json", &chart),
            204
        );
    }

    /// Listing, shipping and delivering orders, and telling the customer.
    #[tokio::test]
    async fn order_lifecycle_functions() {
        let stack = Stack::new().await;
        let tap = EventTap::new(&stack).await;
        let publisher =
            || EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&stack.aws), &tap.bus);
        let product_deps = create_product::Deps {
            products: DynamoProductRepository::new(stack.store()),
            events: stack.publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        let mut new_product = event("create-product.json");
        new_product = with_body(
            new_product,
            &json!({"name": format!("Lamp {}", uuid::Uuid::now_v7()), "category": "home", "price": "5.00", "stock": 5}),
        );
        let (_, product) =
            parts(&create_product::handle(request(&new_product), &product_deps).await);
        let body = json!({"items": [{"product_id": product["id"], "quantity": 1}]});
        let deps = create_order::Deps {
            orders: DynamoOrderRepository::new(stack.store()),
            events: publisher(),
            auth: AuthMode::Jwt,
            currency: Currency::USD,
        };
        let mut order_event = with_body(event("create-order.json"), &body);
        order_event["headers"]["idempotency-key"] = json!(uuid::Uuid::now_v7().to_string());
        let (status, order) = parts(&create_order::handle(request(&order_event), &deps).await);
        assert_eq!(status, 201, "{order}");
        let id = order["id"].as_str().unwrap();

        let (store, calls) = counted(&stack);
        let deps = list_orders::Deps {
            orders: DynamoOrderRepository::new(store),
            auth: AuthMode::Jwt,
        };
        assert_eq!(
            parts(&list_orders::handle(request(&event("list-orders.json")), &deps).await).0,
            200
        );
        let all = with_query(event("list-orders.json"), &[]);
        assert_eq!(
            parts(&list_orders::handle(request(&all), &deps).await).0,
            200
        );
        check("list-orders", &calls);

        for (binary, file) in [
            ("ship-order", "ship-order.json"),
            ("deliver-order", "deliver-order.json"),
        ] {
            let (store, calls) = counted(&stack);
            let orders = DynamoOrderRepository::new(store);
            let step = with_path_param(event(file), "id", id, &format!("/orders/{id}/x"));
            let (status, body) = if binary == "ship-order" {
                let deps = ship_order::Deps {
                    orders,
                    events: publisher(),
                    auth: AuthMode::Jwt,
                };
                parts(&ship_order::handle(request(&step), &deps).await)
            } else {
                let deps = deliver_order::Deps {
                    orders,
                    events: publisher(),
                    auth: AuthMode::Jwt,
                };
                parts(&deliver_order::handle(request(&step), &deps).await)
            };
            assert_eq!(status, 200, "{binary}: {body}");
            check(binary, &calls);
        }

        let sender = format!("shop-{}@example.com", uuid::Uuid::now_v7().simple());
        local_stack::verify_sender(&aws_sdk_sesv2::Client::new(&stack.aws), &sender)
            .await
            .unwrap();
        let (store, calls) = counted(&stack);
        let deps = notify_customer::Deps {
            orders: DynamoOrderRepository::new(store),
            mailer: adapters::mail::OrderMailer::new(
                aws_sdk_sesv2::Client::new(&stack.aws),
                &sender,
            ),
        };
        let mut bus_event = event("notify-customer.json");
        bus_event["detail"] = order.clone();
        bus_event["detail"]["event_id"] = json!(uuid::Uuid::now_v7().to_string());
        for _ in 0..2 {
            notify_customer::handle(Invocation::with_timeout(bus_event.clone(), 10), &deps)
                .await
                .unwrap();
        }
        check("notify-customer", &calls);
    }
}

/// Every function logs to its own group and is traced; one that nobody waits for (on a
/// schedule or a bus rule) has an errors alarm and an on-failure queue with an alarm on it.
#[test]
fn every_function_is_logged_traced_and_alarmed_when_nobody_waits_for_it() {
    let template = yaml("template.yaml");
    let resources = template["Resources"].as_hash().unwrap();
    let text = |y: &Yaml| format!("{y:?}");
    assert_eq!(
        template["Globals"]["Function"]["Tracing"].as_str(),
        Some("Active"),
        "X-Ray on every function"
    );
    let alarms: Vec<&Yaml> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .collect();
    let alarmed = |metric: &str, resource: &str| {
        alarms.iter().any(|a| {
            a["Properties"]["MetricName"].as_str() == Some(metric)
                && text(&a["Properties"]["Dimensions"]).contains(resource)
                && text(&a["Properties"]["AlarmActions"]).contains("AlarmTopic")
        })
    };
    let mut asynchronous = Vec::new();
    for f in template_functions() {
        let properties = &f.resource["Properties"];
        let group = format!("{}Logs", f.logical_id.trim_end_matches("Function"));
        assert!(
            text(&properties["LoggingConfig"]["LogGroup"]).contains(&group),
            "{} logs to {group}",
            f.binary
        );
        assert_eq!(
            resources[&Yaml::String(group.clone())]["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{group}"
        );
        let unattended = properties["Events"]
            .as_hash()
            .unwrap()
            .values()
            .any(|e| matches!(e["Type"].as_str(), Some("Schedule" | "EventBridgeRule")));
        if !unattended {
            continue;
        }
        asynchronous.push(f.binary.clone());
        assert!(
            alarmed("Errors", &f.logical_id),
            "{}: no errors alarm",
            f.binary
        );
        let destination =
            text(&properties["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"]);
        let queue = resources
            .keys()
            .filter_map(Yaml::as_str)
            .find(|k| k.ends_with("DeadLetters") && destination.contains(&format!("{k}.Arn")))
            .unwrap_or_else(|| panic!("{}: no on-failure queue", f.binary));
        assert!(
            alarmed("ApproximateNumberOfMessagesVisible", queue),
            "{queue}: no alarm"
        );
    }
    assert_eq!(
        asynchronous,
        ["notify-customer", "publish-events", "evaluate-alerts"],
        "the functions nobody waits for"
    );
}
