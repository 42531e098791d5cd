//! fmt-migrate: convert between the record shapes of post-training data,
//! detect files that mix shapes, and account for every record.
//!
//! Seed 004 is why it exists: ten hand-curated prompt/output records sat in
//! a file of teacher-schema records, the preparation script skipped every
//! record without the teacher fields, and the dataset silently lost its only
//! examples of a class. Here a record is detected (or declared) to be of one
//! shape, read into one internal model (system prompt, turns with roles,
//! preference responses, tools, untouched fields), checked against what the
//! target shape needs, and written; a record that cannot make it is a bad
//! record with a precise reason, never a silent skip.

mod build;
mod docs;
mod manual;
mod model;
mod shape;
mod summary;
mod text;
mod trees;

use std::collections::BTreeMap;
use std::sync::Arc;

use clap::Parser;

use crate::cli::{self, Common, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json;
use crate::pipeline::{self, Disposition, Done, Emit, Processor};
use crate::run::Run;

use model::{
    Bad, HhAs, Model, PairRule, Record, Role, TreeCounts, Turn, WriteOptions, bad, bad_same, quoted,
};
use shape::{Format, Label, Shape};
use summary::ShapeTotal;
use text::{Extraction, RecordTemplate, Source, Template};

const NAME: &str = "fmt-migrate";

pub const DOC: ToolDoc =
    ToolDoc { name: NAME, examples: manual::EXAMPLES, sections: manual::SECTIONS };

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Convert between the record shapes of post-training data; detect mixed files
///
/// Reads records (JSONL, or a JSON array, SQuAD or CSV file with --from),
/// detects each record's shape or takes --from, and writes it in the --to
/// shape. Fields the conversion does not consume are kept; a record that
/// cannot be converted is a bad record with a precise reason. --detect
/// converts nothing and reports which shapes the input holds.
#[derive(Parser, Debug)]
#[command(name = "fmt-migrate", version)]
pub struct Cli {
    /// Write every record in SHAPE (csv and json-array: the records as they are, in that format)
    ///
    /// Without --to, records keep their own shape (useful with --extract, with
    /// --template, or to turn a JSON array, SQuAD or CSV file into JSONL).
    #[arg(long, value_name = "SHAPE", value_parser = output_format(), help_heading = "Conversion")]
    pub to: Option<Format>,

    /// Convert nothing: count the records of each shape, exit 1 if the input mixes shapes
    #[arg(long, conflicts_with = "to", help_heading = "Detection")]
    pub detect: bool,

    /// With --detect: an input that mixes shapes is not an error
    #[arg(long, requires = "detect", help_heading = "Detection")]
    pub allow_mixed: bool,

    /// Leave out the fields the conversion does not consume
    ///
    /// By default every field a conversion does not use (score, metadata,
    /// id, ...) is kept; with this flag only the target shape's own fields
    /// are written, and message fields a shape cannot hold are dropped
    /// instead of making the record bad.
    #[arg(long, help_heading = "Conversion")]
    pub drop_extra: bool,

    /// Add FIELD, pulled out of the text at SOURCE_PATH by REGEX (repeatable)
    ///
    /// The first named group of REGEX, or its first group, or the whole
    /// match. Example: --extract 'status=output:status: (\w+)'.
    #[arg(long, value_name = "FIELD=SOURCE_PATH:REGEX", help_heading = "Conversion")]
    pub extract: Vec<String>,

    /// Build the prompt (or response=, system=) from {{path}} placeholders (repeatable)
    ///
    /// PART is prompt (the default), response or system, each given once,
    /// in any order; another word= prefix is a usage error (write
    /// prompt=word=... for a prompt that starts so). A value containing {{
    /// is the template; anything else is a file holding it. A placeholder
    /// whose field is missing makes the record a bad record.
    #[arg(long, value_name = "[PART=]FILE|TEXT", help_heading = "Conversion")]
    pub template: Vec<String>,

    /// Set the system prompt of every record
    #[arg(long, value_name = "TEXT", help_heading = "Prompt")]
    pub system: Option<String>,

    /// Read the role name FROM as TO (system, user, assistant, tool or function; repeatable)
    ///
    /// prompter and human already read as user, gpt, bot and model as
    /// assistant; a role no rule names stays a bad record with its name. A
    /// record whose roles are not all the target shape's own names is
    /// written with them, even when it is already in the target shape.
    #[arg(long, value_name = "FROM=TO", value_parser = model::Role::parse_map, help_heading = "Conversion")]
    pub role_map: Vec<(String, model::Role)>,

    /// Which ranked sibling replies of an OpenAssistant tree become preference pairs
    ///
    /// For oasst-tree records converted to preference or preference-messages:
    /// the assistant replies to one prompter message that carry a rank (0 is
    /// the best) are paired by RULE (default: best-worst); replies of equal
    /// rank are never paired, and unranked replies are never paired either;
    /// both are counted. Only with --to preference or preference-messages
    /// (any other target pairs nothing, so the flag is a usage error there).
    #[arg(long, value_enum, value_name = "RULE", help_heading = "Conversion")]
    pub pairs: Option<PairRule>,

    // The shared flags come before the tool's own flags under shared
    // headings, so every tool lists its headings in one order (ARCHITECTURE.md).
    #[command(flatten)]
    pub common: Common,

    #[command(flatten)]
    pub formulas: crate::csv_cell::FormulaFlag,

    /// The input's shape or document format
    #[arg(long, value_enum, value_name = "SHAPE", default_value_t = Format::Auto, help_heading = "Input")]
    pub from: Format,

    /// The answer written for an unanswerable SQuAD question (is_impossible)
    ///
    /// Whatever the text, every record from a SQuAD question carries the
    /// top-level boolean is_impossible (false when the file has none), so
    /// phase-split puts unanswerable questions in its refusal phase.
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "Not found in provided context.",
        help_heading = "Input"
    )]
    pub refusal: String,
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// What happened to the records of one detected shape in a chunk.
#[derive(Debug, Clone, Default)]
struct ShapeCount {
    records: u64,
    written: u64,
    unchanged: u64,
    /// Records written (several per tree).
    outputs: u64,
    /// Chunk line indices of the first records.
    first: Vec<u32>,
}

