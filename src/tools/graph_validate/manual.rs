//! graph-validate's manual: the examples that `--help` and the man page show
//! (and `tests/integration/examples.rs` runs on the bundled data) and the
//! man-page sections — the schema, the checks, errors, alignment, realism
//! and the summary. A test holds the prose to the schema: every enumeration
//! and complex type is listed verbatim.

use crate::cli::ToolDoc;

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
            "A Graph response on standard input, as curl …/me/events | graph-validate gives it: its events are checked and written as JSONL",
            "cat calendar_export.json | graph-validate > calendar_events.jsonl",
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
names are case-sensitive, so Subject is unknown) and makes warnings errors. uid, occurrenceId, \
cancelledOccurrences and exceptionOccurrences, which v1.0 /events and /calendarView responses carry, are \
known.\n\n\
Input: JSONL events, or a Graph list response ({\"value\": […]}, as /me/events returns it; several \
saved @odata.nextLink pages as several FILEs, or in one input, one page per line as a paging loop \
appends them), an export wrapper ({\"metadata\": …, \"events\": […]}) or a JSON array of events, \
pretty-printed or on one line, in a FILE or on standard input alike (curl …/me/events | graph-validate): \
its events are read as records, each written as one JSONL line. An input's first record tells which it \
is (of a pipe, only that record is read ahead): a JSONL stream is read as a stream and passes byte for \
byte; a document is read whole, up to --max-document-bytes (default 1G; larger is refused, exit 2). \
Messages name the line of the input on which an event starts and its place in the document \
(FILE:LINE: … (at /value/57), or (at record 157) in several pages; --problems lines carry it as \"at\"), \
since every event of a one-line page is on line 1. The summary says how many events each document held \
(--stats documents).",
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
attendees with the same address (ASCII case-insensitive) are flagged at the later one. Both are \
warnings, not errors: Graph itself returns them (a real /me/events export of 267 events has 5 \
warnings in 4 events: an attendee listed twice in 3 events, one of them with two such attendees, and \
an address without a domain in a fourth), so an event with only warnings is valid; they are counted by kind in the summary and in --stats (warnings.by_kind), listed \
with --problems, and --strict makes them errors. \
responseStatus.time of 0001-01-01T00:00:00Z is Graph's \"never\" and valid. A string property whose \
value is the documentation template \"<property>-value\" (\"iCalUId\": \"iCalUId-value\") is a \
placeholder, not a value.\n\n\
--require LIST (default id,subject,start,end,organizer,attendees): comma-separated field paths (dotted \
or JSON Pointer) that must be present and not null. --require '' requires nothing. A $select projection \
returns only the selected properties: validate it with --require listing them (the error says so).\n\n\
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
\"line\": …, \"at\": … (for an event of a document, its place in it), \"id\": … (when the event has a \
string id), \"errors\": [ … ], \"warnings\": [ … ]}, and one \
per valid event with warnings (errors empty). A line that is not a JSON \
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::graph_validate::schema;

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
}
