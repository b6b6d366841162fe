"""Batch grading (make grade-batch, grader/course/batch.py): every submission of a
folder in a tree of its own, JOBS at a time, each a row of the CSVs, resumed, sharded
and stopped as an instructor would."""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import ROOT, leftovers, marked
from instructors import (COURSE, LAB, ONLY_HERE, STARTER_SHARE, env, own_grader, patched,
                        tool)

pytestmark = ONLY_HERE


def six_submissions(folder):
    """full (a clone), starter (a zip of labs/), not compiling (a .tar.gz of loose
    files), hanging (a lab folder), crashing (a .tar of a clone), own grader."""
    folder.mkdir()
    shutil.copytree(ROOT / "solutions" / LAB, folder / "full" / "labs" / LAB)
    with zipfile.ZipFile(folder / "starter.zip", "w") as zf:
        for path in (ROOT / "labs" / LAB).iterdir():
            zf.write(path, f"labs/{LAB}/{path.name}")
    with tarfile.open(folder / "broken.tar.gz", "w:gz") as tf:
        for path in (ROOT / "solutions" / LAB).iterdir():
            tf.add(path, path.name)
        bad = folder.parent / "wsabasics.c"
        bad.write_text((ROOT / "solutions" / LAB / "wsabasics.c").read_text() + "\nint broken(\n")
        tf.add(bad, "wsabasics.c")
    hanging = patched(ROOT / "tests" / "kit" / "hostile" / "busy-loop.patch",
                      folder / "hanging")
    # With wsainfo alone spinning, the grader's bounds end lab 01's grade in about 56 s
    # on a quiet machine, under the batch's --timeout: resolve spins too, so that the
    # grade outlasts it on any machine.
    resolve = hanging / "resolve.c"
    spin = "    int rc;\n\n    for (volatile int spin = 1; spin;)\n        ;\n"
    resolve.write_text(resolve.read_text().replace("    int rc;\n\n", spin, 1))
    crashing = patched(ROOT / "tests" / "kit" / "hostile" / "segfault.patch",
                       folder.parent / "crash")
    with tarfile.open(folder / "crashing.tar", "w") as tf:
        tf.add(crashing, f"repo/labs/{LAB}")
    own_grader(folder / "owngrader")


# Two of the kit's mutants of lab 01, failing the same line (test_unit_versions).
MUTANTS = {"compares": "compares-words", "strtoul": "minor-by-strtoul"}


def class_view_agrees(out, rows):
    """report.html of a batch: lab 01's histogram counts the scores grades.csv holds, its
    failed lines count the students whose results failed them, and each student's row
    shows their grades.csv score and links to their own report page."""
    sys.path.insert(0, str(COURSE))
    import classview
    top = int(rows["full"]["max"])
    scores = {s: int(r["lab01"] or 0) for s, r in rows.items()}
    text = (out / "report.html").read_text(encoding="utf-8")
    root = ET.fromstring(text.split("\n", 1)[1])
    svg = "{http://www.w3.org/2000/svg}"
    (histogram,) = [h for h in root.iter(f"{svg}svg") if h.get("data-lab") == "01"]
    bars = [(int(g.get("data-low")), int(g.get("data-high")), int(g.get("data-count")))
            for g in histogram.iter(f"{svg}g") if g.get("class") == "bar"]
    assert bars[0][0] == 0 and bars[-1][1] == top, bars
    assert [c for _, _, c in bars] == \
        [sum(1 for s in scores.values() if low <= s <= high) for low, high, _ in bars], bars
    failed = {}
    for student in rows:
        results = out / "students" / student / "results.json"
        for test in json.loads(results.read_text())["tests"] if results.exists() else []:
            if test["status"] != "passed" and not test["extra_data"].get("challenge"):
                failed.setdefault(test["name"].split(": ", 1)[1], set()).add(student)
    # The lines failed most, first (ties by title), TOP_LINES of them.
    table = next(t for t in root.iter("table") if t.get("class") == "failed")
    shown = [(tr[0].text, tr[1].text) for tr in list(table)[1:]]
    most = sorted(failed.items(), key=lambda item: (-len(item[1]), item[0]))
    assert shown == [(title, f"{len(who)} of {len(rows)}")
                     for title, who in most[:classview.TOP_LINES]], shown
    students = {tr.get("data-student"): tr for tr in root.iter("tr") if tr.get("data-student")}
    assert sorted(students) == sorted(rows)
    for student, tr in students.items():
        assert tr[1].text == f"{rows[student]['lab01']}/{top}", student
        link, page = tr.find(".//a"), f"students/{student}/grade/report.html"
        if (out / page).is_file():
            assert link is not None and link.get("href") == page, student


