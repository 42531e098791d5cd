//! Command-line plumbing shared by every tool (CONVENTIONS §6).
//!
//! [`Common`] holds the flags that mean the same thing in every tool and is
//! flattened into each tool's clap struct. [`parse`] parses in two steps so the
//! hidden `--generate KIND` works even when a tool has required flags, and
//! [`generate`] renders the man page and shell completions from the same clap
//! definitions `--help` uses: one source for all three.

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, ValueEnum};

/// Flags every tool takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// Input files (JSONL); none, or `-`, reads standard input
    ///
    /// Several files are read in order, as one stream. A regular file is
    /// memory-mapped; standard input is read in large blocks, but when its
    /// producer pauses the complete lines received so far are processed and
    /// their output flushed at once.
    #[arg(value_name = "FILE", help_heading = "Input")]
    pub files: Vec<PathBuf>,

    /// Write records to FILE instead of standard output
    ///
    /// The file is written to a temporary file in the same folder and renamed
    /// into place only when the run succeeds, so a failed run leaves no
    /// partial file. It may not be one of the inputs (a link or a hard link
    /// to one included): write elsewhere and move it over the input yourself,
    /// since an input replaced in place would lose every record the tool
    /// filtered or rejected.
    #[arg(short = 'o', long = "output", value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Write run statistics to FILE as one JSON object
    ///
    /// Counts by reason, elapsed seconds, the tool's version and arguments,
    /// and the tool's own figures: the same facts as the summary line.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub stats: Option<PathBuf>,

    /// Do not print the summary line on standard error (errors still print)
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Write every bad record to FILE as JSONL instead of reporting it
    ///
    /// Each line is {"file":…,"line":…,"reason":…,"raw":"<the original
    /// line>"} (plus "raw_base64" when the line is not valid UTF-8). Bad
    /// records captured here do not by themselves make the exit status 1.
    #[arg(long, value_name = "FILE", help_heading = "Bad records")]
    pub rejects: Option<PathBuf>,

    /// Stop at the first bad record, with exit status 1
    ///
    /// Records before it are written; with -o the output file is not created.
    #[arg(long, help_heading = "Bad records")]
    pub fail_fast: bool,

    /// Worker threads [default: all cores]
    ///
    /// Output is byte-identical whatever the number of threads (1 to 1024).
    #[arg(short = 'j', long, value_name = "N", value_parser = threads, help_heading = "Performance")]
    pub threads: Option<NonZeroUsize>,

    /// Read files with read(2) instead of memory-mapping them
    ///
    /// For files another program may still be writing or truncating: a
    /// mapped file that changes while it is read ends the run with "FILE:
    /// changed while being read" (exit 2, no output file); read(2) instead
    /// reads what the file holds as it goes. A little slower on large files.
    #[arg(long, help_heading = "Input")]
    pub no_mmap: bool,

    /// Longest line read into memory (e.g. 64M, 1G) [default: 256M]
    ///
    /// A longer line is a bad record ("line too long", with its size): it is
    /// read through and skipped without being held, so memory stays bounded
    /// even for a small compressed file that expands to one huge line.
    /// --rejects keeps its first 4096 bytes as "raw" and its full length as
    /// "bytes".
    #[arg(long, value_name = "SIZE", default_value = "256M", hide_default_value = true, value_parser = crate::limits::positive_size, help_heading = "Input")]
    pub max_line_bytes: u64,

    /// Largest whole document read into memory (e.g. 512M, 4G) [default: 1G]
    ///
    /// Inputs read whole rather than line by line (a JSON array, CSV, SQuAD,
    /// a Graph response, --real events, persona and request files) larger
    /// than this are refused with exit status 2 before they fill the memory.
    #[arg(long, value_name = "SIZE", default_value = "1G", hide_default_value = true, value_parser = crate::limits::positive_size, help_heading = "Input")]
    pub max_document_bytes: u64,

    /// Print a man page or shell completion script and exit
    #[arg(long, value_enum, value_name = "KIND", hide = true, exclusive = true)]
    pub generate: Option<Generate>,
}

