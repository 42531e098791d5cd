#!/bin/sh
# Runs every fuzz target (or those named) for FUZZ_SECONDS each (default 25)
# on the stable toolchain: cargo-fuzz/libFuzzer with sanitizers off. Installs
# the pinned cargo-fuzz when it is missing. Each target starts from its
# committed seeds (fuzz/corpus/T) and regressions (fuzz/regressions/T) and
# writes what it discovers into a scratch corpus (FUZZ_WORK, default a
# temporary folder), so the committed seeds stay small. Exit status 1 when a
# target crashed, hung or broke a check: the input is in fuzz/artifacts/T/;
# copy it to fuzz/regressions/T/ so `cargo test` replays it.
set -eu
cd "$(dirname "$0")/.."
CARGO_FUZZ_VERSION=0.13.2
SECONDS_EACH=${FUZZ_SECONDS:-25}
TARGETS=${*:-$(cd fuzz/fuzz_targets && ls *.rs | sed 's/\.rs$//')}
# The fuzz build has its own target folder, so it never invalidates the main one.
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
cargo fuzz build --sanitizer none

work=${FUZZ_WORK:-$(mktemp -d)}
failed=""
for t in $TARGETS; do
    mkdir -p "$work/$t" "fuzz/regressions/$t"
    log="$work/$t.log"
    if cargo fuzz run --sanitizer none "$t" "$work/$t" "fuzz/corpus/$t" "fuzz/regressions/$t" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        status=ok
    else
        grep -a -A3 -E "panicked at|^SUMMARY|Test unit written|==ERROR" "$log" | head -30 || true
        # A finding must replay: the saved input is run alone three times. One
        # that passes every time depended on the machine's timing or load
        # (framing's pipe pauses), not on its bytes: it is reported and kept
        # in fuzz/artifacts/ but does not fail the run.
        unit=$(grep -a -o "Test unit written to .*" "$log" | tail -1 | sed 's/^Test unit written to //')
        replays=0
        if [ -n "$unit" ] && [ -f "$unit" ]; then
            for _ in 1 2 3; do
                if cargo fuzz run --sanitizer none "$t" "$unit" -- -runs=1 >>"$log.replay" 2>&1; then
                    replays=$((replays + 1))
                fi
            done
        fi
        if [ "$replays" = 3 ]; then
            status="ok (a finding that did not replay in 3 runs alone: $unit)"
        else
            status=FAILED
            failed="$failed $t"
        fi
    fi
    # The last status line: "#RUNS cov: N ft: N corp: N/SIZE exec/s: N ..."
    stats=$(grep -a -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#([0-9]+).*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*exec\/s: ([0-9]+).*/runs=\1 cov=\2 features=\3 corpus=\4 exec\/s=\5/')
    echo "fuzz: $t: $status $stats"
    # The scratch folders of fuzz processes that have ended (fuzz/checks/mod.rs).
    for d in /dev/shm/synthkit-fuzz-* "${TMPDIR:-/tmp}"/synthkit-fuzz-*; do
        [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
    done
done
if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed (logs in $work, inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH}s without a finding"
