//! `GET /products` (anyone): search the active catalog, a page at a time.

use adapters::catalog::DynamoProductSearch;
use adapters::http::{self, Answer, Problem, QueryParams};
use domain::Validation;
use domain::catalog::{SearchCriteria, SearchInput, search_products};
use lambda_http::Request;
use lambda_http::http::StatusCode;

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
    let params = QueryParams::of(request);
    let mut validation = Validation::new();
    params.deny_unknown(&PARAMETERS, &mut validation);
    let input = SearchInput {
        q: params.get("q"),
        category: params.get("category"),
        min_price: params.get("min_price"),
        max_price: params.get("max_price"),
        in_stock: params.get("in_stock"),
        sort: params.get("sort"),
        limit: params.get("limit"),
        cursor: params.get("cursor"),
    };
    let criteria = SearchCriteria::parse(input, &mut validation);
    Ok(validation.finish(|| criteria)?)
}
