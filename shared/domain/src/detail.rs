//! An event's `detail` as text: the aggregate's JSON object with the event's own fields after
//! its own. Beside the events, not in them, since both contexts' events use it.

use serde::Serialize;

/// `value`'s JSON object followed by `extra`'s fields, as `#[serde(flatten)]` would write
/// them, but without flatten's detour through a map of every field. Either must serialize
/// as an object.
pub(crate) fn object_with(
    value: &impl Serialize,
    extra: &impl Serialize,
) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string(value)?;
    let tail = serde_json::to_string(extra)?;
    let (Some(body), Some(fields)) = (text.strip_suffix('}'), tail.strip_prefix('{')) else {
        return Err(serde::ser::Error::custom(
            "an event's detail must be an object",
        ));
    };
    if !body.starts_with('{') || !fields.ends_with('}') {
        return Err(serde::ser::Error::custom(
            "an event's detail must be an object",
        ));
    }
    match (body.len(), fields.len()) {
        (_, 1) => {}
        (1, _) => text = tail,
        _ => {
            text.pop();
            text.push(',');
            text.push_str(fields);
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::object_with;
    use serde_json::json;

    #[test]
    fn an_object_with_extra_fields_is_what_flatten_writes() {
        #[derive(serde::Serialize)]
        struct Flattened<'a> {
            #[serde(flatten)]
            value: &'a serde_json::Value,
            event_id: &'a str,
        }
        let value = json!({"id": "o-1", "items": [{"name": "Mug \"blue\" }"}], "note": null});
        let text = object_with(&value, &json!({"event_id": "e-1"})).unwrap();
        let flattened = Flattened {
            value: &value,
            event_id: "e-1",
        };
        assert_eq!(text, serde_json::to_string(&flattened).unwrap());
    }

    #[test]
    fn an_empty_object_on_either_side_adds_no_comma() {
        let extra = json!({"event_id": "e-1"});
        assert_eq!(
            object_with(&json!({}), &extra).unwrap(),
            r#"{"event_id":"e-1"}"#
        );
        assert_eq!(
            object_with(&extra, &json!({})).unwrap(),
            r#"{"event_id":"e-1"}"#
        );
        assert_eq!(object_with(&json!({}), &json!({})).unwrap(), "{}");
    }

    #[test]
    fn anything_but_objects_is_refused() {
        let object = json!({"a": 1});
        for other in [json!([1]), json!("}"), json!(null), json!(1)] {
            assert!(object_with(&other, &object).is_err(), "{other}");
            assert!(object_with(&object, &other).is_err(), "{other}");
        }
    }
}
