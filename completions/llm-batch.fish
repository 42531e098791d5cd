complete -c llm-batch -l api -d 'The provider\'s batch format' -r -f -a "openai\t'OpenAI Batch API (also vLLM run_batch and Azure OpenAI)'
anthropic\t'Anthropic Message Batches'"
complete -c llm-batch -l model -d 'The model every request names' -r
complete -c llm-batch -l prompt -d 'The user message: text with {{path}} placeholders, or a file holding it' -r
complete -c llm-batch -l messages -d 'Take the conversation from the record: an array of {role, content} at PATH' -r
complete -c llm-batch -l system -d 'The system prompt of every request' -r
complete -c llm-batch -l max-tokens -d 'Most tokens an answer may have' -r
complete -c llm-batch -l temperature -d 'Sampling temperature, 0 to 2' -r
complete -c llm-batch -l json-schema -d 'OpenAI structured output: a JSON Schema file (or a {name, schema, strict} object)' -r -F
complete -c llm-batch -l url -d 'The OpenAI endpoint of every request' -r
complete -c llm-batch -l n -d 'Requests per record (variations), each with its own id (-1 … -K) and seed' -r
complete -c llm-batch -l id -d 'Take each record\'s custom_id from PATH instead of the hash of its bytes' -r
complete -c llm-batch -l only-missing -d 'Write requests only for what this result file has no answer for (resume a batch; repeatable)' -r -F
complete -c llm-batch -l records -d 'merge: the records the requests were written from' -r -F
complete -c llm-batch -l into -d 'merge: the field the answer goes into' -r
complete -c llm-batch -l parse -d 'merge: write the answer\'s text, or the JSON value in it' -r -f -a "text\t'The answer\'s text, as a string'
json\t'The JSON value in the answer'"
complete -c llm-batch -l rating -d 'merge: take one number in MIN..MAX out of the answer (a judge\'s rating)' -r
complete -c llm-batch -l rating-pattern -d 'merge: where the rating is; group 1 is the number' -r
complete -c llm-batch -l missing -d 'merge: what to do with a record that has no result' -r -f -a "reject\t'A bad record: reported, exit status 1 unless --rejects captures it'
drop\t'Leave it out, counted under its own reason'
keep\t'Write it unchanged, counted'"
complete -c llm-batch -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c llm-batch -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c llm-batch -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c llm-batch -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c llm-batch -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c llm-batch -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c llm-batch -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c llm-batch -l out-dir -d 'request: numbered request files under DIR, each within the API\'s limits, with manifest.json' -r -F
complete -c llm-batch -l explode -d 'merge: one line per element of the answer\'s JSON array (implies --parse json)'
complete -c llm-batch -l usage -d 'merge: add the answer\'s token usage as "usage"'
complete -c llm-batch -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c llm-batch -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c llm-batch -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c llm-batch -l force -d 'Write into a non-empty --out-dir, replacing the previous run\'s files'
complete -c llm-batch -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llm-batch -s V -l version -d 'Print version'
