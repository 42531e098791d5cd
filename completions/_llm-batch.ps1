
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'llm-batch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'llm-batch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'llm-batch' {
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'The provider''s batch format')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model every request names')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'The user message: text with {{path}} placeholders, or a file holding it')
            [CompletionResult]::new('--messages', '--messages', [CompletionResultType]::ParameterName, 'Take the conversation from the record: an array of {role, content} at PATH')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system prompt of every request')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens an answer may have')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2')
            [CompletionResult]::new('--json-schema', '--json-schema', [CompletionResultType]::ParameterName, 'OpenAI structured output: a JSON Schema file (or a {name, schema, strict} object)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The OpenAI endpoint of every request')
            [CompletionResult]::new('--n', '--n', [CompletionResultType]::ParameterName, 'Requests per record (variations), each with its own id (-1 … -K) and seed')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Take each record''s custom_id from PATH instead of the hash of its bytes')
            [CompletionResult]::new('--only-missing', '--only-missing', [CompletionResultType]::ParameterName, 'Write requests only for what this result file has no answer for (resume a batch; repeatable)')
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'merge: the records the requests were written from')
            [CompletionResult]::new('--into', '--into', [CompletionResultType]::ParameterName, 'merge: the field the answer goes into')
            [CompletionResult]::new('--parse', '--parse', [CompletionResultType]::ParameterName, 'merge: write the answer''s text, or the JSON value in it')
            [CompletionResult]::new('--rating', '--rating', [CompletionResultType]::ParameterName, 'merge: take one number in MIN..MAX out of the answer (a judge''s rating)')
            [CompletionResult]::new('--rating-pattern', '--rating-pattern', [CompletionResultType]::ParameterName, 'merge: where the rating is; group 1 is the number')
            [CompletionResult]::new('--missing', '--missing', [CompletionResultType]::ParameterName, 'merge: what to do with a record that has no result')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Write run statistics to FILE as one JSON object')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write every bad record to FILE as JSONL instead of reporting it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]')
            [CompletionResult]::new('--max-document-bytes', '--max-document-bytes', [CompletionResultType]::ParameterName, 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page or shell completion script and exit')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'request: numbered request files under DIR, each within the API''s limits, with manifest.json')
            [CompletionResult]::new('--explode', '--explode', [CompletionResultType]::ParameterName, 'merge: one line per element of the answer''s JSON array (implies --parse json)')
            [CompletionResult]::new('--usage', '--usage', [CompletionResultType]::ParameterName, 'merge: add the answer''s token usage as "usage"')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first bad record, with exit status 1')
            [CompletionResult]::new('--no-mmap', '--no-mmap', [CompletionResultType]::ParameterName, 'Read files with read(2) instead of memory-mapping them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write into a non-empty --out-dir, replacing the previous run''s files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
