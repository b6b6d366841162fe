"""A grade no submission can forge: dishonest submissions (tests/kit/hostile/boundary/)
graded in every flow whose grade an instructor records, behind the boundary
(grader/gradelib/platform/boundary.py, docs/grading.md "The boundary").

`everything` is lab 01's reference with a constructor that ends the unit-test program
with exit 0 and, in resolve, steals the hidden tests, tries the network beyond
loopback and starts a daemon that rewrites every results file it finds and breaks
other submissions; `compiler-reads-hidden` has the compiler read the hidden tests into
resolve; `starter-exits-early` is the starter with that constructor alone. In each
flow: the hidden tests' text appears nowhere the student can see or keep, every
recorded score is the true one, other submissions and their records are untouched,
nothing reaches beyond loopback, and nothing survives the grade. The same with
namespaces refused (a bwrap that fails, first on PATH): the grade says so, and what a
separate user protects still holds.

Native Linux only, as the instructor's tools are tested (tests/kit/instructors.py)."""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, TARGET

pytestmark = pytest.mark.skipif(TARGET != "native" or not sys.platform.startswith("linux"),
                                reason="the boundary's flows are tested natively on Linux")

sys.path.insert(0, str(ROOT / "grader"))
from gradelib.platform import boundary  # noqa: E402

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0 if hasattr(os, "geteuid") else True,
                               reason="the fallback runs student code as another user, "
                                      "which only a grader that is root can")


@pytest.fixture(autouse=True)
def namespaces_here(request):
    """The flows behind bubblewrap's boundary need a system that lets it make
    namespaces; the fallback's tests make them refused themselves."""
    if "refused" not in request.node.name and boundary.asked().kind != "namespaces":
        pytest.skip(f"no boundary here: {boundary.asked().describe()}")

COURSE = ROOT / "grader" / "course"
LAB = "01-wsastartup"
ATTACKS = ROOT / "tests" / "kit" / "hostile" / "boundary"
MARK = "kit-hostile-7f3a"
HIDDEN = ROOT / "grader" / "hidden" / "test_lab01_hidden.py"
CLEAN = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "KIT_OUT", "KIT_SRC", "KIT_LAB",
         "KIT_GRADE_DIR", "KIT_TARGET", "KIT_GRADE_JOBS", "KIT_SANDBOX", "KIT_WINEPREFIX",
         "KIT_SANDBOX_CHOSEN",
         "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")


def env(**extra):
    return {**{k: v for k, v in os.environ.items() if k not in CLEAN}, **extra}


@pytest.fixture
def outside_tmp():
    """A folder for a grade behind the fallback, where the student's user may pass:
    outside pytest's own temporary root, which every pytest run here (the grading
    runs of other kit tests too) makes its user's alone again as it starts."""
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="kit-fallback-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def refusing_namespaces(tmp_path):
    """PATH with a bwrap first that fails as bwrap does where namespaces are refused;
    TMP_PATH made passable for the student's user, as the fallback needs of the
    folders above a grade (pytest makes them the grader's alone)."""
    for folder in [tmp_path, *tmp_path.parents]:
        if folder == Path("/tmp") or folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o011)
    folder = tmp_path / "no-namespaces"
    folder.mkdir()
    fake = folder / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not "
                    "permitted' >&2\nexit 1\n")
    fake.chmod(0o755)
    return f"{folder}:{os.environ['PATH']}"


def tool(script, *args, timeout=300, **extra):
    return subprocess.run([sys.executable, str(COURSE / script), *map(str, args)], cwd=ROOT,
                          env=env(**extra), capture_output=True, text=True, timeout=timeout)


def submission(name, dest):
    """A lab 01 folder of the attack NAME (or "reference"), at DEST/01-wsastartup."""
    if name == "reference":
        shutil.copytree(ROOT / "solutions" / LAB, dest / LAB)
        return dest / LAB
    patch = ATTACKS / f"{name}.patch"
    tree = "labs" if "Tree: labs" in patch.read_text() else "solutions"
    shutil.copytree(ROOT / tree / LAB, dest / LAB)
    subprocess.run(["patch", "-s", "-p1", "-d", str(dest), "-i", str(patch)], check=True)
    return dest / LAB


def hidden_code():
    """Lines of the hidden test's code (not its docstrings, which name its lines in
    Gradescope's results once grades are published), long enough to be its own."""
    public = "\n".join(p.read_text() for p in (ROOT / "grader").glob("test_lab*.py"))
    lines = [line.strip() for line in HIDDEN.read_text().splitlines()]
    found = [line for line in lines if len(line) >= 30 and line not in public and
             not line.startswith(('"""', "#")) and '"""' not in line]
    assert len(found) >= 3, "too few lines of the hidden test to look for"
    return found


