//! Configuration documents a person wrote (persona files, templates), parsed
//! into a `serde_json::Value` that refuses a key repeated within one object,
//! and their syntax errors described for that person ([`config_error`]).

/// Parses a configuration document (a persona file, a template) into a
/// [`serde_json::Value`], refusing a key repeated within one object: in a
/// file a person wrote, the second `"always_important"` silently replacing
/// the first would lose rules without a word.
pub fn parse_config(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    struct Strict;

    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(Strict)
        }
    }

    impl<'de> Visitor<'de> for Strict {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Strict)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(A::Error::custom(format!(
                        "the key {key:?} appears twice in one object"
                    )));
                }
                let value = map.next_value_seed(Strict)?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A syntax error of a configuration document, located for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line and column of the problem.
    pub line: usize,
    pub column: usize,
    /// What is wrong, without the position.
    pub message: String,
}

/// Describes a [`parse_config`] error. serde_json's own words are kept,
/// except for an unpaired UTF-16 surrogate escape (`"\ud800"`), which it
/// calls "unexpected end of hex escape" or "lone leading surrogate in hex
/// escape": the message says what the escape is, where it starts, and why
/// it is refused (Python's `json` accepts it, as the JSONL scanner does not).
pub fn config_error(text: &str, error: &serde_json::Error) -> ConfigError {
    let detail = error.to_string();
    let detail = detail.split(" at line ").next().unwrap_or(&detail).to_string();
    let (line, column) = (error.line(), error.column());
    let surrogate_words = ["unexpected end of hex escape", "lone leading surrogate in hex escape"];
    if surrogate_words.contains(&detail.as_str())
        && let Some((at, code)) = surrogate_before(text, line, column)
    {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..at].chars().count() + 1;
        let which = if (0xD800..0xDC00).contains(&code) {
            "a high surrogate not followed by a low one"
        } else {
            "a low surrogate without a high one before it"
        };
        return ConfigError {
            line,
            column,
            message: format!(
                "unpaired UTF-16 surrogate escape \\u{code:04x} ({which}): it is not a character and \
                 has no UTF-8 form; write the character itself, or both halves of its pair \
                 (e.g. \\ud83d\\ude00 for U+1F600). Python's json accepts a lone surrogate; \
                 synthkit refuses it everywhere"
            ),
        };
    }
    ConfigError { line, column, message: detail }
}

/// The byte offset and value of the last `\uXXXX` surrogate escape that
/// starts shortly before serde_json's error position (line, column: 1-based,
/// the column counting bytes).
fn surrogate_before(text: &str, line: usize, column: usize) -> Option<(usize, u32)> {
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let end = (line_start + column).min(text.len());
    let bytes = text.as_bytes();
    // The error is reported at most a few bytes past the escape's end.
    let from = end.saturating_sub(16);
    (from..end).rev().find_map(|i| {
        let escape = bytes.get(i..i + 6)?;
        if escape[0] != b'\\' || escape[1] != b'u' {
            return None;
        }
        let code = u32::from_str_radix(std::str::from_utf8(&escape[2..]).ok()?, 16).ok()?;
        (0xD800..=0xDFFF).contains(&code).then_some((i, code))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> ConfigError {
        let e = parse_config(text).expect_err("must fail");
        config_error(text, &e)
    }

    #[test]
    fn a_lone_surrogate_is_named_not_called_the_end_of_a_hex_escape() {
        for (text, code, column) in [
            ("{\"id\": \"a\\ud800\"}", "\\ud800", 10),
            ("{\n  \"name\": \"x\\udc00y\"\n}", "\\udc00", 13),
            ("{\"id\": \"\\ud83d\\u0041\"}", "\\ud83d", 9),
        ] {
            let e = error_of(text);
            assert!(e.message.starts_with("unpaired UTF-16 surrogate escape"), "{text}: {e:?}");
            assert!(e.message.contains(code), "{text}: {e:?}");
            assert!(!e.message.contains("end of hex escape"), "{e:?}");
            assert_eq!(e.column, column, "{text}: {e:?}");
        }
        assert_eq!(error_of("{\n  \"name\": \"x\\udc00y\"\n}").line, 2);
    }

    #[test]
    fn a_valid_pair_parses_and_other_errors_keep_serde_json_words() {
        assert!(parse_config("{\"a\": \"\\ud83d\\ude00\"}").is_ok());
        let e = error_of("{\"a\": \"\\u12\"}");
        assert!(!e.message.contains("surrogate"), "{e:?}");
        let e = error_of("{\"a\": 1,}");
        assert_eq!((e.line, e.message.as_str()), (1, "trailing comma"));
    }
}
