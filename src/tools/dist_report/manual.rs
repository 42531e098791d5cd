//! dist-report's manual: the examples that `--help` and the man page show
//! (and `tests/integration/examples.rs` runs on the bundled data) and the
//! man-page sections — what is reported, diversity, exactness and merging,
//! comparison, the `--expect` grammar, and the output formats.

use crate::cli::ToolDoc;

pub const DOC: ToolDoc = ToolDoc {
    name: "dist-report",
    examples: &[
        (
            "Label distribution of persona-labelled meetings, in the middle of a pipeline",
            "persona-label --persona builtin:tier1_sales_manager_pipeline meetings.jsonl \\\n    | dist-report --pass --field importance_label --field prep_needed --report labels.md --format markdown \\\n    | graph-validate --real my_calendar_events.json",
        ),
        (
            "Seed 004's before/after table: status distribution and score range, with retention",
            "dist-report teacher.jsonl --compare curated.jsonl --field metadata.status --field score --format markdown",
        ),
        (
            "A CI gate: fail the build when the label mix or the scores drift",
            "dist-report --field importance_label --field prep_needed labeled.jsonl \\\n    --expect 'importance_label=critical:0.05..0.15' --expect 'count>=300'\n  dist-report --field score curated.jsonl --expect 'score.min>=0.82'",
        ),
        (
            "Persona diversity across six dimensions (seed 000: target > 0.85)",
            "dist-report personas.jsonl --field level --field function --field industry --field company \\\n    --field work_style --field stress_level --expect 'diversity>=0.85'",
        ),
        (
            "What is in this file? Every field to depth 2 with its JSON type mix; text lengths per turn",
            "dist-report judged.jsonl --format table\n  dist-report chats.jsonl --text messages.*.content --by title",
        ),
        (
            "Shards in parallel, one report: merge the partial states",
            "for s in shard-*.jsonl; do dist-report --field metadata.status --field score \"$s\" \\\n    --partial \"$s.state\"; done\n  dist-report --merge shard-*.jsonl.state --expect 'metadata.status=conflicts:count>=10'",
        ),
    ],
    sections: &[
        (
            "What is reported",
            "Each --field FIELD gets a count and share for every value (most frequent first, then by value; \
past --top K the rest fold into one \"other (N values)\" row), the records missing it, the number of \
distinct values, its JSON type mix, and its diversity. A value is a string's text or any other scalar's JSON \
text (1 and 1.0 are two values); objects and arrays count only in the type mix. A field whose numbers \
outnumber its strings (and are at least as many as its booleans) is reported as numeric, whatever its nulls, \
objects and arrays: count, non-numeric (values present that are not numbers, null \
included), min, p5, p25, p50, p75, p95, max, mean, sample standard deviation (n - 1) and a histogram \
of --bins equal-width bins from min to max. A field whose booleans outnumber its strings and numbers \
is reported as true / false / missing. Shares are fractions of the values plus the records without one (for a plain path: \
of the records).\n\n\
A path with a * wildcard (messages.*.role) counts every match: values can outnumber records, and \
\"missing\" counts the records with no match.\n\n\
Each --text PATH gets the length of every string at PATH in characters (Unicode scalar values, after \
decoding escapes) and in words (runs of non-whitespace): min, mean, p50, p95, max; the count of empty \
strings, of values that are not strings, and of records with no value.\n\n\
With neither --field nor --text, every field to depth 2 (top-level keys, and the keys of top-level \
objects, as metadata.tier) is listed in the order it first appears, with the records that have it, the \
records missing it, its JSON type mix and, for numbers, min, mean and max. A name that is not plain is \
written as a JSON Pointer (/@odata.etag). At most 1000 fields are listed (past that, the ones whose \
seeded hash is smallest, so shards merge exactly); values in the others are counted and said.\n\n\
--by FIELD repeats every report for each value of FIELD (a string's text, another value's JSON text, \
\"(missing)\"; a string that would read as one of the others, or is empty, is quoted: \"1\" beside 1), most records first, after the report over all records. At most 1000 groups are kept (past that, \
the ones whose seeded hash is smallest, whatever their size): the others are reported together as \
\"(other groups)\".",
        ),
        (
            "Diversity",
            "A field's diversity is its normalised Shannon entropy H / log2(k), where p are the shares of its k \
distinct values among the values present (missing records excluded): 1 when every value is equally common, \
0 when there is one value. The dataset's diversity is the mean over the --field fields reported as categorical \
or boolean (over every field when all are numeric): seed 000's persona diversity score. Past --max-distinct, \
the untracked values count as one more value, so the figure is approximate (the distinct count says so).",
        ),
        (
            "Exactness and merging",
            "Counts are exact. Sums and sums of squares are kept exactly (a fixed-point superaccumulator wide \
enough for any sum of doubles), so mean and standard deviation are computed once from exact figures and do \
not depend on thread count, chunking or sharding: merged partial states give byte-identical reports.\n\n\
Numbers are counted by value: 0 and 0.0, or 1, 1.0 and 1e0, are one value (shown in one canonical \
spelling: integers without .0, shortest decimals, exponents past 1e21) in value tables, --by groups, \
--expect, distinct counts and diversity, in every format and in merged states; the string \"1\" stays a \
different value from the number 1. The comparison is exact, on the decimal digits, never through a double \
(9007199254740993 and 9007199254740992 are two values).\n\n\
Quantiles are exact (linear interpolation between the closest ranks) while a field has at most \
--max-distinct distinct numbers (per group), whatever the count; past that they come from a mergeable \
sketch with 64 logarithmic bins per power of two, and the report says the figures are approximate \
(table and markdown: \"approximate, within ±0.78%\"; JSON: quantiles_relative_error), as does an --expect \
gate that compares one: every reported quantile is within 0.78% (relative) of the exact value at its rank, and always within \
[min, max]. The sketch keeps 8192 bins per sign; when a field spans more than 128 powers of two, its \
smallest magnitudes share one bin. Sketch bins are integer counts, so merging is exact and order-free. \
Histogram counts come from the same values (or, past --max-distinct, from the sketch bins' values); \
histogram edges are printed as decimals (0.3, not 0.30000000000000004) and values are counted against \
the edges as printed.\n\n\
At most --max-distinct values are tracked per field: past it, the values whose seeded hash is \
smallest are kept (a choice that does not depend on order, so shards merge exactly), the others are counted \
under \"other\", the distinct count becomes an estimate (marked ~) and the report says so.\n\n\
--partial FILE writes the state instead of a report (- writes it to standard output); dist-report --merge \
FILE... reads such states (in the order given, - from standard input; field order follows first appearance) \
and reports their merge. The states must come from \
the same --field, --text, --by and --max-distinct; --merge takes those from the files.",
        ),
        (
            "Comparison",
            "dist-report BEFORE --compare AFTER reports, per value of each --field, the count and share before \
and after, the change and the retention (after / before); for numeric fields count, min, mean, p50, max and \
std before and after; for --text fields the length statistics; and the records before, after and retained.",
        ),
        (
            "Expectations",
            "--expect EXPR (repeatable) checks the report; every expectation is checked, each failing one is \
printed on standard error with the measured value, and the exit status is 1 if any fails. Results also \
appear in the report. With --compare they apply to AFTER; with --by, to all records. Grammar:\n\n  \
EXPR     SUBJECT OP NUMBER  |  SUBJECT:LOW..HIGH   (inclusive range)\n  \
OP       >=  <=  >  <  ==  !=\n  \
SUBJECT  count | diversity | retention\n           \
FIELD=VALUE          the value's share (0..1)\n           \
FIELD=VALUE:count    its count\n           \
FIELD=VALUE:share    its share\n           \
FIELD=VALUE:retention  after/before count (--compare)\n           \
FIELD.STAT           count missing distinct diversity non_numeric\n                                \
min max mean std p5 p25 p50 median p75 p95\n           \
TEXT.STAT            count missing empty non_string\n           \
TEXT.chars.STAT      min max mean std p50 p95 (also TEXT.words.STAT)\n\n\
FIELD is a field as given to --field or --text (or as listed without them). VALUE follows JSON: \
'v=1' is the number 1 (however it is written, 1.0 too), 'v=\"1\"' the string \"1\", 'v=null' null, 'v=true' the \
boolean, and text that is not JSON ('status=accepted') the string it spells; a VALUE the field never holds \
while it holds the same text as another kind is a usage error that gives the spelling that matches. Where \
values of different kinds would look alike, reports show strings in JSON quotes (\"1\", \"null\", \"\") and \
csv writes null as null. Examples: 'importance_label=critical:0.10..0.15', 'score.min>=0.82', 'count>=300', \
'status=conflicts:count>=10', 'diversity>=0.85', 'retention>=0.9'. A malformed expression is a usage error \
(exit status 2) that says what was expected; so is one naming a field the report does not have. A \
statistic with no value (the mean of no numbers, or the count of a value that is not tracked past \
--max-distinct) fails. Gates compare exact figures, not the rounded ones of the report: a share written \
0.666667 (shares and retention are written with 6 decimals) is 2/3, so 's=a>=0.666667' fails; \
'measured' in the expect rows is exact.",
        ),
        (
            "Output",
            "The report goes to standard output, or to --report FILE, written atomically (and compressed \
when FILE ends in .gz or .zst, as are --partial states, which --merge reads either way). \
--format: table (aligned columns with a bar per share; colour only on a terminal and when NO_COLOR is \
unset), markdown, json (one document), jsonl (one object per row) or csv (the jsonl rows, one column per key). \
Default: table when the report goes to a terminal, jsonl otherwise.\n\n\
jsonl rows have a \"kind\": dataset (records, diversity; discovered_other: values in fields not listed), field (role, records, missing, values, distinct, \
distinct_estimated, diversity; a field found without --field has role discovered, records and missing), type (type, count, share of values), value (value, count, share), other \
(other_values, count, share), missing (count, share), stat (stat, value; unit chars/words for --text), bin \
(low, high, count), text (records, missing, values, non_string, empty), expect (expect, measured, pass). \
With --by every group's rows carry \"group\". With --compare, the dataset row carries before_records, \
after_records, change, retention, before_diversity and after_diversity; value, other and missing rows carry \
before_count, before_share, after_count, after_share, change and retention; stat rows carry before and after.\n\n\
With --pass, records go to standard output (or -o FILE) unchanged, byte for byte, and the report goes to \
--report FILE, or to standard error. -o names the records file, as in every tool, so it needs --pass.\n\n\
The summary line on standard error counts the records reported and rejected; bad records are reported \
as in every synthkit tool and are not part of the report. --stats FILE adds records_reported, records_held \
(reported without being written), diversity (records_before, records_after, diversity_before and \
diversity_after with --compare) and the expectations with their measured values.",
        ),
    ],
};