def traces(*folders, allow=()):
    """Files under FOLDERS holding a line of the hidden tests or the attack's mark,
    but the attack's own sources and ALLOW (paths relative to a folder)."""
    code = hidden_code()
    found = []
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if not path.is_file() or path.is_symlink() or path.suffix in (".c", ".h", ".o") \
                    or "/grader/hidden/" in path.as_posix() or \
                    any(path.is_relative_to(Path(folder) / a) for a in allow):
                continue
            data = path.read_bytes()
            if b"\0" in data:          # a program or an object file: not for reading
                continue
            text = data.decode(errors="replace")
            if MARK in text or any(line in text for line in code):
                found.append(str(path))
    return found


def outside_traces():
    """What the attack left outside the grade: files in /tmp and the home folder named
    after it, and processes carrying its mark."""
    files = [str(p) for folder in ("/tmp", os.path.expanduser("~"))
             for p in Path(folder).glob(f"{MARK}*")]
    procs = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if MARK.encode() in (entry / "cmdline").read_bytes():
                procs.append(int(entry.name))
        except OSError:
            continue
    return files, procs


def end_attack(rounds=50):
    """Ends what an attack left running and removes what it left outside (after a
    grade without the boundary, where it is free to)."""
    for _ in range(rounds):
        files, procs = outside_traces()
        if not files and not procs:
            return
        for pid in procs:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for path in files:
            Path(path).unlink(missing_ok=True)
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def nothing_left_outside():
    end_attack()
    yield
    files, procs = outside_traces()
    end_attack()
    assert files == [] and procs == [], f"left outside the grade: {files} {procs}"


def is_unit_line(name):
    return "(unit tests)" in name or "the unit tests, built with" in name


def check_results(results, attack):
    """The grader's results of ATTACK: the score is the sum of the lines passed, every
    unit-test line of a program that exits early failed, and no other line did."""
    tests = results["tests"]
    assert results["score"] == sum(t["score"] for t in tests)
    units = [t for t in tests if is_unit_line(t["name"])]
    assert units and all(t["status"] == "failed" and t["score"] == 0 for t in units), units
    assert any("wrote no report" in t["output"] for t in units), units
    if attack == "everything":
        # resolve leaves its daemon running: each of its lines says so, and fails.
        others = [t for t in tests if t not in units and t["status"] != "passed"]
        assert all("left processes of its own running" in t["output"] for t in others), others


# --- make grade SANDBOX=1 ---------------------------------------------------------------

def grading_tree(tmp_path, attack):
    sys.path.insert(0, str(COURSE))
    import trees
    tree = trees.write_tree(tmp_path / "tree", [LAB], hidden=True)
    for path in submission(attack, tmp_path / "submitted").iterdir():
        shutil.copy(path, tree / "labs" / LAB / path.name)
    return tree


def make_grade(tree, *options, **extra):
    proc = subprocess.run(["make", "--no-print-directory", "grade", "LAB=01", *options],
                          cwd=tree, env=env(**extra), capture_output=True, text=True,
                          timeout=600)
    path = tree / "build" / "grade" / "results.json"
    assert path.exists(), proc.stdout + proc.stderr
    return proc, json.loads(path.read_text())


@pytest.mark.parametrize("attack", ["everything", "compiler-reads-hidden",
                                    "starter-exits-early"])
def test_make_grade_behind_the_boundary(tmp_path, attack):
    tree = grading_tree(tmp_path, attack)
    proc, results = make_grade(tree, "SANDBOX=1")
    assert results["boundary"]["kind"] == "namespaces", results["boundary"]
    assert "Boundary: on" in proc.stdout, proc.stdout
    shown = re.search(r"^Score: (\d+)/(\d+)", proc.stdout, re.M)
    assert shown and int(shown.group(1)) == results["score"], proc.stdout
    if attack == "compiler-reads-hidden":
        build = next(t for t in results["tests"] if t["name"].endswith("without warnings"))
        assert build["status"] == "failed" and "grader/hidden" in build["output"], build
    elif attack == "starter-exits-early":
        assert results["score"] <= 0.2 * results["max_score"], proc.stdout
        check_results(results, attack)
    else:
        check_results(results, attack)
        network = list((tree / "build" / "grade" / "work").glob(f"*/{MARK}-network.txt"))
        assert network and all(p.read_text() == "unreachable\n" for p in network)
    assert traces(tree / "build", allow=["grade/work"]) == []


def test_without_the_boundary_the_attack_works(tmp_path):
    """The control: a student's own make grade, where the compiler reads the hidden
    tests into resolve, which prints them. (The attack with a daemon is not run
    without the boundary: it would reach every grade of this machine.)"""
    tree = grading_tree(tmp_path, "compiler-reads-hidden")
    proc, results = make_grade(tree)
    assert results["boundary"]["kind"] == "off"
    assert traces(tree / "build" / "grade", allow=["work"]), \
        "the attack found no hidden test to steal: it proves nothing"


