//! graph-validate: check Microsoft Graph calendar events against the real
//! v1.0 schema and common sense, and measure a synthetic stream against a
//! real calendar export.
//!
//! Seeds 000/001 generate synthetic meetings in Graph format so that one
//! pipeline serves synthetic pre-training and real data later, and check them
//! with a validator that compares against a real export ("alignment score",
//! target 90%+). This is that validator, built on the official metadata rather
//! than a list of six field names: valid events pass through byte for byte,
//! invalid ones are bad records carrying every error with its JSON Pointer,
//! and `--real` adds the alignment score and distribution realism.

mod align;
mod check;
mod realism;
mod schema;
mod zones;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, ToolDoc};
use crate::document;
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json::{self, JsonError};
use crate::path::FieldPath;
use crate::pipeline::{self, Disposition, Emit, Processor};
use crate::report::percent;
use crate::run::{Run, Verdict};

use align::{Alignment, PathRecorder, Profile, round6};
use check::{Config, Facts, Issue, IssueKind, Scratch};
use realism::{Compared, Realism};
use zones::{ZoneCache, Zones};

pub const DOC: ToolDoc = ToolDoc {
    name: "graph-validate",
    examples: &[
        (
            "Keep the valid synthetic meetings; every invalid one is reported with all its errors",
            "graph-validate meetings.jsonl > valid.jsonl",
        ),
        (
            "The seeds' pipeline: label, check against the real calendar export (90% target), report the labels",
            "persona-label --persona builtin:tier1_sales_manager_pipeline meetings.jsonl \\\n    | graph-validate --real my_calendar_events.json --min-alignment 0.9 \\\n    | dist-report --field importance_label --field prep_needed",
        ),
        (
            "A CI report: one JSON line per invalid event, labels and one time zone required, unknown properties flagged",
            "graph-validate --problems --labels --timezone Asia/Shanghai --strict tier1_combined.jsonl > problems.jsonl",
        ),
        (
            "Realism gate: fail when any distribution drifts too far from the real calendar; keep the figures",
            "graph-validate --real calendar_export.json --max-drift 0.3 --stats realism.json -q synthetic.jsonl > /dev/null",
        ),
        (
            "Check real Graph responses themselves (no required properties), e.g. before using them as the reference",
            "graph-validate --require '' --problems graph_events.jsonl",
        ),
    ],
    sections: &[
        (
            "Schema",
            "Built in from the official Microsoft Graph v1.0 metadata (microsoftgraph/msgraph-metadata, \
clean_v10_metadata/cleanMetadata.xml): the properties of microsoft.graph.event, with those it inherits \
from outlookItem (categories, changeKey, createdDateTime, lastModifiedDateTime) and entity (id), its \
navigation properties (attachments, calendar, extensions, instances, multiValueExtendedProperties, \
singleValueExtendedProperties: arrays, or an object for calendar, whose content is not checked), and the \
complex types it uses: dateTimeTimeZone, emailAddress, recipient, attendee (attendeeBase: type; \
proposedNewTime, status), timeSlot, responseStatus, itemBody, location, physicalAddress, \
outlookGeoCoordinates, onlineMeetingInfo, phone, patternedRecurrence, recurrencePattern, recurrenceRange.\n\n\
JSON types: Edm.String is a string; Edm.Boolean a bool; Edm.Int32 an integer literal in the 32-bit \
range; Edm.Double a number (or \"NaN\", \"INF\", \"-INF\"); Edm.DateTimeOffset an ISO 8601 date-time \
with Z or an offset; Edm.Date YYYY-MM-DD; a complex type an object; Collection(T) an array of T. Every \
property may be null except those the metadata marks Nullable=\"false\": id, dateTimeTimeZone.dateTime, \
timeSlot.start and end, recurrencePattern.dayOfMonth, interval and month, \
recurrenceRange.numberOfOccurrences. A collection is never null (CSDL: an empty one is []); its items \
may be. The event is an open type and no property is required by the schema: --require says which \
ones a dataset needs.\n\n\
Enumerations, verbatim and case-sensitive: showAs (freeBusyStatus): unknown, free, tentative, busy, \
oof, workingElsewhere. type (eventType): singleInstance, occurrence, exception, seriesMaster. \
attendee type: required, optional, resource. response (responseType): none, organizer, \
tentativelyAccepted, accepted, declined, notResponded. importance: low, normal, high. sensitivity: \
normal, personal, private, confidential. body contentType (bodyType): text, html. \
onlineMeetingProvider: unknown, skypeForBusiness, skypeForConsumer, teamsForBusiness. locationType: \
default, conferenceRoom, homeAddress, businessAddress, geoCoordinates, streetAddress, hotel, restaurant, \
localBusiness, postalAddress. uniqueIdType (locationUniqueIdType): unknown, locationStore, directory, \
private, bing. phone type (phoneType): home, business, mobile, other, assistant, homeFax, businessFax, \
otherFax, pager, radio. recurrence pattern type: daily, weekly, absoluteMonthly, relativeMonthly, \
absoluteYearly, relativeYearly. range type: endDate, noEnd, numbered. daysOfWeek and firstDayOfWeek \
(dayOfWeek): sunday, monday, tuesday, wednesday, thursday, friday, saturday. index (weekIndex): first, \
second, third, fourth, last.\n\n\
Keys holding OData annotations (any key with an @: @odata.etag, @odata.context, start@odata.type) are \
always allowed and never checked. A property the schema does not know is allowed too (Graph adds \
them, and real exports contain them); --strict reports it (\"not a property of event\", at any depth; \
names are case-sensitive, so Subject is unknown).",
        ),
        (
            "Checks",
            "Besides types, nullability and enumerations:\n\n\
A property of the schema written twice in one object is an error (\"repeated key\", at the second; \
readers disagree on which value counts: synthkit takes the first).\n\n\
dateTimeTimeZone.dateTime must be a date-time in Graph's form: YYYY-MM-DDThh:mm[:ss[.f]] with 1 to 9 \
fraction digits (Graph writes 7), optionally followed by Z or ±hh:mm (or ±hhmm). An explicit offset fixes the \
instant; otherwise the event's timeZone does. timeZone, originalStartTimeZone, originalEndTimeZone and \
recurrenceTimeZone must be a known zone: an IANA name (case-insensitive), a Windows name (CLDR \
windowsZones, e.g. China Standard Time), tzone://Microsoft/Utc, or a custom zone \
(tzone://Microsoft/Custom, Customized Time Zone; valid, offset unknown).\n\n\
The event must end after it starts in real time: start and end are resolved to instants with the \
zones' real UTC offsets (IANA database bundled in the binary; a wall-clock time in a DST gap or \
overlap resolves the RFC 5545 way, \"compatible\"), so 10:00 Asia/Shanghai and 03:00 Europe/London are \
compared correctly. When an offset is unknown (custom zone) and both sides use the same zone name, the \
wall clocks are compared. An event with isAllDay true must start and end at 00:00:00.\n\n\
--timezone ZONE: start.timeZone and end.timeZone must both be ZONE, the same name (ASCII \
case-insensitive, as zone names are; China Standard Time is not Asia/Shanghai here) (seed 001's \"all \
times use Asia/Shanghai\"); a start or end without timeZone fails it too.\n\n\
emailAddress.address must look like an address: one @, a non-empty local part, a dotted domain with \
non-empty labels, no whitespace, quotes, brackets, commas, colons or semicolons (null is allowed). Two \
attendees with the same address (ASCII case-insensitive) are an error at the later one. \
responseStatus.time of 0001-01-01T00:00:00Z is Graph's \"never\" and valid. A string property whose \
value is the documentation template \"<property>-value\" (\"iCalUId\": \"iCalUId-value\") is a \
placeholder, not a value.\n\n\
--require LIST (default id,subject,start,end,organizer,attendees): comma-separated field paths (dotted \
or JSON Pointer) that must be present and not null. --require '' requires nothing.\n\n\
Label fields (seeds 000/001), checked whenever present, all required with --labels: importance_label \
one of critical, high, medium, low; prep_needed a bool; prep_time_minutes an integer, 15 to 90 when \
prep_needed is true (required then), 0 or absent when it is false, 0 or 15 to 90 when prep_needed is \
absent; reasoning a non-empty string; persona_id a string; generation_timestamp an ISO 8601 date-time \
(offset optional, e.g. 2025-11-10T14:32:18.123456). None of them may be null. rsvp, persona-label's \
RSVP decision, is checked when present (one of accept, tentative, decline; not null) but never \
required, since persona-label --rules seed does not write it.",
        ),
        (
            "Errors",
            "Every problem is an error located by JSON Pointer, with a kind and the offending value: \
{\"path\": \"/attendees/2/type\", \"kind\": \"enum\", \"error\": \"not one of required, optional, \
resource\", \"value\": \"mandatory\"}. The value is the JSON value itself; one longer than 256 bytes is \
shown as a string holding its first 120 characters and an ellipsis; a missing property has no value. \
Kinds: type, null, enum, format, range, unknown property, placeholder, time zone, end before start, \
all-day, email, duplicate attendee, required, label.\n\n\
By default a valid event is written unchanged, byte for byte, and an invalid one is a bad record: \
graph-validate: FILE:LINE: N errors: PATH: ERROR (got VALUE); … on standard error (the first 20 \
records), or every one in --rejects FILE; the exit status is 1 unless --rejects captured them.\n\n\
--problems writes, instead of the valid events, one JSON line per invalid record: {\"file\": …, \
\"line\": …, \"id\": … (when the event has a string id), \"errors\": [ … ]}. A line that is not a JSON \
object gets one error with kind json and path \"\". The exit status is 1 when any record is invalid. \
The summary counts errors by path (array indices as *) and kind, in both modes.",
        ),
        (
            "Alignment",
            "--real FILE reads a real sample: JSONL, a JSON array, a Graph list response ({\"value\": […]}, \
several pages allowed) or an export wrapper ({\"metadata\": …, \"events\": […]}), gzip or zstd \
compressed or not. A file with no records, a record that is not a JSON object, or records none of \
which has a property of a Graph event (another layout) is an error (exit 2). Its events are \
checked like the input (same --strict; no --require, --labels or --timezone) and the number that fail \
is reported.\n\n\
Both sides are profiled by field path, a JSON Pointer with * for array indices \
(/attendees/*/emailAddress/address), and JSON type (null, bool, number, string, array, object); \
annotation keys are left out. For each (path, type) the profile counts the events that have it. The \
alignment score is, over the (path, type) pairs of the real sample, weighted by the share of real \
events having them, the weighted share that also occurs in the synthetic stream: \
score = Σ w·[present] / Σ w, in [0, 1]. With it come the missing paths (in the real sample, absent from \
the synthetic stream, with the share of real events having them), the extra paths (synthetic only) \
and the type mismatches (paths whose sets of types differ). --min-alignment X makes the exit status 1 \
when the score is below X, and is a gate: -o FILE is then not committed (standard output, \
already streamed, stays written); the summary and --stats say why.",
        ),
        (
            "Realism",
            "With --real, nine distributions are computed on both sides and set side by side, each with \
its Jensen–Shannon divergence (base 2: 0 identical, 1 nothing in common): attendee type (per attendee), \
event type, attendees per event (0, 1, 2-5, 6-10, 11-15, 16-30, 31+), duration (end − start in real \
time: <=0, 1-15, 16-30, 31-45, 46-60, 61-90, 91-120 minutes, 2-4 h, 4-24 h, >24 h), start hour and \
weekday (the wall clock as written, in the event's own zone), showAs, time zone (start.timeZone as \
written) and bodyPreview length in characters (0, 1-50, 51-100, 101-200, 201-255, 256+). A value that \
is absent or unusable counts as (none), so a generator that omits a field drifts from a sample that \
has it. Every record that is a JSON object counts, valid or not. --max-drift X makes the exit status 1 \
(a gate, like --min-alignment: -o FILE is not committed) when any divergence exceeds X (a dimension with no observations on one side, e.g. no attendees at all, \
has no divergence and does not count).\n\n\
The seeds expect about 70% required, 20% optional, 10% resource attendees and 60% singleInstance, 30% \
occurrence, 10% exception events; compare with what the real sample says.",
        ),
        (
            "Summary",
            "One line on standard error, e.g.\n\n  graph-validate: 85 of 90 events valid (94.4%); 12 errors in 5 invalid events; 5 rejected (5 failed validation)\n\n\
then the errors by path and kind (the 10 most frequent), and with --real the alignment (score, missing, \
extra and mismatched paths) and the realism table (divergence, then real/synthetic share per bucket). \
--stats FILE writes all of it as JSON: valid, invalid, errors (total and by_path_kind), the check \
settings, alignment (score, missing, extra, type_mismatches, real sample counts) and realism (per \
dimension: jensen_shannon, real and synthetic shares and counts).",
        ),
    ],
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

const DEFAULT_REQUIRE: &str = "id,subject,start,end,organizer,attendees";

/// Check Microsoft Graph calendar events; measure them against a real calendar
///
/// Reads JSONL events (Graph v1.0 `event` format, optionally with the seeds'
/// label fields) and checks each against the official schema and common
/// sense: types, nullability, enumerations, nested structure, date-times, time
/// zones, end after start, addresses, labels. Valid events are written
/// unchanged; invalid ones are bad records with all their errors. With
/// --real, the stream is also compared with a real calendar export: schema
/// alignment score and distribution realism.
#[derive(Parser, Debug)]
#[command(name = "graph-validate", version)]
pub struct Cli {
    /// Properties every event must have, not null (repeatable, or comma-separated)
    ///
    /// Dotted or JSON Pointer; '' requires nothing. Given at all, the list
    /// replaces the default.
    #[arg(long, value_name = "LIST", default_value = DEFAULT_REQUIRE, value_parser = parse_require, help_heading = "Checks")]
    pub require: Vec<RequireList>,

    /// Report properties the schema does not know (annotations stay allowed)
    #[arg(long, help_heading = "Checks")]
    pub strict: bool,

    /// Require the label fields (importance_label, prep_needed, …)
    ///
    /// Without it, label fields are checked only when present.
    #[arg(long, help_heading = "Checks")]
    pub labels: bool,

    /// Require every start and end to use this time zone (e.g. Asia/Shanghai)
    #[arg(long, value_name = "ZONE", help_heading = "Checks")]
    pub timezone: Option<String>,

    /// A real sample to compare with: JSONL, JSON array, Graph list response or export wrapper
    #[arg(long, value_name = "FILE", help_heading = "Alignment with real data")]
    pub real: Option<PathBuf>,

    /// Exit 1 when the alignment score with --real is below X (0 to 1)
    #[arg(long, value_name = "X", requires = "real", value_parser = unit_interval, help_heading = "Alignment with real data")]
    pub min_alignment: Option<f64>,

    /// Exit 1 when any distribution's Jensen–Shannon divergence from --real exceeds X (0 to 1)
    #[arg(long, value_name = "X", requires = "real", value_parser = unit_interval, help_heading = "Alignment with real data")]
    pub max_drift: Option<f64>,

    // The shared flags come before the tool's own flags under shared
    // headings, so every tool lists its headings in one order (ARCHITECTURE.md).
    #[command(flatten)]
    pub common: Common,

    /// Write one JSON line per invalid record instead of the valid events
    ///
    /// Formerly --report, which still works (--report FILE is a report file
    /// in dist-report).
    #[arg(long, alias = "report", conflicts_with_all = ["rejects", "fail_fast"], help_heading = "Output")]
    pub problems: bool,
}

/// The parsed `--require` list.
#[derive(Debug, Clone)]
pub struct RequireList(pub Vec<FieldPath>);

fn parse_require(text: &str) -> Result<RequireList, String> {
    let mut list = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        list.push(FieldPath::parse_single(item)?);
    }
    Ok(RequireList(list))
}

