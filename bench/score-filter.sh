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
have jq && measure "jq -c 'select(.score >= 0.82)'" "$B" "jq -c 'select(.score >= 0.82)' $F"
have jaq && measure "jaq -c 'select(.score >= 0.82)'" "$B" "jaq -c 'select(.score >= 0.82)' $F"
have mlr && measure "mlr --ijsonl --ojsonl filter '\$score >= 0.82'" "$B" "mlr --ijsonl --ojsonl filter '\$score >= 0.82' $F"
true
