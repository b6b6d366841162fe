"""make grade-batch SUBMISSIONS=DIR: grades every submission in DIR (a folder, a
.zip or a .tar[.gz|.bz2|.xz] per student, named after the student), each in a scratch
tree of its own with its own build and results, JOBS at a time, so that one that
hangs, crashes or does not compile costs only its own row.

Under BATCH_OUT (build/batch): grades.csv (student, each lab's score, total, maximum,
status, seed), canvas.csv (Canvas's gradebook import shape), report.html (the class
view: each lab's scores drawn, the lines the class failed most, a row per student
linking to their report page; classview.py), and students/NAME/ with
record.json, results.json, the build and grading logs, and grade/ (the grader's
own reports, transcripts/ among them). A run resumes where the last
one stopped: a submission graded before, and unchanged since, is not graded again
(--regrade grades it again). Each submission's seed is recorded on its first grading
and given to the grader (KIT_SEED) on every regrade, so a regrade gives the same
verdict. SHARD=I/N grades every Nth submission only (a matrix job's share); `batch.py
merge --out DIR SHARD_DIRS...` writes the CSVs of several shards' students together.
"""
import argparse
import concurrent.futures
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import classview
import exports
import kit
import runs
import submitted
import suspicious
import trees

STATUSES_DONE = ("graded", "build failed", "timed out", "grader failed", "bad submission",
                 "no lab files")
# Ctrl-C or SIGTERM: every grading run is ended (runs.stop_all), and nothing of theirs
# recorded.
EXIT_STOPPED = 130


# --- one student -----------------------------------------------------------------------

class Batch:
    def __init__(self, out, labs, target, timeout, regrade, jobs=1):
        self.out = Path(out).resolve()
        self.labs = labs
        self.target = target
        self.timeout = timeout
        self.regrade = regrade
        # Each job grades as a user of its own (runs.Slots): behind the boundary's
        # fallback, a test's end ends every process of its user.
        self.slots = runs.Slots(jobs)

    def folder(self, student):
        return self.out / "students" / student

    def previous(self, student):
        try:
            return json.loads((self.folder(student) / "record.json").read_text())
        except (OSError, ValueError):
            return None

    def needs_grading(self, student, path):
        old = self.previous(student)
        return self.regrade or old is None or old.get("digest") != submitted.digest(path) \
            or old.get("status") not in STATUSES_DONE

    def grade(self, student, path):
        """Grades one submission; returns its record (also in record.json)."""
        here = self.folder(student)
        old = self.previous(student) or {}
        seed = old.get("seed") or secrets.randbelow(2 ** 31 - 1) + 1
        record = {"student": student, "submission": path.name, "digest": submitted.digest(path),
                  "seed": seed, "labs": {}, "score": 0, "max_score": 0, "notes": []}
        started = time.monotonic()
        for name in ("tree", "submission", "grade", "results.json"):
            target = here / name
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        here.mkdir(parents=True, exist_ok=True)
        try:
            source = path
            if path.is_file():
                source = here / "submission"
                submitted.unpack(path, source)
            tree = trees.write_tree(here / "tree", self.labs, hidden=True)
            self.share_check(tree)
            found, notes = submitted.collect(source, submitted.lab_sources(tree, self.labs))
            record["notes"] += notes
            if not found:
                record["status"] = "no lab files"
                record["notes"].append("no lab source file (labs/NN-topic/*.c, *.h) in it")
            else:
                submitted.lay_over(found, tree)
                record["suspicious"] = suspicious.lines(suspicious.scan(found))
                with self.slots.taken() as uid:
                    # this submission as it came closed too: student code runs
                    # beside it
                    runs.close_tree(tree, here, uid, hidden=[
                        here / "submission", *kit.boundary.reference_products(kit.KIT)])
                    record.update(self.run(tree, here, seed, uid))
        except kit.Problem as problem:
            record["status"] = "bad submission"
            record["notes"].append(str(problem))
        finally:
            shutil.rmtree(here / "tree", ignore_errors=True)
            shutil.rmtree(here / "submission", ignore_errors=True)
        if runs.STOP.is_set():
            return None                 # cut short: graded again when the batch resumes
        record["seconds"] = round(time.monotonic() - started, 1)
        runs.write_private(here / "record.json", json.dumps(record, indent=2) + "\n")
        return record

    def run(self, tree, here, seed, uid):
        # One test at a time: the batch grades several submissions at once already.
        graded = runs.grade_tree(tree, here, target=self.target, seed=seed,
                                timeout=self.timeout, jobs=1,
                                extra_env={kit.boundary.UID_VAR: str(uid),
                                           kit.boundary.HELD_VAR: str(uid)})
        results = graded.result()
        runs.write_private(here / "results.json", json.dumps(results, indent=2) + "\n")
        labs = {lab[:2]: {"score": 0, "max_score": 0} for lab in self.labs}
        labs.update({lab: {"score": t["score"], "max_score": t["max_score"]}
                     for lab, t in runs.per_lab(results).items() if lab in labs})
        notes = [f"lab {lab[:2]} did not compile" for lab in graded.build_errors()]
        if graded.status not in ("graded", "build failed"):
            notes.append(graded.why().splitlines()[0])
        return {"status": graded.status, "labs": labs, "notes": notes,
                "score": sum(t["score"] for t in labs.values()),
                "max_score": sum(t["max_score"] for t in labs.values()),
                "boundary": (graded.results or {}).get("boundary")}

    def share_check(self, tree):
        """Under mingw, every tree links the kit's one build of Check and grades in its
        one Wine prefix (made once, under its lock), as parallel kit tests do."""
        if self.target == "mingw":
            (tree / "build" / "mingw").mkdir(parents=True, exist_ok=True)
            for name in ("check", "wine", "wine.lock"):
                os.symlink(kit.KIT / "build" / "mingw" / name, tree / "build" / "mingw" / name)


