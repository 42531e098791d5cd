#!/bin/sh
# The synthkit demo: runs the suite on the example data bundled in
# examples/data and says what each step did. Usage: sh examples/demo.sh BIN_DIR
set -eu
BIN=${1:-target/release}
DATA=examples/data
OUT=examples/out
mkdir -p "$OUT"
PATH="$BIN:$PATH"
export PATH

step() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\n\033[1m== %s\033[0m\n' "$1"; else printf '\n== %s\n' "$1"; fi; }
show() { printf '$ %s\n' "$*"; }

step "1. Distillation curation (seed 004): keep teacher records scoring >= 0.82, at most 400, seed 42"
show score-filter --min 0.82 --max-samples 400 --seed 42 --by metadata.status $DATA/teacher.jsonl -o $OUT/curated.jsonl
score-filter --min 0.82 --max-samples 400 --seed 42 --by metadata.status "$DATA/teacher.jsonl" \
  -o "$OUT/curated.jsonl" --stats "$OUT/curated.stats.json"
echo "-> $OUT/curated.jsonl: $(wc -l < "$OUT/curated.jsonl") records; every conflicts example kept."

step "2. Judge filtering (seed 002): ratings 1-5, keep 4 and 5 stars; bad ratings are caught, not compared"
show score-filter --field rating --min 4 $DATA/judged.jsonl --rejects $OUT/judged.rejects.jsonl -o $OUT/judged.kept.jsonl
score-filter --field rating --min 4 "$DATA/judged.jsonl" --rejects "$OUT/judged.rejects.jsonl" -o "$OUT/judged.kept.jsonl"
echo "-> rejected records, with file, line and reason:"
sed 's/^/   /' "$OUT/judged.rejects.jsonl"
show score-filter --field rating --min 4 --coerce --missing drop $DATA/judged.jsonl
score-filter --field rating --min 4 --coerce --missing drop "$DATA/judged.jsonl" > /dev/null

printf '\nDone. Outputs are in %s/.\n' "$OUT"
