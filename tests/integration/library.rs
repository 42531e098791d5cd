//! Regression tests for the shared library found in review, run on every
//! binary where the behaviour is the library's.

use std::process::Stdio;

use crate::conventions::SPECS;
use crate::util::{Dir, jsonl, run_with_stdin, std_tool, text};

fn input_of(n: usize, good: fn(usize) -> String) -> String {
    let lines: Vec<String> = (0..n).map(good).collect();
    jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `-o /dev/stdout` with standard output redirected to a file: the records go
/// to that file through the descriptor; the link is never replaced by a
/// temporary file renamed over it (which, as root, replaced /dev/stdout itself
/// and left the redirected file empty).
#[cfg(target_os = "linux")]
#[test]
fn r_output_to_a_descriptor_name_writes_through_the_descriptor() {
    for spec in SPECS {
        let dir = Dir::new();
        let input = input_of(5, spec.good);
        let file = dir.write("in.jsonl", &input);
        let expected = std_tool(spec.name).args(spec.args).arg(&file).output().expect("run");
        assert!(expected.status.success(), "{}: {}", spec.name, text(&expected.stderr));
        let link = dir.path("stdout-link");
        std::os::unix::fs::symlink("/proc/self/fd/1", &link).expect("symlink");
        let sink = dir.path("redirected.txt");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg(spec.output_flag)
            .arg(&link)
            .stdout(std::fs::File::create(&sink).expect("create"))
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert!(out.status.success(), "{}: {}", spec.name, text(&out.stderr));
        assert!(
            std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink(),
            "{}: the link was replaced",
            spec.name
        );
        assert_eq!(std::fs::read(&sink).expect("read"), expected.stdout, "{}", spec.name);
    }
}

/// `--stats /dev/stderr` with standard error redirected to a file: the stats
/// and the summary line share the descriptor instead of overwriting each other.
#[cfg(target_os = "linux")]
#[test]
fn r_stats_to_stderr_shares_the_descriptor_with_the_summary() {
    let dir = Dir::new();
    let file = dir.write("in.jsonl", "{\"score\":0.5}\nbad\n");
    let link = dir.path("stderr-link");
    std::os::unix::fs::symlink("/proc/self/fd/2", &link).expect("symlink");
    let log = dir.path("log.txt");
    let out = std_tool("score-filter")
        .arg(&file)
        .arg("--stats")
        .arg(&link)
        .stderr(std::fs::File::create(&log).expect("create"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let log = std::fs::read_to_string(&log).expect("read");
    let (first, rest) = log.split_once('\n').expect("lines");
    assert!(first.contains("in.jsonl:2: invalid JSON"), "{log}");
    let (stats, summary) = rest.rsplit_once("}\n").expect("stats then summary");
    let stats: serde_json::Value = serde_json::from_str(&format!("{stats}}}")).expect("stats");
    assert_eq!(stats["records_in"], 2);
    assert!(summary.starts_with("score-filter: kept 1 of 2"), "{log}");
}

/// A symbolic link given to -o is followed: its file gets the output, the
/// link stays a link (also a link to a file that does not exist yet).
#[cfg(unix)]
#[test]
fn r_output_symlink_is_followed_not_replaced() {
    let dir = Dir::new();
    let file = dir.write("in.jsonl", "{\"score\":0.5}\n");
    dir.write("data/real.jsonl", "old\n");
    std::os::unix::fs::symlink("data/real.jsonl", dir.path("current.jsonl")).expect("symlink");
    std::os::unix::fs::symlink("data/new.jsonl", dir.path("next.jsonl")).expect("symlink");
    for link in ["current.jsonl", "next.jsonl"] {
        let out = std_tool("score-filter")
            .arg(&file)
            .arg("-o")
            .arg(dir.path(link))
            .arg("-q")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let meta = std::fs::symlink_metadata(dir.path(link)).expect("link");
        assert!(meta.file_type().is_symlink(), "{link} was replaced by a file");
        assert_eq!(dir.read(link), "{\"score\":0.5}\n");
    }
    assert_eq!(dir.read("data/real.jsonl"), "{\"score\":0.5}\n");
    assert_eq!(dir.read("data/new.jsonl"), "{\"score\":0.5}\n");
    // A loop of links is an error, and the links stay.
    std::os::unix::fs::symlink("loop-b", dir.path("loop-a")).expect("symlink");
    std::os::unix::fs::symlink("loop-a", dir.path("loop-b")).expect("symlink");
    let out = std_tool("score-filter").arg(&file).arg("-o").arg(dir.path("loop-a")).output();
    let out = out.expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(dir.path("loop-a")).expect("a").file_type().is_symlink());
    assert!(std::fs::symlink_metadata(dir.path("loop-b")).expect("b").file_type().is_symlink());
}

/// `-o DIR` and `--stats DIR` are refused before any input is read (they
/// failed only at the end, after the whole input and other outputs).
#[test]
fn r_output_directory_is_refused_before_reading() {
    for spec in SPECS {
        for flag in [spec.output_flag, "--stats"] {
            let dir = Dir::new();
            let input = format!("not json\n{}", input_of(2, spec.good));
            let mut cmd = std_tool(spec.name);
            cmd.args(spec.args).arg(flag).arg(dir.root());
            let out = run_with_stdin(cmd, input.as_bytes());
            assert_eq!(out.status.code(), Some(2), "{} {flag}", spec.name);
            let stderr = text(&out.stderr);
            assert!(stderr.contains("is a directory"), "{} {flag}: {stderr}", spec.name);
            assert!(!stderr.contains("<stdin>:1"), "{} {flag}: read first: {stderr}", spec.name);
        }
    }
}

/// A --rejects pipe whose reader leaves early is an error (exit 2, named),
/// not the quiet end of a closed standard output: the tool used to exit 0
/// silently with most good records never written.
#[cfg(target_os = "linux")]
#[test]
fn r_closed_rejects_pipe_is_an_error_not_a_quiet_exit() {
    use std::io::Read;
    let dir = Dir::new();
    let mut input = String::new();
    for i in 0..100_000 {
        input.push_str(&if i % 2 == 0 {
            format!("bad {i}\n")
        } else {
            format!("{{\"score\":0.5,\"i\":{i}}}\n")
        });
    }
    let file = dir.write("in.jsonl", &input);
    let fifo = dir.path("rejects.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut pipe = std::fs::File::open(reader_path).expect("open fifo");
        let mut first = [0u8; 10];
        pipe.read_exact(&mut first).expect("read");
    });
    let out = std_tool("score-filter")
        .arg(&file)
        .arg("--rejects")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    reader.join().expect("reader");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("rejects.fifo") && stderr.contains("Broken pipe"), "{stderr}");
}

