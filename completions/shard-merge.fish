complete -c shard-merge -l map -d 'The shard map: one JSONL line per shard, in shard order, saying where it started' -r -F
complete -c shard-merge -l joblog -d 'stats: GNU parallel\'s --joblog of the shard runs, for the whole run\'s exit status' -r -F
complete -c shard-merge -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c shard-merge -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c shard-merge -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c shard-merge -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c shard-merge -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c shard-merge -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c shard-merge -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c shard-merge -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c shard-merge -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c shard-merge -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c shard-merge -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shard-merge -s V -l version -d 'Print version'
