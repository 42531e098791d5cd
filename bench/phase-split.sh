# phase-split throughput and memory: the built-in classifier plus a split, on
# seed-003 QA records, writing the curriculum to standard output (the later
# phases go through the spill files) or one file per phase and split.
# Peak RSS with a FILE argument includes the pages of the memory-mapped input
# (page cache, not heap); the stdin rows show the tool's own bounded memory.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data qa "$SIZE")
B=$(stat -c %s "$F")
OUT="$BENCH_DIR/phase-split-out"
SPLIT="--split train=0.8,val=0.1,test=0.1"
header "phase-split on $SIZE of QA JSONL ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "phase-split FILE (curriculum to stdout)" "$B" "$BIN/phase-split -q $F"
measure "phase-split $SPLIT FILE" "$B" "$BIN/phase-split $SPLIT -q $F"
measure "phase-split -j1 $SPLIT FILE" "$B" "$BIN/phase-split -j1 $SPLIT -q $F"
measure "cat FILE | phase-split $SPLIT (stdin)" "$B" "cat $F | $BIN/phase-split $SPLIT -q"
measure "cat FILE | phase-split $SPLIT --spill-after 0 (stdin)" "$B" "cat $F | $BIN/phase-split $SPLIT --spill-after 0 -q"
measure "phase-split $SPLIT --group title --check-leakage input FILE" "$B" "$BIN/phase-split $SPLIT --group title --check-leakage input -q $F"
measure "phase-split $SPLIT --stratify title FILE" "$B" "$BIN/phase-split $SPLIT --stratify title -q $F"
measure "phase-split $SPLIT --out-dir DIR FILE" "$B" "rm -rf $OUT && $BIN/phase-split $SPLIT --out-dir $OUT -q $F"
rm -rf "$OUT"
# --merge of shard sets (issue 17): four line shards, each split into its own
# set once, then the sets merged into the whole run's set (a copy that checks
# every file's xxh3 against its manifest) or written to standard output.
SHARDS="$BENCH_DIR/phase-split-shards"
rm -rf "$SHARDS" && mkdir -p "$SHARDS"
split -n l/4 -d "$F" "$SHARDS/part."
for part in "$SHARDS"/part.*; do
  $BIN/phase-split $SPLIT --group title -q --out-dir "$part.set" "$part"
done
SETS=$(ls -d "$SHARDS"/part.*.set)
measure "phase-split --merge --out-dir DIR (4 shard sets)" "$B" "rm -rf $OUT && $BIN/phase-split --merge -q --out-dir $OUT $SETS"
measure "phase-split --merge (4 shard sets, to stdout)" "$B" "$BIN/phase-split --merge -q $SETS"
measure "cat every shard file (floor of the merge)" "$B" "cat $(echo "$SETS" | sed 's|$|/*/*|' | tr '\n' ' ')"
rm -rf "$OUT" "$SHARDS"
# Peers tag each record with the same rules (no reordering, no split). jq's
# regex engine is slow, so the peers run on 50M of the same kind of data.
P=$(data qa 50M)
PB=$(stat -c %s "$P")
JQ='.output as $o | (.input // "" | ascii_downcase) as $c | . + {phase: (if ($o | test("not found in (the )?provided context|i (couldn.?t|could not) find|i (don.?t|do not) have (enough )?information|the context does not (mention|say|contain)"; "i")) then "refusal" elif (($o | split(" ") | length) <= 30 and ($c | contains($o | ascii_downcase))) then "extractive" else "conversational" end)}'
measure "phase-split FILE (50M, for the peers)" "$PB" "$BIN/phase-split -q $P"
have jq && measure "jq -c (tag only, 50M)" "$PB" "jq -c '$JQ' $P"
have jaq && measure "jaq -c (tag only, 50M)" "$PB" "jaq -c '$JQ' $P"
true