/// `--missing POLICY`: what a tool does with a record that lacks the value
/// it needs (a score, a result); one vocabulary for every tool that asks.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// A bad record: reported, exit status 1 unless --rejects captures it
    Reject,
    /// Leave it out, counted under its own reason
    Drop,
    /// Write it unchanged, counted
    Keep,
}

/// Most worker threads a run starts: beyond, thread start-up and contention
/// cost seconds to minutes and buy nothing (output does not depend on it).
pub const MAX_THREADS: usize = 1024;

/// clap value parser for --threads: 1 to [`MAX_THREADS`].
fn threads(text: &str) -> Result<NonZeroUsize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=MAX_THREADS) => Ok(NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)),
        Ok(_) => Err(format!("`{text}` is not a thread count from 1 to {MAX_THREADS}")),
        Err(_) => Err(format!("`{text}` is not a whole number of threads (1 to {MAX_THREADS})")),
    }
}

/// What `--generate` renders.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generate {
    Man,
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl Generate {
    pub const ALL: [Generate; 6] = [
        Generate::Man,
        Generate::Bash,
        Generate::Zsh,
        Generate::Fish,
        Generate::Powershell,
        Generate::Elvish,
    ];

    /// Where the rendered file lives in the repository.
    pub fn path(self, tool: &str) -> String {
        match self {
            Generate::Man => format!("man/{tool}.1"),
            Generate::Bash => format!("completions/{tool}.bash"),
            Generate::Zsh => format!("completions/_{tool}"),
            Generate::Fish => format!("completions/{tool}.fish"),
            Generate::Powershell => format!("completions/_{tool}.ps1"),
            Generate::Elvish => format!("completions/{tool}.elv"),
        }
    }
}

/// What a tool tells the docs besides its flags.
pub struct ToolDoc {
    pub name: &'static str,
    /// Real pipelines: (what it does, the command).
    pub examples: &'static [(&'static str, &'static str)],
    /// Extra man page sections: (TITLE, body). Paragraphs separated by blank
    /// lines; lines starting with two spaces are shown verbatim.
    pub sections: &'static [(&'static str, &'static str)],
}

/// What every tool's help says about exit codes.
pub const EXIT_STATUS: &str = "\
0  success (also: nothing matched, and a reader that closed the pipe)
1  data problem: bad records not captured by --rejects, a failed check or gate
2  usage or environment error: bad flag, unreadable file, bad config, I/O error";

const CONVENTIONS: &str = "\
Input is JSONL: one JSON object per line. CRLF line ends are accepted, a UTF-8 \
BOM at the start of a file is skipped, blank lines are skipped and counted, and a \
last line without a newline is an ordinary record. A line that is not valid JSON, \
not UTF-8, not an object, or nested deeper than 128 levels is a bad record: it is \
reported as TOOL: FILE:LINE: reason on standard error (the first 20, then a count), \
every good record is still written, and the exit status is 1. A line longer than \
--max-line-bytes (default 256 MiB) is a bad record (line too long) that is read through \
without being held; --rejects keeps its first 4096 bytes as raw and its length as bytes. \
A whole document (JSON array, CSV, persona file...) larger than --max-document-bytes \
(default 1 GiB) is refused, exit 2. A file that reports size 0 (/proc/self/status) is read \
as a stream; a memory-mapped file that changes while it is read ends the run with FILE: \
changed while being read, exit 2 (use --no-mmap for files still being written). When a pipe's \
producer pauses (tail -f, a slow generator), the complete lines received so far are \
processed and their output flushed without waiting for more.

Field paths are dotted (metadata.tier, attendees.0.type, messages.*.content) or JSON \
Pointer (/metadata/tier, /@odata.etag). A record the tool does not change is written \
byte for byte as it came in. Summaries and reports go to standard error, never to \
standard output. A closed standard output (| head) ends the run quietly with status 0, \
unless --rejects or --stats also wrote there (/dev/stdout): that, a closed --rejects pipe, \
and a standard output closed before the run (>&-) are exit 2. SIGINT, SIGTERM and SIGHUP \
remove every temporary file (.NAME.synthkit-PID-XXXXXX.tmp, an --out-dir staging folder) \
and end the run by the signal (status 130, 143, 129); after SIGKILL the next run into the \
same place removes a dead run's temporary files and says so. An --out-dir set is built in \
a hidden sibling folder and swapped in with one rename: readers see the old set or the \
new one, never a mix.

