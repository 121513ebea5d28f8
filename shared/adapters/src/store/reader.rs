//! Reads a document straight from the SDK's attribute values, in the format serde_dynamo
//! writes. serde_dynamo's own reader first copies the whole tree into its attribute type,
//! rebuilding and rehashing every map: for a full search page or a 25-line order's products,
//! a third of the work of reading them. This reader takes the values as they are and
//! decides as serde_dynamo's does (a property test compares the two).

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::collections::hash_map;
use std::fmt;

/// Why a value does not fit the table's format: a stored value that does not read as the
/// type asked for, or a value that cannot be stored ([`super::writer`]).
#[derive(Debug)]
pub struct FormatError(pub(super) String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

impl de::Error for FormatError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

impl serde::ser::Error for FormatError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// `value` read as a `T`.
pub fn from_attribute_value<T: DeserializeOwned>(value: AttributeValue) -> Result<T, FormatError> {
    T::deserialize(Value(value))
}

struct Value(AttributeValue);

fn expected<T>(what: &str, found: &AttributeValue) -> Result<T, FormatError> {
    Err(FormatError(format!("expected {what}, found {found:?}")))
}

fn number<T: std::str::FromStr>(value: AttributeValue) -> Result<T, FormatError>
where
    T::Err: fmt::Display,
{
    match value {
        AttributeValue::N(n) => n
            .parse()
            .map_err(|e| FormatError(format!("number {n:?}: {e}"))),
        other => expected("a number", &other),
    }
}

macro_rules! numbers {
    ($($deserialize:ident $visit:ident $type:ty),*) => {$(
        fn $deserialize<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
            visitor.$visit(number::<$type>(self.0)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = FormatError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            // As serde_dynamo: the first of i64, u64 and f64 that the text parses as.
            AttributeValue::N(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(u) = n.parse::<u64>() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(number(AttributeValue::N(n))?)
                }
            }
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::M(m) => visitor.visit_map(Entries::new(m)),
            AttributeValue::L(l) => visitor.visit_seq(Items(l.into_iter().map(Value))),
            AttributeValue::Ss(ss) => {
                visitor.visit_seq(Items(ss.into_iter().map(|s| Value(AttributeValue::S(s)))))
            }
            AttributeValue::Ns(ns) => {
                visitor.visit_seq(Items(ns.into_iter().map(|n| Value(AttributeValue::N(n)))))
            }
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            AttributeValue::Bs(bs) => {
                visitor.visit_seq(Items(bs.into_iter().map(|b| Value(AttributeValue::B(b)))))
            }
            other => expected("a known attribute type", &other),
        }
    }

    numbers!(
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        match self.0 {
            AttributeValue::Null(true) => visitor.visit_none(),
            other => visitor.visit_some(Value(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        match self.0 {
            AttributeValue::Null(true) => visitor.visit_unit(),
            other => expected("null", &other),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormatError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormatError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormatError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_enum(s.into_deserializer()),
            AttributeValue::M(m) if m.len() == 1 => visitor.visit_enum(Variant(m)),
            other => expected("an enum (a string, or a map of one entry)", &other),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            other => expected("a string", &other),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormatError> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool char bytes byte_buf seq tuple tuple_struct map struct ignored_any
    }
}

/// A map's entries, each key read as a string.
struct Entries {
    entries: hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl Entries {
    fn new(map: std::collections::HashMap<String, AttributeValue>) -> Self {
        Self {
            entries: map.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = FormatError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FormatError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, FormatError> {
        match self.value.take() {
            Some(value) => seed.deserialize(Value(value)),
            None => Err(FormatError("a map's value asked for before its key".into())),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Items<I>(I);

impl<'de, I: ExactSizeIterator<Item = Value>> SeqAccess<'de> for Items<I> {
    type Error = FormatError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, FormatError> {
        self.0
            .next()
            .map(|value| seed.deserialize(value))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An enum variant with data: a map of one entry, the variant's name to its data.
struct Variant(std::collections::HashMap<String, AttributeValue>);

impl<'de> EnumAccess<'de> for Variant {
    type Error = FormatError;
    type Variant = Value;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Value), FormatError> {
        let Some((name, data)) = self.0.into_iter().next() else {
            return Err(FormatError("an enum map without an entry".into()));
        };
        Ok((seed.deserialize(name.into_deserializer())?, Value(data)))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = FormatError;

    fn unit_variant(self) -> Result<(), FormatError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, FormatError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FormatError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormatError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use std::collections::HashMap;

    fn stored<T: Serialize>(value: &T) -> AttributeValue {
        serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value).unwrap()
    }

    fn read_both<T: DeserializeOwned + PartialEq + fmt::Debug>(value: AttributeValue) -> T {
        let ours: T = from_attribute_value(value.clone()).unwrap();
        let theirs: T = serde_dynamo::aws_sdk_dynamodb_1::from_attribute_value(value).unwrap();
        assert_eq!(ours, theirs);
        ours
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum External {
        Unit,
        Newtype(u32),
        Tuple(i64, String),
        Struct { at: f64, note: Option<String> },
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "kind")]
    enum Internal {
        A { n: u64 },
        B { items: Vec<External> },
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        Number(u32),
        Text(String),
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Inner {
        flag: bool,
        small: i8,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Doc {
        id: String,
        externals: Vec<External>,
        internal: Internal,
        untagged: Vec<Untagged>,
        by_name: HashMap<String, f64>,
        missing: Option<u32>,
        #[serde(default)]
        defaulted: u16,
        #[serde(flatten)]
        inner: Inner,
        bytes: serde_bytes_like::Bytes,
    }

    /// Bytes as serde_dynamo writes `serde_bytes`: a binary attribute.
    mod serde_bytes_like {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Bytes(pub Vec<u8>);

        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for Bytes {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visit;
                impl serde::de::Visitor<'_> for Visit {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Bytes, E> {
                        Ok(Bytes(v))
                    }
                    fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                        Ok(Bytes(v.to_vec()))
                    }
                }
                d.deserialize_bytes(Visit)
            }
        }
    }

    /// A document of every shape our documents use.
    pub(crate) fn every_shape() -> Doc {
        Doc {
            id: "a".into(),
            externals: vec![
                External::Unit,
                External::Newtype(7),
                External::Tuple(-3, "t".into()),
                External::Struct {
                    at: 1.5,
                    note: None,
                },
            ],
            internal: Internal::B {
                items: vec![External::Struct {
                    at: -0.25,
                    note: Some("n".into()),
                }],
            },
            untagged: vec![Untagged::Number(4), Untagged::Text("x".into())],
            by_name: HashMap::from([("p99".into(), 12.5)]),
            missing: None,
            defaulted: 0,
            inner: Inner {
                flag: true,
                small: -8,
            },
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
        }
    }

    #[test]
    fn every_shape_serde_dynamo_writes_reads_as_serde_dynamo_reads_it() {
        let doc = every_shape();
        assert_eq!(read_both::<Doc>(stored(&doc)), doc);
        let json: serde_json::Value = read_both(stored(&doc.internal));
        assert_eq!(json["kind"], "B");
    }

    #[test]
    fn what_does_not_fit_is_an_error_with_the_value() {
        let text = AttributeValue::S("x".into());
        let error = from_attribute_value::<u32>(text.clone()).unwrap_err();
        assert!(error.to_string().contains("expected a number"), "{error}");
        let big = AttributeValue::N("300".into());
        assert!(from_attribute_value::<u8>(big).is_err());
        assert!(from_attribute_value::<Doc>(text).is_err());
        let two = stored(&HashMap::from([("a", 1), ("b", 2)]));
        assert!(from_attribute_value::<External>(two).is_err());
    }

    pub(crate) fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            (-1e12f64..1e12).prop_map(serde_json::Value::from),
            "\\PC{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::hash_map("[a-z]{1,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn a_float_without_a_fraction_reads_back_as_an_integer() {
        let read: serde_json::Value = read_both(stored(&serde_json::json!({"a": 0.0, "b": -5.0})));
        assert_eq!(read, serde_json::json!({"a": 0, "b": -5}));
        assert_eq!(read, as_read_back(serde_json::json!({"a": 0.0, "b": -5.0})));
    }

    /// A DynamoDB number has no type: a float without a fraction is written as an integer
    /// (`5.0` as `5`) and read back as one, by serde_dynamo as by us. (`json_value`'s floats
    /// lie within ±1e12, where `as i64` is exact.)
    fn as_read_back(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 => Value::from(f as i64),
                _ => Value::Number(n),
            },
            Value::Array(items) => items.into_iter().map(as_read_back).collect(),
            Value::Object(fields) => fields
                .into_iter()
                .map(|(k, v)| (k, as_read_back(v)))
                .collect(),
            other => other,
        }
    }

    proptest! {
        #[test]
        fn any_json_tree_reads_as_serde_dynamo_reads_it(value in json_value()) {
            let read: serde_json::Value = read_both(stored(&value));
            prop_assert_eq!(read, as_read_back(value));
        }
    }
}
