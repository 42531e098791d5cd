//! persona-label: oracle labels for calendar events from explicit persona
//! rules (seeds 000 and 001, the "Oracle Input Strategy").
//!
//! Each Microsoft Graph event gets, per persona, an importance label, prep
//! need and minutes, an RSVP decision and the reasoning, appended to the
//! record. Personas are JSON files in the format the seed project used
//! (`persona`), extended with structured matchers; the built-in library is in
//! `builtin`. All text tests of all personas are compiled into one matcher
//! (`matcher`), rules decide on the hits (`rules`), and `label` turns the
//! fired rules into labels, under the default rules or `--rules seed`.
//! `explain` tallies what fired for the rule analysis.

mod builtin;
mod event;
mod explain;
mod label;
mod matcher;
mod persona;
mod rules;
mod text;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json;
use crate::pipeline::{self, Disposition, Emit, Processor};
use crate::report::percent;
use crate::run::{Run, Verdict};

use event::{Needs, Problem, Scanner};
use explain::Tally;
use label::Label;
use matcher::{Matcher, Scratch, Terms};
pub use persona::Mode;
use persona::Persona;
use rules::Ctx;

pub const DOC: ToolDoc = ToolDoc {
    name: "persona-label",
    examples: &[
        (
            "Label meetings as the built-in pipeline-juggling sales manager would",
            "persona-label --persona builtin:tier1_sales_manager_pipeline meetings.jsonl > labeled.jsonl",
        ),
        (
            "Label a real calendar export with every tier-1 persona and see which rules fire",
            "fmt-migrate --from graph-response calendar_export.json \\\n    | persona-label --tier 1 --explain --stats tier1.json > tier1.jsonl",
        ),
        (
            "Check your own persona, then label with it and a built-in one (two lines per event)",
            "persona-label --check my_persona.json\n  persona-label --persona my_persona.json --persona builtin:tier2_senior_ic_architect meetings.jsonl",
        ),
        (
            "Re-label old data exactly as the seed generator did, then see what the default rules change",
            "persona-label --rules seed --persona p.json --timestamp none old.jsonl > seed.jsonl\n  persona-label --persona p.json --timestamp none old.jsonl | dist-report seed.jsonl --compare - --field importance_label",
        ),
        (
            "Measure the diversity of the built-in library (normalized entropy over six dimensions)",
            "persona-label --list --format jsonl | dist-report --field level --field function --field industry --field company --field work_style --field stress_level",
        ),
    ],
    sections: &[
        (
            "Output",
            "Every event is written once per persona (personas in the order given: --persona flags in order, then \
each --tier, then --all-personas; built-in personas of a tier in id order; a persona selected \
twice, a built-in by --tier and --persona or one file by two names or links, counts once; two different \
personas with the same id are an error), with these fields set: \
importance_label (\"critical\", \"high\", \"medium\" or \"low\"), prep_needed (true or false), prep_time_minutes \
(0 when no prep is needed), rsvp (\"accept\", \"tentative\" or \"decline\"; not written under --rules seed), \
reasoning, persona_id and generation_timestamp. They go through the shared field setter: the event's own keys \
keep their order and bytes, new fields are appended in the order above, and a field the event already has \
(an event labeled before) is replaced where it stands.\n\n\
generation_timestamp is the time of the run as ISO 8601 UTC (2025-11-10T14:32:18Z), the same for every line; \
SOURCE_DATE_EPOCH replaces the clock. --timestamp none leaves the field out; --timestamp VALUE writes VALUE, \
which must be a valid ISO 8601 date-time, as graph-validate checks it: YYYY-MM-DDTHH:MM[:SS[.fraction]] (1 \
to 9 fraction digits), optionally followed by Z or ±HH:MM (or ±HHMM).\n\n\
A line that is not a JSON object is a bad record, and so is an event whose subject or bodyPreview is neither a \
string nor null, and a record with neither a subject nor a bodyPreview key (\"not a calendar event\"; an export \
wrapper such as {\"metadata\":…,\"events\":[…]} on one line gets a hint to flatten it with jq -c '.events[]').",
        ),
        (
            "Persona files",
            "A persona is one JSON object (a UTF-8 BOM and CRLF line ends are fine) with the keys of the format \
the seed project used: id, name, tier (1, 2 or 3) are required; demographics (level, function, tenure, \
team_size, company, industry, location), meeting_context (weekly_meeting_hours, typical_breakdown), work_style, \
career_stage, stress_level and notes describe the persona; the rules are importance_criteria \
(always_important, usually_important, sometimes_important, rarely_important), priority_framework (a list of \
{name, time_commitment, keywords}), prep_time_needs (requires_prep, optional_prep, no_prep) and rsvp_rules \
(always_accept, conditional, decline_by_default, always_decline). Two optional keys extend the format: self \
{address, internal_domains, utc_offset} says who the persona is (the domain of address is internal; \
utc_offset such as \"+08:00\" moves events whose times are in UTC onto the persona's clock), and \
label_thresholds {critical, high, medium} replaces the default score thresholds 6, 4 and 1.\n\n\
An unknown key, a key repeated in one object, a value of the wrong type, an invalid regex, an empty \
keyword or a priority without keywords is an error: persona-label exits 2 and prints every problem as FILE: JSON.PATH: what was \
expected, with the nearest valid key when a key looks like a typo (rsvp_rules.always_acept: unknown key; \
did you mean \"always_accept\"?). A descriptive rule with no content word (it can never match) is a warning. \
--check FILE validates persona files without labeling and prints, per persona, how many rules each list \
holds, and notes when rules need self and the persona has none (optional_for_self is then never true; \
external attendees are then those outside the organizer's domain). --self ADDRESS supplies self.address for \
every persona at run time, which is how built-in personas learn whose calendar they label.",
        ),
        (
            "Keywords",
            "The entries of the importance lists and the priority keywords are keywords. A keyword matches when \
its words occur, in order and next to each other, in the event's subject or its bodyPreview (never across the \
two). Words are compared normalized: lower-cased; made of letters and digits, everything else separating words \
(so \"all-hands\" matches \"All Hands\", and \"1:1\" matches \"1-1\"); each CJK ideograph or kana is a word by \
itself; and plural-folded. Folding applies to a word ending in \"s\" of four or more characters (three when it \
directly follows a hyphen, as in check-ins and stand-ups): \"ies\" becomes \"y\" when the word has five or more \
(policies → policy); \"yses\" becomes \"ysis\" (analyses → analysis); \"sses\", \"shes\", \"ches\" and \"xes\" \
lose the \"es\" (processes → process); \"zzes\" loses \"zes\" (quizzes → quiz); otherwise the final \"s\" is \
dropped unless the word ends in \"ss\", \"us\" or \"is\" (reviews → review; status, analysis and business stay). \
A digit followed by \"s\" loses the \"s\" (1on1s, 1:1s), and shorter words (ATS, ops) are kept. Both sides are \
folded, so \"review\" matches \"reviews\" and \"reviews\" matches \"review\". A keyword written /…/ is a regex, matched \
case-insensitively anywhere in the subject or the bodyPreview.",
        ),
        (
            "Descriptive rules",
            "The string entries of prep_time_needs and rsvp_rules are descriptive, e.g. \"Deal reviews with \
leadership (30 min: pipeline data, forecast accuracy)\". The rule's name is the text before the first \"(\", \
trimmed. Its minutes are the first number stated with a unit inside the parentheses: \"30 min\" → 30, \
\"30-60 min\" → 45 (the midpoint, rounded down), \"60+ min\" → 60; hours count 60 minutes (\"1-2 hours\" → 90, \
\"0.5 hours\" → 30); \
none when nothing is stated. The head phrase is the name up to the first \" with \", \" for \", \" during \" \
or \" unless \". Its words (split at spaces) are normalized like keywords; a word holding \"/\" offers \
alternatives (\"customer/client\" or \"customer / client\": either), a hyphenated word is a phrase (\"all-hands\"); stop words and \
generic nouns are dropped. The rule matches an event when every remaining word (one of its alternatives) \
occurs as a whole word in the subject or the bodyPreview, in any order. So \"Deal reviews with leadership\" \
matches \"Q4 deal review\", and \"Customer/client meetings (revenue at stake)\" matches any event naming a \
customer or a client. A descriptive entry written /…/ is a regex, named by itself.\n\n\
Stop words: a, an, the, and, or, nor, of, to, in, on, at, by, from, into, onto, about, over, under, via, \
per, as, is, are, be, it, its, this, that, these, those, my, our, your, their, his, her, i, me, we, you, they, \
them, us, any, anything, some, all, every, each, other, another, etc, vs, versus, if, than, then, so, such, \
also, just, only, very, more, most, new, optional, general, routine, regular, various, relevant, important, \
quick, key, major, large, small, big. Generic nouns: meeting, session, call, event, invite, invitation, \
appointment (plurals folded as above).",
        ),
        (
            "Structured matchers",
            "Wherever a rule list holds strings it may also hold a matcher object: {\"name\": …, \"minutes\": …, \
conditions…}. name (required) is what the reasoning shows; minutes (0-1440, optional) is the prep time of a \
prep rule. All conditions of an object must hold. Text conditions take a keyword, a /regex/ or a list of them \
(any one suffices), matched like keywords: subject; body (bodyPreview or body.content, HTML tags and entities \
removed); text (subject or bodyPreview); organizer (the organizer's name or address; \"contoso.com\" matches \
user@contoso.com); attendee (any attendee's name or address); location (location.displayName); category \
(any of categories). Attendee conditions: min_attendees and max_attendees count the attendees that are not \
resources (rooms); external_attendees true (at least one), false (none) or N (at least N) counts the people \
(non-resource attendees, plus the organizer when not among them) whose address domain is not internal; \
external_organizer true or false tests the organizer's address domain. Internal domains are self.internal_domains and the domain of self.address (or of --self), or, when there are \
none, the organizer's domain; a subdomain of an internal domain is internal. organizer_is_self is true when the \
event has isOrganizer true, responseStatus.response \"organizer\", or the organizer's address equal to \
self.address; optional_for_self when the attendee whose address is self.address has type \"optional\". \
Event conditions: recurring (type occurrence, exception or seriesMaster), all_day (isAllDay), online \
(isOnlineMeeting), show_as (showAs: free, tentative, busy, oof, workingElsewhere, unknown), response \
(responseStatus.response: none, organizer, tentativelyAccepted, accepted, declined, notResponded), importance \
(the event's own importance: low, normal, high), min_duration_minutes and max_duration_minutes (end minus \
start, as written), start_hour_before H (starts before H:00; 8.5 is 08:30) and start_hour_after H (starts at \
or after H:00), weekday (mon … sun, or a list). Times are read as written in start.dateTime, on the event's \
own clock; an event in UTC is moved by self.utc_offset when the persona sets one. all, any (lists of \
condition objects) and not (one condition object) combine conditions; bounds in one object that no event \
can meet (min_attendees above max_attendees, min_duration_minutes above max_duration_minutes, \
start_hour_after not before start_hour_before) are an error. A condition on a field the event \
does not have is false; missing booleans (isAllDay, isOnlineMeeting, isOrganizer) count as false.",
        ),
        (
            "Labeling rules",
            "The default rules, in order; the same event and persona always get the same labels.\n\n\
1. Score: each matching always_important entry +4, usually_important +2, sometimes_important +1, \
rarely_important -3; each priority with at least one matching keyword +2 (once per priority).\n\n\
2. Label: a score of at least 6 is critical, at least 4 high, at least 1 medium, otherwise low (label_thresholds \
replaces 6, 4 and 1). Any matching always_important entry makes the label at least high.\n\n\
3. Prep: the first matching requires_prep entry gives prep with its minutes (30 when it states none); \
otherwise the first matching optional_prep entry gives prep if the label is critical or high (its minutes, 15 \
when none; one that matches a medium or low event decides nothing); otherwise the first matching no_prep \
entry gives none; with no prep entry matching at all, a critical event gets 30 minutes and any other none. Minutes are clamped to 15-90 when prep is needed, and are 0 otherwise.\n\n\
4. RSVP: the first matching always_decline entry declines; otherwise the first matching always_accept entry \
accepts; otherwise the first matching decline_by_default entry declines unless the label is critical or high; \
otherwise the first matching conditional entry makes it tentative; otherwise critical, high and medium \
accept and low is tentative.\n\n\
5. Reasoning: the rules that fired, joined by \"; \": \"Always important: K\", \"Usually important: K\", \
\"Sometimes important: K\", \"Rarely important: K\" for every matching entry (in that order, each list in file \
order), \"Matches priority: NAME\" once per matching priority, then the rule that decided prep (\"Requires \
prep: N\", \"Optional prep: N\" or \"No prep: N\") and the rule that decided the RSVP (\"RSVP decline: N\", \
\"RSVP accept: N\", \"RSVP decline by default: N\" or \"RSVP tentative: N\"). K is the keyword as written (a \
matcher's name), N the rule's name. Defaults (no rule deciding) add nothing; when nothing fired the reasoning is \"No rule \
matched\".",
        ),
        (
            "Seed rules",
            "--rules seed reproduces the labeling of the seed project's generator (generate_persona_training_data.py), \
so old data can be re-labeled identically: every string of the importance lists, the priority keywords and \
the prep lists is a plain substring of the lower-cased subject or the lower-cased bodyPreview (no word \
boundaries: \"demo\" matches \"demonstrate\"; a /…/ string is a literal too); matches add always +4, usually \
+3, sometimes +2, rarely +1 (sic), and +3 for every matching priority keyword, with \"Matches priority: NAME\" \
repeated per keyword. A score of at least 4 is critical, 3 high, 2 medium, else low (label_thresholds are \
ignored). Every matching requires_prep string gives prep, 30 minutes, \"Requires prep: STRING\"; every \
matching optional_prep string, when the score is at least 3, gives prep, at least 15 minutes, \"Optional prep \
(important meeting): STRING\". No RSVP is decided and no rsvp field is written. The reasoning is the \
reasons joined by \"; \", or \"No specific patterns matched\". Structured matchers keep their own semantics.",
        ),
        (
            "Built-in personas",
            "30 personas are built in (persona files in personas/ of the source, embedded in the binary): 12 of \
tier 1 (overloaded managers and executives), 10 of tier 2 (senior individual contributors, new leaders, \
customer-facing roles) and 8 of tier 3 (edge cases and specialized roles). --list prints the id, tier and \
name of each (or of the personas selected); --list --format jsonl prints one JSON object per persona with id, tier, \
name, rules (the number of rules) and six diversity dimensions: level, function, industry and company from \
demographics, work_style (the text of work_style before its first \":\") and stress_level (the text of \
stress_level without its leading stars, before its first \":\").",
        ),
        (
            "Rule analysis",
            "--explain reports, for each persona: the label, RSVP and prep distributions; how many events each rule \
matched (and, for prep and RSVP rules, how many it decided) and each priority; the rules that never fired \
(dead rules); and the events where an always_important and a rarely_important entry both fired, with up to \
five of them as FILE:LINE. It goes to standard error (even with --quiet), and into --stats as \"rules\", \
\"priorities\", \"dead_rules\" and \"conflict_examples\" of each persona. --stats always holds each persona's \
label, RSVP and prep distribution.",
        ),
    ],
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Label calendar events with explicit persona rules (oracle labels)
///
/// Reads Microsoft Graph calendar events (JSONL) and writes each event once
/// per persona with importance_label, prep_needed, prep_time_minutes, rsvp,
/// reasoning, persona_id and generation_timestamp appended. Personas are
/// persona files (the seed project's format, extended) or built-in ones.
#[derive(Parser, Debug)]
#[command(name = "persona-label", version)]
pub struct Cli {
    /// Label with this persona: a persona file, or builtin:ID (repeatable)
    ///
    /// With several personas every event is written once per persona, in the
    /// order given. See --list for the built-in ids.
    #[arg(long, value_name = "FILE|builtin:ID", help_heading = "Personas")]
    pub persona: Vec<String>,

    /// Label with every built-in persona of tier N (repeatable)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3), help_heading = "Personas")]
    pub tier: Vec<u8>,

    /// Label with all 30 built-in personas
    #[arg(long, help_heading = "Personas")]
    pub all_personas: bool,

    /// Which labeling rules to apply
    #[arg(long, value_enum, value_name = "RULES", default_value_t = Mode::Default, help_heading = "Labeling")]
    pub rules: Mode,

    /// The generation_timestamp written: now, none (no field) or a fixed value
    ///
    /// now is the time of the run (SOURCE_DATE_EPOCH when set) as ISO 8601
    /// UTC; a fixed value must be an ISO 8601 date-time, e.g. 2025-11-10T14:32:18Z.
    #[arg(long, value_name = "now|none|VALUE", default_value = "now", help_heading = "Labeling")]
    pub timestamp: String,

    /// Whose calendar it is: sets self.address of every persona (overriding the files)
    ///
    /// The address's domain becomes internal, so external_attendees,
    /// organizer_is_self and optional_for_self work with built-in personas.
    #[arg(long = "self", value_name = "ADDRESS", value_parser = email_address, help_heading = "Labeling")]
    pub self_address: Option<String>,

    /// Report, per persona, rule firings, dead rules, conflicts and label distributions
    ///
    /// Written to standard error and, with --stats, into the stats file.
    #[arg(long, help_heading = "Labeling")]
    pub explain: bool,

    /// Validate persona files (the FILE arguments and --persona) without labeling
    #[arg(long, conflicts_with_all = ["list", "explain"], help_heading = "Personas")]
    pub check: bool,

    /// Print the built-in personas (or those selected): id, tier and name
    #[arg(long, help_heading = "Personas")]
    pub list: bool,

    #[command(flatten)]
    pub common: Common,

    /// With --list: table (id, tier, name) or jsonl (one JSON object per persona, with its diversity dimensions)
    #[arg(long, value_enum, value_name = "FORMAT", requires = "list", help_heading = "Output")]
    pub format: Option<ListFormat>,

    /// The former name of --format jsonl, still accepted
    #[arg(long, hide = true, requires = "list", conflicts_with = "format")]
    pub json: bool,
}

/// How --list prints the personas.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Aligned columns: id, tier and name
    Table,
    /// One JSON object per persona, with its diversity dimensions
    Jsonl,
}

