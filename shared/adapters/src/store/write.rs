//! Writes: conditions, the one update builder ([`Update`]) behind every change of an existing
//! item, and [`Write`], one write of a transaction.

use super::codec::{DATA, ENTITY, EXPIRES_AT, SCHEMA_VERSION, UPDATED_AT, VERSION};
use super::codec::{data_of, new_item, now, number};
use super::document::{Document, Index, Item, Key};
use super::error::StoreError;
use anyhow::Context;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use std::collections::HashMap;

/// A condition (or filter) expression with its placeholders.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Condition {
    pub fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            ..Self::default()
        }
    }

    /// The item is at the store's `version` (as read).
    pub fn at_version(version: u64) -> Self {
        Self::new("#version = :expected")
            .name("#version", VERSION)
            .value(":expected", number(version))
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.into(), attribute.into());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }
}

/// A change of one existing item: an update expression under a condition. Every update
/// raises the item's `version` and sets `updated_at`, so optimistic readers notice it.
#[derive(Debug, Clone)]
pub struct Update {
    pub(crate) key: Key,
    pub(crate) expression: String,
    pub(crate) condition: Condition,
}

impl Update {
    /// An update expression on an item's attributes (e.g. `SET #data.#stock = ...`), applied
    /// if `condition` holds.
    pub fn new(key: Key, expression: &str, condition: Condition) -> Self {
        let condition = condition
            .name("#version", VERSION)
            .name("#updated_at", UPDATED_AT)
            .value(":one", number(1))
            .value(":updated_at", AttributeValue::S(now()));
        Self {
            key,
            expression: format!(
                "{expression}, #version = #version + :one, #updated_at = :updated_at"
            ),
            condition,
        }
    }

    /// This update of another item, with `placeholder` bound to `value`: the like writes of
    /// one transaction (an order's lines) as copies of one, since building each afresh (its
    /// expressions, placeholders and time) was most of a 25-line order's own work.
    pub fn for_item(&self, key: Key, placeholder: &str, value: AttributeValue) -> Self {
        let mut update = Self {
            key,
            expression: self.expression.clone(),
            condition: self.condition.clone(),
        };
        match update.condition.values.get_mut(placeholder) {
            Some(bound) => *bound = value,
            None => {
                update.condition.values.insert(placeholder.into(), value);
            }
        }
        update
    }

    /// An update of attributes the store keeps beside a document (counters): the document's
    /// version is left as it is, since the document did not change.
    pub fn beside(key: Key, expression: &str, condition: Condition) -> Self {
        Self {
            key,
            expression: expression.to_owned(),
            condition,
        }
    }

    /// Rewrites a whole document (all but `created_at`) if it is still at `expected_version`.
    pub fn save<T: Document>(doc: &T, expected_version: u64) -> Result<Self, StoreError> {
        let mut set = vec!["#data = :data".to_owned(), "#schema = :schema".to_owned()];
        let mut remove = Vec::new();
        let mut condition = Condition::new("#version = :expected AND #entity = :entity")
            .name("#data", DATA)
            .name("#schema", SCHEMA_VERSION)
            .name("#entity", ENTITY)
            .name("#expires_at", EXPIRES_AT)
            .value(":data", data_of(doc)?)
            .value(":expected", number(expected_version))
            .value(":schema", number(T::SCHEMA_VERSION))
            .value(":entity", AttributeValue::S(T::ENTITY.into()));
        match doc.expires_at() {
            Some(at) => {
                set.push("#expires_at = :expires_at".into());
                condition = condition.value(":expires_at", number(at));
            }
            None => remove.push("#expires_at".to_owned()),
        }
        let indexes = doc.indexes();
        for index in Index::ALL {
            let (pk, sk) = index.key_attributes();
            condition = condition
                .name(&format!("#{pk}"), pk)
                .name(&format!("#{sk}"), sk);
            match indexes.get(index) {
                Some(key) => {
                    set.push(format!("#{pk} = :{pk}, #{sk} = :{sk}"));
                    condition = condition
                        .value(&format!(":{pk}"), AttributeValue::S(key.pk.clone()))
                        .value(&format!(":{sk}"), AttributeValue::S(key.sk.clone()));
                }
                None => remove.push(format!("#{pk}, #{sk}")),
            }
        }
        let mut update = Self::new(doc.key(), &format!("SET {}", set.join(", ")), condition);
        if !remove.is_empty() {
            update.expression = format!("{} REMOVE {}", update.expression, remove.join(", "));
        }
        Ok(update)
    }
}

