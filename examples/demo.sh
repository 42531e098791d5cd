#!/bin/sh
# The synthkit demo: the seed workflows (examples/*/Makefile) on the
# example data bundled in examples/data, from scratch. Each tool prints its own
# account (records in, out, rejected) on stderr; the demo adds the tables.
# Usage: sh examples/demo.sh [BIN_DIR]   (default target/release)
set -eu
cd "$(dirname "$0")/.."
BIN=$(cd "${1:-target/release}" && pwd)
OUT=$(pwd)/examples/out
rm -rf "$OUT"
mkdir -p "$OUT"

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\n\033[1m%s\033[0m\n' "$1"; else printf '\n%s\n' "$1"; fi; }
flow() { make --no-print-directory -C "examples/$1" BIN="$BIN" OUT="$OUT/$1" 2>&1 | sed 's/^/  /'; }
show() { sed -n "$2" "$1" | sed 's/^/  | /'; }

bold "== 1. Oracle labeling (seeds 000/001): 12 tier-1 personas label 60 meetings, validated against the Graph schema and a calendar export"
flow oracle
show "$OUT/oracle/labels.report.md" '5,27p'

bold "== 2. Distillation set (seed 004): a mixed-shape teacher file, caught, migrated, curated, compared"
flow distillation
show "$OUT/distillation/compare.md" '1,32p'

bold "== 3. Conversational curriculum (seed 003): SQuAD-style data into extractive -> conversational -> refusal, grouped splits"
flow curriculum
show "$OUT/curriculum/phases.report.md" '1,20p'

bold "== 4. Judge filtering (seed 002): keep 4- and 5-star examples, capture bad ratings, convert to chat format"
flow judge
echo "  rejected records (file, line, reason):"
sed 's/,"raw".*//; s/^/  | /' "$OUT/judge/rejects.jsonl"

bold "== 5. The LLM steps: requests written, example results merged back with every failure accounted"
echo "  judge (seed 002):"
flow llm-judge
echo "  failed requests (file, line, reason):"
sed 's/,"raw".*//; s/^/  | /' "$OUT/llm-judge/failed.jsonl"
echo "  conversational rewrite (seed 003):"
flow llm-rewrite
echo "  meeting synthesis (seeds 000/001):"
flow llm-meetings

bold "== A gate that fails stops the pipeline (status 1 from the tool, make stops, no partial report)"
if make --no-print-directory -C examples/distillation BIN="$BIN" OUT="$OUT/gate" RETENTION=0.99 > "$OUT/gate.log" 2>&1; then
  echo "  unexpected: the gate passed"; exit 1
fi
grep -E "expectation failed|Error 1" "$OUT/gate.log" | sed 's/^/  /'
test ! -e "$OUT/gate/compare.md" && echo "  no compare.md was left behind"

printf '\nDone: every output is in %s/.\n' "$OUT"
