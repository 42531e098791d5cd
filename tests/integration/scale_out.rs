//! Shard runs merged with shard-merge (issue 17): a file cut into line
//! shards, each run from standard input with its own --stats and --rejects,
//! gives the whole run's output bytes, stats (timing and args aside) and
//! rejects (original file and line, byte for byte); the same through GNU
//! parallel --pipepart where it is installed.

use serde_json::Value;

use crate::util::{Dir, run_with_stdin, std_tool, text};

/// 60 lines: score records, bad lines (invalid JSON, invalid UTF-8, a raw
/// CR inside a string) and blank lines, spread over every shard.
fn input() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..60 {
        match i % 13 {
            3 => out.extend_from_slice(format!("not json {i}").as_bytes()),
            7 => out.extend_from_slice(b"{\"score\":0.9,\"bad\":\"\xff\"}"),
            9 => out.extend_from_slice(b"{\"score\":0.9,\"cr\":\"a\rb\"}"),
            11 => {}
            _ => out.extend_from_slice(
                format!("{{\"id\":{i},\"score\":{}}}", (i % 10) as f64 / 10.0).as_bytes(),
            ),
        }
        out.push(b'\n');
    }
    out
}

fn strip(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    for key in ["elapsed_seconds", "args", "shards"] {
        o.remove(key);
    }
    v
}

fn stats_of(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn line_shards_merge_into_the_whole_run() {
    let dir = Dir::new();
    let bytes = input();
    let whole = dir.write("whole.jsonl", &bytes);
    for (tool, args) in [
        ("score-filter", &["--min", "0.3"][..]),
        ("fmt-migrate", &["--to", "messages", "--from", "alpaca"][..]),
    ] {
        let (ws, wr) = (dir.path("w.stats"), dir.path("w.rej"));
        let w = std_tool(tool)
            .args(args)
            .arg(&whole)
            .arg("--stats")
            .arg(&ws)
            .arg("--rejects")
            .arg(&wr)
            .output()
            .unwrap();
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        let mut outputs = Vec::new();
        let (mut stats, mut rejects, mut map) = (Vec::new(), Vec::new(), String::new());
        for (k, shard) in lines.chunks(17).enumerate() {
            let (s, r) = (dir.path(&format!("s{k}.json")), dir.path(&format!("r{k}.jsonl")));
            let mut cmd = std_tool(tool);
            cmd.args(args).arg("--stats").arg(&s).arg("--rejects").arg(&r);
            let out = run_with_stdin(cmd, &shard.concat());
            assert_eq!(
                out.status.code(),
                w.status.code(),
                "{tool} shard {k}: {}",
                text(&out.stderr)
            );
            outputs.extend_from_slice(&out.stdout);
            map.push_str(&format!(
                "{{\"file\":{:?},\"stats\":{:?}}}\n",
                whole.display().to_string(),
                s.display().to_string()
            ));
            stats.push(s);
            rejects.push(r);
        }
        assert_eq!(outputs, w.stdout, "{tool}: output bytes in input order");
        let map_file = dir.write("map.jsonl", &map);
        let merged = dir.path("m.stats");
        let out = std_tool("shard-merge")
            .arg("stats")
            .arg("--map")
            .arg(&map_file)
            .args(&stats)
            .arg("-o")
            .arg(&merged)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", text(&out.stderr));
        assert_eq!(strip(stats_of(&merged)), strip(stats_of(&ws)), "{tool}: merged stats");
        let merged_rejects = dir.path("m.rej");
        let out = std_tool("shard-merge")
            .arg("rejects")
            .arg("--map")
            .arg(&map_file)
            .args(&rejects)
            .arg("-o")
            .arg(&merged_rejects)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", text(&out.stderr));
        let (got, want) = (std::fs::read(&merged_rejects).unwrap(), std::fs::read(&wr).unwrap());
        assert!(!want.is_empty());
        assert_eq!(text(&got), text(&want), "{tool}: merged rejects");
    }
}

// Stats that cannot be merged exactly are refused, never estimated.
#[test]
fn sampling_stats_are_refused() {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let mut cmd = std_tool("score-filter");
    cmd.args(["--min", "0.1", "--max-samples", "2", "--stats"]).arg(&s);
    run_with_stdin(cmd, b"{\"score\":0.5}\n{\"score\":0.6}\n{\"score\":0.7}\n");
    let out = std_tool("shard-merge").arg("stats").arg(&s).arg(&s).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn gnu_parallel_pipepart_gives_the_whole_run() {
    let have = std::process::Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        eprintln!("skipped: GNU parallel is not installed (apt-get install parallel)");
        return;
    }
    let dir = Dir::new();
    let whole = dir.write("whole.jsonl", input());
    let bin = crate::util::bin("score-filter");
    let w = std_tool("score-filter")
        .args(["--min", "0.3", "--rejects"])
        .arg(dir.path("w.rej"))
        .arg(&whole)
        .output()
        .unwrap();
    let job = format!("{} --min 0.3 -q --stats s{{#}}.json --rejects r{{#}}.jsonl", bin.display());
    let out = std::process::Command::new("parallel")
        .args(["--pipepart", "-a"])
        .arg(&whole)
        .args(["--block", "300", "-k", "--joblog", "jobs.log", &job])
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(out.stdout, w.stdout, "the same bytes in input order");
    let jobs = std::fs::read_dir(dir.root())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with('s'))
        .count();
    assert!(jobs >= 2, "{jobs} jobs");
    let map: String = (1..=jobs)
        .map(|k| {
            format!("{{\"file\":{:?},\"stats\":\"s{k}.json\"}}\n", whole.display().to_string())
        })
        .collect();
    dir.write("map.jsonl", map);
    let rejects: Vec<String> = (1..=jobs).map(|k| format!("r{k}.jsonl")).collect();
    let merged = std_tool("shard-merge")
        .args(["rejects", "--map", "map.jsonl"])
        .args(&rejects)
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    assert_eq!(text(&merged.stdout), text(&std::fs::read(dir.path("w.rej")).unwrap()));
}