/// A transaction's `ClientRequestToken` (at most 36 characters): derived from what the
/// request is, so that the same request sent again is known as the same, and a different one
/// never shares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientToken(String);

impl ClientToken {
    /// The token of the request named by `parts` (the operation and the ids and versions it
    /// changes): 32 hex digits of their SHA-256.
    pub fn of(parts: &[&str]) -> Self {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new();
        for part in parts {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        Self(
            digest.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token an attempt of the transaction sends: the token itself first, then one of
    /// its own for each attempt after a cancellation. A cancelled attempt applied nothing,
    /// and the next one is built afresh (new times): under the same token DynamoDB could
    /// answer it as the cancelled one, or refuse it as a mismatch. The SDK's own retries of
    /// an attempt resend it whole, token included, so a lost reply is still answered as
    /// the success it was. At most 36 characters, as DynamoDB requires.
    pub fn for_attempt(&self, attempt: u32) -> String {
        match attempt {
            0 | 1 => self.0.clone(),
            n => format!("{}-{n}", self.0),
        }
    }
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub struct Write(pub(crate) TransactWriteItem);

impl Write {
    /// Puts a new document; the transaction fails if its key exists.
    pub fn create<T: Document>(doc: &T, table: &str) -> Result<Self, StoreError> {
        Self::create_item(new_item(doc)?, table)
    }

    /// Puts a new item (a document with attributes of the store's beside it); the
    /// transaction fails if its key exists.
    pub fn create_item(item: Item, table: &str) -> Result<Self, StoreError> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional put")?;
        Ok(Self(TransactWriteItem::builder().put(put).build()))
    }

    /// Saves a document read at `expected_version`; the transaction fails if it changed.
    pub fn save<T: Document>(
        doc: &T,
        expected_version: u64,
        table: &str,
    ) -> Result<Self, StoreError> {
        Self::update(Update::save(doc, expected_version)?, table)
    }

    /// Deletes the item under `key`; the transaction fails if `condition` (when not empty) does
    /// not hold.
    pub fn delete(key: &Key, condition: Condition, table: &str) -> Result<Self, StoreError> {
        let delete = Delete::builder()
            .table_name(table)
            .set_key(Some(key.to_item()))
            .set_condition_expression(
                (!condition.expression.is_empty()).then_some(condition.expression),
            )
            .set_expression_attribute_names(
                (!condition.names.is_empty()).then_some(condition.names),
            )
            .set_expression_attribute_values(
                (!condition.values.is_empty()).then_some(condition.values),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional delete")?;
        Ok(Self(TransactWriteItem::builder().delete(delete).build()))
    }

    /// Applies an update; the transaction fails if its condition does not hold.
    pub fn update(update: Update, table: &str) -> Result<Self, StoreError> {
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(table)
            .set_key(Some(update.key.into_item()))
            .update_expression(update.expression)
            .set_condition_expression(
                (!update.condition.expression.is_empty()).then_some(update.condition.expression),
            )
            .set_expression_attribute_names(Some(update.condition.names))
            .set_expression_attribute_values(
                (!update.condition.values.is_empty()).then_some(update.condition.values),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .context("building a transactional update")?;
        Ok(Self(TransactWriteItem::builder().update(update).build()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IndexKeys;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Doc {
        indexed: bool,
    }

    impl Document for Doc {
        const ENTITY: &'static str = "doc";
        const SCHEMA_VERSION: u32 = 1;

        fn key(&self) -> Key {
            Key::new("DOC", "DOC")
        }

        fn indexes(&self) -> IndexKeys {
            IndexKeys {
                gsi1: self.indexed.then(|| Key::new("A", "B")),
                gsi2: None,
            }
        }
    }

    #[test]
    fn client_tokens_fit_dynamodb_and_tell_requests_apart() {
        let token = ClientToken::of(&["cancel", "order-1", "3"]);
        assert_eq!(token.as_str().len(), 32);
        assert_eq!(token, ClientToken::of(&["cancel", "order-1", "3"]));
        assert_ne!(token, ClientToken::of(&["cancel", "order-1", "4"]));
        assert_ne!(
            ClientToken::of(&["ab", "c"]),
            ClientToken::of(&["a", "bc"]),
            "lengths keep parts apart"
        );
    }

    #[test]
    fn each_attempt_after_the_first_has_a_token_of_its_own() {
        let token = ClientToken::of(&["place-order", "order-1"]);
        assert_eq!(token.for_attempt(1), token.as_str());
        assert_eq!(token.for_attempt(2), format!("{}-2", token.as_str()));
        assert_ne!(token.for_attempt(2), token.for_attempt(3));
        assert!(token.for_attempt(999).len() <= 36);
    }

    #[test]
    fn an_update_raises_the_version_and_stamps_the_time() {
        let update = Update::new(
            Key::new("P", "S"),
            "SET #data.#stock = :stock",
            Condition::new("attribute_exists(pk)"),
        );
        assert_eq!(
            update.expression,
            "SET #data.#stock = :stock, #version = #version + :one, #updated_at = :updated_at"
        );
        assert_eq!(update.condition.values[":one"], number(1));
        assert_eq!(update.condition.names["#version"], "version");
    }

    #[test]
    fn an_update_for_another_item_differs_only_in_its_key_and_one_value() {
        let first = Update::new(
            Key::new("P1", "S"),
            "SET #data.#stock = #data.#stock - :quantity",
            Condition::new("#data.#stock >= :quantity")
                .name("#data", "data")
                .name("#stock", "stock")
                .value(":quantity", number(2)),
        );
        let second = first.for_item(Key::new("P2", "S"), ":quantity", number(5));
        assert_eq!(second.key, Key::new("P2", "S"));
        assert_eq!(second.condition.values[":quantity"], number(5));
        assert_eq!(first.condition.values[":quantity"], number(2));
        assert_eq!(second.expression, first.expression);
        assert_eq!(second.condition.expression, first.condition.expression);
        assert_eq!(second.condition.names, first.condition.names);
        let mut values = second.condition.values.clone();
        values.insert(":quantity".into(), number(2));
        assert_eq!(
            values, first.condition.values,
            "the time and version step too"
        );
    }

    #[test]
    fn a_save_is_conditioned_on_the_version_and_keeps_index_membership_exact() {
        let listed = Update::save(&Doc { indexed: true }, 4).unwrap();
        assert_eq!(
            listed.condition.expression,
            "#version = :expected AND #entity = :entity"
        );
        assert_eq!(listed.condition.values[":expected"], number(4));
        assert!(listed.expression.contains("#gsi1pk = :gsi1pk"));
        assert!(
            listed
                .expression
                .ends_with("REMOVE #expires_at, #gsi2pk, #gsi2sk")
        );

        let unlisted = Update::save(&Doc { indexed: false }, 1).unwrap();
        assert!(
            unlisted
                .expression
                .contains("REMOVE #expires_at, #gsi1pk, #gsi1sk, #gsi2pk, #gsi2sk")
        );
        // Every placeholder the expression names is defined, and none that it does not.
        for placeholder in unlisted.condition.names.keys() {
            assert!(
                unlisted.expression.contains(placeholder.as_str())
                    || unlisted.condition.expression.contains(placeholder.as_str()),
                "{placeholder} unused"
            );
        }
    }
}