fn unit_interval(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a number from 0 to 1")),
    }
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// Per-chunk state.
#[derive(Default)]
struct Acc {
    scratch: Scratch,
    cache: ZoneCache,
    recorder: Option<PathRecorder>,
    realism: Realism,
    facts: Facts,
    valid: u64,
    invalid: u64,
    not_json: u64,
    errors: u64,
    by_path_kind: HashMap<(String, IssueKind), u64>,
    /// --problems: (line index in the chunk, the report line after its file and line).
    reports: Vec<(u32, String)>,
}

struct Validator {
    cfg: Config,
    zones: Zones,
    report: bool,
    compare: bool,
}

/// A path with array indices as `*`, for counting errors by path.
fn normalized(path: &str) -> String {
    path.split('/')
        .map(
            |seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) { "*" } else { seg }
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn issue_json(out: &mut Vec<u8>, issue: &Issue) {
    out.extend_from_slice(b"{\"path\":");
    json::write_str(out, &issue.path);
    out.extend_from_slice(b",\"kind\":");
    json::write_str(out, issue.kind.name());
    out.extend_from_slice(b",\"error\":");
    json::write_str(out, &issue.error);
    if let Some(value) = &issue.value {
        out.extend_from_slice(b",\"value\":");
        out.extend_from_slice(value.as_bytes());
    }
    out.push(b'}');
}

/// The bad-record reason: every error, in order.
fn message(issues: &[Issue]) -> String {
    let mut text = if issues.len() == 1 {
        String::from("1 error: ")
    } else {
        format!("{} errors: ", issues.len())
    };
    for (i, issue) in issues.iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        let path = if issue.path.is_empty() { "(record)" } else { &issue.path };
        text.push_str(&format!("{path}: {}", issue.error));
        if let Some(value) = &issue.value {
            let shown: String = value.chars().take(80).collect();
            let more = if shown.len() < value.len() { "…" } else { "" };
            text.push_str(&format!(" (got {shown}{more})"));
        }
    }
    text
}

