//! The catalog: the [`Product`] aggregate, its commands, its search ([`SearchCriteria`]),
//! the ports it is stored and searched through, and its use cases ([`create_product`],
//! [`get_product`], [`search_products`]).

mod command;
mod events;
mod ports;
mod product;
pub mod search;
mod use_cases;
mod values;

pub use command::{
    CreateProduct, CreateProductInput, MAX_STOCK_CHANGE, ProductChange, ProductChangeInput,
};
pub use events::{EVENT_SOURCE, ProductEvent, ProductEventKind};
pub use ports::{
    CreateProductRefused, ProductRepository, ProductSearch, SearchFailed, UpdateOutcome,
};
pub use product::{ChangeRefused, Changed, Offer, Product, name_key};
pub use search::{SearchCriteria, SearchInput, SortOrder};
pub use use_cases::{
    CreateProductError, GetProductError, SearchError, UpdateProductError, create_product,
    get_product, search_products, update_product,
};
pub use values::{FieldChange, InvalidStock, ProductDescription, ProductName, Stock};

#[cfg(test)]
mod tests;
