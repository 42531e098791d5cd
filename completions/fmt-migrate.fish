complete -c fmt-migrate -l to -d 'Write every record in SHAPE (csv and json-array: the records as they are, in that format)' -r -f -a "teacher\t'{concept, requirements_yaml, teacher_product_vision, teacher_product_owner_review, score, metadata}'
prompt-output\t'{prompt, output}, output holding ```yaml VISION and ```yaml REVIEW blocks'
supervised\t'{prompt, response}, response = the VISION and REVIEW blocks'
input-output\t'{input, output}'
alpaca\t'{instruction, input, output, system?, history?} (or chosen/rejected instead of output)'
sharegpt\t'{conversations: [{from, value}], system?, tools?} (or chosen/rejected turns)'
messages\t'{messages: [{role, content, …}], tools?}'
prompt-completion\t'{prompt, completion}'
preference\t'{prompt, chosen, rejected}, all strings'
preference-messages\t'{prompt, chosen, rejected}, each a list of messages'
qa\t'{question, answer} (synthetic-data-kit)'
json-array\t'A JSON array of records'
csv\t'CSV with a header row; nested fields as dotted headers'"
complete -c fmt-migrate -l extract -d 'Add FIELD, pulled out of the text at SOURCE_PATH by REGEX (repeatable)' -r
complete -c fmt-migrate -l template -d 'Build the prompt (or response=, system=) from {{path}} placeholders (repeatable)' -r
complete -c fmt-migrate -l system -d 'Set the system prompt of every record' -r
complete -c fmt-migrate -l role-map -d 'Read the role name FROM as TO (system, user, assistant, tool or function; repeatable)' -r
complete -c fmt-migrate -l pairs -d 'Which ranked sibling replies of an OpenAssistant tree become preference pairs' -r -f -a "best-worst\t'The best-ranked reply against the worst-ranked: one pair per ranked group'
best-rest\t'The best-ranked reply against each other ranked reply'
all\t'Every two ranked replies, the better one chosen'"
complete -c fmt-migrate -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c fmt-migrate -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c fmt-migrate -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c fmt-migrate -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c fmt-migrate -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c fmt-migrate -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c fmt-migrate -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c fmt-migrate -l from -d 'The input\'s shape or document format' -r -f -a "auto\t'Detect each record\'s shape from its fields (--from only)'
teacher\t'{concept, requirements_yaml, teacher_product_vision, teacher_product_owner_review, score, metadata}'
prompt-output\t'{prompt, output}, output holding ```yaml VISION and ```yaml REVIEW blocks'
supervised\t'{prompt, response}, response = the VISION and REVIEW blocks'
input-output\t'{input, output}'
alpaca\t'{instruction, input, output, system?, history?} (or chosen/rejected instead of output)'
sharegpt\t'{conversations: [{from, value}], system?, tools?} (or chosen/rejected turns)'
messages\t'{messages: [{role, content, …}], tools?}'
prompt-completion\t'{prompt, completion}'
preference\t'{prompt, chosen, rejected}, all strings'
preference-messages\t'{prompt, chosen, rejected}, each a list of messages'
qa\t'{question, answer} (synthetic-data-kit)'
hh-rlhf\t'{chosen, rejected}: Anthropic HH-RLHF transcripts ("\\n\\nHuman: …\\n\\nAssistant: …") (--from only)'
oasst-tree\t'{message_tree_id, prompt: {role, text, replies: […]}}: an OpenAssistant tree (--from only)'
squad\t'A SQuAD v1.1/v2.0 JSON file: one input-output record per question (--from only)'
graph-response\t'A Graph list response, a bare JSON array, or a file of such pages (--from only)'
json-array\t'A JSON array of records'
csv\t'CSV with a header row; nested fields as dotted headers'"
complete -c fmt-migrate -l refusal -d 'The answer written for an unanswerable SQuAD question (is_impossible)' -r
complete -c fmt-migrate -l detect -d 'Convert nothing: count the records of each shape, exit 1 if the input mixes shapes'
complete -c fmt-migrate -l allow-mixed -d 'With --detect: an input that mixes shapes is not an error'
complete -c fmt-migrate -l drop-extra -d 'Leave out the fields the conversion does not consume'
complete -c fmt-migrate -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c fmt-migrate -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c fmt-migrate -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c fmt-migrate -l escape-formulas -d 'Write CSV cells that start with =, +, -, @, TAB or CR with a \' in front'
complete -c fmt-migrate -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fmt-migrate -s V -l version -d 'Print version'
