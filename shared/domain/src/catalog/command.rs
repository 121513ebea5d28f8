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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

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
