//! Writes a document straight into the SDK's attribute values, in serde_dynamo's format.
//! serde_dynamo builds its own attribute tree, then copies it into the SDK's, rebuilding and
//! rehashing every map: for a 25-line order, a twelfth of its own work. This writer builds the
//! SDK's tree at once, value for value as serde_dynamo does (a property test compares the
//! two); [`super::reader`] reads it back. serde_dynamo's set wrappers (`string_set` and the
//! like, written as `SS`/`NS`/`BS`) are not followed: no document uses them, and a value that
//! did would be written as a list.

use super::reader::FormatError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::ser::{self, Serialize};
use std::collections::HashMap;

/// `value` as the attribute the table stores.
pub fn to_attribute_value<T: Serialize + ?Sized>(value: &T) -> Result<AttributeValue, FormatError> {
    value.serialize(Writer)
}

struct Writer;

macro_rules! numbers {
    ($($serialize:ident $type:ty),*) => {$(
        fn $serialize(self, v: $type) -> Result<AttributeValue, FormatError> {
            Ok(AttributeValue::N(v.to_string()))
        }
    )*};
}

/// A map's key: a string, or what serde_dynamo also writes as one (an integer, a boolean, a
/// unit variant).
fn key<K: Serialize + ?Sized>(key: &K) -> Result<String, FormatError> {
    match key.serialize(Writer)? {
        AttributeValue::S(s) => Ok(s),
        AttributeValue::N(n) if !n.contains(['.', 'e', 'E', 'i', 'N']) => Ok(n),
        AttributeValue::Bool(b) => Ok(b.to_string()),
        other => Err(FormatError(format!(
            "a map key must be a string, not {other:?}"
        ))),
    }
}

impl ser::Serializer for Writer {
    type Ok = AttributeValue;
    type Error = FormatError;
    type SerializeSeq = List;
    type SerializeTuple = List;
    type SerializeTupleStruct = List;
    type SerializeTupleVariant = Variant<List>;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Variant<Map>;

    fn serialize_bool(self, v: bool) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::Bool(v))
    }
    numbers!(
        serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64,
        serialize_u8 u8, serialize_u16 u16, serialize_u32 u32, serialize_u64 u64,
        serialize_f32 f32, serialize_f64 f64
    );
    fn serialize_char(self, v: char) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::S(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::S(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::B(Blob::new(v)))
    }
    fn serialize_none(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::Null(true))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<AttributeValue, FormatError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::Null(true))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::Null(true))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::S(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<AttributeValue, FormatError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<AttributeValue, FormatError> {
        let value = v.serialize(Writer)?;
        Ok(AttributeValue::M(HashMap::from([(
            variant.to_owned(),
            value,
        )])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<List, FormatError> {
        Ok(List(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<List, FormatError> {
        Ok(List(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<List, FormatError> {
        Ok(List(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<List>, FormatError> {
        Ok(Variant(variant, List(Vec::with_capacity(len))))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map, FormatError> {
        Ok(Map::with_capacity(len.unwrap_or(0)))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map, FormatError> {
        Ok(Map::with_capacity(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Map>, FormatError> {
        Ok(Variant(variant, Map::with_capacity(len)))
    }
}

/// A list (`L`): sequences and tuples.
struct List(Vec<AttributeValue>);

impl List {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FormatError> {
        self.0.push(value.serialize(Writer)?);
        Ok(())
    }
}

impl ser::SerializeSeq for List {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FormatError> {
        self.push(v)
    }
    fn end(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::L(self.0))
    }
}

impl ser::SerializeTuple for List {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FormatError> {
        self.push(v)
    }
    fn end(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::L(self.0))
    }
}

impl ser::SerializeTupleStruct for List {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FormatError> {
        self.push(v)
    }
    fn end(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::L(self.0))
    }
}

/// A map (`M`): maps and structs.
struct Map {
    entries: HashMap<String, AttributeValue>,
    key: Option<String>,
}

impl Map {
    fn with_capacity(len: usize) -> Self {
        Self {
            entries: HashMap::with_capacity(len),
            key: None,
        }
    }
}

impl ser::SerializeMap for Map {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, k: &K) -> Result<(), FormatError> {
        self.key = Some(key(k)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FormatError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| FormatError("a map value without its key".into()))?;
        self.entries.insert(key, v.serialize(Writer)?);
        Ok(())
    }
    fn serialize_entry<K: Serialize + ?Sized, T: Serialize + ?Sized>(
        &mut self,
        k: &K,
        v: &T,
    ) -> Result<(), FormatError> {
        self.entries.insert(key(k)?, v.serialize(Writer)?);
        Ok(())
    }
    fn end(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::M(self.entries))
    }
}

impl ser::SerializeStruct for Map {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), FormatError> {
        self.entries.insert(name.to_owned(), v.serialize(Writer)?);
        Ok(())
    }
    fn end(self) -> Result<AttributeValue, FormatError> {
        Ok(AttributeValue::M(self.entries))
    }
}

/// An enum variant with data: a map of one entry, the variant's name to its data.
struct Variant<T>(&'static str, T);

impl<T> Variant<T> {
    fn wrap(self, data: AttributeValue) -> AttributeValue {
        AttributeValue::M(HashMap::from([(self.0.to_owned(), data)]))
    }
}

impl ser::SerializeTupleVariant for Variant<List> {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FormatError> {
        self.1.push(v)
    }
    fn end(mut self) -> Result<AttributeValue, FormatError> {
        let items = std::mem::take(&mut self.1.0);
        Ok(self.wrap(AttributeValue::L(items)))
    }
}

impl ser::SerializeStructVariant for Variant<Map> {
    type Ok = AttributeValue;
    type Error = FormatError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), FormatError> {
        ser::SerializeStruct::serialize_field(&mut self.1, name, v)
    }
    fn end(mut self) -> Result<AttributeValue, FormatError> {
        let entries = std::mem::take(&mut self.1.entries);
        Ok(self.wrap(AttributeValue::M(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reader::tests::{every_shape, json_value};
    use proptest::prelude::*;

    fn theirs<T: Serialize>(value: &T) -> AttributeValue {
        serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value).unwrap()
    }

    #[test]
    fn every_shape_is_written_as_serde_dynamo_writes_it() {
        let doc = every_shape();
        assert_eq!(to_attribute_value(&doc).unwrap(), theirs(&doc));
        let keyed = HashMap::from([(7u32, "seven"), (8, "eight")]);
        assert_eq!(to_attribute_value(&keyed).unwrap(), theirs(&keyed));
        let bad = HashMap::from([(vec![1], 1)]);
        let error = to_attribute_value(&bad).unwrap_err().to_string();
        assert!(error.contains("must be a string"), "{error}");
    }

    proptest! {
        #[test]
        fn any_json_tree_is_written_as_serde_dynamo_writes_it(value in json_value()) {
            prop_assert_eq!(to_attribute_value(&value).unwrap(), theirs(&value));
        }
    }
}
