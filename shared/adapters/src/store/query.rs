//! Queries of one partition of the table or of an index, a page at a time, with cursors
//! bound to the query ([`cursor`]).

mod cursor;

use super::document::{Index, Item, Versioned, key_attributes};
use super::error::StoreError;
use super::write::Condition;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::Cursor;
use std::collections::{BTreeMap, HashMap};

/// Which items of a partition a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Any,
    BeginsWith(String),
    Between(String, String),
}

impl SortKey {
    fn admits(&self, value: &str) -> bool {
        match self {
            SortKey::Any => true,
            SortKey::BeginsWith(prefix) => value.starts_with(prefix.as_str()),
            SortKey::Between(low, high) => (low.as_str()..=high.as_str()).contains(&value),
        }
    }
}

/// A query of one partition of the table or of an index, one page at a time.
#[derive(Debug, Clone)]
pub struct Query {
    pub index: Option<Index>,
    pub partition: String,
    pub sort: SortKey,
    pub ascending: bool,
    /// A filter applied after the items are read (they still count as read).
    pub filter: Option<Condition>,
    /// Anything else that makes two queries different for their cursors (e.g. a filter the
    /// caller applies after the query).
    pub tag: String,
    /// The attribute paths (`data.seq`) to read of each item, all when empty: less to
    /// transfer and decode, though DynamoDB counts whole items as read.
    pub projection: Vec<String>,
}

/// The parts of a Query call that say what it reads.
pub(crate) struct QueryExpression {
    pub key_condition: String,
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Query {
    pub fn table(partition: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: partition.into(),
            sort: SortKey::Any,
            ascending: true,
            filter: None,
            tag: String::new(),
            projection: Vec::new(),
        }
    }

