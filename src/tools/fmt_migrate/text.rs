//! Text in and out of fields: `{{path}}` templates that build a prompt or a
//! response from a record's fields, and `--extract` rules that pull a field
//! out of text with a regular expression. The teacher shape is built from
//! both: the default templates write its prompt and response, and the
//! default extraction rules read them back.

use std::borrow::Cow;

use regex::Regex;

use crate::path::FieldPath;

use super::model::{Bad, Record, bad};

pub use crate::template::{Template, load};

/// fmt-migrate's use of the shared template language: a placeholder reads
/// the record, or a field `--extract` pulled out of it.
pub trait RecordTemplate {
    /// Fills the placeholders; a missing or null field makes the record bad.
    fn render_record(
        &self,
        rec: &Record<'_>,
        extracted: &[(String, String)],
        used_by: &str,
    ) -> Result<String, Bad>;

    /// The top-level fields a placeholder names whole (a conversion consumes them).
    fn whole_fields(&self) -> impl Iterator<Item = &str>;
}

impl RecordTemplate for Template {
    fn render_record(
        &self,
        rec: &Record<'_>,
        extracted: &[(String, String)],
        used_by: &str,
    ) -> Result<String, Bad> {
        self.render(|path| lookup(rec, extracted, path)).map_err(|path| {
            bad(format!("missing {path}"), format!("missing {path} (used by {used_by})"))
        })
    }

    fn whole_fields(&self) -> impl Iterator<Item = &str> {
        self.fields().filter_map(|p| match p.segments() {
            [crate::json::Segment::Key(key)] => Some(&**key),
            _ => None,
        })
    }
}

/// A field's text: a string's decoded text, any other value's JSON text;
/// absent and null are missing.
fn lookup<'a>(
    rec: &Record<'a>,
    extracted: &'a [(String, String)],
    path: &FieldPath,
) -> Option<Cow<'a, str>> {
    if let [crate::json::Segment::Key(key)] = path.segments()
        && let Some((_, value)) = extracted.iter().find(|(name, _)| **name == **key)
    {
        return Some(Cow::Borrowed(value));
    }
    crate::template::field_text(rec.value(path).as_ref())
}

/// Where an extraction reads its text.
#[derive(Debug, Clone)]
pub enum Source {
    /// A field of the input record.
    Field(FieldPath),
    /// The prompt of the converted record (its last user turn).
    Prompt,
    /// The response of the converted record (its last assistant turn).
    Response,
}

/// `FIELD=SOURCE_PATH:REGEX`: sets FIELD to the first named group of REGEX
/// (or its first group, or the whole match) in the text at SOURCE_PATH.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub field: String,
    pub source: Source,
    regex: Regex,
    group: usize,
    /// For the built-in rules: what is missing when the text does not match.
    what: Option<&'static str>,
}

impl Extraction {
    pub fn parse(spec: &str) -> Result<Extraction, String> {
        let (field, rest) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}`: expected FIELD=SOURCE_PATH:REGEX"))?;
        let (source, pattern) = rest.split_once(':').ok_or_else(|| {
            format!("`{spec}`: expected FIELD=SOURCE_PATH:REGEX (no `:` after the path)")
        })?;
        if field.is_empty() {
            return Err(format!("`{spec}`: the FIELD to set is empty"));
        }
        let path = FieldPath::parse_single(source).map_err(|e| format!("`{spec}`: {e}"))?;
        Extraction::new(field, Source::Field(path), pattern, None)
            .map_err(|e| format!("`{spec}`: {e}"))
    }

    fn new(
        field: &str,
        source: Source,
        pattern: &str,
        what: Option<&'static str>,
    ) -> Result<Extraction, String> {
        let regex = Regex::new(pattern).map_err(|e| format!("bad regular expression: {e}"))?;
        let group = regex
            .capture_names()
            .enumerate()
            .skip(1)
            .find(|(_, name)| name.is_some())
            .map(|(i, _)| i)
            .unwrap_or(if regex.captures_len() > 1 { 1 } else { 0 });
        Ok(Extraction { field: field.to_string(), source, regex, group, what })
    }

    /// The text pulled out of `text`, or why not. `place` names the source.
    pub fn apply(&self, text: &str, place: &str) -> Result<String, Bad> {
        let captures = self.regex.captures(text);
        if let Some(found) = captures.as_ref().and_then(|c| c.get(self.group)) {
            return Ok(found.as_str().to_string());
        }
        if captures.is_some() && self.what.is_none() {
            // The regex matched, but its group took no part in the match.
            return Err(bad(
                format!("--extract {}: group did not capture", self.field),
                format!(
                    "--extract {}: {place} matches /{}/, but its group captured nothing (make the group required)",
                    self.field,
                    self.regex.as_str()
                ),
            ));
        }
        Err(match self.what {
            Some(what) => bad(format!("{place} has no {what}"), format!("{place} has no {what}")),
            None => bad(
                format!("--extract {}: no match", self.field),
                format!(
                    "--extract {}: {place} does not match /{}/",
                    self.field,
                    self.regex.as_str()
                ),
            ),
        })
    }

    /// Applies a rule that reads a field of the record.
    pub fn read_record(&self, rec: &Record<'_>) -> Result<String, Bad> {
        let Source::Field(path) = &self.source else {
            return Err(bad("internal", "extraction without a field"));
        };
        let Some(raw) = rec.value(path) else {
            return Err(bad(
                format!("missing {path}"),
                format!("missing {path} (read by --extract {})", self.field),
            ));
        };
        let Some(text) = raw.as_str() else {
            return Err(bad(
                format!("{path} is {}", raw.kind.article()),
                format!(
                    "{path} is {}, but --extract {} reads text",
                    raw.kind.article(),
                    self.field
                ),
            ));
        };
        self.apply(&text, &path.to_string())
    }
}

/// The teacher shape's four text fields.
pub const TEACHER_FIELDS: [&str; 4] =
    ["concept", "requirements_yaml", "teacher_product_vision", "teacher_product_owner_review"];

/// The default teacher prompt template (teacher → any other shape).
pub const TEACHER_PROMPT: &str =
    "You are a Product Owner. Review the requirements against the product concept.

Concept: {{concept}}

Requirements:
```yaml
{{requirements_yaml}}
```

Answer with a ```yaml VISION block and a ```yaml REVIEW block.";

/// The default teacher response template.
pub const TEACHER_RESPONSE: &str = "```yaml VISION\n{{teacher_product_vision}}\n```\n```yaml REVIEW\n{{teacher_product_owner_review}}\n```";

/// The default extraction rules (any shape → teacher): field, source, regex,
/// and what a non-matching text lacks.
pub const TEACHER_RULES: [(&str, bool, &str, &str); 4] = [
    (
        "concept",
        false,
        r"(?s)Concept:[ \t]*(.*?)\s*\n[ \t]*Requirements:",
        "`Concept:` line followed by `Requirements:`",
    ),
    (
        "requirements_yaml",
        false,
        r"(?s)Requirements:[ \t]*\n[ \t]*```(?:ya?ml)?[^\n]*\n(.*?)\n[ \t]*```",
        "```yaml block after `Requirements:`",
    ),
    (
        "teacher_product_vision",
        true,
        r"(?s)```ya?ml[ \t]+VISION[ \t]*\n(.*?)\n[ \t]*```",
        "```yaml VISION block",
    ),
    (
        "teacher_product_owner_review",
        true,
        r"(?s)```ya?ml[ \t]+REVIEW[ \t]*\n(.*?)\n[ \t]*```",
        "```yaml REVIEW block",
    ),
];