def test_grade_batch_writes_one_row_each(tmp_path):
    """Eight submissions of lab 01 (six_submissions and two of the kit's mutants): a row
    each in grades.csv and canvas.csv, a record each, resumed and regraded, merged, and
    the class view of them (class_view_agrees)."""
    subs, out = tmp_path / "submissions", tmp_path / "batch"
    six_submissions(subs)
    for name, mutant in MUTANTS.items():
        patched(ROOT / "tests" / "mutants" / "lab01" / f"{mutant}.patch", subs / name)
    run_id = f"batch-{os.getpid()}"
    # 60 s each: room for a build and a grade on a loaded 2-core machine (measured: 24 s
    # for a build that fails, 33 s for a starter, and a full lab 01 past 45 s, three at
    # a time beside other tests); the hanging submission still runs out of it.
    args = ["grade", "--submissions", subs, "--out", out, "--labs", "01", "--jobs", "3",
            "--timeout", "60"]
    proc = tool("batch.py", *args, KIT_RUN_ID=run_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^\[8/8 done, 2 failed, ~0 s left\]", proc.stdout, re.M), proc.stdout
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert sorted(rows) == sorted(["broken", "crashing", "full", "hanging", "owngrader",
                                   "starter", *MUTANTS])
    full = int(rows["full"]["max"])
    assert all(int(r["max"]) == full > 0 for r in rows.values())
    assert rows["full"]["lab01"] == rows["full"]["total"] == str(full)
    assert rows["full"]["status"] == "graded"
    for low in ("starter", "owngrader"):
        assert rows[low]["status"] == "graded" and int(rows[low]["total"]) <= STARTER_SHARE * full
    for mutant in MUTANTS:
        assert rows[mutant]["status"] == "graded" and int(rows[mutant]["total"]) < full
    assert rows["broken"]["status"] == "build failed" and rows["broken"]["total"] == "0"
    assert rows["hanging"]["status"] == "timed out" and int(rows["hanging"]["total"]) < full
    assert rows["crashing"]["status"] == "graded" and 0 < int(rows["crashing"]["total"]) < full
    for student in rows:
        record = json.loads((out / "students" / student / "record.json").read_text())
        assert str(record["seed"]) == rows[student]["seed"]
        assert (out / "students" / student / "results.json").exists()
    crash = list((out / "students" / "crashing" / "grade" / "transcripts").glob("*.txt"))
    # A SIGSEGV, or the sanitizers' report of the store that would have been one.
    assert crash and any(re.search(r"SIGSEGV|memory error: \w+Sanitizer", p.read_text())
                         for p in crash)
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 01"]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == str(full)
    assert {row[3]: row[-1] for row in canvas[2:]} == {s: r["total"] for s, r in rows.items()}
    assert leftovers(run_id) == []
    assert f"the class view: {out / 'report.html'}" in proc.stdout, proc.stdout
    class_view_agrees(out, rows)

    again = tool("batch.py", *args)
    assert again.returncode == 0 and "8 already graded and unchanged" in again.stdout
    assert {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))} == rows

    only = tmp_path / "regrade"
    only.mkdir()
    shutil.copytree(subs / "full", only / "full")
    regrade = tool("batch.py", "grade", "--submissions", only, "--out", out, "--labs", "01",
                   "--regrade")
    assert regrade.returncode == 0, regrade.stdout + regrade.stderr
    record = json.loads((out / "students" / "full" / "record.json").read_text())
    assert str(record["seed"]) == rows["full"]["seed"] and record["score"] == full

    merged = tmp_path / "merged"
    assert tool("batch.py", "merge", "--out", merged, out).returncode == 0
    assert len(list(csv.DictReader(open(merged / "grades.csv")))) == 8


def test_the_class_view_of_records(tmp_path):
    """The class view of records written by hand: bins that cover every score once,
    the lines failed most first with their commonest hint, a student without a report
    shown as such, and a name or hint full of markup shown as text."""
    sys.path.insert(0, str(COURSE))
    import classview
    import exports
    assert classview.bins(5) == [(n, n) for n in range(6)]
    assert classview.bins(34)[0] == (0, 2) and classview.bins(34)[-1] == (33, 34)
    for top in (0, 1, 11, 12, 13, 34, 100):
        covered = [s for low, high in classview.bins(top) for s in range(low, high + 1)]
        assert covered == list(range(top + 1)), top
    out = tmp_path / "out"
    hints = {"alice": {}, "bob": {"a": "loop"}, "<i>eve&amp;": {"a": "loop", "b": "<b>x</b>"},
             "dan": {"a": "other", "b": "<b>x</b>"}}
    for student, failed in hints.items():
        here = out / "students" / student
        (here / "grade").mkdir(parents=True)
        tests = [{"name": f"Lab 01: line {k}", "max_score": 2, "extra_data": {"test": k},
                  "status": "failed" if k in failed else "passed",
                  "score": 0 if k in failed else 2,
                  "output": f"it failed\nhint:     {failed.get(k)}"} for k in "abc"]
        score = sum(t["score"] for t in tests)
        (here / "results.json").write_text(json.dumps({"tests": tests}))
        (here / "record.json").write_text(json.dumps(
            {"student": student, "labs": {"01": {"score": score, "max_score": 6}},
             "score": score, "max_score": 6, "status": "graded", "seed": 1}))
        if student != "dan":
            (here / "grade" / "report.html").write_text("page")
    rows = exports.records([out])
    text = (classview.write(out, rows, [out])).read_text(encoding="utf-8")
    assert "<i>" not in text and "<b>" not in text and "&lt;i&gt;eve&amp;amp;" in text
    root = ET.fromstring(text.split("\n", 1)[1])
    table = next(t for t in root.iter("table") if t.get("class") == "failed")
    lines = [(tr[0].text, tr[1].text, tr[2].findtext("pre")) for tr in list(table)[1:]]
    assert lines == [("line a", "3 of 4", "loop"), ("line b", "2 of 4", "<b>x</b>")], lines
    links = {tr.get("data-student"): tr.find(".//a") for tr in root.iter("tr")
             if tr.get("data-student")}
    assert links["dan"] is None and links["bob"].get("href") == "students/bob/grade/report.html"
    assert links["<i>eve&amp;"].get("href") == "students/%3Ci%3Eeve%26amp%3B/grade/report.html"


