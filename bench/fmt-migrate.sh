# fmt-migrate throughput: alpaca → OpenAI messages, against the jq program
# that does the same conversion (instruction and non-empty input joined by a
# newline, as LLaMA-Factory does; every other field kept).
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data alpaca "$SIZE")
B=$(stat -c %s "$F")
JQ_PROGRAM='{messages: [{role: "user", content: ([.instruction, .input] | map(select(. != null and . != "")) | join("\n"))}, {role: "assistant", content: .output}]} + del(.instruction, .input, .output)'
header "fmt-migrate --to messages on $SIZE of alpaca JSONL ($F)"
measure "cat FILE > /dev/null (floor)" "$B" "cat $F"
measure "fmt-migrate --to messages FILE" "$B" "$BIN/fmt-migrate --to messages -q $F"
measure "fmt-migrate -j1 --to messages FILE" "$B" "$BIN/fmt-migrate -j1 --to messages -q $F"
measure "cat FILE | fmt-migrate --to messages | cat" "$B" "cat $F | $BIN/fmt-migrate --to messages -q | cat"
measure "fmt-migrate --detect FILE" "$B" "$BIN/fmt-migrate --detect -q $F"
have jq && measure "jq -c '<the same conversion>'" "$B" "jq -c '$JQ_PROGRAM' $F"
have jaq && measure "jaq -c '<the same conversion>'" "$B" "jaq -c '$JQ_PROGRAM' $F"
true
