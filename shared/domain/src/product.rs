//! The catalog's [`Product`] aggregate and its use cases: [`create_product`], [`get_product`].

use crate::{
    Caller, Clock, Currency, Price, ProductId, Slug, Text, Timestamp, Unexpected, Validation,
};
use serde::{Deserialize, Serialize};
use std::future::Future;

pub type ProductName = Text<1, 120>;
pub type ProductDescription = Text<0, 2000>;

/// Units in stock: 0 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Stock(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an integer from 0 to 1000000")]
pub struct InvalidStock;

impl Stock {
    pub const MAX: u32 = 1_000_000;

    pub fn new(units: i64) -> Result<Self, InvalidStock> {
        u32::try_from(units)
            .ok()
            .filter(|n| *n <= Self::MAX)
            .map(Self)
            .ok_or(InvalidStock)
    }

    pub fn units(&self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Stock {
    type Error = InvalidStock;
    fn try_from(units: i64) -> Result<Self, Self::Error> {
        Self::new(units)
    }
}

impl From<Stock> for i64 {
    fn from(stock: Stock) -> i64 {
        stock.0.into()
    }
}

/// A product of the catalog, as stored and as returned to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: ProductName,
    pub description: ProductDescription,
    pub category: Slug,
    pub price: Price,
    pub currency: Currency,
    pub stock: Stock,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Product {
    /// What makes two names the same product: case and surrounding spaces do not count.
    pub fn name_key(&self) -> String {
        name_key(self.name.as_str())
    }
}

/// The uniqueness key of a product name (trimmed, lowercased).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The command to add a product; every field already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateProduct {
    pub name: ProductName,
    pub description: ProductDescription,
    pub category: Slug,
    pub price: Price,
    pub stock: Stock,
    pub active: bool,
}

/// The raw fields of a create request, before validation.
#[derive(Debug, Clone, Default)]
pub struct CreateProductInput<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub category: Option<&'a str>,
    pub price: Option<&'a str>,
    pub stock: Option<i64>,
    pub active: Option<bool>,
}