impl Processor for Validator {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc { recorder: self.compare.then(PathRecorder::default), ..Acc::default() }
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let Acc { scratch, cache, recorder, facts, .. } = acc;
        let facts = self.compare.then_some(facts);
        let result = check::check(
            line.bytes,
            &self.cfg,
            &self.zones,
            cache,
            scratch,
            recorder.as_mut(),
            facts,
        );
        if let Err(e) = result {
            acc.not_json += 1;
            return self.json_error(line, emit, acc, &e);
        }
        if self.compare {
            acc.realism.add(&acc.facts);
        }
        if acc.scratch.issues.is_empty() {
            acc.valid += 1;
            return if self.report {
                emit.filter("valid (not written with --problems)")
            } else {
                emit.pass()
            };
        }
        acc.invalid += 1;
        acc.errors += acc.scratch.issues.len() as u64;
        for issue in &acc.scratch.issues {
            *acc.by_path_kind.entry((normalized(&issue.path), issue.kind)).or_default() += 1;
        }
        if self.report {
            let mut body = Vec::with_capacity(256);
            if let Some(id) = string_id(line.bytes) {
                body.extend_from_slice(b"\"id\":");
                json::write_str(&mut body, &id);
                body.push(b',');
            }
            body.extend_from_slice(b"\"errors\":[");
            for (i, issue) in acc.scratch.issues.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                issue_json(&mut body, issue);
            }
            body.extend_from_slice(b"]}");
            acc.reports.push((line.index, String::from_utf8_lossy(&body).into_owned()));
            return emit.hold();
        }
        emit.reject("failed validation", message(&acc.scratch.issues))
    }
}