/// `--self`: an address graph-validate would accept on an attendee.
fn email_address(text: &str) -> Result<String, String> {
    let text = text.trim();
    if crate::email::looks_like_email(text.as_bytes()) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an e-mail address (write e.g. me@contoso.com)"))
    }
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// Where a persona comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    File(PathBuf),
    Builtin(&'static builtin::Builtin),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::File(path) if path.as_os_str() == "-" => "<stdin>".into(),
            Source::File(path) => path.display().to_string(),
            Source::Builtin(b) => format!("builtin:{}", b.id),
        }
    }

    fn text(&self) -> Result<String, Error> {
        match self {
            Source::Builtin(b) => Ok(b.text.to_string()),
            Source::File(path) => {
                let name = self.name();
                let bytes = if path.as_os_str() == "-" {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .lock()
                        .read_to_end(&mut buf)
                        .map_err(|source| Error::Input { name: name.clone(), source })?;
                    buf
                } else {
                    crate::guard::input(path, &name)?;
                    std::fs::read(path).map_err(|source| {
                        // `--persona tier1_x` meant the built-in of that name.
                        let text = path.to_string_lossy();
                        let near = builtin::find(&text).map(|b| b.id).or_else(|| {
                            text::nearest(&text, builtin::BUILTINS.iter().map(|b| b.id))
                        });
                        match near {
                            Some(id) if source.kind() == std::io::ErrorKind::NotFound => {
                                Error::Usage(format!(
                                    "--persona {text}: no such file; did you mean builtin:{id}?"
                                ))
                            }
                            _ => Error::Input { name: name.clone(), source },
                        }
                    })?
                };
                String::from_utf8(bytes).map_err(|_| {
                    Error::Config(format!("{name}: a persona file must be UTF-8 text"))
                })
            }
        }
    }
}