No output (-o, --stats, --rejects, a report, a partial state, an --out-dir folder) may \
name an input of the run, through a link or not, nor two outputs the same file: that is \
a usage error (exit 2) before anything is written. - is standard output for every output \
flag (-o, --stats, --rejects, --report, --partial); two outputs may not both be standard \
output. A whole JSON document (a JSON array, \
or a pretty-printed object whose first line is a lone {) given where JSONL is expected is \
refused with one message naming the conversion (fmt-migrate --from json-array or \
--from graph-response), exit 2. A key written twice in one object on a path the tool \
reads is a bad record (repeated key): jq, Python and training loaders read the last \
value, so the tool will not check the first; repeated keys elsewhere pass through. A \
field path the tool was told to read (--field, --by, --group, --stratify, \
--check-leakage…) that no record of a non-empty input holds is reported once, with the \
fields seen and the nearest name, and the exit status is 1: a gate never passes on a \
field that was never there. A gate that fails (phase-split --check-leakage, graph-validate \
--min-alignment or --max-drift) commits no records to a file (-o, --out-dir) but writes the \
summary, --stats and report that explain the failure; dist-report --expect writes its report, \
which is the explanation. Records streamed to standard output cannot be taken back.";

/// Widest example line: shells are often 80 columns, and clap would wrap a
/// longer command in the middle, which breaks copy and paste.
const EXAMPLE_WIDTH: usize = 78;

/// Breaks a shell command at word boundaries (never inside quotes) into
/// lines of at most `width` columns after `indent`, joined by ` \`
/// continuations. Lines already broken by the author are kept.
pub fn wrap_command(command: &str, indent: usize, width: usize) -> String {
    let mut out = Vec::new();
    // Whether the author's previous line ended in a continuation.
    let mut after_backslash = false;
    for line in command.lines() {
        let first_lead = if after_backslash { indent + 2 } else { indent };
        after_backslash = line.trim_end().ends_with('\\');
        let line = line.trim_start();
        // Words: split at spaces outside quotes.
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (None, ' ') => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                (None, '\'' | '"') => {
                    quote = Some(c);
                    word.push(c);
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    word.push(c);
                }
                _ => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        let mut current = String::new();
        let mut continued = false;
        for word in words {
            let lead = if continued { indent + 2 } else { first_lead };
            if !current.is_empty() && lead + current.len() + 1 + word.len() + 2 > width {
                out.push(format!("{}{current} \\", " ".repeat(lead)));
                current.clear();
                continued = true;
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&word);
        }
        let lead = if continued { indent + 2 } else { first_lead };
        out.push(format!("{}{current}", " ".repeat(lead)));
    }
    out.join("\n")
}

/// Breaks an example's description at word boundaries into `# ` comment
/// lines of at most `width` columns after `indent`, so that clap never wraps
/// it into a line without `#` (which a pasted example would run as a command).
pub fn wrap_comment(text: &str, indent: usize, width: usize) -> String {
    let lead = format!("{}#", " ".repeat(indent));
    let mut out = Vec::new();
    let mut current = lead.clone();
    for word in text.split_whitespace() {
        if current.len() > lead.len() && current.len() + 1 + word.len() > width {
            out.push(std::mem::replace(&mut current, lead.clone()));
        }
        current.push(' ');
        current.push_str(word);
    }
    out.push(current);
    out.join("\n")
}

fn examples_text(doc: &ToolDoc) -> String {
    let mut text = String::from("Examples:\n");
    for (what, command) in doc.examples {
        text.push_str(&format!(
            "{}\n{}\n\n",
            wrap_comment(what, 2, EXAMPLE_WIDTH),
            wrap_command(command, 2, EXAMPLE_WIDTH)
        ));
    }
    text.push_str("Exit status:\n");
    for line in EXIT_STATUS.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

/// The tool's clap command with the shared help sections attached.
pub fn command<C: CommandFactory>(doc: &ToolDoc) -> clap::Command {
    C::command()
        .name(doc.name)
        .bin_name(doc.name)
        .max_term_width(100)
        // Plain text: a usage error quotes the command line, and the one
        // function that shows untrusted text (report::printable) then sees
        // its bytes as given, not hidden behind clap's styles (issue 18 §3).
        .styles(clap::builder::Styles::plain())
        .after_help("Use --help for examples and details.")
        .after_long_help(examples_text(doc))
}

/// Every tool's `main`: parses the command line (or renders `--generate`),
/// runs `execute` and maps the result to the exit status ([`crate::exit`]).
pub fn main<C: CommandFactory + FromArgMatches>(
    doc: &'static ToolDoc,
    execute: fn(C) -> Result<crate::exit::Outcome, crate::error::Error>,
) -> std::process::ExitCode {
    // Before anything is opened: a closed descriptor 0, 1 or 2 must not be
    // handed to the first file the run opens.
    crate::output::check_standard_streams();
    crate::signal::install(doc.name);
    crate::exit::run(doc.name, || match parse::<C>(doc)? {
        Parsed::Generated => Ok(crate::exit::Outcome::Clean),
        Parsed::Run(cli) => Ok(execute(cli)?),
    })
}

/// The result of parsing a command line.
pub enum Parsed<C> {
    /// Run the tool with these arguments.
    Run(C),
    /// `--generate` printed its output; nothing else to do.
    Generated,
}

/// Parses the command line; a clap error (usage, `--help`, `--version`) is
/// returned for [`crate::exit::run`] to print with clap's own exit code.
pub fn parse<C: CommandFactory + FromArgMatches>(doc: &ToolDoc) -> Result<Parsed<C>, clap::Error> {
    parse_from::<C, _, _>(doc, std::env::args_os())
}

pub fn parse_from<C, I, T>(doc: &ToolDoc, args: I) -> Result<Parsed<C>, clap::Error>
where
    C: CommandFactory + FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cmd = command::<C>(doc);
    let matches = cmd.try_get_matches_from_mut(args)?;
    // Read before any input is opened, by the library's own input layer.
    crate::input::set_mapping(!matches.get_flag("no_mmap"));
    if let Ok(Some(&bytes)) = matches.try_get_one::<u64>("max_line_bytes") {
        crate::limits::set_max_line(bytes);
    }
    if let Ok(Some(&bytes)) = matches.try_get_one::<u64>("max_document_bytes") {
        crate::limits::set_max_document(bytes);
    }
    if let Some(kind) = matches.get_one::<Generate>("generate") {
        let rendered = generate(cmd, doc, *kind);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&rendered);
        let _ = out.flush();
        return Ok(Parsed::Generated);
    }
    C::from_arg_matches(&matches).map(Parsed::Run).map_err(|e| e.format(&mut cmd))
}

