
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'persona-label' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'persona-label'
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
        'persona-label' {
            [CompletionResult]::new('--persona', '--persona', [CompletionResultType]::ParameterName, 'Label with this persona: a persona file, or builtin:ID (repeatable)')
            [CompletionResult]::new('--tier', '--tier', [CompletionResultType]::ParameterName, 'Label with every built-in persona of tier N (repeatable)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Which labeling rules to apply')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'The generation_timestamp written: now, none (no field) or a fixed value')
            [CompletionResult]::new('--self', '--self', [CompletionResultType]::ParameterName, 'Whose calendar it is: sets self.address of every persona (overriding the files)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Write run statistics to FILE as one JSON object')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write every bad record to FILE as JSONL instead of reporting it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]')
            [CompletionResult]::new('--max-document-bytes', '--max-document-bytes', [CompletionResultType]::ParameterName, 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page or shell completion script and exit')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'With --list: table (id, tier, name) or jsonl (one JSON object per persona, with its diversity dimensions)')
            [CompletionResult]::new('--all-personas', '--all-personas', [CompletionResultType]::ParameterName, 'Label with all 30 built-in personas')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Report, per persona, rule firings, dead rules, conflicts and label distributions')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Validate persona files (the FILE arguments and --persona) without labeling')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Print the built-in personas (or those selected): id, tier and name')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first bad record, with exit status 1')
            [CompletionResult]::new('--no-mmap', '--no-mmap', [CompletionResultType]::ParameterName, 'Read files with read(2) instead of memory-mapping them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'The former name of --format jsonl, still accepted')
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
