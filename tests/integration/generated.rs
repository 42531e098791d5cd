//! Man pages and completions are generated from the clap definitions and
//! committed; this fails when they are stale. `UPDATE_GENERATED=1 cargo test
//! generated` (or `make generate`) rewrites them.

use std::path::Path;

use synthkit::cli::{Generate, generate};

#[test]
fn man_pages_and_completions_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for tool in synthkit::TOOLS {
        for kind in Generate::ALL {
            let fresh = generate((tool.command)(), tool.doc, kind);
            let path = root.join(kind.path(tool.doc.name));
            let committed = std::fs::read(&path).unwrap_or_default();
            if committed != fresh {
                if update {
                    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                    std::fs::write(&path, &fresh).expect("write generated file");
                } else {
                    stale.push(kind.path(tool.doc.name));
                }
            }
        }
    }
    assert!(stale.is_empty(), "stale generated files (run `make generate`): {stale:?}");
}

#[test]
fn every_binary_renders_its_own_docs() {
    // The hidden flag works even though a tool may have required flags.
    for tool in synthkit::TOOLS {
        let out =
            crate::util::std_tool(tool.doc.name).args(["--generate", "man"]).output().expect("run");
        assert!(out.status.success(), "{}", tool.doc.name);
        let expected = generate((tool.command)(), tool.doc, Generate::Man);
        assert_eq!(out.stdout, expected, "{}", tool.doc.name);
    }
}

#[test]
fn man_pages_carry_the_shared_sections() {
    for tool in synthkit::TOOLS {
        let page =
            String::from_utf8(generate((tool.command)(), tool.doc, Generate::Man)).expect("utf8");
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH OPTIONS",
            ".SH EXAMPLES",
            ".SH \"EXIT STATUS\"",
            ".SH \"SEE ALSO\"",
        ] {
            assert!(page.contains(section), "{} lacks {section}", tool.doc.name);
        }
    }
}