/// Renders the man page or a completion script for a tool.
pub fn generate(mut cmd: clap::Command, doc: &ToolDoc, kind: Generate) -> Vec<u8> {
    let mut out = Vec::new();
    let shell = match kind {
        Generate::Man => return man_page(cmd, doc),
        Generate::Bash => clap_complete::Shell::Bash,
        Generate::Zsh => clap_complete::Shell::Zsh,
        Generate::Fish => clap_complete::Shell::Fish,
        Generate::Powershell => clap_complete::Shell::PowerShell,
        Generate::Elvish => clap_complete::Shell::Elvish,
    };
    clap_complete::generate(shell, &mut cmd, doc.name, &mut out);
    out
}

/// Escapes text for roff: backslashes, leading dots and quotes, and hyphens
/// (so they render as minus signs and can be searched and copied).
fn roff(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.starts_with('.') || line.starts_with('\'') {
            out.push_str("\\&");
        }
        out.push_str(&line.replace('\\', "\\e").replace('-', "\\-"));
    }
    out
}

/// Renders a section body: paragraphs, with indented lines kept verbatim.
fn roff_body(body: &str) -> String {
    let mut out = String::new();
    for block in body.trim_matches('\n').split("\n\n") {
        if block.lines().all(|l| l.starts_with("  ") || l.is_empty()) {
            out.push_str(".PP\n.RS 4\n.nf\n");
            for line in block.lines() {
                out.push_str(&roff(line.strip_prefix("  ").unwrap_or(line)));
                out.push('\n');
            }
            out.push_str(".fi\n.RE\n");
        } else {
            out.push_str(".PP\n");
            out.push_str(&roff(&block.split('\n').collect::<Vec<_>>().join(" ")));
            out.push('\n');
        }
    }
    out
}