fn builtin_source(id: &str) -> Result<Source, Error> {
    builtin::find(id).map(Source::Builtin).ok_or_else(|| {
        let hint = text::nearest(id, builtin::BUILTINS.iter().map(|b| b.id))
            .map(|n| format!("; did you mean builtin:{n}?"))
            .unwrap_or_default();
        Error::Usage(format!("--persona builtin:{id}: no such built-in persona{hint} (see --list)"))
    })
}

/// The selected personas, in labeling order (a built-in one only once).
fn selection(cli: &Cli, extra_files: &[PathBuf]) -> Result<Vec<Source>, Error> {
    let mut out: Vec<Source> = extra_files.iter().cloned().map(Source::File).collect();
    for spec in &cli.persona {
        out.push(match spec.strip_prefix("builtin:") {
            Some(id) => builtin_source(id)?,
            None => Source::File(PathBuf::from(spec)),
        });
    }
    for tier in &cli.tier {
        out.extend(builtin::BUILTINS.iter().filter(|b| b.tier == *tier).map(Source::Builtin));
    }
    if cli.all_personas {
        out.extend(builtin::BUILTINS.iter().map(Source::Builtin));
    }
    // A persona selected twice (a built-in by --tier and --persona, or one
    // file through two names or links) is one persona; two different
    // sources with one id are still refused by `unique_ids`.
    let mut unique: Vec<Source> = Vec::with_capacity(out.len());
    for source in out {
        let again = unique.iter().any(|seen| match (seen, &source) {
            (Source::File(a), Source::File(b)) => crate::guard::same_file(a, b),
            (a, b) => a == b,
        });
        if !again {
            unique.push(source);
        }
    }
    if unique.iter().filter(|s| matches!(s, Source::File(p) if p.as_os_str() == "-")).count() > 1 {
        return Err(Error::Usage("a persona can be read from standard input (-) only once".into()));
    }
    Ok(unique)
}

