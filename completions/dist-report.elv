
use builtin;
use str;

set edit:completion:arg-completer[dist-report] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'dist-report'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'dist-report'= {
            cand --field 'Report the distribution of the field at PATH (repeatable; `*` matches every member)'
            cand --text 'Report the length of the text at PATH in characters and words (repeatable)'
            cand --by 'Repeat every report per value of PATH (e.g. persona_id or metadata.tier)'
            cand --top 'Show the K most frequent values of a field; fold the rest into one row'
            cand --bins 'Histogram bins for numeric fields'
            cand --max-distinct 'Track at most N distinct values per field (memory bound)'
            cand --compare 'Compare the input (before) with AFTER: per value, counts, shares, change, retention'
            cand --expect 'Check EXPR against the report; exit status 1 when any fails (repeatable)'
            cand --partial 'Write the mergeable state to FILE (- for standard output) instead of a report (for --merge)'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --format 'Report format [default: table on a terminal, jsonl otherwise]'
            cand --report 'Write the report to FILE (atomically) instead of standard output'
            cand --merge 'Read the FILEs as states written by --partial and report their merge'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand --escape-formulas 'Write CSV cells that start with =, +, -, @, TAB or CR with a '' in front'
            cand --pass 'Pass records through unchanged to standard output; report to --report FILE or stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
