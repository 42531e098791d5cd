complete -c graph-validate -l require -d 'Properties every event must have, not null (repeatable, or comma-separated)' -r
complete -c graph-validate -l timezone -d 'Require every start and end to use this time zone (e.g. Asia/Shanghai)' -r
complete -c graph-validate -l real -d 'A real sample to compare with: JSONL, JSON array, Graph list response or export wrapper' -r -F
complete -c graph-validate -l min-alignment -d 'Exit 1 when the alignment score with --real is below X (0 to 1)' -r
complete -c graph-validate -l max-drift -d 'Exit 1 when any distribution\'s Jensen–Shannon divergence from --real exceeds X (0 to 1)' -r
complete -c graph-validate -s o -l output -d 'Write records to FILE instead of standard output' -r -F
complete -c graph-validate -l stats -d 'Write run statistics to FILE as one JSON object' -r -F
complete -c graph-validate -l rejects -d 'Write every bad record to FILE as JSONL instead of reporting it' -r -F
complete -c graph-validate -s j -l threads -d 'Worker threads [default: all cores]' -r
complete -c graph-validate -l max-line-bytes -d 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]' -r
complete -c graph-validate -l max-document-bytes -d 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]' -r
complete -c graph-validate -l generate -d 'Print a man page or shell completion script and exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c graph-validate -l strict -d 'Report properties the schema does not know (annotations stay allowed), and make warnings errors'
complete -c graph-validate -l labels -d 'Require the label fields (importance_label, prep_needed, …)'
complete -c graph-validate -s q -l quiet -d 'Do not print the summary line on standard error (errors still print)'
complete -c graph-validate -l fail-fast -d 'Stop at the first bad record, with exit status 1'
complete -c graph-validate -l no-mmap -d 'Read files with read(2) instead of memory-mapping them'
complete -c graph-validate -l problems -d 'Write one JSON line per invalid record instead of the valid events'
complete -c graph-validate -s h -l help -d 'Print help (see more with \'--help\')'
complete -c graph-validate -s V -l version -d 'Print version'
