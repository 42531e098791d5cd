//! `{{path}}` templates over record fields, one language for every tool that
//! builds text from a record (fmt-migrate `--template`, llm-batch
//! `--prompt`): a placeholder is a field path (dotted or JSON Pointer), its
//! value is a string's decoded text or any other value's JSON text, and a
//! placeholder whose field is absent or null makes the record a bad record
//! (`missing PATH`). A template given on the command line is text when it
//! contains `{{`, otherwise the name of a file holding it.

use std::borrow::Cow;

use crate::json::{Kind, Raw};
use crate::path::FieldPath;

/// Text with `{{path}}` placeholders.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Field(FieldPath),
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(format!(
                    "a `{{{{` at byte {} has no closing `}}}}`",
                    text.len() - rest.len() + open
                ));
            };
            let name = after[..close].trim();
            let path = FieldPath::parse_single(name)
                .map_err(|e| format!("placeholder {{{{{name}}}}}: {e}"))?;
            pieces.push(Piece::Field(path));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { pieces })
    }

    /// The field paths the placeholders name, in order (with repeats).
    pub fn fields(&self) -> impl Iterator<Item = &FieldPath> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Field(path) => Some(path),
            Piece::Text(_) => None,
        })
    }

    /// Fills the placeholders with `lookup`'s text for each path; the first
    /// path it has no text for is the error.
    pub fn render<'a>(
        &'a self,
        mut lookup: impl FnMut(&FieldPath) -> Option<Cow<'a, str>>,
    ) -> Result<String, &'a FieldPath> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(path) => out.push_str(&lookup(path).ok_or(path)?),
            }
        }
        Ok(out)
    }
}

impl Template {
    /// Writes the filled template as a JSON string literal. A placeholder
    /// whose value is a string is copied as its escaped bytes, which are
    /// already valid inside a literal, so the text is never decoded and
    /// re-encoded; any other value is its JSON text, escaped. The first path
    /// with no value (absent or null) is the error.
    pub fn render_json<'a>(
        &'a self,
        out: &mut Vec<u8>,
        mut lookup: impl FnMut(&FieldPath) -> Option<Raw<'a>>,
    ) -> Result<(), &'a FieldPath> {
        out.push(b'"');
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => crate::json::write_str_inner(out, text),
                Piece::Field(path) => match lookup(path) {
                    None => return Err(path),
                    Some(raw) if raw.kind == Kind::Null => return Err(path),
                    Some(raw) if raw.kind == Kind::String => {
                        out.extend_from_slice(&raw.bytes[1..raw.bytes.len() - 1]);
                    }
                    Some(raw) => crate::json::write_str_inner(out, raw.text()),
                },
            }
        }
        out.push(b'"');
        Ok(())
    }
}

/// A field's text for a placeholder: a string's decoded text, any other
/// value's JSON text; absent and null have none.
pub fn field_text<'a>(raw: Option<&Raw<'a>>) -> Option<Cow<'a, str>> {
    let raw = raw?;
    match raw.kind {
        Kind::Null => None,
        Kind::String => raw.as_str(),
        _ => Some(Cow::Borrowed(raw.text())),
    }
}

/// Reads a template given as text (anything containing `{{`) or as a file.
/// A file's last line end is not part of the template (every editor writes
/// one, and it would end every prompt with a newline), as in `$(cat FILE)`.
pub fn load(spec: &str, flag: &str) -> Result<Template, String> {
    let text = if spec.contains("{{") {
        spec.to_string()
    } else {
        crate::guard::input(std::path::Path::new(spec), spec).map_err(|e| e.to_string())?;
        let mut text = std::fs::read_to_string(spec).map_err(|e| {
            format!("{flag} {spec}: cannot read the template file ({e}); a template given as text must contain a {{{{field}}}} placeholder")
        })?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        text
    };
    Template::parse(&text).map_err(|e| format!("{flag}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_field_paths_and_missing_ones_are_named() {
        let t = Template::parse("Q: {{ question }} / {{meta.id}}").unwrap();
        let names: Vec<&str> = t.fields().map(FieldPath::as_str).collect();
        assert_eq!(names, ["question", "meta.id"]);
        let text = t.render(|p| Some(Cow::Owned(format!("<{p}>")))).unwrap();
        assert_eq!(text, "Q: <question> / <meta.id>");
        let missing = t.render(|p| (p.as_str() == "question").then_some(Cow::Borrowed("x")));
        assert_eq!(missing.unwrap_err().as_str(), "meta.id");
        assert!(Template::parse("{{open").unwrap_err().contains("no closing"));
    }

    #[test]
    fn render_json_copies_escaped_strings_and_escapes_the_rest() {
        let t = Template::parse("Q \"{{q}}\"\n{{n}}").unwrap();
        let line = br#"{"q":"a\nb \u00e9\"","n":[1, 2],"z":null}"#;
        let paths = crate::path::FieldPath::set(t.fields());
        let mut values = Vec::new();
        crate::json::scan_object(line, &paths, &mut |_, raw| values.push(raw)).unwrap();
        let mut out = Vec::new();
        let mut k = 0;
        t.render_json(&mut out, |_| {
            k += 1;
            values.get(k - 1).copied()
        })
        .unwrap();
        let text: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(text, "Q \"a\nb é\"\"\n[1, 2]");
        let missing = Template::parse("{{z}}").unwrap();
        assert!(missing.render_json(&mut Vec::new(), |_| None).is_err());
    }
}
