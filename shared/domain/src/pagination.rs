//! List pages: a bounded page size and an opaque cursor.

use serde::Serialize;

/// How many items a page holds: 1 to 100, 20 when the client does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an integer from 1 to 100")]
pub struct InvalidLimit;

impl Limit {
    pub const DEFAULT: Limit = Limit(20);
    pub const MAX: u16 = 100;

    pub fn parse(text: Option<&str>) -> Result<Self, InvalidLimit> {
        let Some(text) = text else {
            return Ok(Self::DEFAULT);
        };
        match text.parse::<u16>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(InvalidLimit),
        }
    }

    pub fn new(n: u16) -> Result<Self, InvalidLimit> {
        Self::parse(Some(&n.to_string()))
    }

    pub fn get(&self) -> u16 {
        self.0
    }
}

/// Where the previous page stopped. The domain never looks inside: only the storage adapter
/// that made it can read it, and it refuses one it did not make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    pub fn new(opaque: String) -> Self {
        Self(opaque)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_and_bounds() {
        assert_eq!(Limit::parse(None), Ok(Limit::DEFAULT));
        assert_eq!(Limit::parse(Some("1")).unwrap().get(), 1);
        assert_eq!(Limit::parse(Some("100")).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "", "ten", "1.5", " 5", "99999999999"] {
            assert_eq!(Limit::parse(Some(bad)), Err(InvalidLimit), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn accepts_exactly_1_to_100(n in -1000i64..1000) {
            prop_assert_eq!(Limit::parse(Some(&n.to_string())).is_ok(), (1..=100).contains(&n));
        }
    }
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the cursor does not belong to this list")]
    InvalidCursor,
    #[error(transparent)]
    Unexpected(crate::Unexpected),
}