/// The built-in prompt/response → teacher rules.
pub fn teacher_rules() -> Vec<Extraction> {
    TEACHER_RULES
        .iter()
        .filter_map(|(field, response, pattern, what)| {
            let source = if *response { Source::Response } else { Source::Prompt };
            Extraction::new(field, source, pattern, Some(what)).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_a_template_file_keeps_its_text_but_not_its_last_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prompt.txt");
        std::fs::write(&path, "Q: {{q}}\nA:\r\n").unwrap();
        let t = load(path.to_str().unwrap(), "--template").unwrap();
        let rec = Record::new(br#"{"q":"why"}"#).unwrap();
        assert_eq!(t.render_record(&rec, &[], "the prompt template").unwrap(), "Q: why\nA:");
    }

    #[test]
    fn templates_fill_fields_and_refuse_missing_ones() {
        let t = Template::parse("Q: {{ q }} / {{meta.n}} / {{x}}").unwrap();
        let rec = Record::new(br#"{"q":"why\n","meta":{"n":3},"x":null}"#).unwrap();
        let e = t.render_record(&rec, &[], "the prompt template").unwrap_err();
        assert_eq!(e.message, "missing x (used by the prompt template)");
        let got = t.render_record(&rec, &[("x".into(), "E".into())], "p").unwrap();
        assert_eq!(got, "Q: why\n / 3 / E");
        assert!(Template::parse("{{open").is_err());
        assert!(Template::parse("{{}}").is_err());
    }

    #[test]
    fn extraction_takes_the_named_or_first_group() {
        let e = Extraction::parse("a=f:x(?P<v>\\d+)y").unwrap();
        assert_eq!(e.apply("x12y", "f").unwrap(), "12");
        let e = Extraction::parse("a=f:(\\w+)-(\\w+)").unwrap();
        assert_eq!(e.apply("ab-cd", "f").unwrap(), "ab");
        let e = Extraction::parse("a=f:\\d+").unwrap();
        assert_eq!(e.apply("a 42", "f").unwrap(), "42");
        assert_eq!(e.apply("none", "f").unwrap_err().category, "--extract a: no match");
        assert!(Extraction::parse("a=f").is_err());
        assert!(Extraction::parse("a=f:(").is_err());
    }

    #[test]
    fn teacher_templates_and_rules_are_inverses() {
        let rec = Record::new(
            br#"{"concept":"Radar: brand\nmentions","requirements_yaml":"- id: R1\n  text: x","teacher_product_vision":"product: R\n","teacher_product_owner_review":"status: conflicts"}"#,
        )
        .unwrap();
        let prompt =
            Template::parse(TEACHER_PROMPT).unwrap().render_record(&rec, &[], "t").unwrap();
        let response =
            Template::parse(TEACHER_RESPONSE).unwrap().render_record(&rec, &[], "t").unwrap();
        let rules = teacher_rules();
        let got: Vec<String> = rules
            .iter()
            .map(|r| {
                let text = if matches!(r.source, Source::Response) { &response } else { &prompt };
                r.apply(text, "p").unwrap()
            })
            .collect();
        assert_eq!(
            got,
            ["Radar: brand\nmentions", "- id: R1\n  text: x", "product: R\n", "status: conflicts"]
        );
        let e = rules[3].apply("```yaml VISION\nv\n```", "output").unwrap_err();
        assert_eq!(e.message, "output has no ```yaml REVIEW block");
    }
}
