//! `phase-split --merge` (issue 17): the --out-dir sets of runs over line
//! shards merged into the whole run's set, byte for byte, with its manifest,
//! --stats, summary figures and exit status; and what it refuses to merge
//! because the result could not be the whole run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{Dir, std_tool, text};

/// 150 question-answer records over 12 titles, in three answer kinds, with a
/// `kind` field; bad lines and blank lines in every shard. `kind` "late"
/// appears only in the last 50 lines, so --phase-field meets it first in the
/// last shard.
fn input() -> Vec<u8> {
    let mut out = String::new();
    for i in 0..150 {
        match i % 17 {
            5 => out.push_str("{not json\n"),
            11 => out.push('\n'),
            _ => {
                let answer = match i % 3 {
                    0 => format!("Paris{i}"),
                    1 => "I couldn't find that in the context.".to_string(),
                    _ => "A long answer that the context does not hold word for word".to_string(),
                };
                let kind = if i >= 100 && i % 4 == 0 { "late" } else { ["a", "b"][i % 2] };
                out.push_str(&format!(
                    "{{\"title\":\"t{}\",\"input\":\"the capital is Paris{i}\",\"output\":{answer:?},\"kind\":\"{kind}\"}}\n",
                    i % 12
                ));
            }
        }
    }
    out.into_bytes()
}

/// Every file under `dir`, by relative path.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, at: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Without the keys that name the invocation rather than the data.
fn strip(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    for key in ["elapsed_seconds", "args", "shards", "out_dir"] {
        o.remove(key);
    }
    v
}

/// The input cut into three line shards, written as files.
fn shards(dir: &Dir, bytes: &[u8]) -> Vec<PathBuf> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    lines
        .chunks(50)
        .enumerate()
        .map(|(k, c)| dir.write(&format!("in{k}.jsonl"), c.concat()))
        .collect()
}

/// Runs `args` on each shard into its own set (with --rejects when
/// `rejects`); returns the sets in shard order.
fn shard_sets(
    dir: &Dir,
    inputs: &[PathBuf],
    args: &[&str],
    rejects: bool,
    tag: &str,
) -> Vec<PathBuf> {
    let mut sets = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        let set = dir.path(&format!("{tag}set{k}"));
        let mut cmd = std_tool("phase-split");
        cmd.args(args).arg("-q").arg("--out-dir").arg(&set).arg(input);
        cmd.arg("--stats").arg(dir.path(&format!("{tag}set{k}.stats")));
        if rejects {
            cmd.arg("--rejects").arg(dir.path(&format!("{tag}rej{k}")));
        }
        let out = cmd.output().unwrap();
        assert!(out.status.code().unwrap() < 2, "{}", text(&out.stderr));
        sets.push(set);
    }
    sets
}

