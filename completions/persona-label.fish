complete -c persona-label -l persona -d 'Label with this persona: a persona file, or builtin:ID (repeatable)' -r
complete -c persona-label -l tier -d 'Label with every built-in persona of tier N (repeatable)' -r
complete -c persona-label -l rules -d 'Which labeling rules to apply' -r -f -a "default\t'persona-label\'s documented rules (whole words, weights 4/2/1/-3, RSVP)'
seed\t'The seed project\'s generator, reproduced (substrings, weights 4/3/2/1, no RSVP)'"
complete -c persona-label -l timestamp -d 'The generation_timestamp written: now, none (no field) or a fixed value' -r
complete -c persona-label -l self -d 'Whose calendar it is: sets self.address of every persona (overriding the files)' -r
complete -c persona-label -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c persona-label -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c persona-label -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c persona-label -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c persona-label -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c persona-label -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c persona-label -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c persona-label -l format -d 'With --list: table (id, tier, name) or jsonl (one JSON object per persona, with its diversity dimensions)' -r -f -a "table\t'Aligned columns: id, tier and name'
jsonl\t'One JSON object per persona, with its diversity dimensions'"
complete -c persona-label -l all-personas -d 'Label with all 30 built-in personas'
complete -c persona-label -l explain -d 'Report, per persona, rule firings, dead rules, conflicts and label distributions'
complete -c persona-label -l check -d 'Validate persona files (the FILE arguments and --persona) without labeling'
complete -c persona-label -l list -d 'Print the built-in personas (or those selected): id, tier and name'
complete -c persona-label -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c persona-label -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c persona-label -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c persona-label -l json -d 'The former name of --format jsonl, still accepted'
complete -c persona-label -s h -l help -d 'Print help (see more with \'--help\')'
complete -c persona-label -s V -l version -d 'Print version'
