"""Run a synthkit tool under PySpark and get exactly the single-machine result.

The engine never reads the records: each Spark task is handed a byte range of
one input file (a shard), reads those raw bytes itself and pipes them, unchanged,
into the synthkit binary. Spark's ``textFile``/``rdd.pipe`` would decode each
line first (an invalid UTF-8 record becomes U+FFFD and is written instead of
rejected; a raw CR inside a string splits one record in two), start the tool
with an empty environment, and fail the job on exit status 1 with
``checkCode=True`` or hide 1 and 2 without it. Here a task's exit status is data
it returns, and the driver decides.

Shards follow the Hadoop line-split rule: a range ``[start, end)`` owns every line
that *starts* inside it, so a line crossing a boundary belongs to the earlier
shard and no line is cut, read twice or lost, whatever the partition count.

Each task writes its output, ``--stats`` and ``--rejects`` to its own files under
``work_dir`` (a shared filesystem on a cluster: HDFS fuse, NFS, a mounted
bucket); nothing is shared between tasks, so no reject can be overwritten. The
driver then:

* concatenates the shard outputs in shard order (input order);
* merges the stats with ``shard-merge stats --map`` and the rejects with
  ``shard-merge rejects --map``, the map giving each shard's original file and
  line count, so rejects name the original file and line;
* for dist-report (run per shard with ``--partial``), merges the states with
  ``dist-report --merge`` and the same report flags;
* writes the records (or dist-report's report) to ``output``, or to standard
  output without one, and the shards' messages to stderr as the single run
  writes them: bad records at their original file and line, the first 20
  described and the rest counted;
* exits as the single run would: 2 over 1 over 0 (any other status, a signal, a
  failed task, a session that cannot start, an input that cannot be read: 2).

How the binary reaches the executors: an installed path (``--bin-dir``, the same
on every node), or ``--ship``, which sends the binaries with
``SparkContext.addFile`` and runs them from ``SparkFiles.get``. The tool gets
only the environment given here: ``PATH`` (the binary's folder first), ``LC_ALL``
and ``TZ``=UTC, ``SOURCE_DATE_EPOCH`` (the driver's, or the driver's clock when the
run starts, so every task writes the same timestamps), and each ``--env NAME=VALUE``.

Needs nothing beyond pyspark. Command line (also under ``spark-submit``)::

    python synthkit_spark.py --tool score-filter --partitions 8 --work-dir W \\
        --output kept.jsonl --stats stats.json --rejects rejects.jsonl \\
        --bin-dir /opt/synthkit/bin FILE... -- --min 0.8

Limitations: the tool must be one whose shard outputs concatenate into the
whole run's (score-filter without --max-samples/--max-per, fmt-migrate,
graph-validate, persona-label, llm-batch), phase-split (each shard writes an
--out-dir set, and ``phase-split --merge`` gives the whole run's set or records,
manifest, stats and status; --out-dir, --force, --compress and --min-share go
to the merge; --stratify and --check-leakage, which judge the whole input, are
refused by it), or dist-report; a compressed input is one shard (a byte range of a .gz means
nothing), and so is a file smaller than its share.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

# Read a shard in blocks of this size: a task's memory does not grow with it.
BLOCK = 1 << 20
COMPRESSED = (".gz", ".zst", ".bz2", ".xz")
# Tools whose --stats shard-merge merges exactly (the merge then gives the exit status).
MERGEABLE_STATS = ("score-filter", "fmt-migrate", "persona-label", "graph-validate")


@dataclass
class Shard:
    index: int
    path: str
    name: str
    start: int
    end: int  # -1: to the end of the file


@dataclass
class Result:
    exit_code: int
    shard_codes: list = field(default_factory=list)
    output: str | None = None
    stats: str | None = None
    rejects: str | None = None
    messages: list = field(default_factory=list)


def plan(files, partitions):
    """Byte ranges over every file, about total/partitions bytes each, at least
    one per file, in input order."""
    sizes = [os.path.getsize(f) for f in files]
    total = max(sum(sizes), 1)
    target = max(total // max(partitions, 1), 1)
    shards = []
    for path, size in zip(files, sizes):
        if path.endswith(COMPRESSED) or size <= target:
            shards.append(Shard(len(shards), path, path, 0, -1))
            continue
        start = 0
        while start < size:
            end = start + target
            if size - end < target // 2:
                end = -1  # a small remainder goes to the last shard
            shards.append(Shard(len(shards), path, path, start, end))
            if end == -1:
                break
            start = end
    return shards


def shard_bytes(shard):
    """Yields the raw bytes of the lines that start inside the shard's range, in
    blocks of at most BLOCK bytes (a long line too: memory does not grow with it)."""
    def rest_of_line(f):
        while True:
            piece = f.readline(BLOCK)
            yield piece
            if not piece or piece.endswith(b"\n"):
                return

    with open(shard.path, "rb") as f:
        pos = shard.start
        if pos > 0:
            # The line that began before the range belongs to the shard before.
            f.seek(pos - 1)
            for _ in rest_of_line(f):
                pass
            pos = f.tell()
        end = float("inf") if shard.end == -1 else shard.end
        while pos < end:
            block = f.read(BLOCK if shard.end == -1 else min(BLOCK, end - pos))
            if not block:
                return
            pos += len(block)
            yield block
            if pos >= end and not block.endswith(b"\n"):
                # Finish the line that holds the range's last byte.
                yield from (piece for piece in rest_of_line(f) if piece)


def tool_env(bin_dir, extra):
    env = {
        "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    }
    # One clock for every task: persona-label writes the time of the run into
    # each line, which must be the same on every shard, as in a single run.
    env["SOURCE_DATE_EPOCH"] = os.environ.get("SOURCE_DATE_EPOCH", str(int(time.time())))
    env.update(extra)
    return env


def shard_paths(work_dir, index):
    base = os.path.join(work_dir, f"shard-{index:05d}")
    return {k: f"{base}.{k}" for k in ("out", "stats", "rejects", "state", "err", "set")}


def run_shard(shard, tool, args, work_dir, binary, env, dist_report, rejects):
    """One task: the tool over the shard's raw bytes. Returns what the driver needs.
    Without `rejects` a shard reports its bad records on stderr and exits 1, as
    the single run does. phase-split writes its shard's --out-dir set, which the
    driver merges."""
    paths = shard_paths(work_dir, shard.index)
    if tool == "phase-split":
        shutil.rmtree(paths["set"], ignore_errors=True)  # a retried task starts afresh
        args = [*split_whole_run_flags(args)[0], "--out-dir", paths["set"]]
    if dist_report:
        args = split_whole_run_flags(args, REPORT_FLAGS)[0]
    cmd = [binary, *args, "-q"] + (["--rejects", paths["rejects"]] if rejects else [])
    cmd += ["--partial", paths["state"]] if dist_report else ["--stats", paths["stats"]]
    lines = 0
    last = b"\n"
    with open(paths["out"], "wb") as out, open(paths["err"], "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err, env=env)
        try:
            for block in shard_bytes(shard):
                lines += block.count(b"\n")
                last = block[-1:]
                proc.stdin.write(block)
        except BrokenPipeError:
            pass
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
        code = proc.wait()
    if last != b"\n":
        lines += 1
    with open(paths["err"], "rb") as f:
        # A tool's stderr is bounded (20 bad records, then a count); this
        # bounds it again should a tool ever say more.
        message = f.read(1 << 16).decode("utf-8", "replace")
    return shard.index, (code if code >= 0 else 128 - code), lines, message


# Flags the merge applies to the whole run, not each shard (True: takes a
# value). phase-split: where the set goes, whether it replaces one, its
# compression, the split-share gate. dist-report: what judges or renders the
# report, which only the merge writes.
WHOLE_RUN_FLAGS = {"--out-dir": True, "--force": False, "--compress": True, "--min-share": True}
REPORT_FLAGS = {"--expect": True, "--format": True, "--top": True, "--bins": True,
                "--escape-formulas": False}


def split_whole_run_flags(args, flags=None):
    """A tool's arguments as (for each shard, for the merge): the flags of
    `flags` (WHOLE_RUN_FLAGS by default; ``--flag VALUE`` or ``--flag=VALUE``)
    go to the merge."""
    flags = WHOLE_RUN_FLAGS if flags is None else flags
    shard, merge = [], []
    i = 0
    while i < len(args):
        name = args[i].split("=", 1)[0]
        if name in flags:
            takes_value = flags[name] and "=" not in args[i]
            merge += args[i:i + 2] if takes_value else [args[i]]
            i += 2 if takes_value else 1
        else:
            shard.append(args[i])
            i += 1
    return shard, merge


# How a tool describes a bad record on stderr (without --rejects), and how it
# says how many more it did not describe: src/report.rs, RejectLog.
SHOWN_REJECTS = 20
REJECT_LINE = re.compile(r"^(?P<tool>[a-z-]+): <stdin>:(?P<line>\d+): (?P<reason>.*)$")
MORE_LINE = re.compile(r"^[a-z-]+: … and (?P<n>\d+) more bad records? \(use --rejects FILE")
# A field no record of a shard held: the merge judges the whole input.
ABSENT = ": no record has this field ("


# Characters never shown raw to a person (src/report.rs, is_hostile): C0 and
# C1 controls, DEL, bidirectional controls and line/paragraph separators.
HOSTILE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]")


def printable(text):
    """Untrusted text (a file name) for a message, escaped as every synthkit
    tool escapes it (report::printable): `\\u{1b}` for ESC."""
    return HOSTILE.sub(lambda m: "\\u{%x}" % ord(m.group()), text)


def first_lines(shards, counts):
    """The original line of each shard's line 1: a shard that starts a file
    starts at 1, a later range of the same file after the shard before it."""
    starts = []
    for i, shard in enumerate(shards):
        starts.append(1 if shard.start == 0 else starts[i - 1] + counts[i - 1])
    return starts


def relay(tool, shards, starts, messages, merged):
    """The shards' stderr as the single run's: bad records at their original
    file and line, the first SHOWN_REJECTS of the whole run described and the
    rest counted; other lines as said, except a shard's absent field where a
    merge (`merged`) judges the whole input."""
    described, hidden, other = [], 0, []
    for shard, start, text in zip(shards, starts, messages):
        for line in text.splitlines():
            found = REJECT_LINE.match(line)
            more = MORE_LINE.match(line)
            if found:
                at = start - 1 + int(found["line"])
                described.append(f"{found['tool']}: {printable(shard.name)}:{at}: {found['reason']}")
            elif more:
                hidden += int(more["n"])
            elif not (merged and ABSENT in line):
                other.append(line)
    hidden += max(len(described) - SHOWN_REJECTS, 0)
    out = described[:SHOWN_REJECTS] + other
    if hidden:
        s = "" if hidden == 1 else "s"
        out.append(f"{tool}: … and {hidden} more bad record{s} (use --rejects FILE to capture every one)")
    return out


def usage_error(message):
    """A run that cannot work: said once, exit status 2 (as a synthkit tool's usage error)."""
    sys.stderr.write(f"synthkit_spark: {message}\n")
    raise SystemExit(2)


def check_inputs(files):
    """As the single run: an input that cannot be read is exit 2, before any task."""
    for name in files:
        if not os.path.isfile(name) or not os.access(name, os.R_OK):
            usage_error(f"cannot read {printable(name)}: not a readable file")


def worst(codes):
    """2 over 1 over 0; anything else (a signal, a crash) counts as 2."""
    if any(c not in (0, 1) for c in codes):
        return 2
    return 1 if 1 in codes else 0


def run(spark, tool, args, files, work_dir, partitions, bin_dir=None, ship=False,
        output=None, stats=None, rejects=None, env=None, merge_args=None, join=True):
    """Runs `tool args` over `files` in `partitions` Spark tasks and merges the
    result into `output`, `stats` and `rejects` (dist-report: `output` is the
    merged report; no `output`: standard output). With `join=False` a per-record
    tool's records stay in WORK_DIR/shard-NNNNN.out, which in shard order are the
    output. Returns a Result whose exit_code is the single run's."""
    sc = spark.sparkContext
    dist_report = tool == "dist-report"
    if not join and (output or tool in ("phase-split", "dist-report")):
        usage_error("--no-join leaves a per-record tool's records in the work folder: "
                    "not with --output, phase-split or dist-report")
    if tool == "phase-split" and output and "--out-dir" in split_whole_run_flags(args)[1]:
        usage_error("phase-split writes its records to --output or to an --out-dir set, "
                    "not both")
    bin_dir = os.path.abspath(bin_dir or os.path.dirname(shutil.which(tool) or tool))
    local_binary = os.path.join(bin_dir, tool)
    for needed in (local_binary, os.path.join(bin_dir, "shard-merge")):
        if not os.access(needed, os.X_OK):
            usage_error(f"{printable(needed)} is not an executable: give --bin-dir, the folder that "
                        "holds the synthkit binaries")
    if ship:
        sc.addFile(local_binary)
    # The tasks run this module's functions: ship it, so executors need only pyspark.
    sc.addPyFile(os.path.abspath(__file__))
    check_inputs(files)
    os.makedirs(work_dir, exist_ok=True)
    shards = plan(files, partitions)
    tool_environment = tool_env(bin_dir, env or {})

    def task(shard):
        from pyspark import SparkFiles

        binary = SparkFiles.get(tool) if ship else local_binary
        if ship:
            os.chmod(binary, 0o755)
        return run_shard(shard, tool, args, work_dir, binary, tool_environment, dist_report,
                         rejects is not None)

    done = sorted(sc.parallelize(shards, len(shards)).map(task).collect())
    result = Result(exit_code=0, shard_codes=[c for _, c, _, _ in done])
    # Explicit first lines: the same file given twice starts at 1 both times.
    starts = first_lines(shards, [lines for _, _, lines, _ in done])
    map_path = os.path.join(work_dir, "map.jsonl")
    with open(map_path, "w", encoding="utf-8") as f:
        for shard, start in zip(shards, starts):
            f.write(json.dumps({"file": shard.name, "first_line": start}) + "\n")
    parts = [shard_paths(work_dir, s.index) for s in shards]
    codes = []
    merger = os.path.join(bin_dir, "shard-merge")

    merge_messages = []

    def step(cmd, to_stdout=False):
        # to_stdout: what the merge writes is the run's result (a report or
        # records with no --output), passed through as it is written.
        proc = subprocess.run(cmd, env=tool_environment, stdout=None if to_stdout else
                              subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.stderr:
            merge_messages.append(proc.stderr.decode("utf-8", "replace"))
        codes.append(proc.returncode)
        return proc.returncode

    def join_outputs(out):
        for p in parts:
            with open(p["out"], "rb") as f:
                shutil.copyfileobj(f, out, BLOCK)

    # A shard's status 1 may judge only its own part of the input (a field no
    # record of *that shard* holds, a gate over its records); the merge sees the
    # whole run's counts and gives the whole run's 0 or 1, so where a merge runs
    # it decides, and only a shard's 2 (or a signal) stands on its own.
    verdict = None
    if dist_report:
        # The report's flags (--expect, --format, --top, --bins) given with
        # the tool's go to the merge, as do --merge-arg's.
        report_flags = split_whole_run_flags(args, REPORT_FLAGS)[1]
        cmd = [local_binary, "--merge", "-q", *report_flags, *(merge_args or []),
               *[p["state"] for p in parts]]
        verdict = step(cmd + (["--report", output] if output else [])
                       + (["--stats", stats] if stats else []), to_stdout=output is None)
    elif tool == "phase-split":
        # The merge writes the whole run's set (or records), manifest, stats
        # and exit status from the shards' sets.
        cmd = [local_binary, "--merge", "-q", *split_whole_run_flags(args)[1]]
        cmd += (["-o", output] if output else []) + (["--stats", stats] if stats else [])
        verdict = step(cmd + [p["set"] for p in parts],
                       to_stdout=output is None and "--out-dir" not in cmd)
    else:
        if stats or tool in MERGEABLE_STATS:
            stats_out = stats or os.path.join(work_dir, "merged.stats")
            code = step([merger, "stats", "-q", "--map", map_path,
                         *[p["stats"] for p in parts], "-o", stats_out])
            verdict = code if tool in MERGEABLE_STATS else None
        if not join:
            pass  # the parts, in shard order, are the output
        elif output:
            with open(output, "wb") as out:
                join_outputs(out)
        else:
            sys.stdout.flush()
            join_outputs(sys.stdout.buffer)
            sys.stdout.buffer.flush()
    if rejects:
        for p in parts:
            if not os.path.exists(p["rejects"]):
                open(p["rejects"], "wb").close()  # a shard that failed before writing any
        step([merger, "rejects", "-q", "--map", map_path, *[p["rejects"] for p in parts],
              "-o", rejects])
    result.messages = relay(tool, shards, starts, [m for _, _, _, m in done],
                            verdict is not None) + merge_messages
    shard_codes = [c for c in result.shard_codes if verdict is None or c != 1]
    result.exit_code = worst(shard_codes + codes)
    result.output, result.stats, result.rejects = output, stats, rejects
    return result


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    tool_args = []
    if "--" in argv:
        at = argv.index("--")
        argv, tool_args = argv[:at], argv[at + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tool", required=True)
    p.add_argument("--partitions", type=int, default=2)
    p.add_argument("--work-dir", required=True)
    p.add_argument("--bin-dir")
    p.add_argument("--ship", action="store_true")
    p.add_argument("--output")
    p.add_argument("--stats")
    p.add_argument("--rejects")
    p.add_argument("--no-join", action="store_true",
                   help="leave the records in WORK_DIR/shard-NNNNN.out (in order, they are the "
                        "output) instead of joining them to --output or standard output")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--merge-arg", action="append", default=[],
                   help="a dist-report flag for --merge (repeat: --merge-arg=--field --merge-arg=score)")
    p.add_argument("--master", default="local[2]")
    p.add_argument("files", nargs="+")
    a = p.parse_args(argv)
    from pyspark.sql import SparkSession

    bad_env = [e for e in a.env if "=" not in e]
    if bad_env:
        usage_error(f"--env {printable(bad_env[0])}: give NAME=VALUE")
    env = dict(e.split("=", 1) for e in a.env)
    check_inputs(a.files)  # before the session starts: a mistyped name costs no engine
    try:
        spark = (SparkSession.builder.master(a.master).appName(f"synthkit {a.tool}")
                 .config("spark.ui.enabled", "false")
                 # No progress bar: its lines, ended by CR, would run into the tool's messages.
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        try:
            r = run(spark, a.tool, tool_args, a.files, a.work_dir, a.partitions, a.bin_dir,
                    a.ship, a.output, a.stats, a.rejects, env, a.merge_arg, not a.no_join)
        finally:
            spark.stop()
    except Exception as e:  # noqa: BLE001 - any failure of the engine or a task
        # A Spark session that cannot start, a task that raised: the run
        # failed as a whole, which a synthkit tool reports as exit status 2.
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        sys.stderr.write(f"synthkit_spark: the run failed: {type(e).__name__}: {printable(first)}\n")
        return 2
    for m in r.messages:
        sys.stderr.write(m if m.endswith("\n") else m + "\n")
    sys.stderr.write(f"synthkit_spark: {a.tool} over {len(r.shard_codes)} shards: "
                     f"exit statuses {r.shard_codes}; the whole run's: {r.exit_code}\n")
    return r.exit_code


if __name__ == "__main__":
    sys.exit(main())
