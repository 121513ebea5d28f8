//! The catalog's items: the product and the claim on its name.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | product | `PRODUCT#<id>` | `PRODUCT` |
//! | name claim | `PRODUCT_NAME#<lowercased trimmed name>` | `PRODUCT_NAME` |

use crate::store::{Document, Key};
use domain::ProductId;
use domain::catalog::Product;
use serde::{Deserialize, Serialize};

pub fn product_key(id: &ProductId) -> Key {
    // Not `format!`: an order makes two keys a line, and the formatter costs ten times more.
    let mut id_text = uuid::Uuid::encode_buffer();
    let id_text = id.as_uuid().hyphenated().encode_lower(&mut id_text);
    Key::new(["PRODUCT#", id_text].concat(), "PRODUCT")
}

impl Document for Product {
    const ENTITY: &'static str = "product";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        product_key(&self.id())
    }
}

/// Holds a product name: exists exactly while a product has that name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProductNameClaim {
    name_key: String,
    product_id: ProductId,
}

impl ProductNameClaim {
    pub(crate) fn of(product: &Product) -> Self {
        Self {
            name_key: product.name_key(),
            product_id: product.id(),
        }
    }
}

impl Document for ProductNameClaim {
    const ENTITY: &'static str = "product_name";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        Key::new(format!("PRODUCT_NAME#{}", self.name_key), "PRODUCT_NAME")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_key_is_its_hyphenated_id() {
        let id = ProductId::parse("0190B6C8-6F4E-7C3A-9A6F-2F1D3C4B5A69").unwrap();
        assert_eq!(
            product_key(&id),
            Key::new("PRODUCT#0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a69", "PRODUCT")
        );
        assert_eq!(product_key(&id).pk, format!("PRODUCT#{id}"));
    }
}
