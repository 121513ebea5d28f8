//! Catalog search on DynamoDB alone: index entries written with the product, and a search
//! that reads a bounded number of them per page.
//!
//! The entries it reads are described in [`super::search_index`].
//!
//! # A search
//!
//! The partition is the longest query word's prefix (the most selective one), or the browse
//! partition of the category (or the whole catalog) when no query word has two letters. The
//! price range is a key condition; the other query words (`contains(words, " blu")`) and the
//! category are filters on the entries; `in_stock` and `active` are checked on the products
//! themselves, read in one batch per round (their stock changes with every order, so entries
//! do not copy it), and so is each entry against its product: an entry whose price, category
//! or words its product no longer has (a change under way, or one that failed half-way) is
//! skipped, so search never shows a product by what it no longer is. A request makes at most
//! [`MAX_ROUNDS`] rounds of one Query (reading the entries the page lacks and one more, a
//! quarter more with filters: [`entries_to_read`]) and one BatchGetItem; when filters leave
//! the page short after that, the page is returned short with a cursor. So what one search reads grows with the page
//! size, never with the catalog, and pages never repeat or skip: the cursor is the position of
//! the last entry whose product was returned or passed over.
//!
//! # Limits, and what would lift them
//!
//! - No typo tolerance, stemming or relevance ranking: results are ordered by price only.
//! - A word beyond a product's first 90 indexed prefixes (a long description) is found only
//!   when another, longer query word selects the product; names are always indexed first.
//! - Very selective filters on a common partition (a rare category with a common word, or
//!   `in_stock` where most matches are sold out) give short pages that the client continues
//!   with the cursor.
//! - A product write costs one item per entry (up to ~94), each carrying the word list.
//!
//! A user who needs relevance, typo tolerance or facets would stream the table (DynamoDB
//! Streams) into OpenSearch (or OpenSearch Serverless) and point `search-products` at it; the
//! [`domain::catalog::ProductSearch`] port is the seam: only this module would change.

use super::keys::product_key;
use super::search_index::{SearchEntry, browse_partition, cents, term_partition};
use crate::store::{Condition, DocumentStore, Item, Key, Query, SortKey, StoreError, decode};
use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::catalog::search::MAX_PREFIX;
use domain::catalog::{Product, ProductSearch, SearchCriteria, SearchFailed, SortOrder};
use domain::{Page, ProductId};
use std::collections::HashMap;

/// Query-and-check rounds one request may make before it returns a short page.
pub const MAX_ROUNDS: usize = 4;

/// The query a search runs, before any cursor; `None` when no price can match.
fn plan(criteria: &SearchCriteria) -> Option<Query> {
    // Within the catalog's prices, whose cents fit the sort key's ten digits.
    let (low, high) = criteria.price_range()?;
    let term = criteria
        .words
        .iter()
        .filter(|w| w.len() >= 2)
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)));
    let term_prefix = term.map(|w| &w[..w.len().min(MAX_PREFIX)]);
    let partition = match term_prefix {
        Some(prefix) => term_partition(prefix),
        None => browse_partition(criteria.category.as_ref()),
    };

    let mut clauses = Vec::new();
    // DynamoDB refuses placeholders an expression does not use: add names with their clauses.
    let mut filter = Condition::default().name("#data", "data");
    for (i, word) in criteria.words.iter().enumerate() {
        if Some(word.as_str()) == term_prefix {
            continue; // the partition already guarantees it
        }
        let placeholder = format!(":w{i}");
        clauses.push(format!("contains(#data.#words, {placeholder})"));
        filter = filter
            .name("#words", "words")
            .value(&placeholder, AttributeValue::S(format!(" {word}")));
    }
    if let (Some(category), Some(_)) = (&criteria.category, term_prefix) {
        clauses.push("#data.#category = :category".into());
        filter = filter
            .name("#category", "category")
            .value(":category", AttributeValue::S(category.to_string()));
    }

    let (low, high) = (cents(low), cents(high));
    let mut query = Query::table(partition)
        .sort(SortKey::Between(
            format!("{low:010}#"),
            format!("{high:010}#~"),
        ))
        // The post-filter is part of what a cursor belongs to.
        .tag(if criteria.in_stock { "in_stock" } else { "" });
    if criteria.sort == SortOrder::PriceDescending {
        query = query.descending();
    }
    if !clauses.is_empty() {
        filter.expression = clauses.join(" AND ");
        query = query.filter(filter);
    }
    Some(query)
}

/// Entries a round reads: what the page still lacks, one more to know whether another page
/// follows, and with filters a quarter more, since they pass over some: most entries pass,
/// so one round usually fills the page rather than two. Unfiltered, a round reads no more
/// than the page shows.
fn entries_to_read(lacking: usize, filtered: bool) -> i32 {
    let wanted = lacking + 1;
    let margin = if filtered { wanted.div_ceil(4) } else { 0 };
    i32::try_from(wanted + margin).unwrap_or(i32::MAX)
}