/// The record's top-level `id` when it is a string.
fn string_id(line: &[u8]) -> Option<String> {
    let members = json::members(line).ok()?;
    let id = members.iter().find(|m| m.key() == "id")?;
    id.value.as_str().map(|s| s.into_owned())
}

impl Validator {
    fn json_error(
        &self,
        line: &Line<'_>,
        emit: &mut Emit<'_>,
        acc: &mut Acc,
        e: &JsonError,
    ) -> Disposition {
        if !self.report {
            return emit.reject_json(e);
        }
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(b"\"errors\":[{\"path\":\"\",\"kind\":\"json\",\"error\":");
        json::write_str(&mut body, &e.describe(line.bytes));
        body.extend_from_slice(b"}]}");
        acc.reports.push((line.index, String::from_utf8_lossy(&body).into_owned()));
        emit.hold()
    }
}

/// The real sample, read and profiled.
struct RealSample {
    name: String,
    records: u64,
    invalid: u64,
    profile: Profile,
    realism: Realism,
}

fn read_real(path: &Path, strict: bool, zones: &Zones) -> Result<RealSample, Error> {
    // A file or `-`, compressed or not, as the inputs are.
    let doc = document::read(path)?;
    if doc.records.is_empty() {
        return Err(Error::Config(format!(
            "{}: no records found (expected JSONL, a JSON array, {{\"value\": […]}} or {{\"events\": […]}})",
            doc.name
        )));
    }
    let cfg = Config { strict, ..Config::default() };
    let mut cache = ZoneCache::default();
    let mut scratch = Scratch::default();
    let mut recorder = PathRecorder::default();
    let mut facts = Facts::default();
    let mut realism = Realism::default();
    let mut invalid = 0;
    for i in 0..doc.records.len() {
        let record = doc.record(i);
        match check::check(
            record,
            &cfg,
            zones,
            &mut cache,
            &mut scratch,
            Some(&mut recorder),
            Some(&mut facts),
        ) {
            Ok(()) => {
                realism.add(&facts);
                if !scratch.issues.is_empty() {
                    invalid += 1;
                }
            }
            Err(e) => {
                // The document was validated whole: the record is not an object.
                return Err(Error::Config(format!(
                    "{}:{}: {} (--real must hold Graph events)",
                    doc.name,
                    doc.line_of(i),
                    e.describe(record)
                )));
            }
        }
    }
    let mut profile = Profile::default();
    profile.add(&recorder);
    // `id` is on every Graph entity and in most other files (a judge file's
    // records have one too), so it does not make a record an event.
    let is_event_property = |path: &String| {
        let top = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        top != "id" && schema::EVENT.position(top.as_bytes()).is_some()
    };
    if !profile.paths.keys().any(is_event_property) {
        return Err(Error::Config(format!(
            "{}: none of its {} records has a property of a Graph event other than id (subject, start, …); \
             expected Graph events as JSONL, a JSON array, {{\"value\": […]}} or {{\"events\": […]}}",
            doc.name,
            doc.records.len()
        )));
    }
    Ok(RealSample { name: doc.name, records: doc.records.len() as u64, invalid, profile, realism })
}

