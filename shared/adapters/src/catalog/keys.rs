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
    Key::new(format!("PRODUCT#{id}"), "PRODUCT")
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
