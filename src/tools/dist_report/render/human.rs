//! The human formats (`--format table` and `markdown`): headings, aligned
//! tables with a bar for each share (colour on a terminal), or Markdown
//! tables with their cells escaped; and the number and count wording the
//! tool's messages share ([`number`], [`count`]).

use super::{Body, Format, Label, Style, compare_fields, type_name};
use crate::json::MISSING_LABEL;
use crate::tools::dist_report::acc::{self, key_shown};
use crate::tools::dist_report::expect::Verdict;
use crate::tools::dist_report::view::{
    DatasetView, FieldView, LengthView, QUANTILES, Role, TextView, type_mix,
};

/// A number as a person reads it: integers plainly, others to 4 decimals.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    if x.abs() >= 1e9 || x.abs() < 1e-3 {
        return format!("{x:.3e}");
    }
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn maybe(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), number)
}

fn percent(part: u64, whole: u64) -> String {
    crate::report::percent(part, whole)
}

fn bar(fraction: f64, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (fraction.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(EIGHTHS[eighths % 8]);
    s
}

/// Human formats: a table for the terminal or Markdown.
struct Human<'a> {
    out: String,
    style: &'a Style,
}

const BAR_WIDTH: usize = 24;

impl Human<'_> {
    fn markdown(&self) -> bool {
        self.style.format == Format::Markdown
    }

    fn bold(&self, text: &str) -> String {
        if self.markdown() {
            format!("**{text}**")
        } else if self.style.colour {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn heading(&mut self, level: usize, text: &str) {
        if self.markdown() {
            self.out.push_str(&format!("{} {text}\n\n", "#".repeat(level)));
        } else {
            let t = self.bold(text);
            self.out.push_str(&format!("{t}\n"));
        }
    }

    fn line(&mut self, text: &str) {
        if self.markdown() {
            self.out.push_str(&format!("{text}\n\n"));
        } else {
            self.out.push_str(&format!("  {text}\n"));
        }
    }

    /// A table: header, rows; `right` says which columns align right. The
    /// bar column (if any) is the last and has no header in the terminal.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>], right: &[bool]) {
        if self.markdown() {
            let esc = |s: &str| markdown_escape(s);
            self.out.push_str(&format!(
                "| {} |\n",
                header.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
            ));
            let rule: Vec<&str> =
                right.iter().take(header.len()).map(|&r| if r { "---:" } else { "---" }).collect();
            self.out.push_str(&format!("|{}|\n", rule.join("|")));
            for r in rows {
                let cells: Vec<String> = r.iter().take(header.len()).map(|c| esc(c)).collect();
                self.out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            self.out.push('\n');
            return;
        }
        let columns = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for r in rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect::<Vec<_>>())
            .chain([header.to_vec()])
        {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(display_width(c));
            }
        }
        let emit = |cells: Vec<&str>, out: &mut String, colour: bool| {
            let mut line = String::from("  ");
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(display_width(c));
                let last = i + 1 == cells.len();
                if i > 0 {
                    line.push_str("  ");
                }
                if right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(c);
                } else if last {
                    if colour && i >= header.len() {
                        line.push_str(&format!("\x1b[36m{c}\x1b[0m"));
                    } else {
                        line.push_str(c);
                    }
                } else {
                    line.push_str(c);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        };
        let colour = self.style.colour;
        emit(header.to_vec(), &mut self.out, false);
        for r in rows {
            emit(r.iter().map(String::as_str).collect(), &mut self.out, colour);
        }
    }

    fn gap(&mut self) {
        if !self.markdown() {
            self.out.push('\n');
        }
    }

    fn types(&mut self, kinds: &[u64; 6], whole: u64) {
        let mix = type_mix(kinds);
        if mix.len() > 1 {
            let parts: Vec<String> = mix
                .iter()
                .map(|(k, n)| format!("{} {}", type_name(*k), percent(*n, whole)))
                .collect();
            self.line(&format!("types: {}", parts.join(", ")));
        }
    }

    fn field(&mut self, f: &FieldView) {
        let mut facts = vec![f.role.name().to_string()];
        facts.push(count(f.records_with, "record"));
        if f.values != f.records_with {
            facts.push(count(f.values, "value"));
        }
        facts.push(format!("{} missing", f.missing));
        let approx = if f.distinct_estimated { "~" } else { "" };
        facts.push(format!("{approx}{} distinct", f.distinct));
        if let Some(d) = f.diversity {
            facts.push(format!("diversity {}", number3(d)));
        }
        let title = if self.markdown() { code_span(&f.name) } else { f.name.clone() };
        self.heading(3, &format!("{title} · {}", facts.join(" · ")));
        self.types(&f.kinds, f.values);
        if f.distinct_estimated {
            self.line(&format!(
                "over the --max-distinct cap: {} values are tracked, {} occurrences of the others are counted under \"other\" and the distinct count is an estimate",
                f.entries.len(),
                f.untracked
            ));
        }
        if f.role == Role::Numeric
            && let Some(n) = &f.numeric
        {
            let non = f.values.saturating_sub(n.count);
            let mut header = vec!["count", "non-numeric", "min"];
            header.extend(QUANTILES.iter().map(|q| q.0));
            header.extend(["max", "mean", "std"]);
            let mut cells = vec![n.count.to_string(), non.to_string(), number(n.min)];
            cells.extend(n.quantiles.iter().map(|q| maybe(*q)));
            cells.extend([number(n.max), number(n.mean), maybe(n.std)]);
            self.table(&header, &[cells], &[true; 11]);
            if !n.exact {
                self.line(&format!(
                    "p5–p95 approximate (more distinct values than --max-distinct): within ±{:.2}% of the exact value",
                    n.relative_error * 100.0
                ));
            }
            if !f.distinct_estimated && f.entries.len() as u64 <= n.histogram.len() as u64 {
                // Few distinct values (0/15/30 minutes, a 1-5 rating): a value
                // table says more than a histogram.
                self.values(f);
                self.gap();
                return;
            }
            let peak = n.histogram.iter().map(|h| h.2).max().unwrap_or(0).max(1);
            let rows: Vec<Vec<String>> = n
                .histogram
                .iter()
                .enumerate()
                .map(|(i, (lo, hi, c))| {
                    let close = if i + 1 == n.histogram.len() { "]" } else { ")" };
                    vec![
                        format!("[{}, {}{close}", number(*lo), number(*hi)),
                        c.to_string(),
                        percent(*c, n.count),
                        bar(*c as f64 / peak as f64, BAR_WIDTH),
                    ]
                })
                .collect();
            self.table(&["range", "count", "share"], &rows, &[false, true, true]);
        } else {
            self.values(f);
            if let Some(n) = &f.numeric
                && n.count > 0
            {
                self.line(&format!(
                    "numbers: {} · min {} · mean {} · max {}",
                    n.count,
                    number(n.min),
                    number(n.mean),
                    number(n.max)
                ));
            }
        }
        self.gap();
    }

    /// The value table of a field: top values, other, missing.
    fn values(&mut self, f: &FieldView) {
        let approx = if f.distinct_estimated { "~" } else { "" };
        let whole = f.denominator();
        let (shown, other) = f.top(self.style.top);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(k, n)| {
                vec![
                    display_value(k),
                    n.to_string(),
                    percent(*n, whole),
                    bar(*n as f64 / whole.max(1) as f64, BAR_WIDTH),
                ]
            })
            .collect();
        if let Some((count, values)) = other {
            rows.push(vec![
                format!("other ({approx}{values} values)"),
                count.to_string(),
                percent(count, whole),
                bar(count as f64 / whole.max(1) as f64, BAR_WIDTH),
            ]);
        }
        if f.missing > 0 {
            rows.push(vec![
                MISSING_LABEL.into(),
                f.missing.to_string(),
                percent(f.missing, whole),
                bar(f.missing as f64 / whole.max(1) as f64, BAR_WIDTH),
            ]);
        }
        self.table(&["value", "count", "share"], &rows, &[false, true, true]);
    }

    fn text(&mut self, t: &TextView) {
        let title = if self.markdown() { code_span(&t.name) } else { t.name.clone() };
        self.heading(
            3,
            &format!(
                "{title} · text · {} · {} missing · {} empty{}",
                count(t.strings, "string"),
                t.missing,
                t.empty,
                if t.non_string > 0 {
                    format!(" · {} not strings", t.non_string)
                } else {
                    String::new()
                }
            ),
        );
        let row = |unit: &str, l: &LengthView| {
            vec![
                unit.to_string(),
                maybe(l.min),
                maybe(l.mean),
                maybe(l.p50),
                maybe(l.p95),
                maybe(l.max),
            ]
        };
        self.table(
            &["length", "min", "mean", "p50", "p95", "max"],
            &[row("chars", &t.chars), row("words", &t.words)],
            &[false, true, true, true, true, true],
        );
        self.gap();
    }

    fn dataset(&mut self, d: &DatasetView, title: &str) {
        let mut facts = vec![count(d.records, "record")];
        if let Some(div) = d.diversity {
            facts.push(format!(
                "diversity {} (mean over {})",
                number3(div),
                d.diversity_fields.join(", ")
            ));
        }
        self.heading(2, &format!("{title}{}", facts.join(" · ")));
        self.gap();
        for f in &d.fields {
            self.field(f);
        }
        for t in &d.texts {
            self.text(t);
        }
        if !d.discovered.is_empty() {
            let rows: Vec<Vec<String>> = d
                .discovered
                .iter()
                .map(|p| {
                    let mix: Vec<String> = type_mix(&p.kinds)
                        .iter()
                        .map(|(k, n)| format!("{} {}", type_name(*k), percent(*n, p.present)))
                        .collect();
                    let (min, mean, max) = p
                        .numbers
                        .map_or((String::new(), String::new(), String::new()), |(a, b, c)| {
                            (number(a), number(b), number(c))
                        });
                    vec![
                        p.name.clone(),
                        p.present.to_string(),
                        p.missing.to_string(),
                        mix.join(", "),
                        min,
                        mean,
                        max,
                    ]
                })
                .collect();
            self.table(
                &["field", "records", "missing", "types", "min", "mean", "max"],
                &rows,
                &[false, true, true, false, true, true, true],
            );
            if d.discovered_other > 0 {
                self.line(&format!(
                    "{} more values in fields not listed (at most {} fields are: those with the smallest seeded hash)",
                    d.discovered_other,
                    acc::MAX_DISCOVERED
                ));
            }
            self.gap();
        }
    }

    fn compare(&mut self, before: &DatasetView, after: &DatasetView) {
        let change = after.records as i64 - before.records as i64;
        self.heading(
            2,
            &format!(
                "before {} → after {} · change {change:+} · retention {}",
                count(before.records, "record"),
                count(after.records, "record"),
                percent(after.records, before.records)
            ),
        );
        if before.diversity.is_some() || after.diversity.is_some() {
            self.line(&format!(
                "diversity {} → {}",
                before.diversity.map_or("–".into(), number3),
                after.diversity.map_or("–".into(), number3)
            ));
        }
        self.gap();
        for c in compare_fields(before, after, self.style.top) {
            let title = if self.markdown() { code_span(&c.name) } else { c.name.clone() };
            self.heading(3, &title);
            // A numeric field is compared by its statistics, not value by value.
            if !c.numeric {
                let rows: Vec<Vec<String>> = c
                    .rows
                    .iter()
                    .map(|r| {
                        let label = match &r.label {
                            Label::Value(k) => display_value(k),
                            Label::Missing => MISSING_LABEL.into(),
                            Label::Other(n) => format!("other ({n} values)"),
                        };
                        vec![
                            label,
                            r.before.to_string(),
                            percent(r.before, r.before_whole),
                            r.after.to_string(),
                            percent(r.after, r.after_whole),
                            format!("{:+}", r.after as i64 - r.before as i64),
                            percent(r.after, r.before),
                        ]
                    })
                    .collect();
                self.table(
                    &["value", "before", "share", "after", "share", "change", "retention"],
                    &rows,
                    &[false, true, true, true, true, true, true],
                );
            }
            if !c.stats.is_empty() {
                let rows: Vec<Vec<String>> = c
                    .stats
                    .iter()
                    .map(|(name, b, a)| {
                        let change = match (b, a) {
                            (Some(b), Some(a)) => {
                                format!("{}{}", if a >= b { "+" } else { "" }, number(a - b))
                            }
                            _ => "–".into(),
                        };
                        vec![(*name).to_string(), maybe(*b), maybe(*a), change]
                    })
                    .collect();
                self.table(
                    &["stat", "before", "after", "change"],
                    &rows,
                    &[false, true, true, true],
                );
            }
            self.gap();
        }
        for (b, a) in before.texts.iter().zip(&after.texts) {
            let title = if self.markdown() { code_span(&b.name) } else { b.name.clone() };
            self.heading(3, &format!("{title} · text lengths"));
            let mut rows = Vec::new();
            for (unit, lb, la) in [("chars", &b.chars, &a.chars), ("words", &b.words, &a.words)] {
                for (name, vb, va) in [
                    ("mean", lb.mean, la.mean),
                    ("p50", lb.p50, la.p50),
                    ("p95", lb.p95, la.p95),
                    ("max", lb.max, la.max),
                ] {
                    rows.push(vec![format!("{unit} {name}"), maybe(vb), maybe(va)]);
                }
            }
            self.table(&["stat", "before", "after"], &rows, &[false, true, true]);
            self.gap();
        }
    }
}

