#!/bin/sh
# run.sh OUT SECONDS TARGET...: runs each libFuzzer target in OUT/bin for SECONDS,
# one after another (one CPU), starting from its seeds in tests/fuzz/corpus/TARGET
# and what earlier runs found in OUT/corpus/TARGET. Prints, for each, how many inputs
# it ran and whether it found anything. Exit 1 if any target found a crash.
set -u
out=$1
seconds=$2
shift 2

status=0
summary=$out/summary.txt
: >"$summary"
for target in "$@"; do
    corpus=$out/corpus/$target
    artifacts=$out/artifacts/$target
    log=$out/logs/$target.log
    mkdir -p "$corpus" "$artifacts" "$out/logs"
    echo "  FUZZ    $target for $seconds s (log: $log)"
    # -close_fd_mask=3: the target's own output is noise; libFuzzer and the
    # sanitizers still report on a copy of stderr.
    "$out/bin/$target" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" \
        "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(find "$artifacts" -type f | head -n 1)
    if [ $rc -ne 0 ] || [ -n "$found" ]; then
        result="FOUND (exit $rc): ${found:-see the log}"
        status=1
    else
        result="nothing found"
    fi
    line=$(printf '%-16s %12s runs  %5s inputs in corpus  %s' "$target" "${runs:-?}" \
        "$(find "$corpus" -type f | wc -l)" "$result")
    echo "$line" | tee -a "$summary"
done
echo "Summary: $summary"
exit $status