/// Everything merged from the chunks.
#[derive(Default)]
struct Totals {
    valid: u64,
    invalid: u64,
    not_json: u64,
    errors: u64,
    by_path_kind: HashMap<(String, IssueKind), u64>,
    profile: Profile,
    realism: Realism,
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let zones = Zones::new();
    if let Some(zone) = &cli.timezone
        && zones.lookup(zone).is_none()
    {
        return Err(Error::Usage(format!(
            "--timezone {zone}: not a known IANA or Windows time zone (e.g. Asia/Shanghai, China Standard Time)"
        )));
    }
    let reads_stdin =
        cli.common.files.is_empty() || cli.common.files.iter().any(|f| f.as_os_str() == "-");
    if let Some(real) = &cli.real
        && real.as_os_str() == "-"
        && reads_stdin
    {
        return Err(Error::Usage(
            "--real - reads standard input, which is already the input stream: give the events as FILE arguments".into(),
        ));
    }
    let inputs = Inputs::open(&cli.common.files)?;
    let real = match &cli.real {
        Some(path) => Some(read_real(path, cli.strict, &zones)?),
        None => None,
    };
    let mut run = Run::start("graph-validate", &cli.common, &inputs, true)?;

    let mut required_top = Vec::new();
    let mut nested = Vec::new();
    for path in cli.require.iter().flat_map(|list| &list.0) {
        match path.segments() {
            [json::Segment::Key(key)] => required_top.push(key.to_string()),
            _ => nested.push(path.clone()),
        }
    }
    let required_nested = (!nested.is_empty()).then(|| {
        (FieldPath::set(&nested), nested.iter().map(|p| p.as_str().to_string()).collect())
    });
    let required_slots = schema::EVENT
        .props
        .iter()
        .map(|prop| required_top.iter().position(|name| name == prop.name))
        .collect();
    let cfg = Config {
        strict: cli.strict,
        labels: cli.labels,
        required_top,
        required_slots,
        required_nested,
        timezone: cli.timezone.clone(),
    };
    let validator = Validator { cfg, zones, report: cli.problems, compare: real.is_some() };

