
use builtin;
use str;

set edit:completion:arg-completer[phase-split] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'phase-split'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'phase-split'= {
            cand --answer 'The answer field [default: output, response, completion, chosen (a preference record), answer, or the last assistant message of messages or gpt turn of conversations]'
            cand --context 'The context field [default: input, prompt, instruction, question (the first that is not null or empty), or the user messages or human turns]'
            cand --max-extractive-words 'Longest answer, in words, that can be extractive'
            cand --refusal-pattern 'Also treat answers matching REGEX as refusals (case-insensitive; repeatable)'
            cand --phase-field 'Use the value at PATH as the phase name instead of classifying'
            cand --phase 'Rule NAME=PATH~REGEX (or NAME for every record); the first match wins'
            cand --order 'Phase order (repeatable, or comma-separated); unnamed phases follow'
            cand --split 'Split records, e.g. train=0.8,val=0.1,test=0.1 (fractions adding up to 1, or weights train=8,val=1,test=1)'
            cand --stratify 'Keep each value at PATH close to the requested shares in every split'
            cand --check-leakage 'Report values at PATH found in more than one split; exit 1 if any'
            cand --min-share 'Exit 1 when a split gets less than X times its requested share (0.5: at least half); no -o or --out-dir file is committed'
            cand --seed 'Seed of the hash that splits'
            cand --group 'Hash this field instead of the whole record, so records with one value (a group) never straddle splits'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --out-dir 'Write one file per phase (and split) under DIR, with manifest.json'
            cand --compress 'Compress every --out-dir file (gz or zst); the name gets .gz or .zst'
            cand --spill-after 'Hold up to SIZE of later phases in memory before spilling to disk (e.g. 512K, 32M, 1G)'
            cand --temp-dir 'Folder for spilled temporary files [default: $TMPDIR or /tmp]'
            cand --no-default-refusals 'Do not use the built-in refusal patterns'
            cand --merge 'Merge the --out-dir sets of runs over shards (the FILEs, in shard order) into the whole run''s set or output'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand --force 'Write into a non-empty --out-dir, replacing the previous run''s files'
            cand --no-tag 'Do not append "phase" and "split" to the records'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
