//! Recipients opt in: each address listed on a chart is a [`Subscription`] that starts
//! `pending`, gets reports only once `confirmed` through its token's link, and stops for good
//! when `unsubscribed` (until the owner removes the address and lists it again).

use crate::{Email, Timestamp};
use serde::{Deserialize, Serialize};

/// How long an unconfirmed subscription's link works.
pub const CONFIRMATION_DAYS: i64 = 7;

/// A random capability naming one subscription: 192 bits, as 48 lowercase hex characters.
/// It is stored as the key of its reference item, which reveals nothing else.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubscriptionToken(String);

const TOKEN_BYTES: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a subscription token")]
pub struct InvalidToken;

impl SubscriptionToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        // The platform's randomness failing leaves nothing safe to do but stop.
        getrandom::fill(&mut bytes).expect("the system's random number generator");
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn parse(text: &str) -> Result<Self, InvalidToken> {
        let valid = text.len() == TOKEN_BYTES * 2
            && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(text.to_owned())).ok_or(InvalidToken)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed whole: a token in a log line would be a working link.
impl std::fmt::Debug for SubscriptionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubscriptionToken({}...)", &self.0[..6])
    }
}

impl TryFrom<String> for SubscriptionToken {
    type Error = InvalidToken;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<SubscriptionToken> for String {
    fn from(token: SubscriptionToken) -> String {
        token.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Pending,
    Confirmed,
    Unsubscribed,
}

/// One address on one chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    email: Email,
    status: SubscriptionStatus,
    token: SubscriptionToken,
    /// When the address was listed (a pending link expires from then).
    since: Timestamp,
}

/// What a subscription's owner may see of it (the token is the recipient's alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionView<'a> {
    pub email: &'a Email,
    pub status: SubscriptionStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// Unknown token, or a pending one past its week.
    #[error("no such subscription")]
    NotFound,
    /// The address unsubscribed: the old link cannot bring it back.
    #[error("this address unsubscribed")]
    Unsubscribed,
}

impl Subscription {
    /// A newly listed address, waiting for its confirmation.
    pub fn new(email: Email, now: Timestamp) -> Self {
        Self {
            email,
            status: SubscriptionStatus::Pending,
            token: SubscriptionToken::generate(),
            since: now,
        }
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn status(&self) -> SubscriptionStatus {
        self.status
    }

    pub fn token(&self) -> &SubscriptionToken {
        &self.token
    }

    /// Until when its link works without a confirmation; `None` once confirmed or gone.
    pub fn expires_at(&self) -> Option<Timestamp> {
        (self.status == SubscriptionStatus::Pending).then(|| {
            self.since
                .saturating_add(time::Duration::days(CONFIRMATION_DAYS))
        })
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at().is_some_and(|at| now >= at)
    }

    pub fn is_confirmed(&self) -> bool {
        self.status == SubscriptionStatus::Confirmed
    }

    pub fn view(&self) -> SubscriptionView<'_> {
        SubscriptionView {
            email: &self.email,
            status: self.status,
        }
    }

    /// Confirms it; `Ok(false)` when it already was.
    pub(super) fn confirm(&mut self, now: Timestamp) -> Result<bool, SubscriptionError> {
        match self.status {
            _ if self.is_expired(now) => Err(SubscriptionError::NotFound),
            SubscriptionStatus::Unsubscribed => Err(SubscriptionError::Unsubscribed),
            SubscriptionStatus::Confirmed => Ok(false),
            SubscriptionStatus::Pending => {
                self.status = SubscriptionStatus::Confirmed;
                Ok(true)
            }
        }
    }

    /// Unsubscribes it; `Ok(false)` when it already was.
    pub(super) fn unsubscribe(&mut self, now: Timestamp) -> Result<bool, SubscriptionError> {
        if self.is_expired(now) {
            return Err(SubscriptionError::NotFound);
        }
        let changed = self.status != SubscriptionStatus::Unsubscribed;
        self.status = SubscriptionStatus::Unsubscribed;
        Ok(changed)
    }
}

/// What a change of a chart's recipients did to its subscriptions, for the store (the
/// tokens' reference items) and the confirmation e-mails.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriptionChanges {
    pub added: Vec<Subscription>,
    pub removed: Vec<SubscriptionToken>,
}

impl SubscriptionChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// The subscriptions of `emails`: those already listed kept as they are, the others new.
pub(super) fn resubscribe(
    current: &[Subscription],
    emails: &[Email],
    now: Timestamp,
) -> (Vec<Subscription>, SubscriptionChanges) {
    let mut changes = SubscriptionChanges::default();
    let next: Vec<Subscription> = emails
        .iter()
        .map(|email| match current.iter().find(|s| &s.email == email) {
            Some(kept) => kept.clone(),
            None => {
                let new = Subscription::new(email.clone(), now);
                changes.added.push(new.clone());
                new
            }
        })
        .collect();
    changes.removed = current
        .iter()
        .filter(|s| !emails.contains(&s.email))
        .map(|s| s.token.clone())
        .collect();
    (next, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    #[test]
    fn tokens_are_random_and_read_back_only_in_their_own_form() {
        let (a, b) = (SubscriptionToken::generate(), SubscriptionToken::generate());
        assert_ne!(a, b);
        assert_eq!(SubscriptionToken::parse(a.as_str()), Ok(a.clone()));
        assert!(!format!("{a:?}").contains(a.as_str()), "never logged whole");
        for bad in [
            "",
            "abc",
            &a.as_str().to_uppercase(),
            &format!("{}0", a.as_str()),
        ] {
            assert_eq!(SubscriptionToken::parse(bad), Err(InvalidToken), "{bad}");
        }
    }

    #[test]
    fn a_pending_link_works_for_a_week_and_a_confirmed_one_until_unsubscribed() {
        let listed = at("2026-11-01T00:00:00Z");
        let mut late = Subscription::new(email("a@example.com"), listed);
        assert_eq!(
            late.confirm(at("2026-11-08T00:00:00Z")),
            Err(SubscriptionError::NotFound)
        );
        let mut s = Subscription::new(email("a@example.com"), listed);
        assert_eq!(s.confirm(at("2026-11-07T23:59:59Z")), Ok(true));
        assert_eq!(s.confirm(at("2026-12-30T00:00:00Z")), Ok(false));
        assert!(s.is_confirmed() && s.expires_at().is_none());
        assert_eq!(s.unsubscribe(at("2027-06-01T00:00:00Z")), Ok(true));
        assert_eq!(s.unsubscribe(at("2027-06-01T00:00:00Z")), Ok(false));
        assert_eq!(
            s.confirm(at("2027-06-01T00:00:00Z")),
            Err(SubscriptionError::Unsubscribed)
        );
    }

    #[test]
    fn listing_addresses_again_keeps_theirs_and_makes_new_ones_pending() {
        let now = at("2026-11-01T00:00:00Z");
        let (first, changes) =
            resubscribe(&[], &[email("a@example.com"), email("b@example.com")], now);
        assert_eq!(changes.added.len(), 2);
        let mut confirmed = first.clone();
        confirmed[0].status = SubscriptionStatus::Confirmed;
        let (next, changes) = resubscribe(
            &confirmed,
            &[email("a@example.com"), email("c@example.com")],
            now,
        );
        assert_eq!(
            next[0], confirmed[0],
            "a is kept, confirmed, with its token"
        );
        assert_eq!(next[1].status, SubscriptionStatus::Pending);
        assert_eq!(changes.added, vec![next[1].clone()]);
        assert_eq!(changes.removed, vec![first[1].token.clone()]);
    }
}