/// Loads every selected persona; all problems of all files are reported together.
fn load_all(sources: &[Source], mode: Mode, terms: &mut Terms) -> Result<Vec<Persona>, Error> {
    let mut personas = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let text = source.text()?;
        match persona::load(&text, &source.name(), mode, terms) {
            Ok(p) => personas.push(p),
            Err(list) => errors.extend(list),
        }
    }
    if errors.is_empty() {
        return Ok(personas);
    }
    const SHOWN: usize = 20;
    let mut message =
        errors.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("\npersona-label: ");
    if errors.len() > SHOWN {
        message.push_str(&format!("\npersona-label: … and {} more problems", errors.len() - SHOWN));
    }
    Err(Error::Config(message))
}

/// Labels are told apart by persona_id: two personas with one id (the same
/// file twice, or a file and a built-in persona) would write lines no
/// reader can attribute.
fn unique_ids(personas: &[Persona]) -> Result<(), Error> {
    for (i, p) in personas.iter().enumerate() {
        if let Some(q) = personas[..i].iter().find(|q| q.id == p.id) {
            return Err(Error::Usage(format!(
                "two personas have the id {:?} ({} and {}): every labeled line carries persona_id, so ids must be unique; give each persona once",
                p.id, q.source, p.source
            )));
        }
    }
    Ok(())
}