@pytest.mark.parametrize("make_bad, says", [
    (lambda d: None, "is not a folder"),
    (lambda d: d.mkdir(), "holds no folder or archive"),
    (lambda d: (d.mkdir(), (d / "a.zip").write_text("x"), (d / "a").mkdir()),
     "two submissions of 'a'"),
])
def test_grade_batch_refuses_bad_input(tmp_path, make_bad, says):
    subs = tmp_path / "subs"
    make_bad(subs)
    proc = tool("batch.py", "grade", "--submissions", subs, "--out", tmp_path / "out")
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr


def test_grade_batch_grades_a_bad_archive_as_its_own_row(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "mallory.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    with zipfile.ZipFile(subs / "eve.zip", "w") as zf:
        zf.writestr("../../escaped.c", "int x;\n")
        zf.writestr("/etc/absolute.c", "int y;\n")
    proc = tool("batch.py", "grade", "--submissions", subs, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    rows = {r["student"]: r for r in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    assert rows["mallory"]["status"] == "bad submission"
    assert rows["eve"]["status"] == "no lab files"
    assert not (tmp_path / "escaped.c").exists() and not (tmp_path / "out" / "escaped.c").exists()


def test_batch_workflow_runs_grade_batch_in_a_matrix_and_merges():
    text = (ROOT / ".github" / "workflows" / "grade-batch.yml").read_text()
    assert re.search(r"^on:\n  workflow_dispatch:", text, re.M), "it must run by hand only"
    assert "shard: ${{ fromJSON(needs.plan.outputs.shards) }}" in text
    assert re.search(r'run: make grade-batch SUBMISSIONS="\$SUBMISSIONS" .*SHARD="\$SHARD"', text)
    assert "SHARD: ${{ matrix.shard }}/${{ inputs.shards }}" in text
    assert "name: batch-shard-${{ matrix.shard }}" in text and "pattern: batch-shard-*" in text
    assert "python3 grader/course/batch.py merge --out build/grades shards/*" in text


def test_shards_split_the_submissions(tmp_path):
    subs = tmp_path / "subs"
    for name in "abcde":
        (subs / name).mkdir(parents=True)
    seen = []
    for i in (1, 2):
        proc = tool("batch.py", "grade", "--submissions", subs, "--out", tmp_path / str(i),
                    "--shard", f"{i}/2")
        assert proc.returncode == 0, proc.stderr
        seen.append([r["student"] for r in csv.DictReader(open(tmp_path / str(i) / "grades.csv"))])
    assert seen == [["a", "c", "e"], ["b", "d"]]
    merged = tool("batch.py", "merge", "--out", tmp_path / "all", tmp_path / "1", tmp_path / "2")
    assert merged.returncode == 0, merged.stderr
    rows = list(csv.DictReader(open(tmp_path / "all" / "grades.csv")))
    assert [r["student"] for r in rows] == list("abcde")
    assert all(r["status"] == "no lab files" for r in rows)
    view = (tmp_path / "all" / "report.html").read_text(encoding="utf-8")
    assert [f'data-student="{name}"' in view for name in "abcde"] == [True] * 5


def test_grade_batch_stopped_ends_every_run_and_records_none(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    patched(ROOT / "tests" / "kit" / "hostile" / "busy-loop.patch", subs / "spins")
    run_id = f"stop-{os.getpid()}"
    proc = subprocess.Popen([sys.executable, str(COURSE / "batch.py"), "grade",
                             "--submissions", str(subs), "--out", str(out), "--labs", "01", "--timeout", "300"],
                            env=env(KIT_RUN_ID=run_id), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marked(run_id, programs_only=True):
            assert time.monotonic() < deadline and proc.poll() is None, "no program started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=45)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "run it again to grade the rest" in output, output
    assert leftovers(run_id) == []
    assert not (out / "students" / "spins" / "record.json").exists()
