
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'fmt-migrate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'fmt-migrate'
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
        'fmt-migrate' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Write every record in SHAPE (csv and json-array: the records as they are, in that format)')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'Add FIELD, pulled out of the text at SOURCE_PATH by REGEX (repeatable)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Build the prompt (or response=, system=) from {{path}} placeholders (repeatable)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'Set the system prompt of every record')
            [CompletionResult]::new('--role-map', '--role-map', [CompletionResultType]::ParameterName, 'Read the role name FROM as TO (system, user, assistant, tool or function; repeatable)')
            [CompletionResult]::new('--pairs', '--pairs', [CompletionResultType]::ParameterName, 'Which ranked sibling replies of an OpenAssistant tree become preference pairs')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Write run statistics to FILE as one JSON object')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write every bad record to FILE as JSONL instead of reporting it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]')
            [CompletionResult]::new('--max-document-bytes', '--max-document-bytes', [CompletionResultType]::ParameterName, 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page or shell completion script and exit')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The input''s shape or document format')
            [CompletionResult]::new('--refusal', '--refusal', [CompletionResultType]::ParameterName, 'The answer written for an unanswerable SQuAD question (is_impossible)')
            [CompletionResult]::new('--detect', '--detect', [CompletionResultType]::ParameterName, 'Convert nothing: count the records of each shape, exit 1 if the input mixes shapes')
            [CompletionResult]::new('--allow-mixed', '--allow-mixed', [CompletionResultType]::ParameterName, 'With --detect: an input that mixes shapes is not an error')
            [CompletionResult]::new('--drop-extra', '--drop-extra', [CompletionResultType]::ParameterName, 'Leave out the fields the conversion does not consume')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first bad record, with exit status 1')
            [CompletionResult]::new('--no-mmap', '--no-mmap', [CompletionResultType]::ParameterName, 'Read files with read(2) instead of memory-mapping them')
            [CompletionResult]::new('--escape-formulas', '--escape-formulas', [CompletionResultType]::ParameterName, 'Write CSV cells that start with =, +, -, @, TAB or CR with a '' in front')
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
