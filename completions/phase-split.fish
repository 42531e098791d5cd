complete -c phase-split -l answer -d 'The answer field [default: output, response, completion, chosen (a preference record), answer, or the last assistant message of messages or gpt turn of conversations]' -r
complete -c phase-split -l context -d 'The context field [default: input, prompt, instruction, question (the first that is not null or empty), or the user messages or human turns]' -r
complete -c phase-split -l max-extractive-words -d 'Longest answer, in words, that can be extractive' -r
complete -c phase-split -l refusal-pattern -d 'Also treat answers matching REGEX as refusals (case-insensitive; repeatable)' -r
complete -c phase-split -l phase-field -d 'Use the value at PATH as the phase name instead of classifying' -r
complete -c phase-split -l phase -d 'Rule NAME=PATH~REGEX (or NAME for every record); the first match wins' -r
complete -c phase-split -l order -d 'Phase order (repeatable, or comma-separated); unnamed phases follow' -r
complete -c phase-split -l split -d 'Split records, e.g. train=0.8,val=0.1,test=0.1 (fractions adding up to 1, or weights train=8,val=1,test=1)' -r
complete -c phase-split -l stratify -d 'Keep each value at PATH close to the requested shares in every split' -r
complete -c phase-split -l check-leakage -d 'Report values at PATH found in more than one split; exit 1 if any' -r
complete -c phase-split -l min-share -d 'Exit 1 when a split gets less than X times its requested share (0.5: at least half); no -o or --out-dir file is committed' -r
complete -c phase-split -l seed -d 'Seed of the hash that splits' -r
complete -c phase-split -l group -d 'Hash this field instead of the whole record, so records with one value (a group) never straddle splits' -r
complete -c phase-split -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c phase-split -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c phase-split -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c phase-split -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c phase-split -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c phase-split -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c phase-split -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c phase-split -l out-dir -d 'Write one file per phase (and split) under DIR, with manifest.json' -r -F
complete -c phase-split -l compress -d 'Compress every --out-dir file (gz or zst); the name gets .gz or .zst' -r -f -a "gz\t'gzip, level 6'
zst\t'zstd, level 3, in independent 4 MiB frames'"
complete -c phase-split -l spill-after -d 'Hold up to SIZE of later phases in memory before spilling to disk (e.g. 512K, 32M, 1G)' -r
complete -c phase-split -l temp-dir -d 'Folder for spilled temporary files [default: $TMPDIR or /tmp]' -r -F
complete -c phase-split -l no-default-refusals -d 'Do not use the built-in refusal patterns'
complete -c phase-split -l merge -d 'Merge the --out-dir sets of runs over shards (the FILEs, in shard order) into the whole run\'s set or output'
complete -c phase-split -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c phase-split -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c phase-split -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c phase-split -l force -d 'Write into a non-empty --out-dir, replacing the previous run\'s files'
complete -c phase-split -l no-tag -d 'Do not append "phase" and "split" to the records'
complete -c phase-split -s h -l help -d 'Print help (see more with \'--help\')'
complete -c phase-split -s V -l version -d 'Print version'