const FIRST_LINES: usize = 5;

#[derive(Default)]
struct Acc {
    out: Vec<u8>,
    spare: Vec<u8>,
    shapes: Vec<(Label, ShapeCount)>,
    trees: TreeCounts,
    /// Records of no shape written as --extract and --template built them
    /// (no --to: nothing needed a shape).
    unshaped: u64,
}

impl Acc {
    fn count(&mut self, label: Label) -> &mut ShapeCount {
        let at = match self.shapes.iter().position(|(l, _)| *l == label) {
            Some(at) => at,
            None => {
                self.shapes.push((label, ShapeCount::default()));
                self.shapes.len() - 1
            }
        };
        &mut self.shapes[at].1
    }
}

/// Templates the user gave, by what they build.
#[derive(Default)]
struct Templates {
    prompt: Option<Template>,
    response: Option<Template>,
    system: Option<Template>,
}

struct Migrate {
    from: Option<Shape>,
    to: Option<Shape>,
    detect: bool,
    jsonl_input: bool,
    options: WriteOptions,
    system: Option<Vec<u8>>,
    templates: Templates,
    teacher_prompt: Template,
    teacher_response: Template,
    extracts: Vec<Extraction>,
    teacher_rules: Vec<Extraction>,
    refusal: Vec<u8>,
    pairs: PairRule,
    /// Whether records are rebuilt even when already in the target shape.
    modifies: bool,
    /// No shape work at all (no --to, nothing rebuilt): records are only
    /// carried from one format to another, with --extract fields added.
    passthrough: bool,
    /// No --to, --from, --detect, --system or --drop-extra: a record that
    /// --extract and --template built into no shape is written as built,
    /// as --extract alone writes one (nothing needs its shape).
    keeps_unshaped: bool,
}

enum Converted {
    Unchanged,
    Written,
    /// Records one after another in the buffer, each ending in `\n` (trees);
    /// `Err` when there are none, with the reason the record is left out.
    Many(Result<u64, &'static str>),
}

impl Processor for Migrate {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let mut rec = match Record::new(line.bytes) {
            Ok(rec) => rec,
            Err(e) => {
                let mut message = e.describe(line.bytes);
                let start = line.bytes.trim_ascii();
                if self.jsonl_input && (start.starts_with(b"[") || start == b"{") {
                    message.push_str(
                        " (a JSON document rather than JSONL? read it with --from json-array)",
                    );
                }
                return emit.reject(e.category(), message);
            }
        };
        if self.passthrough {
            if self.extracts.is_empty() {
                return emit.pass();
            }
            let mut extracted = Vec::with_capacity(self.extracts.len());
            for rule in &self.extracts {
                match rule.read_record(&rec) {
                    Ok(value) => extracted.push((rule.field.clone(), value)),
                    Err(Bad { category, message }) => return emit.reject(&category, message),
                }
            }
            acc.out.clear();
            return match set_extracted(line.bytes, &extracted, &[], &mut acc.out) {
                Ok(()) => emit.write(&acc.out),
                Err(Bad { category, message }) => emit.reject(&category, message),
            };
        }
        if self.builds(&rec) {
            let mut built = Vec::new();
            if let Err(Bad { category, message }) = self.build(&rec, &mut built) {
                return emit.reject(&category, message);
            }
            return match Record::new(&built) {
                Ok(mut rec) => self.migrate_record(&mut rec, true, line, emit, acc),
                Err(e) => emit.reject("internal", format!("internal: built record: {e:?}")),
            };
        }
        self.migrate_record(&mut rec, false, line, emit, acc)
    }
}

