# dist-report throughput against mlr and jaq on the same distributions.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data teacher "$SIZE")
B=$(stat -c %s "$F")
header "dist-report on $SIZE of teacher-style JSONL ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "dist-report --field status --field metadata.tier --field score FILE (target >= 1.5 GB/s)" "$B" "$BIN/dist-report --field status --field metadata.tier --field score -q $F"
measure "dist-report -j1 --field status --field metadata.tier --field score FILE" "$B" "$BIN/dist-report -j1 --field status --field metadata.tier --field score -q $F"
measure "dist-report --field status FILE" "$B" "$BIN/dist-report --field status -q $F"
measure "dist-report --field score FILE" "$B" "$BIN/dist-report --field score -q $F"
measure "cat FILE | dist-report --field status --field metadata.tier --field score (stdin)" "$B" "cat $F | $BIN/dist-report --field status --field metadata.tier --field score -q"
measure "dist-report --pass --field status --report /dev/null FILE | cat" "$B" "$BIN/dist-report --pass --field status --report /dev/null -q $F | cat"
measure "dist-report --text prompt --text response FILE" "$B" "$BIN/dist-report --text prompt --text response -q $F"
measure "dist-report FILE (every field to depth 2)" "$B" "$BIN/dist-report -q $F"
measure "dist-report --field status --by metadata.tier FILE" "$B" "$BIN/dist-report --field status --field score --by metadata.tier -q $F"
have mlr && measure "mlr --ijsonl count-distinct -f status" "$B" "mlr --ijsonl count-distinct -f status $F"
have mlr && measure "mlr --ijsonl stats1 -a min,max,mean -f score" "$B" "mlr --ijsonl stats1 -a min,max,mean -f score $F"
have jaq && measure "jaq -n 'reduce inputs as \$r ({}; .[\$r.status] += 1)'" "$B" "jaq -n 'reduce inputs as \$r ({}; .[\$r.status] += 1)' $F"
true
