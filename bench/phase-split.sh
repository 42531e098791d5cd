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
# Peers tag each record with the same rules (no reordering, no split).
JQ='. + {phase: (if (.output | test("not found in (the )?provided context|i (couldn.?t|could not) find|i (don.?t|do not) have (enough )?information|the context does not (mention|say|contain)"; "i")) then "refusal" elif ((.output | split(" ") | length) <= 30 and ((.input | ascii_downcase) | contains(.output | ascii_downcase))) then "extractive" else "conversational" end)}'
have jq && measure "jq -c (tag only)" "$B" "jq -c '$JQ' $F"
have jaq && measure "jaq -c (tag only)" "$B" "jaq -c '$JQ' $F"
true
