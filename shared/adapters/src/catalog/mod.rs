//! The catalog on DynamoDB: products and their name claims ([`keys`]), the search entries
//! written with them ([`search_index`]), the repository ([`DynamoProductRepository`]) and the
//! search ([`DynamoProductSearch`]) that read and write them.

pub mod keys;
mod repository;
mod search;
mod search_index;

pub use repository::DynamoProductRepository;
pub use search::{DynamoProductSearch, MAX_ROUNDS};
