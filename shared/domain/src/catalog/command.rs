//! Commands of the catalog, parsed from a request's raw fields.

use super::values::{ProductDescription, ProductName, Stock};
use crate::{Price, Slug, Validation};

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
        let name = validation.required("name", input.name, ProductName::parse);
        let description = validation.check(
            "description",
            ProductDescription::parse(input.description.unwrap_or("")),
        );
        let category = validation.required("category", input.category, Slug::parse);
        let price = validation.required("price", input.price, Price::parse);
        let stock = validation.required("stock", input.stock, Stock::new);
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

/// The command to change a product (`PATCH`): any of its own fields, with the rules of
/// create, and a stock change added to whatever the stock is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductChange {
    pub name: Option<ProductName>,
    pub description: Option<ProductDescription>,
    pub category: Option<Slug>,
    pub price: Option<Price>,
    pub active: Option<bool>,
    pub stock_change: Option<i64>,
}

/// The raw fields of a change request; `stock_change` instead of `stock`.
#[derive(Debug, Clone, Default)]
pub struct ProductChangeInput<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub category: Option<&'a str>,
    pub price: Option<&'a str>,
    pub active: Option<bool>,
    pub stock_change: Option<i64>,
}

pub const MAX_STOCK_CHANGE: i64 = 1_000_000;

impl ProductChange {
    pub fn parse(input: ProductChangeInput<'_>, validation: &mut Validation) -> Option<Self> {
        let ProductChangeInput {
            name,
            description,
            category,
            price,
            active,
            stock_change,
        } = input;
        if name.is_none()
            && description.is_none()
            && category.is_none()
            && price.is_none()
            && active.is_none()
            && stock_change.is_none()
        {
            if validation.is_empty() {
                validation.push(
                    crate::monitoring::EMPTY_CHANGE_FIELD,
                    "must name at least one of name, description, category, price, active, stock_change",
                );
            }
            return None;
        }
        let before = validation.errors().len() + validation.omitted();
        let change = Self {
            name: name.and_then(|n| validation.check("name", ProductName::parse(n))),
            description: description
                .and_then(|d| validation.check("description", ProductDescription::parse(d))),
            category: category.and_then(|c| validation.check("category", Slug::parse(c))),
            price: price.and_then(|p| validation.check("price", Price::parse(p))),
            active,
            stock_change: match stock_change {
                Some(delta) if !(-MAX_STOCK_CHANGE..=MAX_STOCK_CHANGE).contains(&delta) => {
                    validation.push(
                        "stock_change",
                        "must be an integer from -1000000 to 1000000",
                    );
                    None
                }
                other => other,
            },
        };
        (validation.errors().len() + validation.omitted() == before).then_some(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            validation.fields(),
            ["name", "description", "category", "price", "stock"]
        );
    }

    #[test]
    fn parse_requires_the_mandatory_fields_and_defaults_the_rest() {
        let mut validation = Validation::new();
        assert!(CreateProduct::parse(CreateProductInput::default(), &mut validation).is_none());
        assert_eq!(validation.fields(), ["name", "category", "price", "stock"]);
        let mut validation = Validation::new();
        let parsed = CreateProduct::parse(
            CreateProductInput {
                name: Some("Blue Shirt"),
                category: Some("shirts"),
                price: Some("19.99"),
                stock: Some(5),
                ..Default::default()
            },
            &mut validation,
        )
        .unwrap();
        assert!(parsed.active);
        assert_eq!(parsed.stock.units(), 5);
    }
}
