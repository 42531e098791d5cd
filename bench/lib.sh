# Shared helpers for the benchmark scripts (sourced, POSIX sh).
#
# measure LABEL INPUT_BYTES CMD...   runs CMD (a shell string) $RUNS times,
# prints a markdown row: label | best wall s | GB/s of input | peak RSS MiB.
# Peak RSS is that of the whole shell command (the largest process in it).

BENCH_DIR=${BENCH_DIR:-bench/data}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release}
mkdir -p "$BENCH_DIR"

# data KIND SIZE -> path of a generated file (cached).
data() {
  path="$BENCH_DIR/$1-$2.jsonl"
  if [ ! -s "$path" ]; then
    cargo run -q --release --example gen-data -- "$1" "$2" > "$path.tmp" && mv "$path.tmp" "$path"
  fi
  cat "$path" > /dev/null   # into the page cache
  echo "$path"
}

have() { command -v "$1" > /dev/null 2>&1; }

# seconds CMD -> wall seconds of one run of the shell string CMD (output discarded).
seconds() {
  s=$(date +%s.%N); sh -c "$1" > /dev/null 2>&1; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'
}

header() {
  printf '\n### %s\n\n| command | best wall (s) | GB/s of input | peak RSS (MiB) |\n|---|---|---|---|\n' "$1"
}

measure() {
  label=$1; bytes=$2; shift 2
  best=""; rss=""
  i=0
  while [ $i -lt "$RUNS" ]; do
    # -o: the command's own stderr is discarded, time's report must not be.
    /usr/bin/time -f '%e %M' -o "$BENCH_DIR/.time" sh -c "$*" > /dev/null 2>/dev/null
    out=$(tail -1 "$BENCH_DIR/.time")
    t=${out% *}; m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
    i=$((i + 1))
  done
  awk -v l="$label" -v t="$best" -v b="$bytes" -v m="$rss" \
    'BEGIN { printf "| `%s` | %.2f | %.2f | %.0f |\n", l, t, (t > 0 ? b / t / 1e9 : 0), m / 1024 }'
}
