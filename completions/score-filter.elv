
use builtin;
use str;

set edit:completion:arg-completer[score-filter] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'score-filter'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'score-filter'= {
            cand --min 'Keep records whose score is at least X (inclusive)'
            cand --max 'Keep records whose score is at most X (inclusive)'
            cand --field 'The score field (dotted path or JSON Pointer)'
            cand --missing 'What to do with a record whose score is absent or not a number'
            cand --max-samples 'Keep at most N of the passing records: those with the smallest seeded hash'
            cand --max-per 'Keep at most N passing records per value of --by'
            cand --by 'Report counts and retention per value of PATH (e.g. status)'
            cand --seed 'Seed of the hash that samples'
            cand --group 'Hash this field instead of the whole record, so records with one value are kept or dropped together (e.g. id)'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --coerce 'Read a string holding a number ("0.85") as that number'
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
