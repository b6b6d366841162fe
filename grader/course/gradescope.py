"""Gradescope's autograder. `make autograder` (this file with --build) writes the zip:
the kit with its hidden tests, and setup.sh and run_autograder at its root. On
Gradescope, run_autograder runs this file, which grades one submission:

- takes only the lab source files (labs/NN-topic/*.c, *.h) from the submission,
  whatever its shape (a clone, a labs/ folder, loose files), never its grader, tests
  or Makefile, and lays them over a copy of the kit;
- grades it, hidden tests included, and writes results/results.json in Gradescope's
  format: hidden tests shown once grades are published, each test tagged with its
  lab, output in Markdown (a failed test's with the sequence diagram of its
  programs' calls, a Mermaid block: gradelib.mermaid), each lab's total at the top;
- writes that file whatever happens: when the build fails, when the grader dies or
  does not finish, when this script itself fails.

KIT_AUTOGRADER_ROOT moves /autograder elsewhere (the kit's test uses it).
"""
import argparse
import json
import os
import shutil
import sys
import time
import traceback
import zipfile
from pathlib import Path

import kit
import runs
import submitted
import suspicious
import trees
from gradelib import mermaid

ROOT = Path(os.environ.get("KIT_AUTOGRADER_ROOT") or "/autograder")
# Gradescope stops an autograder at the assignment's limit (default 40 min); this
# one ends grading first, to write its results.
TIMEOUT = int(os.environ.get("KIT_AUTOGRADER_TIMEOUT") or 1800)
HIDDEN_VISIBILITY = "after_published"

SETUP_SH = """#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image: the
# packages `make setup` installs, from labs/common/setup.sh itself.
set -eu
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update
sh labs/common/setup.sh native
"""

RUN_AUTOGRADER = """#!/bin/sh
# Gradescope runs this for every submission. grader/course/gradescope.py writes
# results/results.json; should Python itself fail, this says so there.
root=${KIT_AUTOGRADER_ROOT:-/autograder}
cd "$root/source" || exit 1
python3 grader/course/gradescope.py && exit 0
if [ ! -s "$root/results/results.json" ]; then
    mkdir -p "$root/results"
    printf '%s\\n' '{"score": 0, "output": "The autograder failed before grading: its log says why.", "tests": []}' \\
        >"$root/results/results.json"
fi
exit 0
"""


# --- the zip -------------------------------------------------------------------------