fn warn(personas: &[Persona], quiet: bool) {
    if quiet {
        return;
    }
    let mut err = crate::progress::stderr();
    for p in personas {
        for w in &p.warnings {
            let _ = writeln!(err, "persona-label: warning: {w}");
        }
    }
}

/// Checks a `--timestamp` value: an ISO 8601 date-time, as graph-validate
/// checks generation_timestamp (the library's parser, every field range-checked).
fn check_timestamp(value: &str) -> Result<(), Error> {
    if crate::time::parse_date_time(value).is_some() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--timestamp {value:?}: expected now, none or an ISO 8601 date-time such as 2025-11-10T14:32:18Z"
    )))
}

fn generation_timestamp(arg: &str) -> Result<Option<String>, Error> {
    match arg {
        "none" => Ok(None),
        "now" => {
            let epoch = crate::time::now_epoch().map_err(Error::Usage)?;
            Ok(Some(crate::time::iso8601_utc(epoch)))
        }
        value => {
            check_timestamp(value)?;
            Ok(Some(value.to_string()))
        }
    }
}

fn list(cli: &Cli) -> Result<Outcome, Error> {
    let mut sources = selection(cli, &[])?;
    if sources.is_empty() {
        sources = builtin::BUILTINS.iter().map(Source::Builtin).collect();
    }
    let personas = load_all(&sources, Mode::Default, &mut Terms::default())?;
    let width = personas.iter().map(|p| p.id.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for p in &personas {
        if cli.json || cli.format == Some(ListFormat::Jsonl) {
            let field = |v: &Option<String>| v.as_deref().map_or("null".to_string(), json::quote);
            text.push_str(&format!(
                "{{\"id\":{},\"tier\":{},\"name\":{},\"rules\":{},\"level\":{},\"function\":{},\"industry\":{},\"company\":{},\"work_style\":{},\"stress_level\":{}}}\n",
                json::quote(&p.id),
                p.tier,
                json::quote(&p.name),
                p.rules.len(),
                field(&p.level),
                field(&p.function),
                field(&p.industry),
                field(&p.company),
                field(&p.work_style_category()),
                field(&p.stress_category()),
            ));
        } else {
            text.push_str(&format!("{:<width$}  {}  {}\n", p.id, p.tier, p.name));
        }
    }
    let mut out =
        crate::output::Output::open(cli.common.output.as_deref(), crate::run::RECORDS_ON_STDOUT)?;
    out.write(text.as_bytes())?;
    out.commit()?;
    Ok(Outcome::Clean)
}

fn check(cli: &Cli) -> Result<Outcome, Error> {
    let sources = selection(cli, &cli.common.files)?;
    if sources.is_empty() {
        return Err(Error::Usage(
            "--check needs persona files: persona-label --check FILE… (or --persona, --tier, --all-personas)".into(),
        ));
    }
    let mut personas = load_all(&sources, cli.rules, &mut Terms::default())?;
    if let Some(address) = &cli.self_address {
        for p in &mut personas {
            p.set_self(address);
        }
    }
    warn(&personas, cli.common.quiet);
    if !cli.common.quiet {
        let mut err = crate::progress::stderr();
        for p in &personas {
            let _ = writeln!(
                err,
                "persona-label: {}: ok: {} \"{}\" (tier {}): {}",
                p.source,
                p.id,
                p.name,
                p.tier,
                persona::rule_summary(p)
            );
        }
    }
    Ok(Outcome::Clean)
}

/// The fields written into every labeled event, in this order.
const OUTPUT_KEYS: [&str; 7] = [
    "importance_label",
    "prep_needed",
    "prep_time_minutes",
    "rsvp",
    "reasoning",
    "persona_id",
    "generation_timestamp",
];

/// The per-record labeling, run on worker threads.
struct Labeler {
    personas: Vec<Persona>,
    mode: Mode,
    matcher: Matcher,
    scanner: Scanner,
    /// The fields written, in order (the scanner knows them too).
    keys: Vec<&'static str>,
    /// JSON text of each persona's id.
    ids: Vec<Vec<u8>>,
    /// JSON text of generation_timestamp, when written.
    timestamp: Option<Vec<u8>>,
}

struct Acc {
    tallies: Vec<Tally>,
    scratch: Scratch,
    fired: Vec<bool>,
    reasons: String,
    reasons_json: Vec<u8>,
    out: Vec<u8>,
    existing: Vec<(usize, std::ops::Range<usize>)>,
}

impl Processor for Labeler {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc {
            tallies: self.personas.iter().map(Tally::new).collect(),
            scratch: Scratch::default(),
            fired: Vec::new(),
            reasons: String::new(),
            reasons_json: Vec::new(),
            out: Vec::new(),
            existing: Vec::new(),
        }
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let Acc { tallies, scratch, fired, reasons, reasons_json, out, existing } = acc;
        let event = match self.scanner.read(line.bytes, existing) {
            Ok(e) => e,
            Err(Problem::Json(e)) => return emit.reject_json(&e),
            Err(Problem::Unusable(category, message)) => return emit.reject(&category, message),
        };
        self.matcher.scan(scratch, &|field, each| event.texts(field, each));
        let ctx = Ctx::new(&event, &scratch.hits);
        let mut disposition = Disposition::Written;
        for (i, p) in self.personas.iter().enumerate() {
            ctx.for_persona();
            fired.clear();
            fired.extend(p.rules.iter().map(|r| ctx.eval(&r.cond, &p.me)));
            let outcome = label::label(p, self.mode, fired, reasons);
            tallies[i].record(p, &outcome, fired, line.index);
            reasons_json.clear();
            json::write_str(reasons_json, reasons);
            let mut minutes = [0u8; 10];
            let minutes_text = format_u32(&mut minutes, outcome.minutes);
            let mut fields: [(&str, &[u8]); OUTPUT_KEYS.len()] = [("", b""); OUTPUT_KEYS.len()];
            for (slot, key) in fields.iter_mut().zip(&self.keys) {
                let value: &[u8] = match *key {
                    "importance_label" => quoted_label(outcome.label),
                    "prep_needed" if outcome.prep => b"true",
                    "prep_needed" => b"false",
                    "prep_time_minutes" => minutes_text,
                    "rsvp" => outcome.rsvp.map_or(b"null", quoted_rsvp),
                    "reasoning" => reasons_json,
                    "persona_id" => &self.ids[i],
                    _ => self.timestamp.as_deref().unwrap_or(b"null"),
                };
                *slot = (key, value);
            }
            let fields = &fields[..self.keys.len()];
            out.clear();
            json::set_fields_at(line.bytes, existing, fields, out);
            disposition = emit.write(out);
        }
        disposition
    }
}