impl Migrate {
    /// Detects (or takes) a record's shape and converts it; `built` when
    /// --extract and --template made the record first (its bytes are not
    /// the input line's).
    fn migrate_record(
        &self,
        rec: &mut Record<'_>,
        built: bool,
        line: &Line<'_>,
        emit: &mut Emit<'_>,
        acc: &mut Acc,
    ) -> Disposition {
        let label = match self.from {
            Some(shape) => Label {
                shape,
                preference: shape.preference_only()
                    || (!shape.input_only() && rec.has("chosen") && rec.has("rejected")),
            },
            None => match shape::detect(rec) {
                Some(label) => label,
                // Nothing asks for a shape: the built record is written as
                // it is, as --extract alone writes a record of no shape.
                None if built && self.keeps_unshaped => {
                    acc.unshaped += 1;
                    return emit.write(rec.line);
                }
                None => return emit.reject("matches no shape", shape::no_shape_message(rec)),
            },
        };
        let count = acc.count(label);
        count.records += 1;
        if count.first.len() < FIRST_LINES {
            count.first.push(line.index);
        }
        if self.detect {
            return emit.filter(&format!("detected as {label}"));
        }
        let Acc { out, spare, trees, .. } = acc;
        out.clear();
        let done = if label.shape == Shape::OasstTree {
            self.convert_tree(rec, out, spare, trees, built)
        } else {
            self.convert(rec, label.shape, out, spare, built)
        };
        match done {
            Ok(done) => {
                let count = acc.count(label);
                match done {
                    Converted::Unchanged if built => {
                        count.written += 1;
                        count.outputs += 1;
                        emit.write(rec.line)
                    }
                    Converted::Unchanged => {
                        count.written += 1;
                        count.outputs += 1;
                        count.unchanged += 1;
                        emit.pass()
                    }
                    Converted::Written => {
                        count.written += 1;
                        count.outputs += 1;
                        emit.write(&acc.out)
                    }
                    Converted::Many(Ok(n)) => {
                        count.written += 1;
                        count.outputs += n;
                        let mut disposition = Disposition::Filtered;
                        for record in acc.out.split(|&b| b == b'\n').filter(|r| !r.is_empty()) {
                            disposition = emit.write(record);
                        }
                        disposition
                    }
                    Converted::Many(Err(reason)) => emit.filter(reason),
                }
            }
            Err(Bad { category, message }) => emit.reject(&category, message),
        }
    }

    fn target(&self, source: Shape) -> Shape {
        match (self.to, source) {
            (Some(to), _) => to,
            // Shapes fmt-migrate only reads become the nearest it writes.
            (None, Shape::SquadQuestion) => Shape::InputOutput,
            (None, Shape::HhRlhf) => Shape::PreferenceMessages,
            (None, Shape::OasstTree) => Shape::Messages,
            (None, source) => source,
        }
    }

    /// The --extract fields of a record (none when they were built into it).
    fn extracted(&self, rec: &Record<'_>, built: bool) -> Result<Vec<(String, String)>, Bad> {
        if built {
            return Ok(Vec::new());
        }
        let mut extracted = Vec::with_capacity(self.extracts.len());
        for rule in &self.extracts {
            extracted.push((rule.field.clone(), rule.read_record(rec)?));
        }
        Ok(extracted)
    }