impl CreateProduct {
    /// Validates every field into `validation`, so all the invalid ones are reported together.
    pub fn parse(input: CreateProductInput<'_>, validation: &mut Validation) -> Option<Self> {
        let mut required = |field: &str, value: Option<&'_ str>| {
            if value.is_none() {
                validation.push(field, "is required");
            }
        };
        required("name", input.name);
        required("category", input.category);
        required("price", input.price);
        if input.stock.is_none() {
            validation.push("stock", "is required");
        }
        let name = input
            .name
            .and_then(|v| validation.check("name", ProductName::parse(v)));
        let description = validation.check(
            "description",
            ProductDescription::parse(input.description.unwrap_or("")),
        );
        let category = input
            .category
            .and_then(|v| validation.check("category", Slug::parse(v)));
        let price = input
            .price
            .and_then(|v| validation.check("price", Price::parse(v)));
        let stock = input
            .stock
            .and_then(|v| validation.check("stock", Stock::new(v)));
        Some(Self {
            name: name?,
            description: description?,
            category: category?,
            price: price?,
            stock: stock?,
            active: input.active.unwrap_or(true),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateProductError {
    #[error("only admins may create products")]
    Forbidden,
    #[error("a product named {0:?} already exists")]
    DuplicateName(String),
    #[error("could not create the product")]
    Unexpected(#[source] Unexpected),
}

/// Why the repository refused to store a new product.
#[derive(Debug, thiserror::Error)]
pub enum CreateProductRefused {
    #[error("another product has this name")]
    DuplicateName,
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Where products are kept.
pub trait ProductRepository: Send + Sync {
    /// Stores a new product. Returns `DuplicateName` when another product already has the
    /// same [`Product::name_key`], even when both are created at the same moment.
    fn create(
        &self,
        product: &Product,
    ) -> impl Future<Output = Result<(), CreateProductRefused>> + Send;

    /// The product with this id, active or not; `None` when there is none.
    fn get(
        &self,
        id: &ProductId,
    ) -> impl Future<Output = Result<Option<Product>, Unexpected>> + Send;
}

/// Adds a product to the catalog. Admins only.
pub async fn create_product(
    caller: &Caller,
    command: CreateProduct,
    currency: Currency,
    clock: &impl Clock,
    products: &impl ProductRepository,
) -> Result<Product, CreateProductError> {
    if !caller.admin {
        return Err(CreateProductError::Forbidden);
    }
    let now = clock.now();
    let product = Product {
        id: ProductId::new(),
        name: command.name,
        description: command.description,
        category: command.category,
        price: command.price,
        currency,
        stock: command.stock,
        active: command.active,
        created_at: now,
        updated_at: now,
    };
    match products.create(&product).await {
        Ok(()) => Ok(product),
        Err(CreateProductRefused::DuplicateName) => Err(CreateProductError::DuplicateName(
            product.name.as_str().to_owned(),
        )),
        Err(CreateProductRefused::Unexpected(e)) => Err(CreateProductError::Unexpected(e)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GetProductError {
    #[error("no product with id {0}")]
    NotFound(ProductId),
    #[error("could not read the product")]
    Unexpected(#[source] Unexpected),
}

/// Anyone may read a product, active or not, by its id.
pub async fn get_product(
    id: ProductId,
    products: &impl ProductRepository,
) -> Result<Product, GetProductError> {
    products
        .get(&id)
        .await
        .map_err(GetProductError::Unexpected)?
        .ok_or(GetProductError::NotFound(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FixedClock, InMemoryProducts};
    use crate::{CustomerId, FieldError};

    fn admin() -> Caller {
        Caller {
            customer_id: CustomerId::parse("admin-1").unwrap(),
            email: None,
            admin: true,
        }
    }

    fn input(name: &str) -> CreateProductInput<'_> {
        CreateProductInput {
            name: Some(name),
            description: Some("A shirt"),
            category: Some("shirts"),
            price: Some("19.99"),
            stock: Some(5),
            active: None,
        }
    }

    fn command(name: &str) -> CreateProduct {
        let mut validation = Validation::new();
        CreateProduct::parse(input(name), &mut validation).unwrap()
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn parse_lists_every_invalid_field() {
        let mut validation = Validation::new();
        let parsed = CreateProduct::parse(
            CreateProductInput {
                name: Some("  "),
                description: Some(&"x".repeat(2001)),
                category: Some("Not A Slug"),
                price: Some("0"),
                stock: Some(-1),
                active: None,
            },
            &mut validation,
        );
        assert!(parsed.is_none());
        assert_eq!(
            fields(validation.errors()),
            ["name", "description", "category", "price", "stock"]
        );
    }

    #[test]
    fn parse_requires_the_mandatory_fields_and_defaults_the_rest() {
        let mut validation = Validation::new();
        assert!(CreateProduct::parse(CreateProductInput::default(), &mut validation).is_none());
        assert_eq!(
            fields(validation.errors()),
            ["name", "category", "price", "stock"]
        );

        let parsed = command("Blue Shirt");
        assert!(parsed.active);
        assert_eq!(parsed.stock.units(), 5);
    }

    #[test]
    fn stock_bounds() {
        assert!(Stock::new(0).is_ok());
        assert!(Stock::new(1_000_000).is_ok());
        assert!(Stock::new(1_000_001).is_err());
        assert!(Stock::new(-1).is_err());
        assert!(Stock::new(i64::MAX).is_err());
    }

    #[tokio::test]
    async fn admins_create_products_that_can_be_read_back() {
        let products = InMemoryProducts::default();
        let clock = FixedClock::at("2026-11-21T10:00:00Z");
        let created = create_product(
            &admin(),
            command("Blue Shirt"),
            Currency::USD,
            &clock,
            &products,
        )
        .await
        .unwrap();
        assert_eq!(created.created_at, clock.now());
        assert_eq!(get_product(created.id, &products).await.unwrap(), created);
    }

    #[tokio::test]
    async fn customers_may_not_create_products() {
        let products = InMemoryProducts::default();
        let customer = Caller {
            admin: false,
            ..admin()
        };
        let result = create_product(
            &customer,
            command("Blue Shirt"),
            Currency::USD,
            &FixedClock::at("2026-11-21T10:00:00Z"),
            &products,
        )
        .await;
        assert!(matches!(result, Err(CreateProductError::Forbidden)));
        assert!(products.is_empty());
    }

    #[tokio::test]
    async fn names_are_unique_ignoring_case_and_spaces() {
        let products = InMemoryProducts::default();
        let clock = FixedClock::at("2026-11-21T10:00:00Z");
        create_product(
            &admin(),
            command("Blue Shirt"),
            Currency::USD,
            &clock,
            &products,
        )
        .await
        .unwrap();
        let again = create_product(
            &admin(),
            command("  BLUE shirt "),
            Currency::USD,
            &clock,
            &products,
        )
        .await;
        assert!(matches!(again, Err(CreateProductError::DuplicateName(_))));
    }

    #[tokio::test]
    async fn unknown_ids_are_not_found() {
        let id = ProductId::new();
        let result = get_product(id, &InMemoryProducts::default()).await;
        assert!(matches!(result, Err(GetProductError::NotFound(missing)) if missing == id));
    }
}
