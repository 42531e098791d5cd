complete -c score-filter -l min -d 'Keep records whose score is at least X (inclusive)' -r
complete -c score-filter -l max -d 'Keep records whose score is at most X (inclusive)' -r
complete -c score-filter -l field -d 'The score field (dotted path or JSON Pointer)' -r
complete -c score-filter -l missing -d 'What to do with a record whose score is absent or not a number' -r -f -a "reject\t'A bad record: reported, exit status 1 unless --rejects captures it'
drop\t'Leave it out, counted under its own reason'
keep\t'Write it unchanged, counted'"
complete -c score-filter -l max-samples -d 'Keep at most N of the passing records: those with the smallest seeded hash' -r
complete -c score-filter -l max-per -d 'Keep at most N passing records per value of --by' -r
complete -c score-filter -l by -d 'Report counts and retention per value of PATH (e.g. status)' -r
complete -c score-filter -l seed -d 'Seed of the hash that samples' -r
complete -c score-filter -l group -d 'Hash this field instead of the whole record, so records with one value are kept or dropped together (e.g. id)' -r
complete -c score-filter -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c score-filter -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c score-filter -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c score-filter -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c score-filter -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c score-filter -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c score-filter -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c score-filter -l coerce -d 'Read a string holding a number ("0.85") as that number'
complete -c score-filter -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c score-filter -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c score-filter -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c score-filter -s h -l help -d 'Print help (see more with \'--help\')'
complete -c score-filter -s V -l version -d 'Print version'
