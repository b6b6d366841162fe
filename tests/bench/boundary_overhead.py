"""What the boundary costs a program run: the reference wsainfo (lab 01), started and
waited for by the grader's own Process, N times without the boundary and N times
behind it (each in a box of its own), in the same run.

    python3 tests/bench/boundary_overhead.py [--runs 200] [--target native|mingw]

Prints the median and the 90th percentile of a run's wall time each way, and their
difference: what the boundary adds to each program a grade starts (a lab starts 25 to
40). A benchmark, not a test: nothing here passes or fails on speed.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))


def timings(program, runs, work):
    from gradelib.proc import Process
    seconds = []
    for _ in range(runs):
        started = time.monotonic()
        result = Process(program, [], cwd=work, timeout=30).wait()
        seconds.append(time.monotonic() - started)
        if result.returncode != 0:
            raise SystemExit(f"wsainfo failed: {result.ended()}\n{result.errors}")
    return seconds


def shown(seconds):
    ordered = sorted(seconds)
    return (f"median {statistics.median(ordered) * 1000:6.1f} ms, "
            f"90th percentile {ordered[int(len(ordered) * 0.9)] * 1000:6.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--target", default="native", choices=["native", "mingw"])
    args = parser.parse_args()
    os.environ["KIT_TARGET"] = args.target
    from gradelib import platform
    program = platform.program_path(ROOT / "build" / args.target / "solutions", "wsainfo")
    if not program.exists():
        raise SystemExit(f"{program} is missing: make SRC=solutions "
                         f"OUT=build/{args.target}/solutions TARGET={args.target}")
    platform.prepare()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, asked in (("without the boundary", ""), ("behind the boundary", "1")):
            os.environ["KIT_SANDBOX"] = asked
            platform.boundary._chosen.clear()
            work = Path(scratch) / name.replace(" ", "-")
            work.mkdir()
            results[name] = timings(program, args.runs, work)
            print(f"{name:22} {shown(results[name])}  "
                  f"({platform.boundary.current().kind})", flush=True)
    extra = statistics.median(results["behind the boundary"]) - \
        statistics.median(results["without the boundary"])
    print(f"the boundary adds {extra * 1000:.1f} ms to a program run (median)")


if __name__ == "__main__":
    main()
