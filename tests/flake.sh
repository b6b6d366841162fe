#!/bin/sh
# flake.sh RUNS TARGET [JOBS] [GRADE_JOBS]: runs `make test` RUNS times in a row for
# TARGET (native or mingw), JOBS and GRADE_JOBS as `make test` takes them, keeping
# each run's output in build/flake/. Prints the tests that failed in any run, how many
# runs failed, and the slowest tests (their longest time over the runs).
# Exit 1 if any run failed. `make flake RUNS=20` runs it.
set -u
runs=${1:-5}
target=${2:-native}
jobs=${3:-}
grade_jobs=${4:-}
logs=build/flake/$target${jobs:+-n$jobs}${grade_jobs:+-g$grade_jobs}
rm -rf "$logs"
mkdir -p "$logs"

failed=0
started=$(date +%s)
i=1
while [ "$i" -le "$runs" ]; do
    log=$logs/run-$i.log
    t0=$(date +%s)
    if make --no-print-directory test TARGET="$target" JOBS="$jobs" GRADE_JOBS="$grade_jobs" \
            TEST_ARGS="--durations=0 -rfE" >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    echo "run $i/$runs ($target${jobs:+, -n $jobs}${grade_jobs:+, grading -n $grade_jobs}):" \
        "$result in $(( $(date +%s) - t0 )) s: $(grep -E '^=+ .* in [0-9.]+s' "$log" | tail -n 1 | tr -d '=')"
    i=$((i + 1))
done

echo
echo "== $target: $failed of $runs runs failed ($(( $(date +%s) - started )) s in all; logs in $logs/)"
grep -h '^FAILED \|^ERROR ' "$logs"/run-*.log | sed 's/ - .*//' | sort | uniq -c | sort -rn
echo
echo "== slowest tests (longest time over the runs)"
# pytest --durations lines: "12.34s call     tests/kit/test_x.py::test_y[...]"
grep -hE '^[0-9.]+s (call|setup|teardown) ' "$logs"/run-*.log |
    awk '{ t = $1 + 0; key = $3 " (" $2 ")"; if (t > max[key]) max[key] = t }
         END { for (k in max) printf "%8.2fs  %s\n", max[k], k }' |
    sort -rn | head -n 10
[ "$failed" -eq 0 ]