fn format_u32(buf: &mut [u8; 10], mut n: u32) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

fn quoted_label(label: Label) -> &'static [u8] {
    match label {
        Label::Critical => b"\"critical\"",
        Label::High => b"\"high\"",
        Label::Medium => b"\"medium\"",
        Label::Low => b"\"low\"",
    }
}

fn quoted_rsvp(rsvp: label::Rsvp) -> &'static [u8] {
    match rsvp {
        label::Rsvp::Accept => b"\"accept\"",
        label::Rsvp::Tentative => b"\"tentative\"",
        label::Rsvp::Decline => b"\"decline\"",
    }
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    if cli.list {
        return list(&cli);
    }
    if cli.check {
        return check(&cli);
    }
    let timestamp = generation_timestamp(&cli.timestamp)?;
    let sources = selection(&cli, &[])?;
    if sources.is_empty() {
        return Err(Error::Usage(
            "no persona chosen: give --persona FILE|builtin:ID, --tier N or --all-personas (--list shows the built-in ones)"
                .into(),
        ));
    }
    if sources.iter().any(|s| matches!(s, Source::File(p) if p.as_os_str() == "-"))
        && (cli.common.files.is_empty() || cli.common.files.iter().any(|f| f.as_os_str() == "-"))
    {
        return Err(Error::Usage(
            "standard input cannot hold both a persona (--persona -) and the events".into(),
        ));
    }
    let mut terms = Terms::default();
    let mut personas = load_all(&sources, cli.rules, &mut terms)?;
    unique_ids(&personas)?;
    if let Some(address) = &cli.self_address {
        for p in &mut personas {
            p.set_self(address);
        }
    }
    warn(&personas, cli.common.quiet);
    let matcher = terms.compile()?;
    let needs = personas.iter().fold(Needs::default(), |n, p| n.union(p.needs));
    let keys: Vec<&'static str> = OUTPUT_KEYS
        .iter()
        .copied()
        .filter(|k| match *k {
            "rsvp" => cli.rules == Mode::Default,
            "generation_timestamp" => timestamp.is_some(),
            _ => true,
        })
        .collect();
    let labeler = Arc::new(Labeler {
        ids: personas.iter().map(|p| json::quote(&p.id).into_bytes()).collect(),
        timestamp: timestamp.as_deref().map(|t| json::quote(t).into_bytes()),
        personas,
        mode: cli.rules,
        matcher,
        scanner: Scanner::new(&needs, &keys),
        keys,
    });

    let inputs = Inputs::open(&cli.common.files)?;
    let mut run = Run::start("persona-label", &cli.common, &inputs, true)?;
    let settings = run.settings.clone();
    let mut tallies: Vec<Tally> = labeler.personas.iter().map(Tally::new).collect();
    pipeline::run(inputs, &settings, labeler.clone(), |done| {
        let flow = run.take(&done)?;
        let source = run.source_name(done.chunk.source).clone();
        for (total, part) in tallies.iter_mut().zip(&done.acc.tallies) {
            total.merge(part, |index| explain::locate(&source, done.line_number(index)));
        }
        Ok(flow)
    })?;

    let personas = &labeler.personas;
    let counts = run.counts();
    let mut labels = [0u64; 4];
    for t in &tallies {
        for (a, b) in labels.iter_mut().zip(t.labels) {
            *a += b;
        }
    }
    let lines = counts.lines_out;
    let rules_note = if cli.rules == Mode::Seed { " (--rules seed)" } else { "" };
    let label_phrase = Label::ALL
        .iter()
        .map(|l| {
            format!(
                "{} {} ({})",
                l.as_str(),
                labels[*l as usize],
                percent(labels[*l as usize], lines)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "labeled {} of {} events with {} persona{}{rules_note} ({lines} lines): {label_phrase}; {}",
        counts.written,
        counts.records,
        personas.len(),
        if personas.len() == 1 { "" } else { "s" },
        run.rejected_phrase()
    );
    if cli.explain {
        let mut err = crate::progress::stderr();
        for (p, t) in personas.iter().zip(&tallies) {
            let _ = err.write_all(explain::text(p, t, cli.rules).as_bytes());
        }
    }
    let mut extra = Map::new();
    extra.insert(
        "rules".into(),
        json!(match cli.rules {
            Mode::Default => "default",
            Mode::Seed => "seed",
        }),
    );
    extra.insert("generation_timestamp".into(), json!(timestamp));
    extra.insert(
        "labels".into(),
        Value::Object(
            Label::ALL
                .iter()
                .map(|l| (l.as_str().to_string(), json!(labels[*l as usize])))
                .collect(),
        ),
    );
    extra.insert(
        "personas".into(),
        Value::Array(
            personas
                .iter()
                .zip(&tallies)
                .map(|(p, t)| explain::json(p, t, cli.rules, cli.explain))
                .collect(),
        ),
    );
    run.finish(&summary, extra, Verdict::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The man page lists exactly the words the code drops.
    #[test]
    fn documented_word_lists_match_the_code() {
        let section = DOC
            .sections
            .iter()
            .find(|(title, _)| *title == "Descriptive rules")
            .map(|(_, body)| *body)
            .unwrap_or_default();
        let list = |label: &str| -> Vec<String> {
            let start = section.find(label).map_or(section.len(), |i| i + label.len());
            let rest = &section[start..];
            let end = rest.find(['.', '(']).unwrap_or(rest.len());
            rest[..end].split(',').map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect()
        };
        assert_eq!(list("Stop words:"), text::STOP_WORDS);
        assert_eq!(list("Generic nouns:"), text::GENERIC_NOUNS);
    }
}