    fn convert<'a>(
        &self,
        rec: &mut Record<'a>,
        source: Shape,
        out: &mut Vec<u8>,
        spare: &mut Vec<u8>,
        built: bool,
    ) -> Result<Converted, Bad> {
        let target = self.target(source);
        let extracted = self.extracted(rec, built)?;
        let model = self.read(rec, source, &extracted)?;
        if let Some(repeated) = rec.repeated_used() {
            return Err(repeated);
        }
        let model = self.adjust(model, rec, &extracted, source)?;
        // A record is passed as it came only when nothing in it changes: its
        // shape is the target's, no flag rebuilds it, and every role already
        // has the shape's own name (an alias or a --role-map name is written
        // as that name, so the record counts as converted).
        let unchanged = target == source && !self.modifies && !model.renamed;
        if !(unchanged && source == Shape::Teacher) {
            self.write(&model, source, target, &extracted, out)?;
        }
        if unchanged {
            if extracted.is_empty() {
                return Ok(Converted::Unchanged);
            }
            out.clear();
            set_extracted(rec.line, &extracted, &[], out)?;
            return Ok(Converted::Written);
        }
        if !extracted.is_empty() {
            let consumed: &[&str] =
                if target == Shape::Teacher { &text::TEACHER_FIELDS } else { &[] };
            spare.clear();
            set_extracted(out, &extracted, consumed, spare)?;
            std::mem::swap(out, spare);
        }
        Ok(Converted::Written)
    }

    fn read<'a>(
        &self,
        rec: &mut Record<'a>,
        source: Shape,
        extracted: &[(String, String)],
    ) -> Result<Model<'a>, Bad> {
        match source {
            Shape::Teacher => self.read_teacher(rec, extracted),
            Shape::Messages => model::read_messages_shape(rec),
            Shape::PreferenceMessages => model::read_preference_messages(rec),
            Shape::Sharegpt => model::read_sharegpt(rec),
            Shape::Alpaca => model::read_alpaca(rec),
            Shape::Preference => model::read_preference(rec),
            Shape::SquadQuestion => model::read_squad_question(rec, &self.refusal),
            Shape::HhRlhf => model::read_hh(
                rec,
                match self.target(source) {
                    Shape::PreferenceMessages => HhAs::Pair,
                    Shape::Preference => HhAs::TranscriptPair,
                    _ => HhAs::Chosen,
                },
            ),
            other => {
                let (prompt, response) = other.pair_keys().unwrap_or(("prompt", "response"));
                model::read_pair(rec, prompt, response)
            }
        }
    }

    /// teacher → model: the prompt and response templates over the record.
    fn read_teacher<'a>(
        &self,
        rec: &mut Record<'a>,
        extracted: &[(String, String)],
    ) -> Result<Model<'a>, Bad> {
        for field in text::TEACHER_FIELDS {
            if let Some(raw) = rec.get(field)
                && raw.kind == json::Kind::String
                && raw.as_str().is_some_and(|t| t.trim().is_empty())
            {
                return Err(bad(
                    format!("{field} is empty"),
                    format!("{field} is empty (a teacher record needs all four texts)"),
                ));
            }
        }
        // The default templates put these fields inside ``` fences: a line of
        // their own that starts a fence would end the block early, and the
        // record would come back (→ teacher) cut short, or with its text in
        // another field, without a word.
        let fenced: &[&str] = match (&self.templates.prompt, &self.templates.response) {
            (None, None) => &text::TEACHER_FIELDS[1..],
            (None, Some(_)) => &text::TEACHER_FIELDS[1..2],
            (Some(_), None) => &text::TEACHER_FIELDS[2..],
            (Some(_), Some(_)) => &[],
        };
        for field in fenced {
            if let Some(raw) = rec.get(field)
                && let Some(text) = raw.as_str()
                && text.lines().any(|l| l.trim_start_matches([' ', '\t']).starts_with("```"))
            {
                return Err(bad(
                    format!("{field} holds a ``` line"),
                    format!(
                        "{field} holds a line starting with ```, which would end its ```yaml block in the default template (give your own with --template)"
                    ),
                ));
            }
        }
        let prompt_template = self.templates.prompt.as_ref().unwrap_or(&self.teacher_prompt);
        let response_template = self.templates.response.as_ref().unwrap_or(&self.teacher_response);
        let prompt =
            prompt_template.render_record(rec, extracted, "the teacher prompt template")?;
        let response =
            response_template.render_record(rec, extracted, "the teacher response template")?;
        for field in prompt_template.whole_fields().chain(response_template.whole_fields()) {
            rec.consume(field);
        }
        let system =
            rec.take_optional_string("system")?.map(|s| Turn::new(Role::System, s.bytes.into()));
        let tools = rec.take("tools").filter(|t| !t.is_null()).map(|t| t.bytes.into());
        Ok(Model {
            system,
            turns: vec![
                Turn::new(Role::User, quoted(&prompt).into()),
                Turn::new(Role::Assistant, quoted(&response).into()),
            ],
            tools,
            extra: rec.rest(),
            ..Model::default()
        })
    }

    /// Applies --template and --system to a model read from any shape but teacher.
    fn adjust<'a>(
        &self,
        mut model: Model<'a>,
        rec: &Record<'a>,
        extracted: &[(String, String)],
        source: Shape,
    ) -> Result<Model<'a>, Bad> {
        // A teacher record was built from the templates already.
        let teacher = source == Shape::Teacher;
        let replaced: [(Option<&Template>, Option<Role>, &str); 3] = [
            (
                self.templates.prompt.as_ref().filter(|_| !teacher),
                Some(Role::User),
                "the prompt template",
            ),
            (
                self.templates.response.as_ref().filter(|_| !teacher),
                Some(Role::Assistant),
                "the response template",
            ),
            (self.templates.system.as_ref(), None, "the system template"),
        ];
        for (template, role, used_by) in replaced {
            let Some(template) = template else { continue };
            let content = quoted(&template.render_record(rec, extracted, used_by)?);
            match role {
                Some(role) => match model.last_mut(role) {
                    Some(turn) => turn.content = Some(content.into()),
                    None => {
                        return Err(bad(
                            format!("no {} turn for {used_by}", role_word(role)),
                            format!(
                                "the record has no {} turn for {used_by} to replace",
                                role_word(role)
                            ),
                        ));
                    }
                },
                None => model.system = Some(Turn::new(Role::System, content.into())),
            }
            model.extra.retain(|f| !template.whole_fields().any(|w| f.key_is(w)));
        }
        if let Some(system) = &self.system {
            model.system = Some(Turn::new(Role::System, system.clone().into()));
        }
        if self.options.drop_extra {
            // The answerability marker is the record's, not an extra field.
            model.extra.retain(|f| match source {
                Shape::SquadQuestion => f.key_is(model::IMPOSSIBLE_FIELD),
                Shape::OasstTree => model::TREE_ID_FIELDS.iter().any(|k| f.key_is(k)),
                _ => false,
            });
        }
        Ok(model)
    }

    fn write(
        &self,
        model: &Model<'_>,
        source: Shape,
        target: Shape,
        extracted: &[(String, String)],
        out: &mut Vec<u8>,
    ) -> Result<(), Bad> {
        match target {
            Shape::Teacher => self
                .write_teacher(model, source, extracted, out)
                .map_err(|e| model::hint(e, model, Shape::Teacher, self.options)),
            Shape::SquadQuestion => model::write(model, Shape::InputOutput, self.options, out),
            _ => model::write(model, target, self.options, out),
        }
    }

    /// model → teacher: the four fields read out of the prompt and response.
    fn write_teacher(
        &self,
        model: &Model<'_>,
        source: Shape,
        extracted: &[(String, String)],
        out: &mut Vec<u8>,
    ) -> Result<(), Bad> {
        let (prompt, response) = model::single_exchange(model, Shape::Teacher, self.options)?;
        let prompt_text = prompt.text().unwrap_or_default();
        let response_text = response.and_then(Turn::text).unwrap_or_default();
        let mut obj = model::Obj::start(out);
        for field in text::TEACHER_FIELDS {
            let value = match extracted.iter().find(|(name, _)| name == field) {
                Some((_, value)) => value.clone(),
                None => {
                    let rule = self.teacher_rules.iter().find(|r| r.field == field);
                    let Some(rule) = rule else { continue };
                    match rule.source {
                        Source::Response => rule.apply(&response_text, source.response_place())?,
                        _ => rule.apply(&prompt_text, source.prompt_place())?,
                    }
                }
            };
            obj.field(field, &quoted(&value));
        }
        // An --extract FIELD replaces a kept field of that name, as it does
        // for every other target.
        let replaced = |f: &model::Field<'_>| {
            text::TEACHER_FIELDS
                .iter()
                .any(|t| f.key_is(t) && extracted.iter().any(|(n, _)| n == t))
        };
        if model.extra.iter().any(replaced) {
            let mut kept = model.clone();
            kept.extra.retain(|f| !replaced(f));
            model::write_tail(&mut obj, &kept, Shape::Teacher, self.options)?;
        } else {
            model::write_tail(&mut obj, model, Shape::Teacher, self.options)?;
        }
        obj.finish();
        Ok(())
    }
}

