//! Catalog search: the words of a product, the prefixes that index it, and the criteria of a
//! search (run by [`super::search_products`] over the [`super::ProductSearch`] port).
//!
//! Matching rule (from the contract): every word of `q` must be the start of a word of the
//! product's name or description, ignoring case and accents. Words are maximal runs of
//! letters and digits after folding to ASCII (`deunicode`) and lowercasing, so "Café" is the
//! word `cafe` and `"blu sh"` finds "Blue Shirt".

use super::product::Product;
use crate::{Cursor, Limit, Money, Price, Slug, Validation};

/// Query words longer than this are looked up by their first `MAX_PREFIX` characters, then
/// checked whole.
pub const MAX_PREFIX: usize = 20;
/// How many prefixes of a product's words get an index entry of their own (see
/// [`index_prefixes`]); the rest of its words still match, through the per-entry word list.
pub const MAX_INDEXED_PREFIXES: usize = 90;

/// The distinct words of a text, folded and lowercased, in order of first appearance.
pub fn words(text: &str) -> Vec<String> {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut seen = Vec::new();
    for word in folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !seen.iter().any(|s: &String| s == word) {
            seen.push(word.to_owned());
        }
    }
    seen
}

/// A product's searchable words: its name's, then its description's.
pub fn product_words(product: &Product) -> Vec<String> {
    let mut all = words(product.name().as_str());
    for word in words(product.description().as_str()) {
        if !all.contains(&word) {
            all.push(word);
        }
    }
    all
}

/// The prefixes (2 to [`MAX_PREFIX`] characters) under which a product is indexed, name words
/// first, at most [`MAX_INDEXED_PREFIXES`]. One-letter prefixes are not indexed: a one-letter
/// query word matches a large share of any catalog, so it is served by the browse listing.
pub fn index_prefixes(words: &[String]) -> Vec<String> {
    let mut prefixes: Vec<String> = Vec::new();
    for word in words {
        for end in 2..=word.len().min(MAX_PREFIX) {
            let prefix = &word[..end];
            if !prefixes.iter().any(|p| p == prefix) {
                if prefixes.len() == MAX_INDEXED_PREFIXES {
                    return prefixes;
                }
                prefixes.push(prefix.to_owned());
            }
        }
    }
    prefixes
}

/// Whether every query word starts a word of `words`.
pub fn matches(query_words: &[String], words: &[String]) -> bool {
    query_words
        .iter()
        .all(|q| words.iter().any(|w| w.starts_with(q.as_str())))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    PriceAscending,
    PriceDescending,
}

/// A validated search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCriteria {
    /// The words of `q`; empty for no text condition.
    pub words: Vec<String>,
    pub category: Option<Slug>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub in_stock: bool,
    pub sort: SortOrder,
    pub limit: Limit,
    pub cursor: Option<Cursor>,
}

/// The raw query parameters of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchInput<'a> {
    pub q: Option<&'a str>,
    pub category: Option<&'a str>,
    pub min_price: Option<&'a str>,
    pub max_price: Option<&'a str>,
    pub in_stock: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub limit: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

impl SearchCriteria {
    pub const MAX_QUERY_CHARS: usize = 100;

    pub fn parse(input: SearchInput<'_>, validation: &mut Validation) -> Option<Self> {
        let q = input.q.unwrap_or("");
        if q.chars().count() > Self::MAX_QUERY_CHARS {
            validation.push("q", "must be at most 100 characters");
        }
        let category = input
            .category
            .and_then(|c| validation.check("category", Slug::parse(c)));
        let min_price = input
            .min_price
            .and_then(|p| validation.check("min_price", Money::parse(p)));
        let max_price = input
            .max_price
            .and_then(|p| validation.check("max_price", Money::parse(p)));
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            validation.push("min_price", "must not be above max_price");
        }
        let in_stock = match input.in_stock {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                validation.push("in_stock", "must be true or false");
                false
            }
        };
        let sort = match input.sort {
            None | Some("price_asc") => SortOrder::PriceAscending,
            Some("price_desc") => SortOrder::PriceDescending,
            Some(_) => {
                validation.push("sort", "must be price_asc or price_desc");
                SortOrder::default()
            }
        };
        let limit = validation.check("limit", Limit::parse(input.limit));
        let cursor = match input.cursor {
            Some("") => {
                validation.push("cursor", "must not be empty");
                None
            }
            other => other.map(|c| Cursor::new(c.to_owned())),
        };
        if !validation.is_empty() {
            return None;
        }
        Some(Self {
            words: words(q),
            category,
            min_price,
            max_price,
            in_stock,
            sort,
            limit: limit?,
            cursor,
        })
    }
}

