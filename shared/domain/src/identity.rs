//! Who is calling: the customer behind a request, as the edge established it.

use crate::text::Email;
use serde::{Deserialize, Serialize};

/// The identity provider's subject (`sub`). Not necessarily a UUID: any provider's subject
/// of 1 to 128 visible characters is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 128 visible characters")]
pub struct InvalidCustomerId;

impl CustomerId {
    pub fn parse(text: &str) -> Result<Self, InvalidCustomerId> {
        let valid = (1..=128).contains(&text.chars().count())
            && !text.chars().any(|c| c.is_control() || c.is_whitespace());
        valid
            .then(|| Self(text.to_owned()))
            .ok_or(InvalidCustomerId)
    }
}

crate::text::parsed_from_string!(CustomerId, InvalidCustomerId);

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub customer_id: CustomerId,
    pub email: Option<Email>,
    pub admin: bool,
}

impl Caller {
    /// Admins may act on anyone's orders; customers only on their own.
    pub fn may_access(&self, owner: &CustomerId) -> bool {
        self.admin || &self.customer_id == owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids() {
        assert!(CustomerId::parse("7f1c2a9e-1234-4c7d-9a0b-123456789abc").is_ok());
        assert!(CustomerId::parse("auth0|abc123").is_ok());
        for bad in ["", "with space", "tab\t", &"x".repeat(129)] {
            assert_eq!(CustomerId::parse(bad), Err(InvalidCustomerId), "{bad:?}");
        }
    }

    #[test]
    fn only_owners_and_admins_may_access() {
        let owner = CustomerId::parse("owner").unwrap();
        let customer = |id: &str, admin| Caller {
            customer_id: CustomerId::parse(id).unwrap(),
            email: None,
            admin,
        };
        assert!(customer("owner", false).may_access(&owner));
        assert!(!customer("other", false).may_access(&owner));
        assert!(customer("other", true).may_access(&owner));
    }
}
