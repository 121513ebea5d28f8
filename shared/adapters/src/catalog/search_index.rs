//! The entries a product is found through, written in the product's own transactions (so
//! they belong to the catalog's writes, and search never sees half a product).
//!
//! | partition (`pk`) | for |
//! |---|---|
//! | `SEARCH#ALL` | browsing the whole catalog |
//! | `SEARCH#CATEGORY#<slug>` | browsing one category |
//! | `SEARCH#TERM#<prefix>` | each prefix (2 to 20 letters) of its words, at most 90 ([`domain::catalog::search::index_prefixes`]) |
//!
//! The sort key is `<price in cents, 10 digits>#<product id>`, so a partition lists its
//! products by price with ties by id, and a price range is a key condition. Each entry also
//! holds the product's category and its folded word list (` blue shirt cotton `).

use crate::store::{Document, Key};
use domain::catalog::Product;
use domain::catalog::search::{index_prefixes, product_words};
use domain::{Money, ProductId, Slug};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// One index entry of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SearchEntry {
    partition: String,
    pub(crate) product_id: ProductId,
    price_cents: u64,
    category: Slug,
    words: String,
}

impl Document for SearchEntry {
    const ENTITY: &'static str = "search_entry";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        Key::new(
            &self.partition,
            sort_key(self.price_cents, &self.product_id),
        )
    }
}

fn sort_key(cents: u64, id: &ProductId) -> String {
    format!("{cents:010}#{id}")
}

pub(crate) fn cents(money: Money) -> u64 {
    (money.amount() * rust_decimal::Decimal::ONE_HUNDRED)
        .to_u64()
        .unwrap_or(u64::MAX)
}

pub(crate) fn browse_partition(category: Option<&Slug>) -> String {
    match category {
        Some(category) => format!("SEARCH#CATEGORY#{category}"),
        None => "SEARCH#ALL".to_owned(),
    }
}

pub(crate) fn term_partition(prefix: &str) -> String {
    format!("SEARCH#TERM#{prefix}")
}

impl SearchEntry {
    /// Whether this entry still says what the product is: an update writes the entries that
    /// are new (a new price, new words) just before the product itself, and the search must
    /// not show a product through an entry its product does not match (yet, or any more).
    pub(crate) fn is_current_for(&self, product: &Product) -> bool {
        product.is_active()
            && self.price_cents == cents(product.price().money())
            && &self.category == product.category()
            && self.words == word_list(product)
    }
}

fn word_list(product: &Product) -> String {
    format!(" {} ", product_words(product).join(" "))
}

/// The entries a product is found through; none for an inactive product.
pub(crate) fn entries_for(product: &Product) -> Vec<SearchEntry> {
    if !product.is_active() {
        return Vec::new();
    }
    let words = product_words(product);
    let list = word_list(product);
    let entry = |partition: String| SearchEntry {
        partition,
        product_id: product.id(),
        price_cents: cents(product.price().money()),
        category: product.category().clone(),
        words: list.clone(),
    };
    let mut entries = vec![
        entry(browse_partition(None)),
        entry(browse_partition(Some(product.category()))),
    ];
    entries.extend(
        index_prefixes(&words)
            .into_iter()
            .map(|prefix| entry(term_partition(&prefix))),
    );
    entries
}
