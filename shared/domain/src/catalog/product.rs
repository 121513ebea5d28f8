//! The [`Product`] aggregate and its value objects.

use super::command::CreateProduct;
use super::values::{ProductDescription, ProductName, Stock};
use crate::{Currency, Price, ProductId, Slug, Timestamp};
use serde::{Deserialize, Serialize};

/// A product of the catalog, as stored and as returned to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    id: ProductId,
    name: ProductName,
    description: ProductDescription,
    category: Slug,
    price: Price,
    currency: Currency,
    stock: Stock,
    active: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Product {
    /// A new product of the catalog, priced in the deployment's currency.
    pub fn create(
        id: ProductId,
        command: CreateProduct,
        currency: Currency,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            name: command.name,
            description: command.description,
            category: command.category,
            price: command.price,
            currency,
            stock: command.stock,
            active: command.active,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn id(&self) -> ProductId {
        self.id
    }

    pub fn name(&self) -> &ProductName {
        &self.name
    }

    pub fn description(&self) -> &ProductDescription {
        &self.description
    }

    pub fn category(&self) -> &Slug {
        &self.category
    }

    pub fn price(&self) -> Price {
        self.price
    }

    pub fn stock(&self) -> Stock {
        self.stock
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    /// What makes two names the same product: case and surrounding spaces do not count.
    pub fn name_key(&self) -> String {
        name_key(self.name.as_str())
    }

    /// Whether an order may take `quantity` units now: the product is on sale and its stock
    /// covers them.
    pub fn can_supply(&self, quantity: u32) -> bool {
        self.active && self.stock.covers(quantity)
    }

    /// What the store does atomically when an order takes or gives back units (the fakes'
    /// copy of it; DynamoDB applies it as one conditional update).
    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn change_stock(&mut self, taken: u32, returned: u32) {
        self.stock = self.stock.changed_by(taken, returned);
    }
}

/// The uniqueness key of a product name (trimmed, lowercased).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Validation;
    use crate::catalog::CreateProductInput;

    fn product(active: bool, stock: i64) -> Product {
        let mut validation = Validation::new();
        let command = CreateProduct::parse(
            CreateProductInput {
                name: Some("Mug"),
                category: Some("kitchen"),
                price: Some("2.50"),
                stock: Some(stock),
                active: Some(active),
                ..Default::default()
            },
            &mut validation,
        )
        .unwrap();
        let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        Product::create(ProductId::new(), command, Currency::USD, now)
    }

    #[test]
    fn only_an_active_product_with_the_stock_can_supply() {
        assert!(product(true, 2).can_supply(2));
        assert!(!product(true, 2).can_supply(3));
        assert!(!product(false, 2).can_supply(1));
    }

    #[test]
    fn a_stored_product_reads_back_only_if_valid() {
        let stored = serde_json::to_value(product(true, 1)).unwrap();
        assert!(serde_json::from_value::<Product>(stored.clone()).is_ok());
        let mut bad = stored;
        bad["category"] = "Not A Slug".into();
        assert!(serde_json::from_value::<Product>(bad).is_err());
    }
}
