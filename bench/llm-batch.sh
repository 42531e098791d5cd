# llm-batch: request lines from records, and merging shuffled results back.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data qa "$SIZE")
B=$(stat -c %s "$F")
header "llm-batch on $SIZE of QA records ($F)"
measure "llm-batch request --prompt 'Q: {{input}}' FILE (target >= 0.5 GB/s)" "$B" "$BIN/llm-batch request --model m --prompt 'Q: {{input}}' -q $F"
# Results for every request, shuffled: an answer per record.
R="$BENCH_DIR/qa-$SIZE.results.jsonl"
if [ ! -s "$R" ]; then
  $BIN/llm-batch request --model m --prompt 'Q: {{input}}' -q "$F" \
    | sed -E 's/^\{"custom_id":"([^"]+)".*/{"id":"x","custom_id":"\1","response":{"status_code":200,"request_id":"r","body":{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"A short answer to the question.","refusal":null}}],"usage":{"prompt_tokens":40,"completion_tokens":8}}},"error":null}/' \
    | shuf --random-source="$F" > "$R.tmp" && mv "$R.tmp" "$R"
fi
RB=$(stat -c %s "$R")
measure "llm-batch merge --records FILE RESULTS (GB/s of records + results; target >= 0.3)" "$((B + RB))" "$BIN/llm-batch merge --records $F -q $R"
