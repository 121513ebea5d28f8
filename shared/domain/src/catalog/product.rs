//! The [`Product`] aggregate and its value objects.

use super::command::{CreateProduct, ProductChange};
use super::values::{FieldChange, ProductDescription, ProductName, Stock};
use crate::version::first_version;
use crate::{Currency, Price, ProductId, Slug, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Raised by each `PATCH`; stock taken or given back by orders does not count.
    #[serde(default = "first_version")]
    version: u64,
}

/// A change the catalog's rules refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefused {
    /// A price may fall by at most half in one change.
    #[error("a price may fall by at most half in one change; it is {current} now")]
    PriceDrop { current: Price },
    /// The stock would leave 0..1,000,000.
    #[error("the stock would leave 0..1000000; {left} units are left")]
    StockOutOfRange { left: u32 },
}

/// A product after a change, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub product: Product,
    pub changes: BTreeMap<String, FieldChange>,
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
            version: 1,
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// The product after `change`, with the create rules already checked by the change's
    /// parse and the catalog's: a price falls by at most half, the stock stays in bounds.
    /// The stock is judged on this product's (the store applies the change only over it).
    pub fn change(&self, change: &ProductChange, now: Timestamp) -> Result<Changed, ChangeRefused> {
        let mut after = self.clone();
        let mut changes = BTreeMap::new();
        let mut note = |field: &str, old: serde_json::Value, new: serde_json::Value| {
            if old != new {
                changes.insert(field.to_owned(), FieldChange { old, new });
            }
        };
        let json = |v: &dyn erased::Json| v.json();
        if let Some(name) = &change.name {
            note("name", json(&self.name), json(name));
            after.name = name.clone();
        }
        if let Some(description) = &change.description {
            note("description", json(&self.description), json(description));
            after.description = description.clone();
        }
        if let Some(category) = &change.category {
            note("category", json(&self.category), json(category));
            after.category = category.clone();
        }
        if let Some(price) = change.price {
            if price.money().amount() * rust_decimal::Decimal::TWO < self.price.money().amount() {
                return Err(ChangeRefused::PriceDrop {
                    current: self.price,
                });
            }
            note("price", json(&self.price), json(&price));
            after.price = price;
        }
        if let Some(active) = change.active {
            note("active", json(&self.active), json(&active));
            after.active = active;
        }
        if let Some(delta) = change.stock_change {
            let left = self.stock.units();
            let stock = Stock::new(i64::from(left) + delta)
                .map_err(|_| ChangeRefused::StockOutOfRange { left })?;
            note("stock", json(&self.stock), json(&stock));
            after.stock = stock;
        }
        after.version += 1;
        after.updated_at = now;
        Ok(Changed {
            product: after,
            changes,
        })
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
        supplies(self.active, self.stock, quantity)
    }

    /// What the store does atomically when an order takes or gives back units (the fakes'
    /// copy of it; DynamoDB applies it as one conditional update).
    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn change_stock(&mut self, taken: u32, returned: u32) {
        self.stock = self.stock.changed_by(taken, returned);
    }

    /// A change that leaves the stock keeps what the store holds (the fakes' copy).
    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn keep_stock_of(&mut self, stored: &Product) {
        self.stock = stored.stock;
    }
}

/// Any serializable field, as JSON for an event's `changes`.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}

/// The uniqueness key of a product name (trimmed, lowercased).
fn supplies(active: bool, stock: Stock, quantity: u32) -> bool {
    active && stock.covers(quantity)
}

/// What an order needs of a product: its name and price for a line, and whether it can
/// supply a quantity. Read from the stored product without the rest of it: an order reads
/// 25, and their descriptions, categories and times were about a twelfth of placing it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Offer {
    id: ProductId,
    name: ProductName,
    price: Price,
    stock: Stock,
    active: bool,
}

impl Offer {
    pub fn id(&self) -> ProductId {
        self.id
    }

    pub fn name(&self) -> &ProductName {
        &self.name
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

    /// [`Product::can_supply`], of the product as it was read.
    pub fn can_supply(&self, quantity: u32) -> bool {
        supplies(self.active, self.stock, quantity)
    }
}

impl From<&Product> for Offer {
    fn from(product: &Product) -> Self {
        Self {
            id: product.id,
            name: product.name.clone(),
            price: product.price,
            stock: product.stock,
            active: product.active,
        }
    }
}

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
    fn an_offer_reads_from_a_stored_product_and_supplies_as_it_does() {
        for (active, stock) in [(true, 5), (true, 0), (false, 5)] {
            let product = product(active, stock);
            let stored = serde_json::to_value(&product).unwrap();
            let offer: Offer = serde_json::from_value(stored).unwrap();
            assert_eq!(offer, Offer::from(&product));
            assert_eq!(offer.name(), product.name());
            assert_eq!(offer.price(), product.price());
            for quantity in [1, 5, 6] {
                assert_eq!(offer.can_supply(quantity), product.can_supply(quantity));
            }
        }
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
