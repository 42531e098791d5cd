
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'phase-split' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'phase-split'
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
        'phase-split' {
            [CompletionResult]::new('--answer', '--answer', [CompletionResultType]::ParameterName, 'The answer field [default: output, response, completion, chosen (a preference record), answer, or the last assistant message of messages or gpt turn of conversations]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The context field [default: input, prompt, instruction, question (the first that is not null or empty), or the user messages or human turns]')
            [CompletionResult]::new('--max-extractive-words', '--max-extractive-words', [CompletionResultType]::ParameterName, 'Longest answer, in words, that can be extractive')
            [CompletionResult]::new('--refusal-pattern', '--refusal-pattern', [CompletionResultType]::ParameterName, 'Also treat answers matching REGEX as refusals (case-insensitive; repeatable)')
            [CompletionResult]::new('--phase-field', '--phase-field', [CompletionResultType]::ParameterName, 'Use the value at PATH as the phase name instead of classifying')
            [CompletionResult]::new('--phase', '--phase', [CompletionResultType]::ParameterName, 'Rule NAME=PATH~REGEX (or NAME for every record); the first match wins')
            [CompletionResult]::new('--order', '--order', [CompletionResultType]::ParameterName, 'Phase order (repeatable, or comma-separated); unnamed phases follow')
            [CompletionResult]::new('--split', '--split', [CompletionResultType]::ParameterName, 'Split records, e.g. train=0.8,val=0.1,test=0.1 (fractions adding up to 1, or weights train=8,val=1,test=1)')
            [CompletionResult]::new('--stratify', '--stratify', [CompletionResultType]::ParameterName, 'Keep each value at PATH close to the requested shares in every split')
            [CompletionResult]::new('--check-leakage', '--check-leakage', [CompletionResultType]::ParameterName, 'Report values at PATH found in more than one split; exit 1 if any')
            [CompletionResult]::new('--min-share', '--min-share', [CompletionResultType]::ParameterName, 'Exit 1 when a split gets less than X times its requested share (0.5: at least half); no -o or --out-dir file is committed')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the hash that splits')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Hash this field instead of the whole record, so records with one value (a group) never straddle splits')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write records to FILE instead of standard output')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Write run statistics to FILE as one JSON object')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write every bad record to FILE as JSONL instead of reporting it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads [default: all cores]')
            [CompletionResult]::new('--max-line-bytes', '--max-line-bytes', [CompletionResultType]::ParameterName, 'Longest line read into memory (e.g. 64M, 1G) [default: 256M]')
            [CompletionResult]::new('--max-document-bytes', '--max-document-bytes', [CompletionResultType]::ParameterName, 'Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page or shell completion script and exit')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write one file per phase (and split) under DIR, with manifest.json')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Compress every --out-dir file (gz or zst); the name gets .gz or .zst')
            [CompletionResult]::new('--spill-after', '--spill-after', [CompletionResultType]::ParameterName, 'Hold up to SIZE of later phases in memory before spilling to disk (e.g. 512K, 32M, 1G)')
            [CompletionResult]::new('--temp-dir', '--temp-dir', [CompletionResultType]::ParameterName, 'Folder for spilled temporary files [default: $TMPDIR or /tmp]')
            [CompletionResult]::new('--no-default-refusals', '--no-default-refusals', [CompletionResultType]::ParameterName, 'Do not use the built-in refusal patterns')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Merge the --out-dir sets of runs over shards (the FILEs, in shard order) into the whole run''s set or output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print the summary line on standard error (errors still print)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first bad record, with exit status 1')
            [CompletionResult]::new('--no-mmap', '--no-mmap', [CompletionResultType]::ParameterName, 'Read files with read(2) instead of memory-mapping them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write into a non-empty --out-dir, replacing the previous run''s files')
            [CompletionResult]::new('--no-tag', '--no-tag', [CompletionResultType]::ParameterName, 'Do not append "phase" and "split" to the records')
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
