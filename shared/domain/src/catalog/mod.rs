//! The catalog: the [`Product`] aggregate, its commands, its search ([`SearchCriteria`]),
//! the ports it is stored and searched through, and its use cases ([`create_product`],
//! [`get_product`], [`search_products`]).

mod command;
mod ports;
mod product;
pub mod search;
mod use_cases;

pub use command::{CreateProduct, CreateProductInput};
pub use ports::{CreateProductRefused, ProductRepository, ProductSearch, SearchFailed};
pub use product::{InvalidStock, Product, ProductDescription, ProductName, Stock, name_key};
pub use search::{SearchCriteria, SearchInput, SortOrder};
pub use use_cases::{
    CreateProductError, GetProductError, SearchError, create_product, get_product, search_products,
};