    pub fn index(index: Index, partition: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::table(partition)
        }
    }

    pub fn sort(mut self, sort: SortKey) -> Self {
        self.sort = sort;
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    pub fn filter(mut self, filter: Condition) -> Self {
        self.filter = Some(filter);
        self
    }

    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// Reads only these attribute paths of each item (`data.seq`: a document's field). The
    /// items then lack their envelope and keys: read them with `query_items` and page with
    /// its `LastEvaluatedKey`, not as documents or through `cursor_after`.
    pub fn project(mut self, paths: &[&str]) -> Self {
        self.projection = paths.iter().map(|&p| p.to_owned()).collect();
        self
    }

    /// Everything but the index and partition that tells this query from another.
    fn fingerprint(&self) -> String {
        let sort = match &self.sort {
            SortKey::Any => "any".to_owned(),
            SortKey::BeginsWith(prefix) => format!("begins:{prefix}"),
            SortKey::Between(low, high) => format!("between:{low}:{high}"),
        };
        let direction = if self.ascending { "asc" } else { "desc" };
        let filter = self.filter.as_ref().map_or_else(String::new, |f| {
            let names: BTreeMap<_, _> = f.names.iter().collect();
            let values: BTreeMap<_, _> = f
                .values
                .iter()
                .map(|(k, v)| (k, format!("{v:?}")))
                .collect();
            format!("{}{names:?}{values:?}", f.expression)
        });
        format!("{sort}|{direction}|{filter}|{}", self.tag)
    }

    fn with_scope<T>(&self, use_scope: impl FnOnce(&cursor::Scope<'_>) -> T) -> T {
        let admits = |sk: &str| self.sort.admits(sk);
        use_scope(&cursor::Scope {
            index: self.index,
            partition: &self.partition,
            fingerprint: self.fingerprint(),
            admits: &admits,
        })
    }

    /// The cursor of the page that starts after `item` (an item this query read, or the
    /// `LastEvaluatedKey` of one of its calls).
    pub fn cursor_after(&self, item: &Item) -> Result<Cursor, StoreError> {
        self.with_scope(|scope| cursor::encode(item, scope))
    }

    /// What a cursor after `item` needs of it (its keys), to keep instead of the whole item.
    pub fn position_of(&self, item: &Item) -> Item {
        cursor::start_key_attributes(self.index)
            .into_iter()
            .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
            .collect()
    }

    /// The start key a cursor of this query stands for; `InvalidCursor` for any other.
    pub fn start_key(&self, cursor: &Cursor) -> Result<Item, StoreError> {
        self.with_scope(|scope| cursor::decode(cursor, scope))
    }

    pub(crate) fn expression(&self) -> QueryExpression {
        let (pk_attribute, sk_attribute) = key_attributes(self.index);
        let mut key_condition = "#pk = :pk".to_owned();
        let mut values =
            HashMap::from([(":pk".to_owned(), AttributeValue::S(self.partition.clone()))]);
        let mut names = HashMap::from([("#pk".to_owned(), pk_attribute.to_owned())]);
        match &self.sort {
            SortKey::Any => {}
            SortKey::BeginsWith(prefix) => {
                key_condition.push_str(" AND begins_with(#sk, :prefix)");
                values.insert(":prefix".into(), AttributeValue::S(prefix.clone()));
            }
            SortKey::Between(low, high) => {
                key_condition.push_str(" AND #sk BETWEEN :low AND :high");
                values.insert(":low".into(), AttributeValue::S(low.clone()));
                values.insert(":high".into(), AttributeValue::S(high.clone()));
            }
        }
        if self.sort != SortKey::Any {
            names.insert("#sk".into(), sk_attribute.into());
        }
        let filter = self.filter.as_ref().map(|filter| {
            names.extend(filter.names.clone());
            values.extend(filter.values.clone());
            filter.expression.clone()
        });
        let projection =
            (!self.projection.is_empty()).then(|| projection(&self.projection, &mut names));
        QueryExpression {
            key_condition,
            filter,
            projection,
            names,
            values,
        }
    }
}

/// One page of documents and the cursor of the next page, `None` after the last.
#[derive(Debug)]
pub struct DocPage<T> {
    pub items: Vec<Versioned<T>>,
    pub next_cursor: Option<Cursor>,
}

/// `data.seq, data.value` as `#p0.#p1, #p0.#p2`, naming each segment once in `names`: every
/// segment goes by a placeholder, since some (`value`) are reserved words.
pub(super) fn projection(paths: &[impl AsRef<str>], names: &mut HashMap<String, String>) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let mut placeholder = |segment| {
        let i = match segments.iter().position(|s| *s == segment) {
            Some(i) => i,
            None => {
                segments.push(segment);
                names.insert(format!("#p{}", segments.len() - 1), segment.to_owned());
                segments.len() - 1
            }
        };
        format!("#p{i}")
    };
    paths
        .iter()
        .map(|path| {
            path.as_ref()
                .split('.')
                .map(&mut placeholder)
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_query_names_only_the_keys_it_uses() {
        let expression = Query::table("P").expression();
        assert_eq!(expression.key_condition, "#pk = :pk");
        assert_eq!(expression.names.len(), 1);
        assert_eq!(expression.names["#pk"], "pk");
        assert!(expression.filter.is_none());
    }

    #[test]
    fn an_index_query_with_a_range_and_a_filter() {
        let query = Query::index(Index::Gsi2, "OUTBOX")
            .sort(SortKey::Between("a".into(), "b".into()))
            .filter(
                Condition::new("#data.#x = :x")
                    .name("#data", "data")
                    .name("#x", "x")
                    .value(":x", AttributeValue::Bool(true)),
            );
        let expression = query.expression();
        assert_eq!(
            expression.key_condition,
            "#pk = :pk AND #sk BETWEEN :low AND :high"
        );
        assert_eq!(expression.names["#pk"], "gsi2pk");
        assert_eq!(expression.names["#sk"], "gsi2sk");
        assert_eq!(expression.filter.as_deref(), Some("#data.#x = :x"));
        assert_eq!(expression.values.len(), 4);
    }

    #[test]
    fn cursors_belong_to_their_query() {
        let item: Item = [("pk", "P"), ("sk", "A#2")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
            .collect();
        let query = Query::table("P").sort(SortKey::BeginsWith("A#".into()));
        let cursor = query.cursor_after(&item).unwrap();
        assert_eq!(query.start_key(&cursor).unwrap(), item);
        for other in [
            query.clone().descending(),
            query.clone().tag("in_stock"),
            Query::table("P").sort(SortKey::BeginsWith("A".into())),
            query
                .clone()
                .filter(Condition::new("attribute_exists(#x)").name("#x", "x")),
        ] {
            assert!(matches!(
                other.start_key(&cursor),
                Err(StoreError::InvalidCursor(_))
            ));
        }
    }

    #[test]
    fn a_projection_names_each_segment_once() {
        let expression = Query::table("P")
            .project(&["data.seq", "data.value"])
            .expression();
        assert_eq!(expression.projection.as_deref(), Some("#p0.#p1, #p0.#p2"));
        assert_eq!(expression.names["#p0"], "data");
        assert_eq!(expression.names["#p1"], "seq");
        assert_eq!(expression.names["#p2"], "value");
        assert!(Query::table("P").expression().projection.is_none());
    }
}