    let mut totals = Totals::default();
    let settings = run.settings.clone();
    let report = cli.problems;
    pipeline::run(inputs, &settings, Arc::new(validator), |done| {
        let flow = run.account(&done)?;
        if report {
            let mut out = Vec::new();
            for (index, body) in &done.acc.reports {
                let (name, line) = run.position(&done, *index);
                crate::report::open_located(&mut out, name, line);
                out.push(b',');
                out.extend_from_slice(body.as_bytes());
                out.push(b'\n');
            }
            run.output_mut()?.write(&out)?;
            run.decide_held(done.acc.reports.len() as u64, &[])?;
        } else {
            run.write(&done, 0)?;
        }
        let acc = &done.acc;
        totals.valid += acc.valid;
        totals.invalid += acc.invalid;
        totals.not_json += acc.not_json;
        totals.errors += acc.errors;
        for (key, n) in &acc.by_path_kind {
            *totals.by_path_kind.entry(key.clone()).or_default() += n;
        }
        if let Some(rec) = &acc.recorder {
            totals.profile.add(rec);
        }
        totals.realism.merge(&acc.realism);
        Ok(flow)
    })?;

    finish(run, &cli, totals, real)
}

fn finish(run: Run, cli: &Cli, totals: Totals, real: Option<RealSample>) -> Result<Outcome, Error> {
    let tool = "graph-validate";
    let events = totals.valid + totals.invalid;
    let mut summary = format!(
        "{} of {} events valid ({}); {} error{} in {} invalid event{}",
        totals.valid,
        events,
        percent(totals.valid, events),
        totals.errors,
        if totals.errors == 1 { "" } else { "s" },
        totals.invalid,
        if totals.invalid == 1 { "" } else { "s" },
    );
    if cli.problems {
        summary.push_str(&format!(
            "; {} not JSON objects; {} report line{} written",
            totals.not_json,
            run.counts().lines_out,
            if run.counts().lines_out == 1 { "" } else { "s" }
        ));
    } else {
        summary.push_str(&format!("; {}", run.rejected_phrase()));
    }
    let mut by_path_kind: Vec<(&(String, IssueKind), &u64)> =
        totals.by_path_kind.iter().filter(|(_, n)| **n > 0).collect();
    by_path_kind.sort_by(|a, b| b.1.cmp(a.1).then(a.0.0.cmp(&b.0.0)).then(a.0.1.cmp(&b.0.1)));
    if !by_path_kind.is_empty() {
        summary.push_str(&format!("\n{tool}:   errors by path and kind:"));
        let width = by_path_kind.iter().take(10).map(|(k, _)| k.0.len().max(8)).max().unwrap_or(8);
        for ((path, kind), n) in by_path_kind.iter().take(10) {
            let shown = if path.is_empty() { "(record)" } else { path };
            summary.push_str(&format!("\n{tool}:     {n:>6}  {shown:<width$}  {}", kind.name()));
        }
        if by_path_kind.len() > 10 {
            summary.push_str(&format!(
                "\n{tool}:     … and {} more (--stats has them all)",
                by_path_kind.len() - 10
            ));
        }
    }

    let failed = cli.problems && (totals.invalid > 0 || totals.not_json > 0);
    let mut gate_failed = false;
    let mut extra = Map::new();
    extra.insert("valid".into(), json!(totals.valid));
    extra.insert("invalid".into(), json!(totals.invalid));
    extra.insert("not_json".into(), json!(totals.not_json));
    extra.insert(
        "errors".into(),
        json!({
            "total": totals.errors,
            "by_path_kind": by_path_kind
                .iter()
                .map(|((path, kind), n)| json!({"path": path, "kind": kind.name(), "count": n}))
                .collect::<Vec<_>>(),
        }),
    );
    extra.insert(
        "checks".into(),
        json!({
            "require": cli.require.iter().flat_map(|list| &list.0).map(|p| p.as_str()).collect::<Vec<_>>(),
            "strict": cli.strict,
            "labels": cli.labels,
            "timezone": cli.timezone,
            "problems": cli.problems,
        }),
    );

    let mut alignment_json = Value::Null;
    let mut realism_json = Value::Null;
    if let Some(real) = &real {
        let al = align::align(&real.profile, &totals.profile);
        let passed = match (cli.min_alignment, al.score) {
            (Some(min), Some(score)) => score >= min,
            (Some(_), None) => false,
            (None, _) => true,
        };
        gate_failed |= !passed;
        summary.push_str(&alignment_summary(tool, cli, real, &al, passed));
        let mut value = al.to_json(&real.profile, &totals.profile);
        if let Value::Object(map) = &mut value {
            map.insert("real_file".into(), json!(real.name));
            map.insert("real_records".into(), json!(real.records));
            map.insert("real_invalid".into(), json!(real.invalid));
            map.insert("synthetic_records".into(), json!(totals.profile.records));
            map.insert("min_alignment".into(), json!(cli.min_alignment));
            map.insert("passed".into(), json!(passed));
        }
        alignment_json = value;

        let compared = realism::compare(&real.realism, &totals.realism);
        let exceeded: Vec<&'static str> = match cli.max_drift {
            Some(max) => compared
                .iter()
                .filter(|c| c.divergence.is_some_and(|d| d > max))
                .map(|c| c.name)
                .collect(),
            None => Vec::new(),
        };
        gate_failed |= !exceeded.is_empty();
        summary.push_str(&realism_summary(tool, cli, &compared, &exceeded));
        let mut value = realism::to_json(&compared);
        if let Value::Object(map) = &mut value {
            map.insert("max_drift".into(), json!(cli.max_drift));
            map.insert("exceeded".into(), json!(exceeded));
        }
        realism_json = value;
    }
    extra.insert("alignment".into(), alignment_json);
    extra.insert("realism".into(), realism_json);
    let verdict = if gate_failed { Verdict::GateFailed } else { Verdict::failed_if(failed) };
    run.finish(&summary, extra, verdict)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn alignment_summary(
    tool: &str,
    cli: &Cli,
    real: &RealSample,
    al: &Alignment,
    passed: bool,
) -> String {
    let score = al.score.map_or("n/a".to_string(), |s| format!("{:.3}", round6(s)));
    let gate = match cli.min_alignment {
        Some(min) if passed => format!(" (--min-alignment {min}: passed)"),
        Some(min) => format!(" (--min-alignment {min}: FAILED)"),
        None => String::new(),
    };
    let mut text = format!(
        "\n{tool}: alignment with {} ({} events, {} with errors): {score}{gate}",
        real.name, real.records, real.invalid
    );
    let list = |entries: &[align::OneSided]| -> String {
        let mut parts: Vec<String> = entries
            .iter()
            .take(8)
            .map(|e| format!("{} {} {}", e.path, pct(e.share), e.types.join("|")))
            .collect();
        if entries.len() > 8 {
            parts.push(format!("… {} more", entries.len() - 8));
        }
        parts.join(", ")
    };
    if !al.missing.is_empty() {
        text.push_str(&format!(
            "\n{tool}:   missing ({} paths; share of real events): {}",
            al.missing.len(),
            list(&al.missing)
        ));
    }
    if !al.extra.is_empty() {
        text.push_str(&format!(
            "\n{tool}:   extra ({} paths; share of synthetic events): {}",
            al.extra.len(),
            list(&al.extra)
        ));
    }
    if !al.mismatches.is_empty() {
        let parts: Vec<String> = al
            .mismatches
            .iter()
            .take(8)
            .map(|m| {
                format!(
                    "{} real {} vs synthetic {}",
                    m.path,
                    m.real.join("|"),
                    m.synthetic.join("|")
                )
            })
            .collect();
        text.push_str(&format!(
            "\n{tool}:   type mismatches ({}): {}{}",
            al.mismatches.len(),
            parts.join(", "),
            if al.mismatches.len() > 8 { ", …" } else { "" }
        ));
    }
    text
}

