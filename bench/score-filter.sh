# score-filter throughput against jq, jaq and mlr on the same filter.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data teacher "$SIZE")
B=$(stat -c %s "$F")
header "score-filter --min 0.82 on $SIZE of teacher-style JSONL ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "score-filter --min 0.82 FILE" "$B" "$BIN/score-filter --min 0.82 -q $F"
measure "score-filter -j1 --min 0.82 FILE" "$B" "$BIN/score-filter -j1 --min 0.82 -q $F"
measure "cat FILE | score-filter --min 0.82 (stdin)" "$B" "cat $F | $BIN/score-filter --min 0.82 -q"
measure "cat FILE | cat > /dev/null (pipe floor)" "$B" "cat $F | cat"
measure "cat FILE | score-filter --min 0.82 | cat" "$B" "cat $F | $BIN/score-filter --min 0.82 -q | cat"
measure "same, SYNTHKIT_PIPE_SIZE=0 (default pipe buffers)" "$B" "cat $F | SYNTHKIT_PIPE_SIZE=0 $BIN/score-filter --min 0.82 -q | cat"
measure "score-filter --min 0.82 --max-samples 400 FILE" "$B" "$BIN/score-filter --min 0.82 --max-samples 400 -q $F"
# Compressed input (issue 8: within 2x of the uncompressed throughput). GB/s is
# of the uncompressed bytes. synthkit writes .zst in independent frames, which it
# decompresses in parallel; the zstd CLI writes one frame, decoded on one core.
Z="$F.zst"; ZC="$F.cli.zst"; G="$F.gz"
[ -s "$Z" ] || $BIN/score-filter --missing keep -q "$F" -o "$Z"
if have zstd; then [ -s "$ZC" ] || zstd -q -3 -f "$F" -o "$ZC"; fi
[ -s "$G" ] || $BIN/score-filter --missing keep -q "$F" -o "$G"
measure "score-filter --min 0.82 FILE.zst (synthkit frames)" "$B" "$BIN/score-filter --min 0.82 -q $Z"
have zstd && measure "score-filter --min 0.82 FILE.zst (zstd CLI, one frame)" "$B" "$BIN/score-filter --min 0.82 -q $ZC"
have zstd && measure "zstd -dc FILE.zst > /dev/null (decompression alone)" "$B" "zstd -dc $ZC"
measure "score-filter --min 0.82 FILE.gz" "$B" "$BIN/score-filter --min 0.82 -q $G"
have jq && measure "jq -c 'select(.score >= 0.82)'" "$B" "jq -c 'select(.score >= 0.82)' $F"
have jaq && measure "jaq -c 'select(.score >= 0.82)'" "$B" "jaq -c 'select(.score >= 0.82)' $F"
have mlr && measure "mlr --ijsonl --ojsonl filter '\$score >= 0.82'" "$B" "mlr --ijsonl --ojsonl filter '\$score >= 0.82' $F"
true