def build(out, labs):
    """Writes the autograder zip OUT for LABS."""
    out = Path(out).resolve()
    if out.suffix != ".zip" or (out.exists() and not earlier_zip(out)):
        raise kit.Problem(f"AUTOGRADER: {out} must be a new .zip file, or an earlier "
                          f"autograder zip")
    stage = kit.KIT / "build" / "autograder-source"
    trees.write_tree(stage, labs, hidden=True, course=True,
                   extra={"setup.sh": SETUP_SH, "run_autograder": RUN_AUTOGRADER})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(stage.rglob("*")):
            if path.is_file():
                name = path.relative_to(stage).as_posix()
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                executable = name in ("setup.sh", "run_autograder") or path.suffix == ".sh"
                info.external_attr = (0o755 if executable else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    os.replace(tmp, out)
    return out


def earlier_zip(path):
    try:
        with zipfile.ZipFile(path) as zf:
            return "run_autograder" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


# --- one submission --------------------------------------------------------------------

def fenced(text):
    """TEXT as a Markdown code block that no backticks in it can end."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text.rstrip()}\n{fence}" if text.strip() else ""


def lab_of(test):
    # "Lab 01: ..." or, for a challenge, "Lab 01 challenge (bonus 2/2): ..."
    return test["name"].split(":", 1)[0].removeprefix("Lab ").split(" ", 1)[0].strip()


def test_output(test):
    """A test's output in Markdown: its message, and for a failed test the diagram of
    its programs' calls (a few KiB at most, gradelib.mermaid)."""
    output = fenced(test.get("output", ""))
    programs = test.get("extra_data", {}).get("calls")
    if programs and test["status"] != "passed":
        output += ("\n\n" if output else "") + mermaid.block(programs)
    return output


def convert(results, graded, notes, flagged=()):
    """The grader's RESULTS in Gradescope's format, with what went wrong on top, and
    FLAGGED (suspicious.lines) in a line only instructors see."""
    tests = []
    for number, test in enumerate(results.get("tests", []), 1):
        hidden = test.get("extra_data", {}).get("hidden", False)
        lab = lab_of(test)
        tests.append({"name": test["name"], "number": f"{lab}.{number}",
                      "score": test["score"], "max_score": test["max_score"],
                      "status": test["status"], "output": test_output(test),
                      "output_format": "md", "tags": [f"lab{lab}"],
                      "visibility": HIDDEN_VISIBILITY if hidden else "visible",
                      "extra_data": test.get("extra_data", {})})
    lines = ["| lab | score | hidden tests |", "| --- | --- | --- |"]
    for lab, total in runs.per_lab(results).items():
        lines.append(f"| {lab} | {total['score']}/{total['max_score']} | "
                     f"{total['hidden']} |")
    output = ["## Score by lab", "", *lines]
    for lab, errors in sorted(graded.build_errors().items()):
        output += ["", f"## Lab {lab[:2]} did not compile", "",
                   fenced("\n".join(errors[:40]))]
    if graded.status not in ("graded", "build failed"):
        output += ["", "## Grading did not finish", "", fenced(graded.why())]
    if notes:
        output += ["", "## About your upload", ""] + [f"- {n}" for n in notes]
    boundary = (results.get("boundary") or {}).get("description")
    if boundary:
        output += ["", f"Boundary: {boundary}"]
    tests.append({"name": "Suspicious code (instructors only)", "number": "0.0",
                  "score": 0, "max_score": 0, "status": "passed",
                  "output": fenced("\n".join(flagged)) or "Nothing found.",
                  "output_format": "md", "tags": ["kit"], "visibility": "hidden"})
    return {"score": results.get("score", 0), "execution_time": round(graded.seconds, 2),
            "output": "\n".join(output), "output_format": "md", "test_output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"status": graded.status, "max_score": results.get("max_score")}}


def grade_submission(root):
    source, submission = root / "source", root / "submission"
    work = root / "work"
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("build", "__pycache__"))
    if (source / "build" / "mingw" / "check").exists():
        shutil.copytree(source / "build" / "mingw" / "check", tree / "build" / "mingw" / "check")
    found, notes = submitted.collect(submission, submitted.lab_sources(tree))
    if not found:
        notes.append("no lab source file was found in the upload (labs/NN-topic/*.c "
                     "and *.h, in a clone, a labs/ folder, or loose): every lab is "
                     "graded as its starter")
    submitted.lay_over(found, tree)
    flagged = suspicious.lines(suspicious.scan(found))
    runs.close_tree(tree, work, kit.boundary.STUDENT_UID, hidden=[source / "grader" / "hidden"])
    graded = runs.grade_tree(tree, work / "logs", timeout=TIMEOUT)
    return convert(graded.result(), graded, notes, flagged)


def write_results(root, data):
    path = root / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("results.json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=True) + "\n", encoding="ascii")
    os.replace(tmp, path)


def run(root=ROOT):
    started = time.monotonic()
    try:
        data = grade_submission(root)
    except Exception:                               # whatever it was, say so there
        data = {"score": 0, "execution_time": round(time.monotonic() - started, 2),
                "output": "## The autograder failed\n\n" + fenced(traceback.format_exc()),
                "output_format": "md", "tests": []}
    write_results(root, data)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make autograder", description=__doc__.split("\n")[0])
    parser.add_argument("--build", action="store_true", help="write the zip")
    parser.add_argument("--labs", default="")
    parser.add_argument("--out", default=str(kit.KIT / "build" / "autograder.zip"))
    args = parser.parse_args(argv)
    if not args.build:
        return run()
    try:
        labs = kit.select_labs(args.labs)
        out = build(args.out, labs)
    except kit.Problem as problem:
        kit.fail(str(problem))
    print(f"autograder: wrote {out} (labs {', '.join(lab[:2] for lab in labs)}): upload it "
          f"as the assignment's autograder (docs/grading.md, \"Gradescope\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
