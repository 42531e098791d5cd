//! Deterministic generator of benchmark datasets: `gen-data KIND SIZE [SEED]`.
//!
//! Writes JSONL (or, for array-shaped kinds, one JSON document) of about SIZE
//! bytes to stdout. The same KIND, SIZE and SEED always give the same bytes, so
//! benchmark numbers from different machines describe the same input. Each kind
//! lives in its own module; a kind only needs a `record(rng, index, out)`.

mod alpaca;
mod graph;
mod qa;
mod rng;
mod teacher;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let number: f64 = digits.parse().ok()?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" | "KIB" => 1024.0,
        "M" | "MB" | "MIB" => 1024.0 * 1024.0,
        "G" | "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * scale) as u64)
}

type RecordFn = fn(&mut rng::Rng, u64, &mut Vec<u8>);

fn kind(name: &str) -> Option<RecordFn> {
    match name {
        "teacher" => Some(teacher::record),
        "alpaca" => Some(alpaca::record),
        "graph" => Some(graph::record),
        "qa" => Some(qa::record),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: gen-data KIND SIZE [SEED]   (KIND: teacher, graph, alpaca, qa; SIZE like 200M, 1G)";
    let (Some(kind_name), Some(size_text)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Some(record) = kind(kind_name) else {
        eprintln!("gen-data: unknown kind {kind_name:?}\n{usage}");
        return ExitCode::from(2);
    };
    let Some(target) = parse_size(size_text) else {
        eprintln!("gen-data: bad size {size_text:?}\n{usage}");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42u64);
    let mut rng = rng::Rng::new(seed);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut written = 0u64;
    let mut line = Vec::with_capacity(4096);
    let mut index = 0u64;
    while written < target {
        line.clear();
        record(&mut rng, index, &mut line);
        line.push(b'\n');
        if out.write_all(&line).is_err() {
            return ExitCode::SUCCESS;
        }
        written += line.len() as u64;
        index += 1;
    }
    if out.flush().is_err() {
        return ExitCode::SUCCESS;
    }
    ExitCode::SUCCESS
}
