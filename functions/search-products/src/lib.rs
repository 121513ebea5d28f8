//! `GET /products` (anyone): search the active catalog, a page at a time.

use adapters::config::{ConfigError, SdkConfig};
use adapters::http;
use adapters::problem::Problem;
use adapters::products::DynamoProductRepository;
use adapters::store::DocumentStore;
use domain::Validation;
use domain::search::{SearchCriteria, SearchInput, search_products};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

pub struct Deps {
    pub catalog: DynamoProductRepository,
}

impl Deps {
    pub fn from_env(aws: &SdkConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            catalog: DynamoProductRepository::new(DocumentStore::from_env(aws)?),
        })
    }
}

const PARAMETERS: [&str; 8] = [
    "q",
    "category",
    "min_price",
    "max_price",
    "in_stock",
    "sort",
    "limit",
    "cursor",
];

pub async fn handle(request: Request, deps: &Deps) -> Response<Body> {
    run(request, deps)
        .await
        .unwrap_or_else(Problem::into_response)
}

async fn run(request: Request, deps: &Deps) -> Result<Response<Body>, Problem> {
    let criteria = parse(&request)?;
    let page = search_products(&criteria, &deps.catalog).await?;
    Ok(http::json(StatusCode::OK, &page))
}

fn parse(request: &Request) -> Result<SearchCriteria, Problem> {
    let params = request.query_string_parameters();
    let mut validation = Validation::new();
    let mut unknown: Vec<&str> = params
        .iter()
        .map(|(name, _)| name)
        .filter(|name| !PARAMETERS.contains(name))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    for name in unknown {
        validation.push(name, "is not a known parameter");
    }
    let input = SearchInput {
        q: params.first("q"),
        category: params.first("category"),
        min_price: params.first("min_price"),
        max_price: params.first("max_price"),
        in_stock: params.first("in_stock"),
        sort: params.first("sort"),
        limit: params.first("limit"),
        cursor: params.first("cursor"),
    };
    let criteria = SearchCriteria::parse(input, &mut validation);
    Ok(validation.finish(|| criteria)?)
}