def prepare_check(target):
    """The MinGW build of Check, made once before the trees link it."""
    if target != "mingw":
        return
    lib = "build/mingw/check/lib/libcheck.a"
    if not (kit.KIT / lib).exists():
        subprocess.run(["make", "--no-print-directory", "TARGET=mingw", lib], cwd=kit.KIT,
                       check=True)
    (kit.KIT / "build" / "mingw" / "wine").mkdir(parents=True, exist_ok=True)


# --- the run -----------------------------------------------------------------------------

def shard_of(spec, items):
    if not spec:
        return items
    m = re.fullmatch(r"(\d+)/(\d+)", spec)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise kit.Problem(f"SHARD: '{spec}' is not I/N with 1 <= I <= N (e.g. 2/4)")
    i, n = int(m.group(1)), int(m.group(2))
    return [item for k, item in enumerate(items) if k % n == i - 1]


class Progress:
    def __init__(self, total, jobs, skipped):
        self.total, self.jobs, self.done, self.failed = total, jobs, 0, 0
        self.started = time.monotonic()
        self.lock = threading.Lock()
        if skipped:
            print(f"grade-batch: {skipped} already graded and unchanged (--regrade "
                  f"grades them again)", flush=True)
        print(f"grade-batch: {total} to grade, {jobs} at a time", flush=True)

    def report(self, record):
        with self.lock:
            self.done += 1
            self.failed += record["status"] != "graded"
            spent = time.monotonic() - self.started
            left = spent / self.done * (self.total - self.done)
            print(f"[{self.done}/{self.total} done, {self.failed} failed, "
                  f"~{left:.0f} s left] {record['student']}: {record['score']}/"
                  f"{record['max_score']} {record['status']} ({record['seconds']} s)",
                  flush=True)


def grade_all(args):
    labs = kit.select_labs(args.labs)
    items = shard_of(args.shard, submitted.submissions(args.submissions))
    jobs = int(args.jobs) if str(args.jobs).strip() else (os.cpu_count() or 1)
    batch = Batch(args.out, labs, args.target, args.timeout, args.regrade, max(jobs, 1))
    todo = [(s, p) for s, p in items if batch.needs_grading(s, p)]
    progress = Progress(len(todo), max(jobs, 1), len(items) - len(todo))
    prepare_check(args.target)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(jobs, 1))
    try:
        for future in concurrent.futures.as_completed(
                [pool.submit(batch.grade, s, p) for s, p in todo]):
            progress.report(future.result())
    except KeyboardInterrupt:
        runs.STOP.set()
        pool.shutdown(wait=False, cancel_futures=True)
        runs.stop_all()
        pool.shutdown(wait=True)
        print(f"grade-batch: stopped after {progress.done} of {progress.total}; run it "
              f"again to grade the rest", file=sys.stderr)
        return EXIT_STOPPED
    pool.shutdown()
    rows = [r for r in exports.records([batch.out]) if r["student"] in dict(items)]
    exports.write_csvs(batch.out, rows, args.roster)
    print(f"grade-batch: {len(rows)} rows in {batch.out / 'grades.csv'} and "
          f"{batch.out / 'canvas.csv'} ({time.monotonic() - progress.started:.0f} s)")
    print(f"grade-batch: {class_view(batch.out, rows, [batch.out])}")
    return 0


def class_view(out, rows, folders):
    """Writes the class view (classview.py); the line that names it, or says why it was
    not written (the CSVs are the batch's grades, written already)."""
    try:
        path = classview.write(out, rows, folders)
    except Exception as error:      # noqa: BLE001 - the grades stand without it
        return f"the class view was not written ({type(error).__name__}: {error})"
    return f"the class view: {path} (open it in a browser)"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="batch.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade the submissions of a folder")
    g.add_argument("--submissions", default="")
    g.add_argument("--out", default=str(kit.KIT / "build" / "batch"))
    g.add_argument("--jobs", default="")
    g.add_argument("--target", default="native", choices=["native", "mingw"])
    g.add_argument("--labs", default="")
    g.add_argument("--shard", default="")
    g.add_argument("--timeout", type=int, default=1200, help="seconds per submission")
    g.add_argument("--regrade", action="store_true")
    g.add_argument("--roster", help="a Canvas gradebook export, to fill canvas.csv's IDs")
    m = sub.add_parser("merge", help="the CSVs of several shards' output folders")
    m.add_argument("--out", required=True)
    m.add_argument("--roster")
    m.add_argument("folders", nargs="+")
    args = parser.parse_args(argv)
    # Ctrl-C and SIGTERM stop a batch, however it was started: a shell that runs it in
    # the background of a script leaves it ignoring SIGINT, which Python then keeps.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command == "grade":
            if not str(args.jobs).strip().isdigit() and str(args.jobs).strip():
                raise kit.Problem(f"JOBS: '{args.jobs}' is not a number")
            return grade_all(args)
        rows = exports.records(args.folders)
        if not rows:
            raise kit.Problem("merge: no students/*/record.json in " + " ".join(args.folders))
        exports.write_csvs(args.out, rows, args.roster)
        print(f"grade-batch: merged {len(rows)} rows into {Path(args.out) / 'grades.csv'}")
        print(f"grade-batch: {class_view(args.out, rows, args.folders)}")
        return 0
    except kit.Problem as problem:
        kit.fail(str(problem))


if __name__ == "__main__":
    sys.exit(main())