/// "1 record", "2 records".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// `name` as a Markdown code span: fenced by one more backtick than its
/// longest run of backticks, so a name holding one cannot end the span.
fn code_span(name: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in name.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    if longest == 0 {
        return format!("`{name}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {name} {fence}")
}

/// Text for a Markdown table cell: a backslash before `|` would escape the
/// escape and end the cell, and `*`, backticks, `<` and brackets would
/// turn a value into formatting, so every one of them is escaped.
fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '`' | '<' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Columns a terminal gives `s` (wide CJK and emoji two, combining marks none).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn number3(x: f64) -> String {
    format!("{x:.3}")
}

fn display_value(key: &[u8]) -> String {
    // A control byte is shown escaped (`\u{1b}`), never dropped or raw.
    let flat = crate::report::printable(&key_shown(key));
    if flat.chars().count() > 60 {
        let cut: String = flat.chars().take(57).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

pub(super) fn human(body: &Body, verdicts: &[Verdict], style: &Style) -> String {
    let mut h = Human { out: String::new(), style };
    match body {
        Body::Plain { all, by, groups } => {
            if h.markdown() {
                h.heading(1, "Dataset report");
            }
            h.dataset(all, if by.is_some() { "all records · " } else { "" });
            if let Some(by) = by {
                for (name, d) in groups {
                    // A record's value: never raw control bytes on a terminal.
                    h.dataset(d, &format!("{by} = {} · ", crate::report::printable(name)));
                }
            }
        }
        Body::Compare { before, after } => {
            if h.markdown() {
                h.heading(1, "Before vs after");
            }
            h.compare(before, after);
        }
    }
    if !verdicts.is_empty() {
        h.heading(2, "expectations");
        let rows: Vec<Vec<String>> = verdicts
            .iter()
            .map(|v| {
                vec![
                    if v.pass { "pass".into() } else { "FAIL".into() },
                    v.text.clone(),
                    v.measured.map_or("n/a".into(), |m| match v.approximate {
                        Some(e) => format!("≈{} (±{:.2}%)", number(m), e * 100.0),
                        None => number(m),
                    }),
                ]
            })
            .collect();
        h.table(&["", "expectation", "measured"], &rows, &[false, false, true]);
    }
    let mut out = h.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
