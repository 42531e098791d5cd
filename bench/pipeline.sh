# Where the CPU time of `cat FILE | score-filter --min 0.82 | cat` goes, process
# by process, against the `cat FILE | cat` floor (issue 2). On a machine with few
# cores a pipeline is bound by the CPU time of all its processes together:
# wall >= total CPU / cores. The last table row is that bound.
. bench/lib.sh
SIZE=${SIZE:-1G}
F=$(data teacher "$SIZE")
B=$(stat -c %s "$F")
T="$BENCH_DIR/.cpu"
cores=$(nproc)
# cpu FILE -> user+sys seconds recorded by /usr/bin/time -f '%U %S'
cpu() { awk '{ s = $1 + $2 } END { printf "%.2f", s }' "$1"; }
printf '\n### Pipeline CPU accounting on %s of teacher-style JSONL, %s cores\n\n' "$SIZE" "$cores"
printf '| command | wall (s) | CPU-s first process | CPU-s middle | CPU-s last | CPU-s total | total / cores |\n|---|---|---|---|---|---|---|\n'
i=0
while [ $i -lt "$RUNS" ]; do
  w=$(seconds "/usr/bin/time -f '%U %S' -o $T.1 cat $F | /usr/bin/time -f '%U %S' -o $T.3 cat")
  c1=$(cpu $T.1); c3=$(cpu $T.3)
  awk -v w="$w" -v a="$c1" -v c="$c3" -v n="$cores" 'BEGIN { printf "| `cat FILE \\| cat` | %s | %s | | %s | %.2f | %.2f |\n", w, a, c, a + c, (a + c) / n }'
  w=$(seconds "/usr/bin/time -f '%U %S' -o $T.1 cat $F | /usr/bin/time -f '%U %S' -o $T.2 $BIN/score-filter --min 0.82 -q | /usr/bin/time -f '%U %S' -o $T.3 cat")
  c1=$(cpu $T.1); c2=$(cpu $T.2); c3=$(cpu $T.3)
  awk -v w="$w" -v a="$c1" -v b="$c2" -v c="$c3" -v n="$cores" 'BEGIN { printf "| `cat FILE \\| score-filter --min 0.82 \\| cat` | %s | %s | %s | %s | %.2f | %.2f |\n", w, a, b, c, a + b + c, (a + b + c) / n }'
  w=$(seconds "/usr/bin/time -f '%U %S' -o $T.2 $BIN/score-filter -j1 --min 0.82 -q $F")
  c2=$(cpu $T.2)
  awk -v w="$w" -v b="$c2" 'BEGIN { printf "| `score-filter -j1 --min 0.82 FILE` (the scan alone, no pipe) | %s | | %s | | %s | |\n", w, b, b }'
  i=$((i + 1))
done
