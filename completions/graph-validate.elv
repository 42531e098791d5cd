
use builtin;
use str;

set edit:completion:arg-completer[graph-validate] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'graph-validate'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'graph-validate'= {
            cand --require 'Properties every event must have, not null (repeatable, or comma-separated)'
            cand --timezone 'Require every start and end to use this time zone (e.g. Asia/Shanghai)'
            cand --real 'A real sample to compare with: JSONL, JSON array, Graph list response or export wrapper'
            cand --min-alignment 'Exit 1 when the alignment score with --real is below X (0 to 1)'
            cand --max-drift 'Exit 1 when any distribution''s Jensen–Shannon divergence from --real exceeds X (0 to 1)'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --strict 'Report properties the schema does not know (annotations stay allowed), and make warnings errors'
            cand --labels 'Require the label fields (importance_label, prep_needed, …)'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand --problems 'Write one JSON line per invalid record instead of the valid events'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