/// The catalog's search over its index entries.
#[derive(Debug, Clone)]
pub struct DynamoProductSearch {
    store: DocumentStore,
}

impl DynamoProductSearch {
    pub fn new(store: DocumentStore) -> Self {
        Self { store }
    }

    async fn search_page(&self, criteria: &SearchCriteria) -> Result<Page<Product>, StoreError> {
        let Some(query) = plan(criteria) else {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        let page_size = usize::from(criteria.limit.get());
        let filtered = criteria.in_stock || query.filter.is_some();
        let mut start = criteria
            .cursor
            .as_ref()
            .map(|c| query.start_key(c))
            .transpose()?;
        // Products to return, each with the position of the entry it was found through.
        let mut found: Vec<(Product, Item)> = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let (entries, last_evaluated) = self
                .store
                .query_items(
                    &query,
                    entries_to_read(page_size - found.len(), filtered),
                    start.take(),
                )
                .await?;
            let mut decoded = Vec::with_capacity(entries.len());
            let mut positions = Vec::with_capacity(entries.len());
            for item in entries {
                positions.push(query.position_of(&item));
                decoded.push(decode::<SearchEntry>(item)?.doc);
            }
            let ids: Vec<ProductId> = decoded.iter().map(|e| e.product_id).collect();
            let keys: Vec<Key> = ids.iter().map(product_key).collect();
            let mut products: HashMap<ProductId, Product> = self
                .store
                .batch_get::<Product>(&keys)
                .await?
                .into_iter()
                .map(|v| (v.doc.id(), v.doc))
                .collect();
            for ((id, decoded), position) in ids.iter().zip(&decoded).zip(positions) {
                // An entry whose product is gone, or that no longer (or not yet) says what
                // its product is: skip it. The product stays for its current entry, which
                // may come later in the round (a stale one has another price).
                let shown = products.get(id).is_some_and(|product| {
                    decoded.is_current_for(product)
                        && (!criteria.in_stock || product.stock().units() > 0)
                });
                if shown && let Some(product) = products.remove(id) {
                    found.push((product, position));
                }
            }
            if found.len() > page_size {
                found.truncate(page_size);
                let (_, last) = found.last().context("a full page has a last entry")?;
                let next = query.cursor_after(last)?;
                return Ok(Page {
                    items: found.into_iter().map(|(p, _)| p).collect(),
                    next_cursor: Some(next),
                });
            }
            match last_evaluated {
                Some(key) => start = Some(key),
                None => {
                    return Ok(Page {
                        items: found.into_iter().map(|(p, _)| p).collect(),
                        next_cursor: None,
                    });
                }
            }
        }
        // Out of rounds: a short page, continuing after everything read so far.
        let next = start.map(|key| query.cursor_after(&key)).transpose()?;
        Ok(Page {
            items: found.into_iter().map(|(p, _)| p).collect(),
            next_cursor: next,
        })
    }
}

impl ProductSearch for DynamoProductSearch {
    async fn search(&self, criteria: &SearchCriteria) -> Result<Page<Product>, SearchFailed> {
        self.search_page(criteria).await.map_err(|e| match e {
            StoreError::InvalidCursor(_) => SearchFailed::InvalidCursor,
            other => SearchFailed::Unexpected(other.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Validation;
    use domain::catalog::SearchInput;

    fn criteria(q: &str, category: Option<&str>) -> SearchCriteria {
        let mut validation = Validation::new();
        SearchCriteria::parse(
            SearchInput {
                q: Some(q),
                category,
                ..Default::default()
            },
            &mut validation,
        )
        .unwrap()
    }

    fn plan_of(criteria: &SearchCriteria) -> Query {
        plan(criteria).expect("a range of prices")
    }

    #[test]
    fn the_longest_word_picks_the_partition_and_the_rest_filter() {
        let query = plan_of(&criteria("blu shirts x", Some("tops")));
        assert_eq!(query.partition, "SEARCH#TERM#shirts");
        let filter = query.filter.unwrap();
        assert_eq!(
            filter.expression,
            "contains(#data.#words, :w0) AND contains(#data.#words, :w2) AND #data.#category = :category"
        );
        assert_eq!(filter.values[":w0"], AttributeValue::S(" blu".into()));
    }

    #[test]
    fn without_a_two_letter_word_the_category_listing_is_browsed() {
        let query = plan_of(&criteria("x", Some("tops")));
        assert_eq!(query.partition, "SEARCH#CATEGORY#tops");
        assert_eq!(
            query.filter.unwrap().expression,
            "contains(#data.#words, :w0)"
        );
        let query = plan_of(&criteria("", None));
        assert_eq!(query.partition, "SEARCH#ALL");
        assert!(query.filter.is_none());
    }

    #[test]
    fn long_words_use_their_prefix_partition_and_are_checked_whole() {
        let word = "supercalifragilisticexpialidocious";
        let query = plan_of(&criteria(word, None));
        assert_eq!(
            query.partition,
            format!("SEARCH#TERM#{}", &word[..MAX_PREFIX])
        );
        assert!(query.filter.is_some());
    }
}
