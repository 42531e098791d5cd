# persona-label throughput on Microsoft Graph events (the `graph` data kind).
# The target (issue 6): one persona with about 40 rules at >= 200 MB/s.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data graph "$SIZE")
B=$(stat -c %s "$F")
P="--timestamp none -q"
header "persona-label on $SIZE of Graph events ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "persona-label --persona builtin:tier3_cross_timezone_engineer (44 rules)" "$B" "$BIN/persona-label $P --persona builtin:tier3_cross_timezone_engineer $F"
measure "persona-label -j1, same persona" "$B" "$BIN/persona-label $P -j1 --persona builtin:tier3_cross_timezone_engineer $F"
measure "persona-label --persona builtin:tier1_sales_manager_pipeline (68 rules)" "$B" "$BIN/persona-label $P --persona builtin:tier1_sales_manager_pipeline $F"
measure "cat FILE | persona-label (stdin), same persona" "$B" "cat $F | $BIN/persona-label $P --persona builtin:tier1_sales_manager_pipeline"
measure "persona-label --rules seed, same persona" "$B" "$BIN/persona-label $P --rules seed --persona builtin:tier1_sales_manager_pipeline $F"
measure "persona-label --tier 1 --explain (12 personas, 12 lines per event)" "$B" "$BIN/persona-label $P --tier 1 --explain $F 2>/dev/null"
true
