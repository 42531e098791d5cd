//! Unit tests of the whole scanner, and its differential property test
//! against serde_json (the validator and the cursor accept exactly what
//! serde_json accepts as an object).

use super::*;

fn paths(list: &[&[&str]]) -> PathSet {
    let list: Vec<Vec<Segment>> = list
        .iter()
        .map(|p| {
            p.iter()
                .map(|s| if *s == "*" { Segment::Any } else { Segment::Key((*s).into()) })
                .collect()
        })
        .collect();
    PathSet::new(&list)
}

fn found(line: &str, list: &[&[&str]]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    scan_object(line.as_bytes(), &paths(list), &mut |id, raw| {
        out.push((id, raw.text().to_string()))
    })
    .unwrap();
    out
}

#[test]
fn finds_nested_values_and_array_indices() {
    let line = r#"{"a":{"b":[1,{"c":"x"}]},"score":0.5,"e":[]}"#;
    assert_eq!(found(line, &[&["score"]]), vec![(0, "0.5".into())]);
    assert_eq!(found(line, &[&["a", "b", "1", "c"]]), vec![(0, "\"x\"".into())]);
    assert_eq!(
        found(line, &[&["a", "b", "*"]]),
        vec![(0, "1".into()), (0, "{\"c\":\"x\"}".into())]
    );
    assert_eq!(
        found(line, &[&["a"], &["a", "b", "0"]]),
        vec![(1, "1".into()), (0, r#"{"b":[1,{"c":"x"}]}"#.into())]
    );
    assert_eq!(found(line, &[&["missing"]]), vec![]);
}

#[test]
fn r_array_steps_are_canonical_indices() {
    let line = r#"{"s":[10,11],"o":{"+1":"p","01":"z"}}"#;
    assert_eq!(found(line, &[&["s", "1"]]), vec![(0, "11".into())]);
    assert_eq!(found(line, &[&["s", "0"]]), vec![(0, "10".into())]);
    for step in ["+1", "01", "1 ", "", "-0"] {
        assert_eq!(found(line, &[&["s", step]]), vec![], "{step:?}");
    }
    // Object keys still match their text.
    assert_eq!(found(line, &[&["o", "+1"]]), vec![(0, "\"p\"".into())]);
    assert_eq!(found(line, &[&["o", "01"]]), vec![(0, "\"z\"".into())]);
}

#[test]
fn escaped_keys_match_their_decoded_text() {
    assert_eq!(found(r#"{"sc\u006fre":1}"#, &[&["score"]]), vec![(0, "1".into())]);
}

#[test]
fn key_text_into_decodes_like_key_text() {
    let line = r#"{"a":"x\n\t\"\\\/\u00e9\ud83d\ude00 é\b\f\r","b":12.50,"c":"plain","d":[1, 2]}"#;
    let mut out = String::from("stale");
    let mut seen = 0;
    scan_object(line.as_bytes(), &paths(&[&["a"], &["b"], &["c"], &["d"]]), &mut |_, raw| {
        raw.key_text_into(&mut out);
        assert_eq!(out, raw.key_text());
        seen += 1;
    })
    .unwrap();
    assert_eq!(seen, 4);
    let mut out = String::new();
    scan_object(line.as_bytes(), &paths(&[&["a"]]), &mut |_, raw| raw.key_text_into(&mut out))
        .unwrap();
    assert_eq!(out, "x\n\t\"\\/é😀 é\u{8}\u{c}\r");
}

#[test]
fn append_fields_equals_set_fields_for_new_keys() {
    let fields: [(&str, &[u8]); 2] = [("phase", b"\"p\""), ("split", b"\"s\"")];
    for line in [r#"{"a":1}"#, "{}", " { } ", r#"{"a":{"b":"}"}} "#, r#"{"x":[1,2] ,"y":"\u007d"}"#]
    {
        let mut set = Vec::new();
        set_fields(line.as_bytes(), &fields, &mut set).unwrap();
        let mut appended = Vec::new();
        append_fields(line.as_bytes(), &fields, &mut appended).unwrap();
        assert_eq!(String::from_utf8(appended).unwrap(), String::from_utf8(set).unwrap(), "{line}");
    }
    assert!(append_fields(b"[1]", &fields, &mut Vec::new()).is_err());
}

#[test]
fn rejects_what_rfc_8259_rejects() {
    for bad in [
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":tru}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00x\"}",
        "{\"a\":\"\t\"}",
        "{\"a\":1} x",
        "{a:1}",
        "{\"a\":NaN}",
        "{\"a\":[1 2]}",
        "{\"a\":-}",
        "{\"a\":+1}",
    ] {
        assert!(validate_object(bad.as_bytes()).is_err(), "accepted {bad}");
    }
    for good in [
        "{}",
        " { } ",
        "{\"a\":[]}",
        "{\"a\":-0.5e+10}",
        "{\"a\":\"\\ud83d\\ude00\"}",
        "{\"a\":[{},[[]]]}",
        "{\"a\":\"é日本\"}",
        "{\"\":null}",
    ] {
        assert!(validate_object(good.as_bytes()).is_ok(), "rejected {good}");
    }
}

#[test]
fn depth_limit_is_an_error_not_a_crash() {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let e = validate_object(deep.as_bytes()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooDeep);
    let ok = format!("{{\"a\":{}{}}}", "[".repeat(126), "]".repeat(126));
    assert!(validate_object(ok.as_bytes()).is_ok());
    let mut found = 0;
    assert!(
        scan_object(ok.as_bytes(), &paths(&[&["a", "0", "0"]]), &mut |_, _| found += 1).is_ok()
    );
    assert_eq!(found, 1);
    let too = format!("{{\"a\":{}{}}}", "[".repeat(127), "]".repeat(127));
    assert!(scan_object(too.as_bytes(), &paths(&[&["a", "0", "0"]]), &mut |_, _| ()).is_err());
    assert!(validate_object(too.as_bytes()).is_err());
}

#[test]
fn agrees_with_serde_json_on_depth() {
    for n in [126, 127, 128] {
        let text = format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        let ours = validate_object(text.as_bytes()).is_ok();
        let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
        assert_eq!(ours, theirs, "depth {n}");
    }
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        (-1e6f64..1e6).prop_map(|f| serde_json::json!(f)),
        "[a-z\\u{0}-\\u{1f}\"\\\\é😀]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z\"]{0,3}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// The scanner accepts exactly what serde_json accepts as an object,
    /// on valid documents and on every kind of single-byte damage.
    #[test]
    fn agrees_with_serde_json(value in json_value(), at in 0usize..200, byte in 0u8..=255, mode in 0u8..4) {
        // Mostly objects, so most cases exercise the interesting paths.
        let value = if value.is_object() || at % 5 == 0 { value } else { serde_json::json!({"k": value, "n": 1.5e10}) };
        let mut text = serde_json::to_vec(&value).unwrap();
        if !text.is_empty() {
            let at = at % text.len();
            match mode {
                0 => {}
                1 => text[at] = byte,
                2 => { text.remove(at); }
                _ => text.insert(at, byte),
            }
        }
        let theirs = serde_json::from_slice::<serde_json::Value>(&text).is_ok_and(|v| v.is_object());
        let ours = validate_object(&text).is_ok();
        proptest::prop_assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&text));
        // The pull cursor, descending everywhere or skipping, agrees too.
        for skip_every in [0usize, 2, 3] {
            let walked = walk_all(&text, skip_every).is_ok();
            proptest::prop_assert_eq!(walked, theirs, "cursor/{} {}", skip_every, String::from_utf8_lossy(&text));
        }
    }
}

/// Walks a whole record with a [`Cursor`]; every `skip_every`-th value is
/// skipped whole instead of descended into (0: never).
fn walk_all(line: &[u8], skip_every: usize) -> Result<(), JsonError> {
    fn value(c: &mut Cursor<'_>, n: &mut usize, every: usize) -> Result<(), JsonError> {
        *n += 1;
        if every > 0 && (*n).is_multiple_of(every) {
            c.skip()?;
            return Ok(());
        }
        match c.value()? {
            Next::Object => {
                while c.key()?.is_some() {
                    value(c, n, every)?;
                }
            }
            Next::Array => {
                while c.element()? {
                    value(c, n, every)?;
                }
            }
            Next::Scalar(_) => {}
        }
        Ok(())
    }
    let mut c = Cursor::object(line)?;
    let mut n = 0;
    while c.key()?.is_some() {
        value(&mut c, &mut n, skip_every)?;
    }
    c.finish()
}

#[test]
fn cursor_reads_members_and_agrees_on_depth() {
    let line = br#" {"a" : [1, {"b":"x\u00e9"}, []], "c":{}, "d":null} "#;
    let mut c = Cursor::object(line).unwrap();
    assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "a");
    assert!(matches!(c.value().unwrap(), Next::Array));
    assert!(c.element().unwrap());
    assert!(matches!(c.value().unwrap(), Next::Scalar(r) if r.bytes == b"1"));
    assert!(c.element().unwrap());
    assert_eq!(c.skip().unwrap().bytes, br#"{"b":"x\u00e9"}"#);
    assert!(c.element().unwrap());
    assert!(matches!(c.value().unwrap(), Next::Array));
    assert!(!c.element().unwrap());
    assert!(!c.element().unwrap());
    assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "c");
    assert_eq!(c.peek().unwrap(), Kind::Object);
    assert!(matches!(c.value().unwrap(), Next::Object));
    assert!(c.key().unwrap().is_none());
    assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "d");
    assert!(matches!(c.value().unwrap(), Next::Scalar(r) if r.is_null()));
    assert!(c.key().unwrap().is_none());
    c.finish().unwrap();
    for n in [126, 127, 128] {
        let text = format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert_eq!(
            walk_all(text.as_bytes(), 0).is_ok(),
            validate_object(text.as_bytes()).is_ok(),
            "depth {n}"
        );
        assert_eq!(
            walk_all(text.as_bytes(), 2).is_ok(),
            validate_object(text.as_bytes()).is_ok(),
            "depth {n} skipping"
        );
    }
    assert!(walk_all(b"{\"a\":1} x", 0).is_err());
    assert!(walk_all(b"{\"a\":1,}", 0).is_err());
    assert!(walk_all(b"{\"a\":[1,]}", 0).is_err());
}

#[test]
fn numbers_out_of_f64_range_are_rejected_like_serde_json() {
    assert!(validate_object(b"{\"a\":1e400}").is_err());
    assert!(validate_object(b"{\"a\":-1e308}").is_ok());
    assert!(validate_object(b"{\"a\":1e-400}").is_ok());
    let long = format!("{{\"a\":{}}}", "9".repeat(400));
    assert!(validate_object(long.as_bytes()).is_err());
    assert!(serde_json::from_str::<serde_json::Value>(&long).is_err());
}

#[test]
fn not_object_names_the_type() {
    for (line, kind) in
        [("[1]", Kind::Array), ("\"s\"", Kind::String), ("3", Kind::Number), ("null", Kind::Null)]
    {
        assert_eq!(validate_object(line.as_bytes()).unwrap_err().kind, ErrorKind::NotObject(kind));
    }
}

#[test]
fn error_messages_name_the_column() {
    let line = br#"{"a":1,"b" 2}"#;
    let e = validate_object(line).unwrap_err();
    assert_eq!(e.describe(line), "invalid JSON: expected `:` at column 12, found `2`");
    let e = validate_object(b"{\"a\":\"x\xff\"}").unwrap_err();
    assert_eq!(e.describe(b""), "invalid UTF-8 at byte 8");
}

#[test]
fn set_fields_replaces_in_place_and_appends() {
    let mut out = Vec::new();
    set_fields(
        br#"{"b":1.0, "a":{"x":1e-7},"c":"\u00e9"}"#,
        &[("a", b"2"), ("z", b"true")],
        &mut out,
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), r#"{"b":1.0, "a":2,"c":"\u00e9","z":true}"#);
    let mut out = Vec::new();
    set_fields(b" { } ", &[("k", b"\"v\"")], &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), r#" { "k":"v"} "#);
}

#[test]
fn set_fields_at_agrees_with_set_fields() {
    let fields: [(&str, &[u8]); 2] = [("a", b"2"), ("z", b"true")];
    for line in
        [&br#"{"b":1.0, "a":{"x":1e-7},"c":"\u00e9"}"#[..], b" { } ", br#"{"q":[1,{"a":5}]}"#]
    {
        let mut expected = Vec::new();
        set_fields(line, &fields, &mut expected).unwrap();
        let mut existing = Vec::new();
        scan_object(line, &paths(&[&["a"], &["z"]]), &mut |id, raw| {
            let start = raw.bytes.as_ptr() as usize - line.as_ptr() as usize;
            existing.push((id, start..start + raw.bytes.len()));
        })
        .unwrap();
        let mut got = Vec::new();
        set_fields_at(line, &existing, &fields, &mut got);
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap());
    }
}

#[test]
fn a_repeated_key_on_a_read_path_is_an_error_and_elsewhere_is_not() {
    let set = paths(&[&["a"], &["m", "x"]]);
    let err = scan_object(br#"{"a":1,"b":2,"a":3}"#, &set, &mut |_, _| {}).unwrap_err();
    assert_eq!(err.kind, ErrorKind::RepeatedKey("a".into()));
    assert_eq!(err.offset, 13);
    assert!(err.describe(br#"{"a":1,"b":2,"a":3}"#).contains("\"a\" appears twice"));
    // Nested, and written with an escape.
    let err = scan_object(br#"{"m":{"x":1,"\u0078":2}}"#, &set, &mut |_, _| {}).unwrap_err();
    assert_eq!(err.kind, ErrorKind::RepeatedKey("x".into()));
    // Keys no path reads may repeat; so may a key inside array elements.
    scan_object(br#"{"a":1,"b":2,"b":3,"m":{"y":1,"y":2}}"#, &set, &mut |_, _| {}).unwrap();
    let set = paths(&[&["q", "*", "a"]]);
    scan_object(br#"{"q":[{"a":1},{"a":2}]}"#, &set, &mut |_, _| {}).unwrap();
}

#[test]
fn raw_accessors() {
    let line = br#"{"s":"a\"b\u00e9","n":12345678901234567890,"t":true}"#;
    let m = members(line).unwrap();
    assert_eq!(m[0].value.as_str().unwrap(), "a\"bé");
    assert_eq!(m[1].value.as_f64(), Some(12345678901234567890.0));
    assert_eq!(m[2].value.as_bool(), Some(true));
    assert_eq!(quote("a\"\n\u{1}é"), r#""a\"\n\u0001é""#);
}

#[test]
fn r_a_repeated_key_in_a_config_file_is_an_error() {
    let err = parse_config("{\"a\": {\"b\": 1,\n \"b\": 2}}").unwrap_err();
    assert!(err.to_string().contains("\"b\" appears twice"), "{err}");
    assert_eq!(err.line(), 2);
    let ok = parse_config("{\"a\": [{\"b\": 1}, {\"b\": 2.5}], \"c\": null}").unwrap();
    assert_eq!(ok, serde_json::json!({"a": [{"b": 1}, {"b": 2.5}], "c": null}));
    assert!(parse_config("{} x").is_err());
}
