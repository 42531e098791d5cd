//! The bad-record reasons table (`synthkit::reasons`): README's copy is the
//! rendered table, and every reason a tool gives with a literal category in
//! `src/` has a row (so the man pages' BAD RECORDS sections are complete).

use std::path::Path;

const START: &str = "<!-- reasons -->\n";
const END: &str = "<!-- /reasons -->";

#[test]
fn readme_lists_every_reason_from_the_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(START).expect("README has a <!-- reasons --> table") + START.len();
    let end = start + readme[start..].find(END).expect("README's reasons table ends");
    let table = synthkit::reasons::markdown();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert_eq!(&readme[start..end], table, "README's reasons table is stale: run make generate");
}

/// The categories given literally in `src/`: `reject("…"` and
/// `reject(&format!("…"` (with `{…}` standing for any text).
fn literal_categories(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            literal_categories(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for opener in [".reject(\"", ".reject( \"", ".reject(&format!(\"", ".reject( &format!(\""] {
            for piece in flat.split(opener).skip(1) {
                let Some(end) = piece.find('"') else { continue };
                let mut category = String::new();
                let mut depth = 0;
                for c in piece[..end].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            category.push('X');
                        }
                        '}' => depth -= 1,
                        _ if depth == 0 => category.push(c),
                        _ => {}
                    }
                }
                out.push((path.display().to_string(), category));
            }
        }
    }
}

#[test]
fn every_literal_reason_in_the_source_has_a_row() {
    let mut found = Vec::new();
    literal_categories(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    assert!(found.len() >= 10, "the scan found only {found:?}");
    let missing: Vec<&(String, String)> =
        found.iter().filter(|(_, c)| synthkit::reasons::find(c).is_none()).collect();
    assert!(missing.is_empty(), "reasons without a row in src/reasons.rs: {missing:#?}");
}
