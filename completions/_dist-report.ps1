
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'dist-report' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'dist-report'
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
        'dist-report' {
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Report the distribution of the field at PATH (repeatable; `*` matches every member)')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Report the length of the text at PATH in characters and words (repeatable)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Repeat every report per value of PATH (e.g. persona_id or metadata.tier)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Show the K most frequent values of a field; fold the rest into one row')
            [CompletionResult]::new('--bins', '--bins', [CompletionResultType]::ParameterName, 'Histogram bins for numeric fields')
            [CompletionResult]::new('--max-distinct', '--max-distinct', [CompletionResultType]::ParameterName, 'Track at most N distinct values per field (memory bound)')
            [CompletionResult]::new('--compare', '--compare', [CompletionResultType]::ParameterName, 'Compare the input (before) with AFTER: per value, counts, shares, change, retention')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Check EXPR against the report; exit status 1 when any fails (repeatable)')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'Write the mergeable state to FILE (- for standard output) instead of a report (for --merge)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Write run statistics to FILE as one JSON object')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write every bad record to FILE as JSONL instead of reporting it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]')
            [CompletionResult]::new('--max-document-bytes', '--max-document-bytes', [CompletionResultType]::ParameterName, 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page or shell completion script and exit')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format [default: table on a terminal, jsonl otherwise]')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the report to FILE (atomically) instead of standard output')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Read the FILEs as states written by --partial and report their merge')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first bad record, with exit status 1')
            [CompletionResult]::new('--no-mmap', '--no-mmap', [CompletionResultType]::ParameterName, 'Read files with read(2) instead of memory-mapping them')
            [CompletionResult]::new('--escape-formulas', '--escape-formulas', [CompletionResultType]::ParameterName, 'Write CSV cells that start with =, +, -, @, TAB or CR with a '' in front')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Pass records through unchanged to standard output; report to --report FILE or stderr')
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