@ROOT_ONLY
def test_make_grade_with_namespaces_refused(outside_tmp):
    tmp_path = outside_tmp
    tree = grading_tree(tmp_path, "everything")
    proc, results = make_grade(tree, "SANDBOX=1", PATH=refusing_namespaces(tmp_path))
    assert results["boundary"]["kind"] == "user", results["boundary"]
    assert "Boundary: partly" in proc.stdout and "namespaces are refused" in proc.stdout
    check_results(results, "everything")
    assert traces(tree / "build", allow=["grade/work"]) == []


# --- grade-batch ---------------------------------------------------------------------------

def batch_of(folder, students):
    for student, attack in students.items():
        dest = folder / student / "labs"
        submission(attack, dest)
    return {s: digest(folder / s) for s in students}


def digest(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rows_of(out):
    return {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}


@pytest.mark.parametrize("namespaces", [True, pytest.param(False, marks=ROOT_ONLY)],
                         ids=["namespaces", "refused"])
def test_grade_batch_behind_the_boundary(tmp_path, outside_tmp, namespaces):
    tmp_path = tmp_path if namespaces else outside_tmp
    subs, out = tmp_path / "submissions", tmp_path / "batch"
    students = {"alice": "reference", "mallory": "everything"}
    if namespaces:
        students.update(eve="compiler-reads-hidden", trudy="starter-exits-early")
    before = batch_of(subs, students)
    extra = {} if namespaces else {"PATH": refusing_namespaces(tmp_path)}
    args = ["grade", "--submissions", subs, "--out", out, "--labs", "01", "--jobs", "3",
            "--timeout", "120"]
    proc = tool("batch.py", *args, **extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = rows_of(out)
    full = int(rows["alice"]["max"])
    assert rows["alice"]["total"] == str(full) and rows["alice"]["status"] == "graded"
    for student in students:
        assert digest(subs / student) == before[student], f"{student}'s submission changed"
        record = json.loads((out / "students" / student / "record.json").read_text())
        results = json.loads((out / "students" / student / "results.json").read_text())
        assert record["score"] == results["score"] == int(rows[student]["total"])
        assert record["boundary"]["kind"] == ("namespaces" if namespaces else "user")
    check_results(json.loads((out / "students" / "mallory" / "results.json").read_text()),
                  "everything")
    if namespaces:
        assert rows["eve"]["status"] == "build failed"
        assert int(rows["trudy"]["total"]) <= 0.2 * full
    suspicious = (out / "suspicious.csv").read_text()
    assert "mallory" in suspicious and "constructor" in suspicious and "alice" not in suspicious
    assert traces(out, allow=["students/mallory/grade/work"]) == []
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert {row[3]: row[-1] for row in canvas[2:]} == {s: r["total"] for s, r in rows.items()}

    again = tool("batch.py", *args, **extra)
    assert again.returncode == 0 and "already graded and unchanged" in again.stdout
    assert rows_of(out) == rows


# --- Gradescope and Classroom 50 ------------------------------------------------------------

@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    made = tool("gradescope.py", "--build", "--labs", "01", "--out", out)
    assert made.returncode == 0, made.stderr
    return out


@pytest.mark.parametrize("attack", ["everything", "compiler-reads-hidden"])
def test_gradescope_behind_the_boundary(tmp_path, autograder_zip, attack):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(root / "source")
    submission(attack, root / "submission" / "labs")
    proc = subprocess.run(["sh", str(root / "source" / "run_autograder")],
                          env=env(KIT_AUTOGRADER_ROOT=str(root)), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == sum(t["score"] for t in data["tests"]), data["output"]
    assert "Boundary: on" in data["output"], data["output"]
    flagged = [t for t in data["tests"] if t["name"].startswith("Suspicious code")]
    assert flagged and flagged[0]["visibility"] == "hidden", data["tests"]
    if attack == "everything":
        check_results({"score": data["score"], "tests": [t for t in data["tests"]
                                                         if t not in flagged]}, attack)
    else:
        build = next(t for t in data["tests"] if t["name"].endswith("without warnings"))
        assert build["status"] == "failed" and "grader/hidden" in build["output"], build
    assert traces(root / "results", root / "work", allow=["work/logs/grade/work"]) == []


def test_classroom50_behind_the_boundary(tmp_path):
    bundle = tmp_path / "bundle"
    assert tool("classroom50.py", "--build", "--labs", "01", "--out", bundle).returncode == 0
    checkout = tmp_path / "checkout"
    submission("everything", checkout / "labs")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=M", "-c",
                                                 "user.email=m@localhost", "commit", "-q",
                                                 "-m", "work"]):
        subprocess.run(["git", *args], cwd=checkout, check=True, capture_output=True)
    runner = tmp_path / "runner"
    proc = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout,
                          env=env(RUNNER_TEMP=str(runner), KIT_SKIP_SETUP="1"),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((checkout / "result.json").read_text())
    assert result["score"] == sum(t["score"] for t in result["tests"])
    units = [t for t in result["tests"] if is_unit_line(t["test-name"])]
    assert units and not any(t["passed"] for t in units), units
    assert traces(checkout, runner, allow=["kit-classroom50/logs/grade/work"]) == []
