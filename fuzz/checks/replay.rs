//! The replay test: every committed fuzz seed (`fuzz/corpus/<target>/`) and
//! every saved finding (`fuzz/regressions/<target>/`) through its target's
//! check, in the normal `cargo test` on the stable toolchain, so a crash
//! found once stays fixed.

use std::path::Path;

#[test]
fn every_fuzz_seed_and_regression_passes_its_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0usize;
    let mut failures = Vec::new();
    for (target, check) in super::TARGETS {
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else { continue };
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for file in files.iter().filter(|f| f.is_file()) {
                let bytes = std::fs::read(file).expect("read a fuzz input");
                replayed += 1;
                if std::panic::catch_unwind(|| check(&bytes)).is_err() {
                    failures.push(file.display().to_string());
                }
            }
        }
    }
    super::remove_scratch();
    assert!(failures.is_empty(), "fuzz inputs that fail their check: {failures:#?}");
    assert!(replayed >= super::TARGETS.len(), "only {replayed} fuzz inputs found");
}
