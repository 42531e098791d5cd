//! The score-filter manual: the prose of the man page's extra sections (the
//! `sections` of the tool's `DOC`), kept apart from the flags and the code
//! they describe.

/// The man page's extra sections, in order: (TITLE, body).
pub(super) const SECTIONS: &[(&str, &str)] = &[
    (
        "Scores",
        "A score must be a JSON number. A record whose score field is absent, null, a string, a bool, an \
array or an object is never compared silently: --missing decides. reject (the default) makes it a bad \
record (\"missing score\", \"score is a string\", …: reported, exit status 1 unless --rejects captures it); \
drop leaves it out, counted under its own reason; keep passes it through, counted as missing. With \
--coerce, a string holding a finite number (\"0.85\", \" 7 \") is read as that number; \"NaN\", \"inf\" and other \
text still count as missing.\n\n--min and --max are inclusive; give either or both. With neither, every record \
with a numeric score passes (useful with --max-samples alone).",
    ),
    (
        "Sampling",
        "--max-samples N keeps, among the records that pass, the N whose rank is smallest. The rank is \
xxh3_64(seed, key), where the key is the record's bytes, or the value of --group PATH (a string's text, any \
other value's JSON text; a record without the key is a bad record). Ties are broken by the hash of the \
record's bytes and then the bytes themselves, so the choice depends only on content. Output stays in input \
order and memory is O(N).\n\nBecause a record's rank does not depend on the other records, sampling shards \
and merging gives the whole-file result: run score-filter with the same --max-samples and --seed on each \
shard, concatenate the outputs (in shard order) and run it once more with the same --max-samples and --seed. \
The result is the same set of records as one run over the whole input, in the same order when the shards \
are consecutive pieces of it.\n\n--max-per N with --by FIELD applies the same cap within every value of \
FIELD, so a small class keeps all of its records while a large one is capped; memory is O(N × classes). \
With both, --max-per is applied first and --max-samples to what remains.",
    ),
    (
        "Summary",
        "One line on standard error, e.g.\n\n  score-filter: kept 359 of 379 (94.7%) with score >= 0.82; filtered 20 below 0.82; 0 missing; 0 rejected\n\n\
With --by, one more line per value: kept, in, retention. A value is labelled by a string's text or another value's JSON text, (missing) without one; a string that would read as another value (\"1\" beside 1, \"(missing)\", \"\") is quoted, so distinct values are distinct classes. --stats FILE writes the same figures as JSON \
(kept, missing, retention, the threshold, the sampling settings and the per-class table).",
    ),
];