/// Replacing an existing -o file keeps its permissions: a 0600 dataset used
/// to come back 0644 (readable by everyone).
#[cfg(unix)]
#[test]
fn r_output_keeps_the_permissions_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let file = dir.write("in.jsonl", "{\"score\":0.5}\n");
    for mode in [0o600, 0o640, 0o664] {
        let out = dir.write("kept.jsonl", "old\n");
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let run = std_tool("score-filter")
            .arg(&file)
            .arg("-q")
            .arg("-o")
            .arg(&out)
            .output()
            .expect("run");
        assert!(run.status.success(), "{}", text(&run.stderr));
        assert_eq!(dir.read("kept.jsonl"), "{\"score\":0.5}\n");
        let got = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
        assert_eq!(got, mode, "mode {mode:o} became {got:o}");
    }
}

/// `--threads` beyond 1024 is a usage error naming the flag (20000 threads
/// ran for minutes on a four-line input).
#[test]
fn r_absurd_thread_counts_are_usage_errors() {
    for spec in SPECS {
        for bad in ["20000", "0", "x", ""] {
            let out = std_tool(spec.name).args(spec.args).args(["-j", bad]).output().expect("run");
            assert_eq!(out.status.code(), Some(2), "{} -j {bad:?}", spec.name);
            assert!(
                text(&out.stderr).contains("--threads"),
                "{}: {}",
                spec.name,
                text(&out.stderr)
            );
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// Whole documents (fmt-migrate --from json-array, graph-validate --real)
/// are decompressed like every other input, on files and standard input;
/// they failed with "invalid UTF-8 at byte 2".
#[test]
fn r_compressed_documents_are_read_like_every_input() {
    let dir = Dir::new();
    let array = br#"[{"instruction":"a","input":"","output":"b"}]"#;
    let file = dir.write("arr.json.gz", gzip(array));
    let plain = std_tool("fmt-migrate")
        .args(["--from", "json-array", "--to", "messages"])
        .arg(dir.write("arr.json", array))
        .output()
        .expect("run");
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let from_file = std_tool("fmt-migrate")
        .args(["--from", "json-array", "--to", "messages"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert_eq!(from_file.stdout, plain.stdout);
    let mut cmd = std_tool("fmt-migrate");
    cmd.args(["--from", "json-array", "--to", "messages"]);
    let piped = run_with_stdin(cmd, &gzip(array));
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    assert_eq!(piped.stdout, plain.stdout);

    let event = (SPECS.iter().find(|s| s.name == "graph-validate").expect("spec").good)(1);
    let events = dir.write("events.jsonl", jsonl(&[&event]));
    let real = dir.write("real.jsonl.gz", gzip(jsonl(&[&event]).as_bytes()));
    let out = std_tool("graph-validate").arg("--real").arg(&real).arg(&events).output();
    let out = out.expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut cmd = std_tool("graph-validate");
    cmd.arg("--real").arg("-").arg(&events);
    let out = run_with_stdin(cmd, &gzip(b"{\"id\":1}\n{bad\n"));
    assert!(text(&out.stderr).contains("<stdin>:2: invalid JSON"), "{}", text(&out.stderr));
}

/// -o, --rejects and --stats naming one file is a usage error: the last one
/// committed silently replaced the others (the records by the rejects).
#[test]
fn r_outputs_naming_the_same_file_are_a_usage_error() {
    for spec in SPECS {
        let dir = Dir::new();
        let input = dir.write("in.jsonl", input_of(3, spec.good));
        let same = dir.path("out.jsonl");
        for (a, b) in [
            (spec.output_flag, "--rejects"),
            (spec.output_flag, "--stats"),
            ("--rejects", "--stats"),
        ] {
            let out = std_tool(spec.name)
                .args(spec.args)
                .arg(&input)
                .arg(a)
                .arg(&same)
                .arg(b)
                .arg(dir.root().join(".").join("out.jsonl"))
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(2), "{} {a} {b}", spec.name);
            assert!(
                text(&out.stderr).contains("both name"),
                "{}: {}",
                spec.name,
                text(&out.stderr)
            );
            assert!(!same.exists(), "{} {a} {b}", spec.name);
        }
        // `-` is not a file name for --stats or --rejects (it made a file "-").
        for flag in ["--stats", "--rejects"] {
            let out = std_tool(spec.name)
                .args(spec.args)
                .arg(&input)
                .args([flag, "-"])
                .current_dir(dir.root())
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(2), "{} {flag} -", spec.name);
            assert!(!dir.path("-").exists(), "{} {flag} -", spec.name);
        }
    }
}

/// --fail-fast with -o /dev/stdout (or a pipe) writes the records before
/// the bad one, as with standard output; they were left unflushed.
#[cfg(target_os = "linux")]
#[test]
fn r_fail_fast_flushes_an_in_place_output() {
    for spec in SPECS.iter().filter(|s| s.passes_through) {
        let dir = Dir::new();
        let good = [(spec.good)(0), (spec.good)(1)];
        let input = dir.write("in.jsonl", jsonl(&[&good[0], "[1]", &good[1]]));
        let plain = std_tool(spec.name)
            .args(spec.args)
            .arg("--fail-fast")
            .arg(&input)
            .output()
            .expect("run");
        assert_eq!(plain.status.code(), Some(1), "{}", spec.name);
        assert!(!plain.stdout.is_empty(), "{}", spec.name);
        let link = dir.path("stdout-link");
        std::os::unix::fs::symlink("/proc/self/fd/1", &link).expect("symlink");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg("--fail-fast")
            .arg(&input)
            .arg("-o")
            .arg(&link)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{}: {}", spec.name, text(&out.stderr));
        assert_eq!(out.stdout, plain.stdout, "{}", spec.name);
    }
}

/// A --stats file that cannot be created fails the run before any input is
/// read (it failed at the very end, after the output was committed).
#[test]
fn r_unwritable_stats_fails_before_reading() {
    for spec in SPECS {
        let dir = Dir::new();
        let not_a_folder = dir.write("plain.txt", "x");
        let input = format!("not json\n{}", input_of(2, spec.good));
        let out_file = dir.path("out.jsonl");
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).arg("--stats").arg(not_a_folder.join("stats.json"));
        if spec.passes_through {
            cmd.arg("-o").arg(&out_file);
        }
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("stats.json"), "{}: {stderr}", spec.name);
        assert!(!stderr.contains("<stdin>:1"), "{}: read first: {stderr}", spec.name);
        assert!(!out_file.exists(), "{}: output committed", spec.name);
    }
}

/// --no-mmap reads files with read(2): the same bytes out, for every tool,
/// plain and compressed (issue 14).
#[test]
fn no_mmap_gives_the_same_output() {
    for spec in SPECS {
        let dir = Dir::new();
        let lines: Vec<String> = (0..50).map(spec.good).collect();
        let input = lines.join("\n") + "\n";
        for (name, bytes) in [
            ("in.jsonl", input.clone().into_bytes()),
            ("in.jsonl.zst", { zstd::encode_all(input.as_bytes(), 3).unwrap() }),
        ] {
            let file = dir.write(name, &bytes);
            let mapped = std_tool(spec.name).args(spec.args).arg(&file).output().unwrap();
            let read = std_tool(spec.name).args(spec.args).arg("--no-mmap").arg(&file).output();
            let read = read.unwrap();
            assert_eq!(read.status.code(), Some(0), "{}: {}", spec.name, text(&read.stderr));
            assert_eq!(read.stdout, mapped.stdout, "{} {name}", spec.name);
            assert!(!read.stdout.is_empty() || !spec.passes_through, "{}", spec.name);
        }
    }
}
