//! Bringing any shape in: before a record's shape is detected (or, with
//! `--from SHAPE`, when the record lacks one of SHAPE's fields), the
//! `--extract` fields and the `--template` texts are set on the record as
//! fields, so that they can make a record of a known shape out of one of no
//! shape (`{"question", "chosen", "rejected"}` plus `--template
//! prompt={{question}}` is a preference record). The order is documented:
//! extract and template → detect → convert.

use crate::json;

use super::Migrate;
use super::model::{Bad, Record, bad_same, quoted};
use super::shape::{self, Shape};
use super::text::RecordTemplate;

impl Migrate {
    /// Whether --extract or --template build this record before detection.
    pub(super) fn builds(&self, rec: &Record<'_>) -> bool {
        if self.extracts.is_empty()
            && self.templates.prompt.is_none()
            && self.templates.response.is_none()
            && self.templates.system.is_none()
        {
            return false;
        }
        match self.from {
            Some(Shape::SquadQuestion) => false,
            Some(shape) => shape.required().iter().any(|key| !rec.has(key)),
            None => shape::detect(rec).is_none(),
        }
    }

    /// The field a template target builds: the shape's own prompt and
    /// response fields with --from SHAPE, else prompt, response and system.
    fn built_name(&self, target: &str) -> Option<&'static str> {
        let shape = match self.from {
            None => {
                return Some(match target {
                    "prompt" => "prompt",
                    "response" => "response",
                    _ => "system",
                });
            }
            Some(shape) => shape,
        };
        match (target, shape) {
            ("system", _) => Some("system"),
            (_, Shape::Alpaca) => Some(if target == "prompt" { "instruction" } else { "output" }),
            ("prompt", Shape::Preference) => Some("prompt"),
            (_, shape) => match (shape.pair_keys(), target) {
                (Some((prompt, _)), "prompt") => Some(prompt),
                (Some((_, response)), "response") if !response.is_empty() => Some(response),
                _ => None,
            },
        }
    }

    /// The record with the built fields set (replacing fields of their names).
    pub(super) fn build(&self, rec: &Record<'_>, out: &mut Vec<u8>) -> Result<(), Bad> {
        let mut extracted: Vec<(String, String)> = Vec::with_capacity(self.extracts.len());
        for rule in &self.extracts {
            extracted.push((rule.field.clone(), rule.read_record(rec)?));
        }
        let mut fields: Vec<(String, Vec<u8>)> =
            extracted.iter().map(|(name, value)| (name.clone(), quoted(value))).collect();
        let templates = [
            (&self.templates.prompt, "prompt", "the prompt template"),
            (&self.templates.response, "response", "the response template"),
            (&self.templates.system, "system", "the system template"),
        ];
        for (template, target, used_by) in templates {
            let (Some(template), Some(name)) = (template, self.built_name(target)) else {
                continue;
            };
            let text = template.render_record(rec, &extracted, used_by)?;
            fields.retain(|(n, _)| n != name);
            fields.push((name.to_string(), quoted(&text)));
        }
        let set: Vec<(&str, &[u8])> =
            fields.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
        json::set_fields(rec.line, &set, out)
            .map_err(|_| bad_same("internal: cannot set the built fields"))
    }
}