impl SearchCriteria {
    /// The prices a result may have: the asked range within the catalog's (a price is more
    /// than 0 and at most [`Price::MAX`]); `None` when no product can be in it, so nothing
    /// needs to be read.
    pub fn price_range(&self) -> Option<(Money, Money)> {
        let catalog_max = Price::max().money();
        let low = self.min_price.unwrap_or(Money::ZERO);
        let high = self
            .max_price
            .map_or(catalog_max, |max| max.min(catalog_max));
        (low <= high).then_some((low, high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn range(min: Option<&str>, max: Option<&str>) -> Option<(String, String)> {
        let mut validation = Validation::new();
        let criteria = SearchCriteria::parse(
            SearchInput {
                min_price: min,
                max_price: max,
                ..Default::default()
            },
            &mut validation,
        )
        .unwrap();
        criteria
            .price_range()
            .map(|(low, high)| (low.to_string(), high.to_string()))
    }

    #[test]
    fn price_ranges_stay_within_the_catalog() {
        let full = Some(("0.00".to_owned(), "1000000.00".to_owned()));
        assert_eq!(range(None, None), full);
        assert_eq!(range(None, Some("999999999.99")), full);
        assert_eq!(range(Some("999999999.99"), None), None);
        assert_eq!(
            range(Some("1000000.00"), None),
            Some(("1000000.00".into(), "1000000.00".into()))
        );
        assert_eq!(
            range(Some("2"), Some("3")),
            Some(("2.00".into(), "3.00".into()))
        );
    }

    #[test]
    fn words_fold_accents_and_case() {
        assert_eq!(
            words("Café au Lait, CAFÉ!"),
            strings(&["cafe", "au", "lait"])
        );
        assert_eq!(
            words("Blue-Shirt (XL) 2024"),
            strings(&["blue", "shirt", "xl", "2024"])
        );
        assert_eq!(
            words("Ærøskøbing Straße"),
            strings(&["aeroskobing", "strasse"])
        );
        assert!(words("  ,;- ").is_empty());
    }

    #[test]
    fn prefix_matching() {
        let product = strings(&["blue", "shirt", "cotton"]);
        assert!(matches(&words("blu sh"), &product));
        assert!(matches(&words("BLUE"), &product));
        assert!(matches(&[], &product));
        assert!(!matches(&words("lue"), &product), "not a prefix");
        assert!(
            !matches(&words("blue pants"), &product),
            "every word must match"
        );
    }

    #[test]
    fn index_prefixes_skip_single_letters_and_stop_at_the_budget() {
        assert_eq!(
            index_prefixes(&strings(&["blue", "bl", "a"])),
            strings(&["bl", "blu", "blue"])
        );
        let long = "x".repeat(40);
        assert_eq!(index_prefixes(&[long]).last().unwrap().len(), MAX_PREFIX);
        let many: Vec<String> = (0..200).map(|i| format!("word{i:03}")).collect();
        assert_eq!(index_prefixes(&many).len(), MAX_INDEXED_PREFIXES);
    }

    fn input<'a>(pairs: &[(&str, &'a str)]) -> SearchInput<'a> {
        let get = |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        SearchInput {
            q: get("q"),
            category: get("category"),
            min_price: get("min_price"),
            max_price: get("max_price"),
            in_stock: get("in_stock"),
            sort: get("sort"),
            limit: get("limit"),
            cursor: get("cursor"),
        }
    }

    fn errors(pairs: &[(&str, &str)]) -> Vec<String> {
        let mut validation = Validation::new();
        SearchCriteria::parse(input(pairs), &mut validation);
        validation
            .into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn criteria_defaults() {
        let mut validation = Validation::new();
        let criteria = SearchCriteria::parse(SearchInput::default(), &mut validation).unwrap();
        assert_eq!(criteria.sort, SortOrder::PriceAscending);
        assert_eq!(criteria.limit, Limit::DEFAULT);
        assert!(criteria.words.is_empty() && !criteria.in_stock);
    }

    #[test]
    fn criteria_refusals_are_all_listed() {
        assert_eq!(
            errors(&[
                ("q", &"x".repeat(101)),
                ("category", "Shirts"),
                ("in_stock", "yes"),
                ("sort", "name"),
                ("limit", "0"),
                ("cursor", ""),
            ]),
            ["q", "category", "in_stock", "sort", "limit", "cursor"]
        );
        assert_eq!(
            errors(&[("min_price", "10"), ("max_price", "9.99")]),
            ["min_price"]
        );
        assert!(errors(&[("min_price", "10"), ("max_price", "10")]).is_empty());
        assert_eq!(
            errors(&[("min_price", "-1"), ("max_price", "abc")]),
            ["min_price", "max_price"]
        );
        assert!(
            errors(&[("q", &"é".repeat(100))]).is_empty(),
            "characters, not bytes"
        );
    }

    proptest! {
        /// Whatever a product says, any query made of prefixes of its words finds it, and the
        /// partition a search would pick (its longest word's prefix) is one the product is
        /// indexed under, unless the budget cut it off.
        #[test]
        fn a_product_is_found_by_prefixes_of_its_words(
            text in "[a-zA-Zé ]{1,60}",
            picks in proptest::collection::vec((0usize..20, 1usize..25), 1..4),
        ) {
            let product = words(&text);
            prop_assume!(!product.is_empty());
            let query: Vec<String> = picks
                .iter()
                .map(|(i, len)| {
                    let word = &product[i % product.len()];
                    word[..(*len).min(word.len())].to_owned()
                })
                .collect();
            prop_assert!(matches(&query, &product));
            let prefixes = index_prefixes(&product);
            let longest = query.iter().max_by_key(|w| w.len()).unwrap();
            if longest.len() >= 2 && prefixes.len() < MAX_INDEXED_PREFIXES {
                let term = &longest[..longest.len().min(MAX_PREFIX)];
                prop_assert!(prefixes.iter().any(|p| p == term));
            }
        }

        #[test]
        fn parsing_never_panics(q in "\\PC{0,120}", price in "\\PC{0,12}", limit in "\\PC{0,5}") {
            let mut validation = Validation::new();
            let _ = SearchCriteria::parse(
                SearchInput { q: Some(&q), min_price: Some(&price), limit: Some(&limit), ..Default::default() },
                &mut validation,
            );
        }
    }
}
