
use builtin;
use str;

set edit:completion:arg-completer[fmt-migrate] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'fmt-migrate'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'fmt-migrate'= {
            cand --to 'Write every record in SHAPE (csv and json-array: the records as they are, in that format)'
            cand --extract 'Add FIELD, pulled out of the text at SOURCE_PATH by REGEX (repeatable)'
            cand --template 'Build the prompt (or response=, system=) from {{path}} placeholders (repeatable)'
            cand --system 'Set the system prompt of every record'
            cand --role-map 'Read the role name FROM as TO (system, user, assistant, tool or function; repeatable)'
            cand --pairs 'Which ranked sibling replies of an OpenAssistant tree become preference pairs'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --from 'The input''s shape or document format'
            cand --refusal 'The answer written for an unanswerable SQuAD question (is_impossible)'
            cand --detect 'Convert nothing: count the records of each shape, exit 1 if the input mixes shapes'
            cand --allow-mixed 'With --detect: an input that mixes shapes is not an error'
            cand --drop-extra 'Leave out the fields the conversion does not consume'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand --escape-formulas 'Write CSV cells that start with =, +, -, @, TAB or CR with a '' in front'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