#[test]
fn merged_sets_are_the_whole_runs_set() {
    let dir = Dir::new();
    let bytes = input();
    let whole = dir.write("whole.jsonl", &bytes);
    let inputs = shards(&dir, &bytes);
    let cases: &[&[&str]] = &[
        &["--split", "train=0.8,val=0.1,test=0.1", "--group", "title", "--seed", "7"],
        &[],
        &["--phase-field", "kind", "--split", "train=2,test=1"],
        &["--phase-field", "kind", "--order", "late", "--no-tag"],
        &["--split", "train=0.5,test=0.5", "--min-share", "0.5", "--refusal-pattern", "^A long"],
    ];
    for (k, args) in cases.iter().enumerate() {
        for rejects in [true, false] {
            let tag = format!("c{k}{rejects}");
            let (w, ws) = (dir.path(&format!("{tag}w")), dir.path(&format!("{tag}w.stats")));
            let mut single = std_tool("phase-split");
            single.args(*args).arg("-q").arg("--out-dir").arg(&w).arg("--stats").arg(&ws);
            if rejects {
                single.arg("--rejects").arg(dir.path(&format!("{tag}w.rej")));
            }
            let single = single.arg(&whole).output().unwrap();
            let sets = shard_sets(&dir, &inputs, args, rejects, &tag);
            let (m, ms) = (dir.path(&format!("{tag}m")), dir.path(&format!("{tag}m.stats")));
            let merged = std_tool("phase-split")
                .args(["--merge", "-q", "--out-dir"])
                .arg(&m)
                .arg("--stats")
                .arg(&ms)
                .args(&sets)
                .output()
                .unwrap();
            let what = format!("{args:?} rejects={rejects}: {}", text(&merged.stderr));
            assert_eq!(merged.status.code(), single.status.code(), "exit status, {what}");
            assert_eq!(single.status.code(), Some(if rejects { 0 } else { 1 }), "{what}");
            let (mut got, mut want) = (files_of(&m), files_of(&w));
            let (gm, wm) = (got.remove("manifest.json"), want.remove("manifest.json"));
            assert!(want.len() >= 2, "{what}");
            assert_eq!(got, want, "the files, byte for byte, {what}");
            let parse = |t: Option<Vec<u8>>| strip(serde_json::from_slice(&t.unwrap()).unwrap());
            assert_eq!(parse(gm), parse(wm), "manifest, {what}");
            assert_eq!(strip(json_of(&ms)), strip(json_of(&ws)), "stats, {what}");
            let listed = json_of(&m.join("manifest.json"))["shards"].as_array().unwrap().len();
            assert_eq!(listed, 3, "{what}");
            // shard-merge stats gives the same figures from the shards' --stats.
            let shard_stats: Vec<PathBuf> =
                (0..3).map(|i| dir.path(&format!("{tag}set{i}.stats"))).collect();
            let ss = std_tool("shard-merge").arg("stats").args(&shard_stats).output().unwrap();
            assert_eq!(ss.status.code(), single.status.code(), "{what}");
            let ss: Value = serde_json::from_slice(&ss.stdout).unwrap();
            assert_eq!(strip(ss), strip(json_of(&ws)), "shard-merge stats, {what}");

            // Without --out-dir: the records the whole run writes to standard output.
            let mut stream = std_tool("phase-split");
            stream.args(*args).arg("-q").arg(&whole);
            if rejects {
                stream.arg("--rejects").arg(dir.path(&format!("{tag}s.rej")));
            }
            let stream = stream.output().unwrap();
            let merged =
                std_tool("phase-split").args(["--merge", "-q"]).args(&sets).output().unwrap();
            assert_eq!(merged.status.code(), stream.status.code(), "{what}");
            assert_eq!(text(&merged.stdout), text(&stream.stdout), "stream, {what}");
        }
    }
    // Compressed shard sets (their own --compress does not matter) merge into
    // the plain whole-run set; the merge's --compress compresses the result.
    let mut args = cases[0].to_vec();
    args.extend(["--compress", "gz"]);
    let sets = shard_sets(&dir, &inputs, &args, true, "z");
    let merged = std_tool("phase-split")
        .args(["--merge", "-q", "--out-dir"])
        .arg(dir.path("zm"))
        .args(&sets)
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let (mut got, mut want) = (files_of(&dir.path("zm")), files_of(&dir.path("c0truew")));
    got.remove("manifest.json");
    want.remove("manifest.json");
    assert_eq!(got, want, "gzip shard files merged into the plain set");
    let zipped = std_tool("phase-split")
        .args(["--merge", "-q", "--compress", "zst", "--out-dir"])
        .arg(dir.path("zz"))
        .args(&sets)
        .output()
        .unwrap();
    assert_eq!(zipped.status.code(), Some(0), "{}", text(&zipped.stderr));
    let manifest = json_of(&dir.path("zz/manifest.json"));
    let files = manifest["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["path"].as_str().unwrap().ends_with(".jsonl.zst")));
    let want = json_of(&dir.path("c0truew/manifest.json"));
    let sums = |m: &Value| -> Vec<Value> {
        m["files"].as_array().unwrap().iter().map(|f| f["xxh3"].clone()).collect()
    };
    assert_eq!(sums(&manifest), sums(&want), "the same content, compressed");
}

#[test]
fn the_merge_judges_the_whole_input() {
    let dir = Dir::new();
    let bytes = input();
    let whole = dir.write("whole.jsonl", &bytes);
    let inputs = shards(&dir, &bytes);
    // --min-share given to the merge judges the merged shares: 12 titles
    // cannot give test its 30%, so the whole run fails and writes no set.
    let split = ["--split", "train=0.7,test=0.3", "--group", "title", "--seed", "3"];
    let single = std_tool("phase-split")
        .args(split)
        .args(["-q", "--min-share", "0.99", "--out-dir"])
        .arg(dir.path("w"))
        .arg(&whole)
        .output()
        .unwrap();
    let sets = shard_sets(&dir, &inputs, &split, false, "g");
    let merged = std_tool("phase-split")
        .args(["--merge", "--min-share", "0.99", "--out-dir"])
        .arg(dir.path("m"))
        .args(&sets)
        .output()
        .unwrap();
    assert_eq!(single.status.code(), Some(1), "{}", text(&single.stderr));
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    assert!(text(&merged.stderr).contains("below --min-share 0.99"), "{}", text(&merged.stderr));
    assert!(!dir.path("w").exists() && !dir.path("m").exists());

    // A --group field no record of any shard holds fails the merge as it
    // fails the whole run.
    let sets = shard_sets(&dir, &inputs, &["--split", "a=1,b=1", "--group", "nosuch"], true, "n");
    let merged = std_tool("phase-split")
        .args(["--merge", "--stats"])
        .arg(dir.path("n.stats"))
        .args(&sets)
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    assert!(text(&merged.stderr).contains("--group nosuch: no record has this field"));
    assert_eq!(json_of(&dir.path("n.stats"))["absent_fields"], serde_json::json!(["nosuch"]));
}

#[test]
fn what_cannot_be_the_whole_run_is_refused() {
    let dir = Dir::new();
    let inputs = shards(&dir, &input());
    let merge = |sets: &[PathBuf], extra: &[&str]| {
        std_tool("phase-split").arg("--merge").args(extra).args(sets).output().unwrap()
    };
    let refused = |sets: &[PathBuf], extra: &[&str], needle: &str| {
        let out = merge(sets, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{extra:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    };
    let strat = shard_sets(&dir, &inputs, &["--split", "a=1,b=1", "--stratify", "kind"], true, "s");
    refused(&strat, &[], "--stratify assigns splits in input order");
    let leak = shard_sets(
        &dir,
        &inputs,
        &["--split", "a=1,b=1", "--group", "title", "--check-leakage", "title"],
        true,
        "l",
    );
    refused(&leak, &[], "--check-leakage compares values across the whole input");

    let plain = shard_sets(&dir, &inputs, &["--split", "a=1,b=1"], true, "p");
    let other = shard_sets(&dir, &inputs, &["--split", "a=1,b=1", "--seed", "9"], true, "o");
    refused(&[plain[0].clone(), other[1].clone()], &[], "was split with other settings");
    refused(&[plain[0].clone(), plain[0].clone()], &[], "is given twice");
    refused(&[plain[0].clone(), dir.path("in0.jsonl")], &[], "no manifest.json");
    refused(&plain, &["--rejects", "r.jsonl"], "shard-merge rejects");
    refused(&plain, &["--out-dir", plain[1].to_str().unwrap()], "holds the input");
    // A manifest naming a file outside its set is not followed.
    let hostile = shard_sets(&dir, &inputs[..1], &["--split", "a=1,b=1"], true, "h");
    let manifest_path = hostile[0].join("manifest.json");
    let text_of = std::fs::read_to_string(&manifest_path).unwrap();
    let first = json_of(&manifest_path)["files"][0]["path"].as_str().unwrap().to_string();
    let escaped = text_of.replacen(&format!("\"{first}\""), "\"../../in0.jsonl\"", 1);
    std::fs::write(&manifest_path, escaped).unwrap();
    refused(&hostile, &[], "is not inside the set");
    let clash = merge(&plain, &["--split", "a=1"]);
    assert_eq!(clash.status.code(), Some(2), "the settings come from the sets");

    // A shard file changed since its run (same size, one byte different):
    // refused, and no set written.
    let manifest = json_of(&plain[2].join("manifest.json"));
    let file = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["records"].as_u64() > Some(0))
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let path = plain[2].join(&file);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.iter().position(|&b| b == b'P').unwrap();
    bytes[at] = b'Q';
    std::fs::write(&path, &bytes).unwrap();
    let out = dir.path("changed");
    refused(&plain, &["--out-dir", out.to_str().unwrap()], "the set changed since its run");
    assert!(!out.exists());
    std::fs::write(&path, &bytes[1..]).unwrap();
    refused(&plain, &["--out-dir", out.to_str().unwrap()], "bytes, but its manifest says");
}

/// The README's GNU parallel recipe: `--pipepart` blocks, each job writing
/// its set `sets/{#}`, merged in job order into the whole run's set.
#[test]
fn gnu_parallel_sets_merge_into_the_whole_run() {
    if !crate::scale_out::have_parallel() {
        return;
    }
    let dir = Dir::new();
    let whole = dir.write("whole.jsonl", input());
    let args = "--split train=0.8,test=0.2 --group title --seed 7";
    let single = std_tool("phase-split")
        .args(args.split(' '))
        .args(["-q", "--rejects", "w.rej", "--out-dir", "w"])
        .arg(&whole)
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(single.status.code(), Some(0), "{}", text(&single.stderr));
    let bin = crate::util::bin("phase-split");
    let job = format!("{} {args} -q --rejects r{{#}}.jsonl --out-dir sets/{{#}}", bin.display());
    let out = std::process::Command::new("parallel")
        .args(["--pipepart", "-a"])
        .arg(&whole)
        .args(["--block", "2000", "-k", &job])
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let jobs = std::fs::read_dir(dir.path("sets")).unwrap().count();
    assert!(jobs >= 3, "{jobs} jobs");
    // Job order, not the shell's order (sets/10 sorts before sets/2).
    let sets: Vec<String> = (1..=jobs).map(|k| format!("sets/{k}")).collect();
    let merged = std_tool("phase-split")
        .args(["--merge", "-q", "--out-dir", "m"])
        .args(&sets)
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let (mut got, mut want) = (files_of(&dir.path("m")), files_of(&dir.path("w")));
    let (gm, wm) = (got.remove("manifest.json"), want.remove("manifest.json"));
    assert_eq!(got, want, "the files, byte for byte");
    let parse = |t: Option<Vec<u8>>| strip(serde_json::from_slice(&t.unwrap()).unwrap());
    assert_eq!(parse(gm), parse(wm), "the manifest");
}

// Found in review: what the single run decides over the whole input, the
// merge decides the same way, and a manifest that does not add up is refused.
#[test]
fn review_findings_stay_fixed() {
    let dir = Dir::new();
    let run = |args: &[&str]| {
        std_tool("phase-split").args(args).current_dir(dir.root()).output().unwrap()
    };
    // More than 256 phases in all, fewer in each shard: refused as the whole run refuses.
    let mut many = String::new();
    for i in 0..400 {
        many.push_str(&format!("{{\"output\":\"a\",\"input\":\"a\",\"k\":\"p{i}\"}}\n"));
    }
    let lines: Vec<&str> = many.lines().collect();
    dir.write("m0.jsonl", lines[..200].join("\n") + "\n");
    dir.write("m1.jsonl", lines[200..].join("\n") + "\n");
    dir.write("m.jsonl", &many);
    assert_eq!(
        run(&["--phase-field", "k", "-q", "--out-dir", "mw", "m.jsonl"]).status.code(),
        Some(2)
    );
    for k in 0..2 {
        let out = run(&[
            "--phase-field",
            "k",
            "-q",
            "--out-dir",
            &format!("ms{k}"),
            &format!("m{k}.jsonl"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let merged = run(&["--merge", "--out-dir", "mm", "ms0", "ms1"]);
    assert_eq!(merged.status.code(), Some(2), "{}", text(&merged.stderr));
    assert!(text(&merged.stderr).contains("more than 256 phases"));
    assert!(!dir.path("mm").exists());
    // --fail-fast belongs to the shard runs.
    let ff = run(&["--merge", "--fail-fast", "ms0"]);
    assert_eq!(ff.status.code(), Some(2), "{}", text(&ff.stderr));

    // A --group field present only in a later shard's rejected records (a
    // repeated key): the whole run, whose field sample is its first records,
    // reports it absent (exit 1), and so does the merge.
    let mut text_in = String::new();
    for i in 0..20 {
        text_in.push_str(&format!("{{\"output\":\"a{i}\",\"input\":\"a{i}\"}}\n"));
    }
    let second: Vec<String> = (0..19)
        .map(|i| format!("{{\"output\":\"b{i}\",\"input\":\"b\",\"g\":1,\"g\":2}}"))
        .chain(["{\"output\":\"c\",\"input\":\"c\"}".to_string()])
        .collect();
    dir.write("g0.jsonl", &text_in);
    dir.write("g1.jsonl", second.join("\n") + "\n");
    dir.write("g.jsonl", text_in.clone() + &second.join("\n") + "\n");
    let flags = ["--group", "g", "--split", "a=0.5,b=0.5", "-q", "--rejects"];
    let with = |rest: &[&str]| -> std::process::Output {
        std_tool("phase-split").args(flags).args(rest).current_dir(dir.root()).output().unwrap()
    };
    let whole = with(&["w.rej", "--out-dir", "gw", "g.jsonl"]);
    assert_eq!(whole.status.code(), Some(1), "{}", text(&whole.stderr));
    for k in 0..2 {
        with(&[&format!("r{k}"), "--out-dir", &format!("gs{k}"), &format!("g{k}.jsonl")]);
    }
    let merged = run(&["--merge", "--out-dir", "gm", "gs0", "gs1"]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    let (a, b) = (json_of(&dir.path("gm/manifest.json")), json_of(&dir.path("gw/manifest.json")));
    assert_eq!(a["absent_fields"], b["absent_fields"]);
    assert_eq!(b["absent_fields"], serde_json::json!(["g"]));

    // Counts that overflow, records that are not the files', a set given
    // twice as two copies: refused.
    let copy = |from: &str, to: &str, edit: &dyn Fn(&mut Value)| {
        let (from, to) = (dir.path(from), dir.path(to));
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                for f in std::fs::read_dir(entry.path()).unwrap() {
                    let f = f.unwrap();
                    std::fs::copy(f.path(), target.join(f.file_name())).unwrap();
                }
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
        let mut m = json_of(&to.join("manifest.json"));
        edit(&mut m);
        std::fs::write(to.join("manifest.json"), m.to_string()).unwrap();
    };
    copy("gs0", "huge", &|m| m["looked_up"] = serde_json::json!(u64::MAX));
    copy("gs0", "more", &|m| {
        let n = m["records"].as_u64().unwrap() + 100;
        m["records"] = serde_json::json!(n);
        m["records_in"] = serde_json::json!(m["records_in"].as_u64().unwrap() + 100);
    });
    copy("gs0", "twin", &|_| {});
    for (sets, needle) in [
        (["huge", "gs1"], "counts too large"),
        (["more", "gs1"], "records its files hold"),
        (["gs0", "twin"], "same command line and the same files"),
    ] {
        let out = run(&["--merge", "-q", "--out-dir", "bad"]
            .iter()
            .copied()
            .chain(sets)
            .collect::<Vec<_>>());
        assert_eq!(out.status.code(), Some(2), "{sets:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{sets:?}: {}", text(&out.stderr));
        assert!(!dir.path("bad").exists());
    }
    // Two shards run with one command line, each in its own folder: not twins.
    for (k, part) in ["g0.jsonl", "m0.jsonl"].iter().enumerate() {
        let folder = dir.path(&format!("alike{k}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(dir.path(part), folder.join("part.jsonl")).unwrap();
        let out = std_tool("phase-split")
            .args(["--split", "a=1,b=1", "-q", "--out-dir", "set", "part.jsonl"])
            .current_dir(&folder)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let out = run(&["--merge", "-q", "--out-dir", "alike", "alike0/set", "alike1/set"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
