//! The shard-merge manual: the prose of the man page's extra sections.

/// The man page's extra sections, in order: (TITLE, body).
pub(super) const SECTIONS: &[(&str, &str)] = &[
    (
        "Shards",
        "A shard is one run of a tool over a piece of the input: a file of many, or a newline-aligned \
byte range of one large file (GNU parallel --pipepart, a Spark task of integrations/spark). Run every \
shard with its own --stats FILE and --rejects FILE (a shared --rejects path keeps only the last \
shard's), and give shard-merge the files in shard order. The records need no merging: the shard \
outputs of a per-record tool, concatenated in shard order, are the whole run's output.",
    ),
    (
        "Shard map",
        "--map FILE says where each shard started, one JSONL line per shard in shard order: \
{\"file\": NAME, \"first_line\": N}, {\"file\": NAME, \"lines\": N} (the shard's own line count), or \
{\"file\": NAME, \"stats\": PATH} (its --stats file, whose records_in + blank_lines is its line \
count). An entry without first_line starts after the earlier entries of the same file. A shard that \
read standard input names its bad records <stdin> and counts lines from 1; through the map they get \
the original file name and line. Without --map, rejects are joined unchanged (right when each shard \
read one file by its name).",
    ),
    (
        "Merging stats",
        "Counts are summed, settings must agree between the shards (a difference is refused), tallies by \
reason are added, derived figures (retention, shares, whether shapes are mixed) are recomputed from \
the merged counts, and positions (fmt-migrate's first lines) go through the map. elapsed_seconds is \
the sum over the shards and args the first shard's; both are listed per shard under \"shards\". \
Figures that cannot be rebuilt exactly from the shards are refused with the reason, never \
estimated: score-filter sampling (--max-samples, --max-per: sample again over the concatenated \
outputs), dist-report (merge its --partial states with dist-report --merge), graph-validate \
--real (alignment and realism are shares over the whole input: run --real once over the joined \
outputs), llm-batch (it judges custom_id uniqueness over the whole input), persona-label \
--explain (conflict examples by position, dead rules), persona-label shards with different \
generation_timestamp values (give every shard one SOURCE_DATE_EPOCH or --timestamp), and a shard \
that stopped early (--fail-fast) or failed a gate. Supported: score-filter, fmt-migrate, \
phase-split, persona-label, graph-validate (its errors by path and kind are added and sorted as \
graph-validate sorts them; with --problems the merge exits 1 on any invalid event). phase-split's \
--out-dir sets merge with phase-split --merge, manifests included.\n\nThe exit status is the whole run's as far as the stats show it: 1 when a field no \
shard's records held was asked for, when fmt-migrate --detect found mixed shapes, or when bad records \
were not captured by --rejects; a shard's own status 1 for a field only its records lacked is not the \
whole run's. With --joblog (GNU parallel's), shard-merge stats combines the two: a job that exited \
2 or was killed makes it exit 2 before anything is merged, and a job's 1 is decided by the merged \
stats. Without a joblog, combine by hand: 2 if any shard exited 2, else shard-merge stats' status.",
    ),
    (
        "Exit status from a joblog",
        "shard-merge status JOBLOG... reads only the jobs' own statuses (columns Seq, Exitval and Signal, \
found by their header names; a retried job counts by its last line) and exits with the worst: 2 over \
1 over 0, a signal or any other status counting as 2. A job's 1 may judge only its own block (a field \
none of that block's records held) where the whole run exits 0: when the jobs write --stats, \
shard-merge stats --joblog JOBLOG gives the whole run's status exactly.",
    ),
];