/// The SYNOPSIS section: every option with its value placeholder (`--min
/// X`), `...` on a repeatable one, and `[FILE]...` for the inputs. clap_mangen
/// writes the bare flag names only, which cannot be copied into a command.
fn synopsis(cmd: &clap::Command) -> String {
    use clap::ArgAction;
    // Built, so that -h and -V are listed however the command was obtained.
    let mut cmd = cmd.clone();
    cmd.build();
    let mut parts = vec![format!("\\fB{}\\fR", roff(cmd.get_name()))];
    let mut inputs = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let value = arg
            .get_value_names()
            .map(|names| names.iter().map(|n| format!(" \\fI{}\\fR", roff(n))).collect::<String>())
            .unwrap_or_default();
        let repeats = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if arg.is_positional() {
            let name = arg.get_value_names().and_then(|n| n.first()).map_or("FILE", |n| n);
            let open = if arg.is_required_set() { "" } else { "[" };
            let close = if arg.is_required_set() { "" } else { "]" };
            let more = if repeats { "..." } else { "" };
            inputs.push(format!("{open}\\fI{}\\fR{close}{more}", roff(name)));
            continue;
        }
        let mut names = Vec::new();
        if let Some(short) = arg.get_short() {
            names.push(format!("\\fB\\-{short}\\fR"));
        }
        if let Some(long) = arg.get_long() {
            names.push(format!("\\fB\\-\\-{}\\fR", roff(long)));
        }
        let takes_value = matches!(arg.get_action(), ArgAction::Set | ArgAction::Append);
        let value = if takes_value { value } else { String::new() };
        let more = if repeats && takes_value { "..." } else { "" };
        parts.push(format!("[{}{value}]{more}", names.join("|")));
    }
    parts.extend(inputs);
    format!(".SH SYNOPSIS\n{}\n", parts.join(" "))
}

