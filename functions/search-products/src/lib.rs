//! `GET /products` (anyone): search the active catalog, a page at a time.

use adapters::catalog::DynamoProductSearch;
use adapters::http::{self, Answer, Problem};
use domain::Validation;
use domain::catalog::{SearchCriteria, SearchInput, search_products};
use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};

adapters::dependencies! {
    pub struct Deps {
        pub catalog: DynamoProductSearch,
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

pub async fn handle(request: Request, deps: &Deps) -> Answer {
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
