complete -c dist-report -l field -d 'Report the distribution of the field at PATH (repeatable; `*` matches every member)' -r
complete -c dist-report -l text -d 'Report the length of the text at PATH in characters and words (repeatable)' -r
complete -c dist-report -l by -d 'Repeat every report per value of PATH (e.g. persona_id or metadata.tier)' -r
complete -c dist-report -l top -d 'Show the K most frequent values of a field; fold the rest into one row' -r
complete -c dist-report -l bins -d 'Histogram bins for numeric fields' -r
complete -c dist-report -l max-distinct -d 'Track at most N distinct values per field (memory bound)' -r
complete -c dist-report -l compare -d 'Compare the input (before) with AFTER: per value, counts, shares, change, retention' -r -F
complete -c dist-report -l expect -d 'Check EXPR against the report; exit status 1 when any fails (repeatable)' -r
complete -c dist-report -l partial -d 'Write the mergeable state to FILE (- for standard output) instead of a report (for --merge)' -r -F
complete -c dist-report -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c dist-report -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c dist-report -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c dist-report -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c dist-report -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c dist-report -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c dist-report -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c dist-report -l format -d 'Report format [default: table on a terminal, jsonl otherwise]' -r -f -a "table\t'Aligned columns with a bar for each share (colour on a terminal unless NO_COLOR)'
markdown\t'Markdown tables, ready to paste into a report'
json\t'One JSON document'
jsonl\t'One JSON object per field, value or statistic'
csv\t'The JSONL rows as CSV, one column per key'"
complete -c dist-report -l report -d 'Write the report to FILE (atomically) instead of standard output' -r -F
complete -c dist-report -l merge -d 'Read the FILEs as states written by --partial and report their merge'
complete -c dist-report -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c dist-report -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c dist-report -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c dist-report -l escape-formulas -d 'Write CSV cells that start with =, +, -, @, TAB or CR with a \' in front'
complete -c dist-report -l pass -d 'Pass records through unchanged to standard output; report to --report FILE or stderr'
complete -c dist-report -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dist-report -s V -l version -d 'Print version'