fn role_word(role: Role) -> &'static str {
    if role == Role::User { "user" } else { "assistant" }
}

/// Sets the extracted fields on a record (replacing fields of the same name).
fn set_extracted(
    record: &[u8],
    extracted: &[(String, String)],
    skip: &[&str],
    out: &mut Vec<u8>,
) -> Result<(), Bad> {
    let values: Vec<(&str, Vec<u8>)> = extracted
        .iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), quoted(value)))
        .collect();
    let fields: Vec<(&str, &[u8])> = values.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    json::set_fields(record, &fields, out)
        .map_err(|_| bad_same("internal: cannot set extracted fields"))
}

/// Where the records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sink {
    Jsonl,
    JsonArray,
    Csv,
    Nothing,
}

/// The parts a `--template PART=TEXT` can build.
const TEMPLATE_PARTS: [&str; 3] = ["prompt", "response", "system"];

/// Parses the `--template [PART=]FILE|TEXT` values: PART is prompt, response
/// or system, each given at most once, in any order; no `PART=` is the
/// prompt. A `word=` prefix naming no part is a usage error (it would
/// otherwise become the start of the prompt's text without a word):
/// `prompt=` before it makes such a text literal.
fn parse_templates(specs: &[String]) -> Result<Templates, Error> {
    let mut templates = Templates::default();
    let mut given: [Option<&str>; 3] = [None; 3];
    for spec in specs {
        let (part, text) = match spec.split_once('=') {
            Some((name, rest)) if TEMPLATE_PARTS.contains(&name.trim()) => (name.trim(), rest),
            Some((name, _)) if is_part_name(name.trim()) => {
                return Err(Error::Usage(format!(
                    "--template {spec}: `{}` is not a template part; the parts are prompt=, response= and system= (response= builds the shape's response field, such as output or completion). A prompt whose text starts with `{}=` is written --template 'prompt={spec}'",
                    name.trim(),
                    name.trim()
                )));
            }
            _ => ("prompt", spec.as_str()),
        };
        let at = TEMPLATE_PARTS.iter().position(|p| *p == part).unwrap_or(0);
        if let Some(first) = given[at] {
            return Err(Error::Usage(format!(
                "--template {spec}: the {part} has a template already (--template {first}); give each part once (a --template without PART= is the prompt)"
            )));
        }
        given[at] = Some(spec);
        let slot = match part {
            "response" => &mut templates.response,
            "system" => &mut templates.system,
            _ => &mut templates.prompt,
        };
        *slot = Some(text::load(text, "--template").map_err(Error::Usage)?);
    }
    Ok(templates)
}

