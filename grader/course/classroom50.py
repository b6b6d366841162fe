"""Classroom 50's autograder. `make classroom50` (this file with --build) writes what
an assignment needs under build/classroom50/: autograder.py, the kit beside it (kit/,
hidden tests included), and the runtime settings for ubuntu-latest and for
windows-latest with MSYS2. Copied to CLASSROOM/autograders/ASSIGNMENT/ of the
classroom50 repository, the runner calls autograder.py in the student's checkout:

- only the lab source files of the checkout are taken, laid over the kit's copy (the
  checkout's own grader, tests and Makefile are not used), and graded;
- ./result.json is written in the classroom50/result/v1 shape: identity from the
  runner's environment, `datetime` the graded commit's committer date (a regrade
  does not move it), each test with its points, hidden tests by number only.

Exit 0 when grading ran to its end (a failed build is a score, not an error); 1 when
it could not, with a result.json that says why.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import kit
import runs
import submitted
import trees

SCHEMA = "classroom50/result/v1"
# The runner stops the grade job at 15 minutes, setup and publishing included.
TIMEOUT = int(os.environ.get("KIT_AUTOGRADER_TIMEOUT") or 660)
RUNTIMES = {
    "runtime-ubuntu.json": {"runs-on": "ubuntu-latest"},
    # windows-latest comes with MSYS2 in C:\msys64: autograder.py installs the kit's
    # packages there (labs/common/setup.sh, pacman) and grades in its UCRT64 shell.
    "runtime-windows.json": {"runs-on": "windows-latest"},
}
LAUNCHER = '''"""Classroom 50's autograder for the socket labs, made by `make classroom50`: grades
the student's checkout (the working directory) with the kit beside this file, and
writes ./result.json."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "kit" / "grader" / "course"))

import classroom50  # noqa: E402

sys.exit(classroom50.run(HERE / "kit", Path.cwd()))
'''
IDENTITY = {"classroom": "CLASSROOM", "assignment": "ASSIGNMENT",
            "assignment_type": "ASSIGNMENT_TYPE", "submission": "SUBMISSION_TAG",
            "commit": "COMMIT_URL", "release": "RELEASE_URL"}


def build(out, labs):
    out = Path(out).resolve()
    if out.exists() and not (out / "kit" / trees.HIDDEN_COUNTS).exists() and any(out.iterdir()):
        raise kit.Problem(f"{out} is not empty and is no earlier classroom50 folder")
    shutil.rmtree(out, ignore_errors=True)
    trees.write_tree(out / "kit", labs, hidden=True, course=True)
    (out / "autograder.py").write_text(LAUNCHER, encoding="utf-8", newline="\n")
    for name, runtime in RUNTIMES.items():
        (out / name).write_text(json.dumps(runtime, indent=2) + "\n", encoding="utf-8")
    return out


def utc(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def committed(checkout):
    """The committer date of the checkout's HEAD (UTC ISO 8601), or None."""
    try:
        proc = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%ct", "HEAD"],
                              capture_output=True, text=True, timeout=30)
        seconds = int(proc.stdout.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return utc(datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc))


def c50_tests(results):
    """The grader's tests as Classroom 50 tests; a hidden one by its lab and number."""
    tests, hidden = [], {}
    for test in results.get("tests", []):
        lab = test["name"].split(":", 1)[0].removeprefix("Lab ").strip()
        entry = {"test-name": test["name"], "passed": test["status"] == "passed",
                 "score": int(test["score"]), "max-score": int(test["max_score"]),
                 "lab": lab}
        if test.get("extra_data", {}).get("hidden"):
            hidden[lab] = hidden.get(lab, 0) + 1
            entry.update({"test-name": f"Lab {lab}: hidden test {hidden[lab]}", "hidden": True})
        elif test["status"] != "passed" and test.get("output"):
            entry["output"] = test["output"][:2000]
        tests.append(entry)
    return tests


def release_body(result, graded):
    lines = [f"**Score: {result['score']}/{result['max-score']}**", "",
             "| lab | score |", "| --- | --- |"]
    for lab, total in runs.per_lab(graded.result()).items():
        lines.append(f"| {lab} | {total['score']}/{total['max_score']} |")
    for lab, errors in sorted(graded.build_errors().items()):
        lines += ["", f"Lab {lab[:2]} did not compile:", "", "```", *errors[:20], "```"]
    if graded.status not in ("graded", "build failed"):
        lines += ["", "Grading did not finish: " + graded.why().splitlines()[0]]
    return "\n".join(lines) + "\n"


def grade_checkout(kit_tree, checkout):
    work = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "kit-classroom50"
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    shutil.copytree(kit_tree, tree, ignore=shutil.ignore_patterns("build", "__pycache__"))
    found, _ = submitted.collect(checkout, submitted.lab_sources(tree))
    submitted.lay_over(found, tree)
    runs.close_tree(tree, work, kit.boundary.STUDENT_UID, hidden=[kit_tree / "grader" / "hidden"])
    msys2 = kit.platform.msys2_root()
    setup = os.environ.get("KIT_SKIP_SETUP") != "1"
    # A runner that may use sudo grades as root, so that student code runs as the
    # boundary's own user (docs/grading.md, "The boundary").
    return runs.grade_tree(tree, work / "logs", timeout=TIMEOUT, setup=setup, msys2=msys2,
                          sudo=msys2 is None and runs.sudo_works())


def run(kit_tree, checkout):
    started = time.monotonic()
    graded = grade_checkout(Path(kit_tree), Path(checkout))
    results = graded.result()
    tests = c50_tests(results)
    result = {"schema": SCHEMA}
    for field, variable in IDENTITY.items():
        if os.environ.get(variable):
            result[field] = os.environ[variable]
    owner = os.environ.get("OWNER") or os.environ.get("USERNAME")
    if owner:
        result["owner"] = owner
    commit = os.environ.get("COMMIT_URL", "")
    result["review"] = os.environ.get("REVIEW_URL") or commit
    now = utc(datetime.datetime.now(datetime.timezone.utc))
    result["datetime"] = committed(checkout) or now
    result["graded_at"] = now
    result["score"] = sum(t["score"] for t in tests)
    result["max-score"] = sum(t["max-score"] for t in tests)
    result["tests"] = tests
    (Path(checkout) / "result.json").write_text(json.dumps(result, indent=2) + "\n",
                                                encoding="utf-8")
    (Path(checkout) / "release-body.md").write_text(release_body(result, graded),
                                                    encoding="utf-8")
    print(f"classroom50: {result['score']}/{result['max-score']} ({graded.status}, "
          f"{time.monotonic() - started:.0f} s)")
    if graded.status not in ("graded", "build failed"):
        print(f"::error::{graded.why().splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make classroom50", description=__doc__.split("\n")[0])
    parser.add_argument("--build", action="store_true", help="write the assignment's folder")
    parser.add_argument("--labs", default="")
    parser.add_argument("--out", default=str(kit.KIT / "build" / "classroom50"))
    args = parser.parse_args(argv)
    if not args.build:
        return run(kit.KIT, Path.cwd())
    try:
        labs = kit.select_labs(args.labs)
        out = build(args.out, labs)
    except kit.Problem as problem:
        kit.fail(str(problem))
    print(f"classroom50: wrote {out} (labs {', '.join(lab[:2] for lab in labs)}): copy it "
          f"to CLASSROOM/autograders/ASSIGNMENT/ (docs/grading.md, \"Classroom 50\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
