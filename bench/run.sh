#!/bin/sh
# Runs the benchmarks: all tools, or the ones named (e.g. `sh bench/run.sh score-filter`).
# Environment: SIZE (default 1G), RUNS (default 3), BENCH_DIR (default bench/data).
set -eu
cd "$(dirname "$0")/.."
cargo build --release --locked -q
cargo build --release --locked -q --example gen-data
echo "# synthkit benchmarks on $(nproc) cores, $(date -u +%Y-%m-%d)"
if [ $# -eq 0 ]; then set -- $(ls bench/*.sh | sed -n 's|bench/\(.*\)\.sh|\1|p' | grep -v -e '^run$' -e '^lib$'); fi
for tool in "$@"; do
  sh "bench/$tool.sh"
done
