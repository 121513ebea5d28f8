//! JSON request bodies: size and type checks, and [`Fields`], which reads an object's fields
//! recording every wrong type and unknown field.

use super::problem::Problem;
use domain::Validation;
use lambda_http::http::header;
use lambda_http::{Body, Request};
use serde_json::{Map, Value};

/// A request body's top-level object.
pub type JsonObject = Map<String, Value>;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body as a JSON object: 413 when too large, 415 when declared as something other than
/// JSON, 400 when it is not a JSON object.
pub fn json_object(request: &Request) -> Result<Map<String, Value>, Problem> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Problem::too_large(MAX_BODY_BYTES));
    }
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
        let essence = content_type
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Problem::unsupported_media_type());
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request("the request needs a JSON object body"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::bad_request("the body must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// The body as a JSON object, or an empty one when there is no body (optional bodies).
pub fn optional_json_object(request: &Request) -> Result<Map<String, Value>, Problem> {
    let empty = match request.body() {
        Body::Empty => true,
        Body::Text(text) => text.trim().is_empty(),
        Body::Binary(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    if empty {
        Ok(Map::new())
    } else {
        json_object(request)
    }
}

/// Reads the fields of one JSON object, recording every wrong type and unknown field in a
/// [`Validation`] under the field's path (`items[0].quantity`). `null` counts as absent.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    path: String,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self::nested(object, String::new())
    }

    pub fn nested(object: &'a Map<String, Value>, path: String) -> Self {
        Self {
            object,
            path,
            known: Vec::new(),
        }
    }

    pub fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.object.get(name).filter(|v| !v.is_null())
    }

    fn typed<T>(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
        expected: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(name)?;
        let read = read(value);
        if read.is_none() {
            validation.push(self.path_of(name), format!("must be {expected}"));
        }
        read
    }

    pub fn string(&mut self, name: &'static str, validation: &mut Validation) -> Option<&'a str> {
        self.typed(name, validation, "a string", Value::as_str)
    }

    pub fn integer(&mut self, name: &'static str, validation: &mut Validation) -> Option<i64> {
        self.typed(name, validation, "an integer", Value::as_i64)
    }

    pub fn boolean(&mut self, name: &'static str, validation: &mut Validation) -> Option<bool> {
        self.typed(name, validation, "true or false", Value::as_bool)
    }

    pub fn number(&mut self, name: &'static str, validation: &mut Validation) -> Option<f64> {
        self.typed(name, validation, "a number", Value::as_f64)
    }

    pub fn array(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
    ) -> Option<&'a Vec<Value>> {
        self.typed(name, validation, "an array", Value::as_array)
    }

    pub fn object(
        &mut self,
        name: &'static str,
        validation: &mut Validation,
    ) -> Option<&'a Map<String, Value>> {
        self.typed(name, validation, "an object", Value::as_object)
    }

    /// An array of at most `max` objects: each element read by `read` through its own
    /// [`Fields`] at `name[i]` (unknown fields of an element recorded too); an element that
    /// is not an object is recorded, and read as `T::default()`. A longer array is refused
    /// as a whole before any element is read, so a large body costs no more than its length.
    pub fn objects<T: Default>(
        &mut self,
        name: &'static str,
        max: usize,
        validation: &mut Validation,
        mut read: impl FnMut(&mut Fields<'a>, &mut Validation) -> T,
    ) -> Option<Vec<T>> {
        let list = self.array(name, validation)?;
        let path = self.path_of(name);
        if list.len() > max {
            validation.push(path, format!("must hold at most {max} elements"));
            return None;
        }
        Some(
            list.iter()
                .enumerate()
                .map(|(i, item)| {
                    let path = format!("{path}[{i}]");
                    let Some(object) = item.as_object() else {
                        validation.push(path, "must be an object");
                        return T::default();
                    };
                    let mut fields = Fields::nested(object, path);
                    let value = read(&mut fields, validation);
                    fields.deny_unknown(validation);
                    value
                })
                .collect(),
        )
    }

    /// Ends reading: records the fields no reader asked for, then parses what was read with
    /// `parse`; the parsed command, or a 400 listing every invalid field at once.
    pub fn finish<T>(
        self,
        mut validation: Validation,
        parse: impl FnOnce(&mut Validation) -> Option<T>,
    ) -> Result<T, Problem> {
        self.deny_unknown(&mut validation);
        let parsed = parse(&mut validation);
        Ok(validation.finish(|| parsed)?)
    }

    /// Records every field that no reader asked for.
    pub fn deny_unknown(self, validation: &mut Validation) {
        let mut unknown: Vec<&String> = self
            .object
            .keys()
            .filter(|k| !self.known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        for name in unknown {
            validation.push(self.path_of(name), "is not a known field");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_record_wrong_types_and_unknown_fields_once_each() {
        let object = serde_json::json!({
            "name": 5, "stock": "x", "active": true, "extra": 1, "other": null
        });
        let object = object.as_object().unwrap();
        let mut validation = Validation::new();
        let mut fields = Fields::nested(object, "items[2]".into());
        assert_eq!(fields.string("name", &mut validation), None);
        assert_eq!(fields.integer("stock", &mut validation), None);
        assert_eq!(fields.boolean("active", &mut validation), Some(true));
        assert_eq!(fields.string("missing", &mut validation), None);
        fields.deny_unknown(&mut validation);
        let errors: Vec<_> = validation.fields();
        assert_eq!(
            errors,
            [
                "items[2].name",
                "items[2].stock",
                "items[2].extra",
                "items[2].other"
            ]
        );
    }

    #[test]
    fn objects_read_each_element_at_its_path() {
        let object = serde_json::json!({"items": [{"q": 1}, 7, {"q": "x", "extra": 1}]});
        let object = object.as_object().unwrap();
        let mut validation = Validation::new();
        let mut fields = Fields::new(object);
        let read = fields
            .objects("items", 10, &mut validation, |item, validation| {
                item.integer("q", validation)
            })
            .unwrap();
        assert_eq!(read, [Some(1), None, None]);
        let errors: Vec<_> = validation.fields();
        assert_eq!(errors, ["items[1]", "items[2].q", "items[2].extra"]);
    }

    #[test]
    fn too_many_objects_are_refused_before_any_is_read() {
        let items: Vec<serde_json::Value> = (0..32_000).map(|_| serde_json::json!(7)).collect();
        let object = serde_json::json!({ "items": items });
        let object = object.as_object().unwrap();
        let mut validation = Validation::new();
        let mut fields = Fields::new(object);
        let read = fields.objects("items", 500, &mut validation, |_, _| {
            unreachable!("no element of a too long array is read")
        });
        assert_eq!(read, None::<Vec<()>>);
        assert_eq!(validation.fields(), ["items"]);
    }
}