fn man_page(cmd: clap::Command, doc: &ToolDoc) -> Vec<u8> {
    let synopsis = synopsis(&cmd);
    let man = clap_mangen::Man::new(cmd)
        .section("1")
        .manual("synthkit manual")
        .source(format!("synthkit {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    out.extend_from_slice(synopsis.as_bytes());
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    let mut text = String::new();
    for (title, body) in doc.sections {
        text.push_str(&format!(".SH \"{}\"\n", title.to_uppercase()));
        text.push_str(&roff_body(body));
    }
    text.push_str(".SH \"INPUT AND OUTPUT\"\n");
    text.push_str(&roff_body(CONVENTIONS));
    text.push_str(&roff_body(crate::report::TERMINAL_TEXT));
    text.push_str(".SH \"BAD RECORDS\"\n");
    text.push_str(&roff_body(crate::reasons::INTRO));
    for reason in crate::reasons::for_tool(doc.name) {
        text.push_str(&format!(".TP\n.B {}\n{}\n", roff(reason.reason), roff(reason.meaning)));
    }
    text.push_str(".SH EXAMPLES\n");
    for (what, command) in doc.examples {
        let command = wrap_command(command, 0, EXAMPLE_WIDTH - 4);
        text.push_str(&format!(".PP\n{}\n.RS 4\n.nf\n{}\n.fi\n.RE\n", roff(what), roff(&command)));
    }
    text.push_str(".SH \"EXIT STATUS\"\n");
    for line in EXIT_STATUS.lines() {
        let (code, meaning) = line.split_at(1);
        text.push_str(&format!(".TP\n.B {code}\n{}\n", roff(meaning.trim())));
    }
    text.push_str(
        ".SH ENVIRONMENT\n.TP\n.B NO_COLOR\nDisables colour in help and error messages.\n",
    );
    text.push_str(".TP\n.B SOURCE_DATE_EPOCH\nUsed instead of the clock for timestamps written into records.\n");
    text.push_str(".SH \"SEE ALSO\"\n");
    let others: Vec<String> = crate::TOOLS
        .iter()
        .filter(|t| t.doc.name != doc.name)
        .map(|t| format!("\\fB{}\\fR(1)", roff(t.doc.name)))
        .collect();
    text.push_str(&others.join(", "));
    text.push('\n');
    out.extend_from_slice(text.as_bytes());
    ascii_roff(&String::from_utf8_lossy(&out)).into_bytes()
}

/// Makes a man page readable in any locale (`LANG=C man`): characters groff's
/// ASCII device has no glyph for become ASCII or a named roff glyph, and any
/// other non-ASCII character a `\[uXXXX]` escape. Quoted record text in the
/// examples (a `’` in a persona's words) is rare; ASCII is the safe reading.
fn ascii_roff(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        match c {
            '\u{2026}' => out.push_str("\\&..."),
            '\u{2192}' => out.push_str("\\->"),
            '\u{2190}' => out.push_str("<\\-"),
            '\u{00B1}' => out.push_str("+/\\-"),
            '\u{2013}' | '\u{2212}' => out.push_str("\\-"),
            '\u{2014}' => out.push_str("\\-\\-"),
            '\u{00D7}' => out.push('x'),
            '\u{00B7}' => out.push('.'),
            '\u{03A3}' => out.push_str("sum"),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{FF07}' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2265}' => out.push_str(">="),
            '\u{2264}' => out.push_str("<="),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// A value parser for fractions from 0 to 1 (`--min-share 0.5`).
pub fn unit_interval(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{text}` is not a number from 0 to 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_example_commands_break_between_words_with_continuations() {
        let command = "score-filter --min 0.82 --max-samples 400 --seed 42 --by metadata.status --field 'a b c d e f' teacher.jsonl";
        let wrapped = wrap_command(command, 2, 40);
        for line in wrapped.lines() {
            assert!(line.len() <= 40, "{line:?}");
        }
        assert!(wrapped.contains("'a b c d e f'"), "a quoted word was split: {wrapped}");
        let joined = wrapped.replace(" \\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(joined, command);
        // Short commands and author line breaks stay as they are.
        assert_eq!(wrap_command("a b", 2, 40), "  a b");
        assert_eq!(wrap_command("a\n  b", 2, 40), "  a\n  b");
    }

    #[test]
    fn r_man_pages_are_ascii_so_lang_c_reads_them() {
        for tool in crate::TOOLS {
            let page = generate((tool.command)(), tool.doc, Generate::Man);
            let text = String::from_utf8(page).unwrap();
            let odd: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
            assert!(odd.is_empty(), "{}: {odd:?}", tool.doc.name);
            assert!(!text.lines().any(|l| l.starts_with("...")), "{}", tool.doc.name);
        }
        assert_eq!(ascii_roff("a … b → c é"), "a \\&... b \\-> c \\[u00E9]");
    }

    #[test]
    fn r_man_synopsis_shows_value_placeholders_and_repeated_files() {
        for tool in crate::TOOLS {
            let page = String::from_utf8(generate((tool.command)(), tool.doc, Generate::Man))
                .unwrap_or_default();
            let synopsis = page.split(".SH SYNOPSIS\n").nth(1).and_then(|s| s.lines().next());
            let synopsis = synopsis.unwrap_or_default();
            assert!(synopsis.contains("\\fB\\-\\-stats\\fR \\fIFILE\\fR]"), "{synopsis}");
            assert!(synopsis.ends_with("]..."), "{}: {synopsis}", tool.doc.name);
            assert!(synopsis.contains("[\\fIFILE\\fR]..."), "{}: {synopsis}", tool.doc.name);
        }
    }

    #[test]
    fn r_long_example_descriptions_wrap_as_comments() {
        let wrapped =
            wrap_comment("Alpaca to OpenAI chat fine-tuning JSONL with a system prompt", 2, 30);
        for line in wrapped.lines() {
            assert!(line.starts_with("  # ") && line.len() <= 30, "{line:?}");
        }
        assert_eq!(wrap_comment("short", 2, 30), "  # short");
    }
}
