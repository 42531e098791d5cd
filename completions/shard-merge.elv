
use builtin;
use str;

set edit:completion:arg-completer[shard-merge] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'shard-merge'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'shard-merge'= {
            cand --map 'The shard map: one JSONL line per shard, in shard order, saying where it started'
            cand --joblog 'stats: GNU parallel''s --joblog of the shard runs, for the whole run''s exit status'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