fn realism_summary(tool: &str, cli: &Cli, compared: &[Compared], exceeded: &[&str]) -> String {
    let mut text = format!(
        "\n{tool}: realism, real vs synthetic share (Jensen–Shannon divergence: 0 same, 1 disjoint):"
    );
    for c in compared {
        let divergence = c.divergence.map_or("  n/a".to_string(), |d| format!("{d:.3}"));
        let mark = if exceeded.contains(&c.name) { " !" } else { "" };
        // The 10 largest buckets (by the larger of the two shares), in display order.
        let mut biggest: Vec<usize> = (0..c.rows.len()).collect();
        biggest.sort_by(|&i, &j| {
            let size = |k: usize| c.rows[k].1.max(c.rows[k].2);
            size(j).total_cmp(&size(i)).then(i.cmp(&j))
        });
        biggest.truncate(10);
        biggest.retain(|&i| c.rows[i].1.max(c.rows[i].2) >= 0.02);
        biggest.sort_unstable();
        let shown: Vec<String> = biggest
            .iter()
            .map(|&i| {
                let (k, a, b) = &c.rows[i];
                format!("{k} {}/{}", pct(*a), pct(*b))
            })
            .collect();
        let hidden = c.rows.len() - shown.len();
        let more = if hidden > 0 { format!(" (+{hidden} smaller)") } else { String::new() };
        text.push_str(&format!(
            "\n{tool}:   {:<20} {divergence}{mark}  {}{more}",
            c.name,
            shown.join(", ")
        ));
    }
    if let Some(max) = cli.max_drift {
        if exceeded.is_empty() {
            text.push_str(&format!("\n{tool}:   --max-drift {max}: passed"));
        } else {
            text.push_str(&format!(
                "\n{tool}:   --max-drift {max}: FAILED in {}",
                exceeded.join(", ")
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_list_every_enumeration_verbatim() {
        let text: String = DOC.sections.iter().map(|(_, body)| *body).collect();
        for e in schema::ENUMS {
            assert!(text.contains(&e.members.join(", ")), "{} is not documented", e.name);
        }
        for complex in schema::COMPLEX {
            assert!(text.contains(complex.name), "{} is not documented", complex.name);
        }
    }

    #[test]
    fn paths_are_normalized_for_counting() {
        assert_eq!(
            normalized("/attendees/12/emailAddress/address"),
            "/attendees/*/emailAddress/address"
        );
        assert_eq!(normalized(""), "");
    }
}
