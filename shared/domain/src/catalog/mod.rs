//! The catalog: the [`Product`] aggregate, its commands, its search ([`SearchCriteria`]),
//! the ports it is stored and searched through, and its use cases ([`create_product`],
//! [`get_product`], [`search_products`]).

mod command;
mod ports;
mod product;
pub mod search;
mod use_cases;
mod values;

pub use command::{CreateProduct, CreateProductInput};
pub use ports::{CreateProductRefused, ProductRepository, ProductSearch, SearchFailed};
pub use product::{Product, name_key};
pub use search::{SearchCriteria, SearchInput, SortOrder};
pub use use_cases::{
    CreateProductError, GetProductError, SearchError, create_product, get_product, search_products,
};
pub use values::{InvalidStock, ProductDescription, ProductName, Stock};
