# graph-validate throughput: full validation of Graph calendar events (~2.7 KB,
# 2-15 attendees each), against the floors and jq/jaq doing far less (the seeds'
# six-field presence check).
. bench/lib.sh
SIZE=${SIZE:-200M}
F=$(data graph "$SIZE")
B=$(stat -c %s "$F")
REAL="$BENCH_DIR/graph-real-sample.jsonl"
head -n 5000 "$F" > "$REAL"
header "graph-validate on $SIZE of Graph events ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "score-filter --missing keep FILE (scanner floor)" "$B" "$BIN/score-filter --missing keep -q $F"
measure "graph-validate FILE" "$B" "$BIN/graph-validate -q $F"
measure "graph-validate -j1 FILE" "$B" "$BIN/graph-validate -j1 -q $F"
measure "cat FILE | graph-validate (stdin)" "$B" "cat $F | $BIN/graph-validate -q"
measure "graph-validate --strict --timezone Asia/Shanghai --problems FILE" "$B" "$BIN/graph-validate --strict --timezone Asia/Shanghai --problems -q $F"
measure "graph-validate --real SAMPLE --max-drift 1 FILE (alignment + realism)" "$B" "$BIN/graph-validate --real $REAL --max-drift 1 -q $F"
SIX='select(has("id") and has("subject") and has("start") and has("end") and has("organizer") and has("attendees"))'
have jq && measure "jq -c 'six required fields'" "$B" "jq -c '$SIX' $F"
have jaq && measure "jaq -c 'six required fields'" "$B" "jaq -c '$SIX' $F"
true
