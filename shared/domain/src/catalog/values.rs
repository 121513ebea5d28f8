//! The catalog's value objects.

use crate::{Line, Text};
use serde::{Deserialize, Serialize};

/// A product name reaches customers' e-mail subjects: one line.
pub type ProductName = Line<1, 120>;
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

    /// Whether `quantity` units can be taken: the rule the store applies atomically (as a
    /// condition on the stored stock) when an order takes them.
    pub fn covers(&self, quantity: u32) -> bool {
        self.0 >= quantity
    }

    #[cfg(any(test, feature = "fakes"))]
    pub(crate) fn changed_by(self, taken: u32, returned: u32) -> Self {
        Self(self.0 - taken + returned)
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

/// A field's value before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_bounds() {
        assert!(Stock::new(0).is_ok());
        assert!(Stock::new(1_000_000).is_ok());
        assert!(Stock::new(1_000_001).is_err());
        assert!(Stock::new(-1).is_err());
        assert!(Stock::new(i64::MAX).is_err());
        assert!(Stock::new(3).unwrap().covers(3));
        assert!(!Stock::new(3).unwrap().covers(4));
    }
}
