# The cost of reading .zst (issue 8): every tool on the plain file and on the same
# file compressed by the zstd CLI (one frame, level 3), plus decompression alone.
. bench/lib.sh
SIZE=${SIZE:-1G}
have zstd || { echo "compressed.sh: needs the zstd CLI (apt-get install zstd)" >&2; exit 0; }
P="--persona builtin:tier3_cross_timezone_engineer"
printf '\n### Reading .zst against the plain file, %s inputs (zstd CLI, level 3)\n\n' "$SIZE"
printf '| job | plain (s) | .zst (s) | ratio | `zstd -dc` alone (s) |\n|---|---|---|---|---|\n'
# best CMD -> best wall seconds of $RUNS runs
best() {
  b=""; i=0
  while [ $i -lt "$RUNS" ]; do
    t=$(seconds "$1")
    if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
    i=$((i + 1))
  done
  echo "$b"
}
row() {
  label=$1; kind=$2; cmd=$3
  F=$(data "$kind" "$SIZE"); Z="$F.cli.zst"
  [ -s "$Z" ] || zstd -q -3 -f "$F" -o "$Z"
  cat "$Z" > /dev/null
  p=$(best "$cmd $F"); z=$(best "$cmd $Z"); d=$(best "zstd -dc $Z")
  awk -v l="$label" -v p="$p" -v z="$z" -v d="$d" 'BEGIN { printf "| `%s` | %s | %s | %.2f× | %s |\n", l, p, z, z / p, d }'
}
row "score-filter --min 0.82" teacher "$BIN/score-filter --min 0.82 -q"
row "dist-report --field status --field metadata.tier --field score" teacher "$BIN/dist-report --field status --field metadata.tier --field score -q"
row "fmt-migrate --to messages" alpaca "$BIN/fmt-migrate --to messages -q"
row "graph-validate" graph "$BIN/graph-validate -q"
row "persona-label (44 rules)" graph "$BIN/persona-label $P"
row "phase-split --split train=0.8,val=0.1,test=0.1" qa "$BIN/phase-split --split train=0.8,val=0.1,test=0.1 -q"
