//! The JSON scanner against serde_json: the validator, the pull cursor and
//! the member lister accept exactly the lines serde_json reads as one object,
//! and the values the cursor hands back decode to serde_json's values.
//!
//! Allowed differences, documented in src/json/ and README: the scanner
//! refuses numbers beyond the 64-bit float range (`1e400`, integers of 310+
//! digits) and lone surrogate escapes (`"\ud800"`), with their own reasons.

use serde_json::{Map, Value};
use synthkit::json::{self, Cursor, ErrorKind, JsonError, Next, Raw};

use crate::shown;

pub fn json_scanner(data: &[u8]) {
    let theirs = serde_json::from_slice::<Value>(data).ok().filter(Value::is_object);
    let ours = json::validate_object(data);
    match (&ours, &theirs) {
        (Ok(()), None) => panic!("the scanner accepts what serde_json rejects: {}", shown(data)),
        (Err(e), Some(_)) if !documented_difference(e) => {
            panic!("the scanner rejects ({e:?}) what serde_json accepts: {}", shown(data))
        }
        _ => {}
    }
    // Every reader of a record agrees with the validator.
    let walked = cursor_value(data);
    assert_eq!(walked.is_ok(), ours.is_ok(), "cursor {walked:?} vs validator {ours:?}");
    let listed = json::members(data);
    assert_eq!(listed.is_ok(), ours.is_ok(), "members vs validator {ours:?}: {}", shown(data));
    if let Err(e) = &ours {
        // A message for a person never panics and the offset is in the line.
        assert!(e.offset <= data.len(), "offset {} past {} bytes", e.offset, data.len());
        let _ = e.describe(data);
        return;
    }
    let (Some(theirs), Ok(mine)) = (theirs, walked) else { return };
    assert_eq!(mine, theirs, "values differ: {}", shown(data));
    // The member list holds every key in order, each value's exact bytes.
    let members = listed.unwrap_or_default();
    let Value::Object(map) = &theirs else { return };
    let mut last = Map::new();
    for m in &members {
        let value: Value = serde_json::from_slice(m.value.bytes).expect("a member's value parses");
        assert_eq!(&data[m.value_start..m.value_start + m.value.bytes.len()], m.value.bytes);
        last.insert(m.key().into_owned(), value);
    }
    assert_eq!(&last, map, "members: {}", shown(data));
}

/// The scanner's documented refusals that serde_json may not share.
fn documented_difference(e: &JsonError) -> bool {
    matches!(e.kind, ErrorKind::NumberRange | ErrorKind::LoneSurrogate)
}

/// The whole record read with the pull cursor, as a serde_json value (a
/// repeated key keeps its last value, as serde_json does).
fn cursor_value(line: &[u8]) -> Result<Value, JsonError> {
    let mut c = Cursor::object(line)?;
    let mut map = Map::new();
    while let Some(key) = c.key()? {
        let key = key.as_str().expect("a key is a string").into_owned();
        let value = value(&mut c)?;
        map.insert(key, value);
    }
    c.finish()?;
    Ok(Value::Object(map))
}

fn value(c: &mut Cursor<'_>) -> Result<Value, JsonError> {
    Ok(match c.value()? {
        Next::Object => {
            let mut map = Map::new();
            while let Some(key) = c.key()? {
                let key = key.as_str().expect("a key is a string").into_owned();
                let value = value(c)?;
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Next::Array => {
            let mut list = Vec::new();
            while c.element()? {
                list.push(value(c)?);
            }
            Value::Array(list)
        }
        Next::Scalar(raw) => scalar(raw),
    })
}

fn scalar(raw: Raw<'_>) -> Value {
    match raw.kind {
        json::Kind::String => Value::String(raw.as_str().expect("a string").into_owned()),
        json::Kind::Null => Value::Null,
        json::Kind::Bool => Value::Bool(raw.as_bool().expect("true or false")),
        // The scanner hands numbers on as their text: serde_json reads it.
        _ => serde_json::from_slice(raw.bytes)
            .unwrap_or_else(|e| panic!("scalar {} does not parse: {e}", shown(raw.bytes))),
    }
}
