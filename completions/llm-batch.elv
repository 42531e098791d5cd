
use builtin;
use str;

set edit:completion:arg-completer[llm-batch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'llm-batch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'llm-batch'= {
            cand --api 'The provider''s batch format'
            cand --model 'The model every request names'
            cand --prompt 'The user message: text with {{path}} placeholders, or a file holding it'
            cand --messages 'Take the conversation from the record: an array of {role, content} at PATH'
            cand --system 'The system prompt of every request'
            cand --max-tokens 'Most tokens an answer may have'
            cand --temperature 'Sampling temperature, 0 to 2'
            cand --json-schema 'OpenAI structured output: a JSON Schema file (or a {name, schema, strict} object)'
            cand --url 'The OpenAI endpoint of every request'
            cand --n 'Requests per record (variations), each with its own id (-1 … -K) and seed'
            cand --id 'Take each record''s custom_id from PATH instead of the hash of its bytes'
            cand --only-missing 'Write requests only for what this result file has no answer for (resume a batch; repeatable)'
            cand --records 'merge: the records the requests were written from'
            cand --into 'merge: the field the answer goes into'
            cand --parse 'merge: write the answer''s text, or the JSON value in it'
            cand --rating 'merge: take one number in MIN..MAX out of the answer (a judge''s rating)'
            cand --rating-pattern 'merge: where the rating is; group 1 is the number'
            cand --missing 'merge: what to do with a record that has no result'
            cand -o 'Write records to FILE instead of standard output'
            cand --output 'Write records to FILE instead of standard output'
            cand --stats 'Write run statistics to FILE as one JSON object'
            cand --rejects 'Write every bad record to FILE as JSONL instead of reporting it'
            cand -j 'Worker threads [default: all cores]'
            cand --threads 'Worker threads [default: all cores]'
            cand --max-line-bytes 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]'
            cand --max-document-bytes 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]'
            cand --generate 'Print a man page or shell completion script and exit'
            cand --out-dir 'request: numbered request files under DIR, each within the API''s limits, with manifest.json'
            cand --explode 'merge: one line per element of the answer''s JSON array (implies --parse json)'
            cand --usage 'merge: add the answer''s token usage as "usage"'
            cand -q 'Do not print the summary line on standard error (errors still print)'
            cand --quiet 'Do not print the summary line on standard error (errors still print)'
            cand --fail-fast 'Stop at the first bad record, with exit status 1'
            cand --no-mmap 'Read files with read(2) instead of memory-mapping them'
            cand --force 'Write into a non-empty --out-dir, replacing the previous run''s files'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