/// Whether the text before a `=` looks like a part name (a word, such as
/// `instruction` or `completion`) rather than template text or a path.
fn is_part_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The formats --to writes: every one but the input-only formats (auto,
/// squad, graph-response), so `--help` lists only values --to accepts.
fn output_format() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::ValueEnum;
    use clap::builder::TypedValueParser;
    let writable = Format::value_variants()
        .iter()
        .filter(|f| f.shape().is_none_or(|shape| !shape.input_only()))
        .filter(|f| !matches!(f, Format::Auto | Format::Squad | Format::GraphResponse))
        .filter_map(|f| f.to_possible_value());
    clap::builder::PossibleValuesParser::new(writable)
        .try_map(|name: String| <Format as clap::ValueEnum>::from_str(&name, false))
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    model::set_role_map(cli.role_map.clone());
    cli.formulas.check(cli.to == Some(Format::Csv), "--to csv")?;
    let plan = plan(&cli)?;
    let (to, from, sink) = (plan.to, plan.from, plan.sink);
    let (run, totals, trees, unshaped) = run_plan(&cli, plan)?;
    // A SQuAD file becomes input-output records unless --to says otherwise.
    let to = to.or((from == Some(Shape::SquadQuestion)).then_some(Shape::InputOutput));
    summary::summarize(run, &cli, to, sink, totals, trees, unshaped)
}

/// What the flags ask for, settled and checked before any input is read.
struct Plan {
    processor: Migrate,
    sink: Sink,
    /// The shape --to names (none for csv, json-array or no --to).
    to: Option<Shape>,
    /// The shape every record is read as (none: detected per record).
    from: Option<Shape>,
    /// Whether the input is a document read whole (squad, graph-response,
    /// json-array, csv) rather than JSONL.
    container_in: bool,
}

