#!/bin/sh
# Builds labs for make grade, each on its own: grader/build.sh OUT SANITIZE LABDIR...
# What make printed for a lab goes to OUT/build/LABDIR.log and its exit status to
# OUT/build/LABDIR.status, where the grader reads them. After a failed build, every
# program of the lab that is not up to date is removed: the grader never runs a
# program that an earlier build left. Always exits 0: the grader reports failures.
set -u
out=$1
sanitize=$2
shift 2
make=${MAKE:-make}
what=${sanitize:+ (with the sanitizers)}

mkdir -p "$out/build"
for lab in "$@"; do
    log=$out/build/$lab.log
    rm -f "$out/build/$lab.status"
    # LC_ALL=C: the compiler's messages in English, so that the grader finds "error:".
    LC_ALL=C $make --no-print-directory -k OUT="$out" SANITIZE="$sanitize" "lab-$lab" >"$log" 2>&1
    status=$?
    if [ "$status" -ne 0 ]; then
        $make --no-print-directory OUT="$out" SANITIZE="$sanitize" "stale-$lab" >/dev/null 2>&1
        echo "  BUILD   $lab$what failed: its first errors are in its grade below ($log)"
    fi
    echo "$status" >"$out/build/$lab.status"
done
exit 0
