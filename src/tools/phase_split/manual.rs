//! The phase-split manual: the prose of the man page's extra sections (the
//! `sections` of the tool's `DOC`), kept apart from the flags and the code
//! they describe.

/// The man page's extra sections, in order: (TITLE, body).
pub(super) const SECTIONS: &[(&str, &str)] = &[
        (
            "Phases",
            "By default every record is classified from its answer and its context into extractive,
conversational or refusal, output in this order:

  refusal         is_impossible is true, answerable is false, or the answer matches a refusal pattern
  extractive      the answer has at most --max-extractive-words words (default 30) and occurs
                  verbatim in the context after case and whitespace normalization
  conversational  any other answer

The answer is --answer PATH, or by default the first of output, response, completion, chosen
(the chosen response of a preference record: prompt/chosen/rejected; counted in --stats as
classifier.answers_from_chosen) and answer (a qa record) that is present and not null, or else the
content of the last assistant message in messages (a string, or the text parts of a content array)
or the value of the last gpt turn in ShareGPT's conversations. The context is --context PATH, or by
default the first of input, prompt, instruction and question that is not null or the empty string
(an alpaca record with an empty input has its passage in instruction), or else the user messages
or human turns joined by newlines. So every shape fmt-migrate --from squad writes reaches the same
phases. A string counts as its decoded text, a
number as its JSON text. An answer or context that is a list of messages (TRL's conversational
prompt and completion) counts as its last assistant message or its user messages. A record with no
answer (absent, null or only whitespace) or an answer that is a bool, object or other array is a
bad record. A record with no context cannot be extractive.
is_impossible and answerable are read at the top level and only as JSON booleans; a flagged record
is a refusal whatever its answer says, even with no answer the classifier can read (a --answer
field the record lacks); fmt-migrate --from squad writes is_impossible.

Normalization for the extractive test lowercases every character (Unicode lowercase) and turns every
run of Unicode whitespace (spaces, tabs, newlines, no-break spaces…) into one space, trimming both
ends. Nothing else is folded: accents, punctuation and quotes must match. Words are counted as
whitespace-separated runs. An answer found only in the question part of an \"input\" field still
counts, since the context is the whole field.

Refusal patterns are regular expressions (Rust regex syntax) matched case-insensitively anywhere in
the answer, after its whitespace runs become one space and typographic apostrophes (’ ‘ ʼ ＇ ` ´)
become '. The built-in patterns are ASCII-only: they fold the case of ASCII letters only, and
their \\b (word boundary) and \\W count every non-ASCII character as a non-letter. The built-in
list, one pattern per entry (a long one continues on an indented line, joined by a space):

  \\bnot (?:found|mentioned|stated|given|specified|provided|included|present|available|covered|addressed)
      in (?:the )?(?:provided |given |above |supplied )?(?:context|text|passage|document|information|source)
  \\bi (?:couldn'?t|could not|can'?t|cannot|can not|was unable to|am unable to|wasn'?t able to|was not able to|am not able to)
      (?:find|locate|determine|identify)\\b
  \\bi'm (?:unable|not able) to (?:find|locate|determine|identify)\\b
  \\bi (?:don'?t|do not) have (?:enough |sufficient |any |the |that )?(?:information|data|details|context|knowledge)\\b
  \\bthe (?:provided |given |above )?(?:context|text|passage|document|information) (?:doesn'?t|does not|didn'?t|did not)
      (?:mention|say|contain|include|specify|state|provide|give|cover|address|discuss|describe|indicate)\\b
  \\bthere (?:is|'s|are) no (?:information|mention|details?|data|answer|reference)s?
      (?:about|on|of|for|regarding|in|to)\\b
  \\b(?:cannot|can'?t|can not|could not|couldn'?t) be (?:answered|determined|found|inferred)\\b
  \\bnot enough (?:information|context)\\b
  ^(?:unanswerable|not answerable|no answer|n/?a)\\W*$

--refusal-pattern REGEX adds a pattern (also case-insensitive; write (?-i) to turn that off);
--no-default-refusals drops the built-ins. A refusal phrased some other way (\"That isn't in the
passage.\") is conversational unless a pattern matches it.

--phase-field PATH uses the value at PATH as the phase name instead (a string's text, any other value's JSON
text; missing, null or empty is a bad record); phases come in order of first appearance.

--phase NAME=PATH~REGEX rules replace the classifier: the first rule whose REGEX matches a value at
PATH (a string's decoded text, any other value's JSON text; with a * in PATH, any value) gives the
phase; --phase NAME alone matches every record, as a last catch-all rule (anywhere but last it is
an error: the rules after it could never apply). A record no rule matches is a bad record. Phases
come in the order their names first appear among the rules. In a JSON Pointer PATH, ~0 and ~1 are
escapes, so the REGEX starts at the first other ~.

--order a,b,c puts those phases first, in that order; phases not named follow in their default
order. With the built-in classifier or rules, naming an unknown phase is an error. At most 256
phases.",
        ),
        (
            "Output",
            "Standard output (or -o FILE) receives the curriculum: every record of the first phase, then the
second, and so on; records of a phase keep their input order. With --split, all phases of the first
split come first, then those of the second, and so on. Each record gets \"phase\": \"NAME\" (and with
--split \"split\": \"NAME\") appended, or replaced in place where the key exists; every other byte of
the record is kept. --no-tag writes records unchanged.

The first phase is written as it is read. Later phases are held in memory up to --spill-after bytes
in all (default 32M), then in unnamed temporary files in --temp-dir (default: $TMPDIR or /tmp), and
are copied out in order at the end, so memory stays bounded whatever the input size.

--out-dir DIR writes one file per phase, N-NAME.jsonl with N the phase's 1-based position (with
--split, one folder per split: train/1-extractive.jsonl, …), plus manifest.json: the tool and
version, the arguments, the seed, the records read (records_in), written (records) and rejected (by
reason), the phase order, records and share per phase and per split, the requested split shares, and for each file its path, split, phase, records, bytes and XXH3-64
checksum (seed 0, 16 lowercase hex digits). Every file is written to a temporary file beside it and
renamed into place only when the run completes, the manifest last; a run that fails (or stops at
--fail-fast) leaves no file. Files are written for every known phase even when empty. Characters of
a phase name other than letters, digits, - _ . and non-ASCII letters are written %XX in file names.
A folder that holds anything is refused unless --force: the run then replaces the files it writes,
removes the files the folder's previous manifest.json listed and this run did not write (so the
folder never mixes two runs), and leaves every other file alone. --compress gz|zst writes every
file compressed (1-extractive.jsonl.zst, atomically like the others); the manifest's records, bytes
and checksum then describe the decompressed content.",
        ),
        (
            "Splits",
            "--split NAME=WEIGHT,… assigns each record to a split: bucket(xxh3_64(seed, key)), where the hash
is read as a number in [0, 1) and the buckets are the weights in the order given. Whole numbers are
relative weights (train=8,val=1,test=1 is train=0.8,val=0.1,test=0.1); weights with a fractional
part are fractions and must add up to 1 (train=0.8,val=0.1,test=0.2 is refused as a likely typo).
The key is the record's bytes, or with --group PATH the group value (a string's text, any other
value's JSON text; a record without it, or with null, is a bad record), so every record of a group
lands in the same split. A record's split depends on nothing else: it does not change
when records are appended, when the input is sharded, or with the thread count. Split names may use
letters, digits, _ - and . and name folders under --out-dir (so not manifest.json, and not two names
that differ only in case).

--stratify FIELD keeps every value of FIELD at its requested shares in each split. The unit is a
record, or with --group a whole group (a group's stratum is that of its first record). Each unit is
proposed the split its hash picks. Within the unit's stratum, with n units so far and c(s) of them
in split s of weight w(s), let d(s) = w(s)(n+1) - c(s). The proposal is taken if d > 0 for it and
d < 1 for every other split; otherwise the unit goes to the split with the largest d (the first on
a tie).

Guarantee: at every point of the input, every split's count in every stratum is within one unit of
its exact share, |c(s) - w(s)n| < 1, with two or three splits; with k splits it is never one unit
or more above its share and never k - 1 or more below. The summary reports the largest deviation
reached (truncated, not rounded). A record without FIELD is in the stratum (missing). The price:
assignment now depends on the records before it, so it is still stable when records are appended,
but no longer shard-invariant; memory grows with the number of strata (and with --group, of
groups).

--check-leakage PATH reports values at PATH (e.g. the prompt) found in records of more than one
split: how many values and records, records per split, and the first 20 with the line of a record
in each of two splits (reported even with --quiet). Values compare by their decoded text (exactly,
no normalization); records without PATH are counted and skipped. Memory grows with the number of
distinct values. Any leak (or a PATH no record has) makes the exit status 1 and is a failed gate: \
the records are not committed (no -o file, no file in --out-dir; records already streamed to \
standard output stay written), while the summary and --stats that explain the failure are.",
        ),
        (
            "Summary",
            "One line on standard error with the records per phase and their shares, then, where they
apply, lines for the splits (records, achieved and requested shares), the stratification (largest
deviation and its guaranteed bound), the leakage check, records without a context, and the files
written. On SQuAD 2.0 (dev, converted to input/output records) with --split
train=0.8,val=0.1,test=0.1 --stratify title:

  phase-split: wrote 6078 of 6078 records in 3 phases: extractive 2910 (47.9%), conversational 0 (0.0%), refusal 3168 (52.1%); 0 rejected
  phase-split:   splits (seed 42): train 4864 (80.0%; asked 80.0%), val 609 (10.0%; asked 10.0%), test 605 (10.0%; asked 10.0%)
  phase-split:   stratified by title: 16 values; largest deviation from the exact share 0.90 records (guaranteed below 1)

--stats FILE adds the phase and split tables, the phase × split matrix, why the classifier chose
each phase (flagged unanswerable, refusal pattern, short answer found in context, answer too long,
answer not found in context, no context), the stratification and leakage reports, and the bytes
spilled to temporary files.",
        ),
        (
            "Merging shards",
            "phase-split --merge [--out-dir DIR] [--min-share X] SET... merges the --out-dir sets of
phase-split runs over shards of the input (GNU parallel jobs, Spark tasks, one run per file),
given in input order, into what one run over the whole input writes: the set under --out-dir
(or the records on standard output or -o, in the order a single run writes them), its
manifest.json, the summary, --stats and the exit status. A record's split (its seeded hash, or its
--group value's) and phase depend on the record alone, so each shard's file of a split and phase
holds exactly that shard's part of the whole run's file; the merge joins them in shard order,
checking each against its shard's manifest (records, bytes, xxh3) while it copies (a set
changed since its run is an error, exit 2, and nothing is written). The phase order is the
union of the shards' orders: a phase first seen in a later shard comes later, as in the whole
run. The settings (phase rules, --split, --seed, --group, --no-tag…) are read from the arguments
each set's manifest records and must be the same in every set; the counts (records read, blank
lines, bad records by reason, the classifier's reasons, records per split and phase) are added.
The merged manifest equals the whole run's except args (the merge's own) and shards (each set's
folder and the arguments of its run); --stats likewise, timing aside.

Give the gate to the merge: --min-share X there judges the merged shares (a shard run with
--min-share judges only its own records and, failing, writes no set). Bad records make the merge
exit 1 unless every shard captured them with --rejects (merge those with shard-merge rejects); a
field no record of any shard held (--group, --phase-field) makes it exit 1, as the whole run.
Refused, since the whole run decides them over the whole input: sets written with --stratify
(splits assigned in input order) or --check-leakage (values compared across all splits; with
--group on the field no value can straddle splits), and a set whose run stopped or failed (it
has no manifest), more than 256 phases in all, and a manifest whose counts do not add up to its
files. --fail-fast and --rejects belong to the shard runs, not the merge. The shards' own
--out-dir, --force and --compress do not matter; the merge's --compress compresses the merged set.",
        ),
];

#[cfg(test)]
mod tests {
    use super::super::classify;
    use super::*;

    #[test]
    fn the_man_page_lists_every_built_in_refusal_pattern() {
        let phases = SECTIONS[0].1.replace("\n      ", " ");
        for pattern in classify::DEFAULT_REFUSALS {
            assert!(phases.contains(&format!("\n  {pattern}\n")), "{pattern}");
        }
    }
}