/// Step 1, the plan: the flags parsed and checked against each other, and
/// the processor built.
fn plan(cli: &Cli) -> Result<Plan, Error> {
    let extracts = cli
        .extract
        .iter()
        .map(|spec| Extraction::parse(spec).map_err(|e| Error::Usage(format!("--extract {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let templates = parse_templates(&cli.template)?;
    if cli.system.is_some() && templates.system.is_some() {
        return Err(Error::Usage(
            "--system and --template system=… both set the system prompt: give one of them".into(),
        ));
    }
    let has_templates =
        templates.prompt.is_some() || templates.response.is_some() || templates.system.is_some();
    let container_in =
        matches!(cli.from, Format::Squad | Format::GraphResponse | Format::JsonArray | Format::Csv);
    let sink = match cli.to {
        _ if cli.detect => Sink::Nothing,
        Some(Format::Csv) => Sink::Csv,
        Some(Format::JsonArray) => Sink::JsonArray,
        _ => Sink::Jsonl,
    };
    let to = cli.to.and_then(Format::shape);
    let modifies = has_templates || cli.system.is_some() || cli.drop_extra;
    if cli.detect && (cli.system.is_some() || cli.drop_extra) {
        return Err(Error::Usage(
            "--detect converts nothing; --system and --drop-extra need --to (or no --detect)"
                .into(),
        ));
    }
    if let (Some(shape @ Shape::OasstTree), Some(target)) = (cli.from.shape(), to)
        && !target.takes_trees()
    {
        return Err(Error::Usage(format!(
            "--from {} becomes conversations (--to messages, sharegpt or alpaca) or pairs (--to preference or preference-messages), not {}",
            shape.name(),
            target.name()
        )));
    }
    // --pairs chooses pairs: with a target that makes none it would be ignored.
    if cli.pairs.is_some() {
        let why = match (to, cli.from.shape()) {
            _ if cli.detect => Some("--detect converts nothing".to_string()),
            (Some(Shape::Preference | Shape::PreferenceMessages), Some(shape))
                if shape != Shape::OasstTree =>
            {
                Some(format!("--from {} holds no OpenAssistant trees", shape.name()))
            }
            (Some(Shape::Preference | Shape::PreferenceMessages), _) => None,
            (Some(target), _) => Some(format!(
                "--to {} pairs nothing (a tree becomes one conversation per root-to-leaf path)",
                target.name()
            )),
            (None, _) => Some(match cli.to {
                Some(format) => format!("--to {} writes records as they are", format.name()),
                None => {
                    "without --to a tree becomes messages, one conversation per root-to-leaf path"
                        .to_string()
                }
            }),
        };
        if let Some(why) = why {
            return Err(Error::Usage(format!(
                "--pairs chooses which ranked OpenAssistant replies become preference pairs, so it needs --to preference or --to preference-messages; {why}"
            )));
        }
    }
    if cli.detect
        && let Some(shape) = cli.from.shape()
    {
        return Err(Error::Usage(format!(
            "--detect finds each record's shape, and --from {} would only assume it: use --from auto (the default) or a document format (json-array, csv, graph-response, squad)",
            shape.name()
        )));
    }
    // An empty text would make every record it reaches a bad record.
    if cli.system.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Error::Usage(
            "--system is empty: give the system prompt's text (chat shapes reject an empty system message)".into(),
        ));
    }
    if cli.refusal.trim().is_empty() {
        return Err(Error::Usage(
            "--refusal is empty: give the answer for unanswerable SQuAD questions (an empty answer is a bad record)".into(),
        ));
    }
    if cli.detect && cli.common.output.is_some() {
        return Err(Error::Usage(
            "--detect writes no records, so -o would get no file; its report is the summary on standard error (--stats FILE for JSON)".into(),
        ));
    }
    if !cli.detect
        && to.is_none()
        && sink == Sink::Jsonl
        && !container_in
        && !modifies
        && extracts.is_empty()
    {
        return Err(Error::Usage(
            "nothing to do: give --to SHAPE to convert, or --detect to see which shapes the input holds".into(),
        ));
    }
    let from = match cli.from {
        Format::Squad => Some(Shape::SquadQuestion),
        other => other.shape(),
    };
    let processor = migrate(cli, extracts, templates, from, to, modifies, container_in)?;
    Ok(Plan { processor, sink, to, from, container_in })
}

/// The processor the plan runs: the flags' templates, rules and texts.
fn migrate(
    cli: &Cli,
    extracts: Vec<Extraction>,
    templates: Templates,
    from: Option<Shape>,
    to: Option<Shape>,
    modifies: bool,
    container_in: bool,
) -> Result<Migrate, Error> {
    let mut teacher_rules = text::teacher_rules();
    teacher_rules.retain(|rule| !extracts.iter().any(|x| x.field == rule.field));
    Ok(Migrate {
        from,
        to,
        detect: cli.detect,
        jsonl_input: !container_in,
        options: WriteOptions { drop_extra: cli.drop_extra },
        system: cli.system.as_deref().map(quoted),
        templates,
        teacher_prompt: Template::parse(text::TEACHER_PROMPT).map_err(Error::Usage)?,
        teacher_response: Template::parse(text::TEACHER_RESPONSE).map_err(Error::Usage)?,
        extracts,
        teacher_rules,
        refusal: quoted(&cli.refusal),
        pairs: cli.pairs.unwrap_or_default(),
        modifies,
        passthrough: !cli.detect && to.is_none() && !modifies && from != Some(Shape::SquadQuestion),
        keeps_unshaped: !cli.detect
            && to.is_none()
            && from.is_none()
            && cli.system.is_none()
            && !cli.drop_extra,
    })
}

/// Step 2, the run: the input opened, every record converted (or detected)
/// and written to the sink, the totals of each shape kept for the summary
/// (and the count of records written as built, of no shape).
type Totals = (Run, BTreeMap<Label, ShapeTotal>, TreeCounts, u64);

fn run_plan(cli: &Cli, plan: Plan) -> Result<Totals, Error> {
    let Plan { processor, sink, container_in, .. } = plan;
    let docs::Loaded { inputs, line_maps, bad_rows, positions } = open_inputs(cli, container_in)?;
    let multiple_sources = inputs.sources.len() > 1;
    let mut run = Run::start(NAME, &cli.common, &inputs, sink != Sink::Nothing)?;
    for (source, lines) in line_maps.into_iter().enumerate() {
        run.map_lines(source, lines);
    }
    // Bad rows of a document are accounted for up front; with --fail-fast
    // the input ends at the first one, which is reported once the records
    // before it went through.
    let fail_fast = run.settings.fail_fast;
    if !fail_fast {
        for row in &bad_rows {
            run.reject_outside(row.source, row.line, &row.category, &row.message, &row.raw)?;
        }
    }

    let mut totals: BTreeMap<Label, ShapeTotal> = BTreeMap::new();
    let mut trees = TreeCounts::default();
    let mut unshaped = 0u64;
    let mut records = SinkWriter::new(sink);
    records.csv.escape_formulas = cli.formulas.escape_formulas;
    let settings = run.settings.clone();
    pipeline::run(inputs, &settings, Arc::new(processor), |mut done| {
        // A record of a document is also named by its place in it (a line
        // alone says little when the document is one line).
        for reject in &mut done.rejects {
            let line = done.first_line + reject.index as u64;
            if let Some(at) = docs::position(&positions, done.chunk.source, line) {
                reject.message.push_str(&format!(" (at {at})"));
            }
        }
        let flow = run.account(&done)?;
        trees.add(&done.acc.trees);
        unshaped += done.acc.unshaped;
        add_totals(&mut totals, &run, &done, multiple_sources, &positions);
        records.chunk(&mut run, &done)?;
        Ok(flow)
    })?;
    if fail_fast
        && !run.stopped_early()
        && let Some(row) = bad_rows.first()
    {
        run.reject_outside(row.source, row.line, &row.category, &row.message, &row.raw)?;
    }
    records.finish(&mut run)?;
    Ok((run, totals, trees, unshaped))
}

/// The input: JSONL as it is, or documents read whole and turned into JSONL
/// (with the original line of each record, and the rows that are bad).
fn open_inputs(cli: &Cli, container_in: bool) -> Result<docs::Loaded, Error> {
    if container_in {
        docs::load(cli.from, &cli.common.files, cli.common.fail_fast)
    } else {
        Ok(docs::Loaded {
            inputs: Inputs::open(&cli.common.files)?,
            line_maps: Vec::new(),
            bad_rows: Vec::new(),
            positions: Vec::new(),
        })
    }
}

/// Adds a chunk's counts of each shape to the totals, with the lines (file
/// and line, when there are several inputs) of the first records.
fn add_totals(
    totals: &mut BTreeMap<Label, ShapeTotal>,
    run: &Run,
    done: &Done<Acc>,
    multiple_sources: bool,
    positions: &[Vec<String>],
) {
    for (label, count) in &done.acc.shapes {
        let total = totals.entry(*label).or_default();
        total.records += count.records;
        total.written += count.written;
        total.unchanged += count.unchanged;
        total.outputs += count.outputs;
        for &index in &count.first {
            if total.first.len() < FIRST_LINES {
                let source = done.chunk.source;
                let jsonl_line = done.line_number(index);
                let line = run.original_line(source, jsonl_line);
                let mut at = if multiple_sources {
                    format!("{}:{line}", crate::report::printable(run.source_name(source)))
                } else {
                    line.to_string()
                };
                if let Some(position) = docs::position(positions, source, jsonl_line) {
                    at.push_str(&format!(" ({position})"));
                }
                total.first.push(at);
            }
        }
    }
}

/// Writes the records of each chunk to the sink, and closes it at the end.
struct SinkWriter {
    sink: Sink,
    csv: docs::CsvWriter,
    array_started: bool,
}

impl SinkWriter {
    fn new(sink: Sink) -> Self {
        SinkWriter { sink, csv: docs::CsvWriter::default(), array_started: false }
    }

    fn chunk(&mut self, run: &mut Run, done: &Done<Acc>) -> Result<(), Error> {
        match self.sink {
            Sink::Jsonl => run.write(done, 0)?,
            Sink::JsonArray => {
                let output = run.output_mut()?;
                for slice in done.slices(0) {
                    for record in docs::records(slice) {
                        output.write(if self.array_started { b",\n" } else { b"[\n" })?;
                        self.array_started = true;
                        output.write(record)?;
                    }
                }
            }
            Sink::Csv => {
                for slice in done.slices(0) {
                    for record in docs::records(slice) {
                        self.csv.add(record);
                    }
                }
            }
            Sink::Nothing => {}
        }
        Ok(())
    }

    fn finish(self, run: &mut Run) -> Result<(), Error> {
        match self.sink {
            Sink::JsonArray => {
                run.output_mut()?.write(if self.array_started { b"\n]\n" } else { b"[]\n" })?
            }
            Sink::Csv => {
                let text = self.csv.finish();
                run.output_mut()?.write(&text)?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn template_parts_are_known_names_given_once_in_any_order() {
        let t = parse_templates(&specs(&["system=S {{s}}", "response={{a}}", "prompt=x={{q}}"]))
            .unwrap();
        assert!(t.prompt.is_some() && t.response.is_some() && t.system.is_some());
        // No PART= (or text before `=` that is no word) is the prompt.
        assert!(parse_templates(&specs(&["Q: {{q}} a=b"])).unwrap().prompt.is_some());
        for unknown in ["instruction={{q}}", "completion={{a}}"] {
            let Err(Error::Usage(e)) = parse_templates(&specs(&[unknown])) else { panic!() };
            assert!(e.contains("is not a template part"), "{e}");
        }
        let Err(Error::Usage(e)) = parse_templates(&specs(&["{{q}}", "prompt={{a}}"])) else {
            panic!()
        };
        assert!(e.contains("the prompt has a template already"), "{e}");
        assert!(is_part_name("output_2") && !is_part_name("./x") && !is_part_name("Q: {{q}} a"));
    }
}
