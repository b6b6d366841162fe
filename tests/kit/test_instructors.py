"""The instructor's tools (grader/course/, docs/grading.md): the students' handout, the
Gradescope autograder, the Classroom 50 autograder and batch grading, each run end to
end here as an instructor would, on real submissions graded by the real grader.

They run natively on Linux only: they build and grade trees with make and the native
compiler, as Gradescope's and Classroom 50's Ubuntu machines do, and the grader they
run is the one every other kit test runs under both targets, so a mingw run would add
the same grading under Wine and nothing of these tools."""
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
import zipfile

import pytest

from conftest import ROOT, TARGET, leftovers, marked

pytestmark = pytest.mark.skipif(TARGET != "native" or not sys.platform.startswith("linux"),
                                reason="the instructor's tools are tested natively on Linux")

COURSE = ROOT / "grader" / "course"
STARTER_SHARE = 0.20
LAB = "01-wsastartup"
# What a tree's make must not inherit from make test.
CLEAN = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "KIT_OUT", "KIT_SRC", "KIT_LAB",
         "KIT_GRADE_DIR", "KIT_TARGET", "KIT_GRADE_JOBS")


def env(**extra):
    return {**{k: v for k, v in os.environ.items() if k not in CLEAN}, **extra}


def tool(script, *args, cwd=ROOT, timeout=300, **extra):
    return subprocess.run([sys.executable, str(COURSE / script), *map(str, args)], cwd=cwd,
                          env=env(**extra), capture_output=True, text=True, timeout=timeout)


def git(cwd, *args):
    proc = subprocess.run(["git", "-c", "user.name=Kit", "-c", "user.email=kit@localhost",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"git {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def make_grade(tree, *options):
    proc = subprocess.run(["make", "--no-print-directory", "grade", *options], cwd=tree,
                          env=env(), capture_output=True, text=True, timeout=600)
    results = json.loads((tree / "build" / "grade" / "results.json").read_text())
    return proc, results


def solution_lines():
    """{solution file: its lines found in no public file (labs/, where a later lab's
    starter may hold an earlier lab's answer, the unit tests, the public grader), long
    enough to be its own}."""
    public = "\n".join(p.read_text(errors="replace") for folder in ("labs", "tests/unit")
                       for p in (ROOT / folder).rglob("*") if p.is_file())
    public += "\n".join(p.read_text() for p in (ROOT / "grader").glob("*.py"))
    found = {}
    for path in sorted((ROOT / "solutions").rglob("*.[ch]")):
        found[path] = {line.strip() for line in path.read_text().splitlines()
                       if len(line.strip()) >= 24 and line.strip() not in public}
    return found


def own_lines(path, public):
    """The lines of PATH that are in none of the PUBLIC texts."""
    return {line.strip() for line in path.read_text().splitlines()
            if len(line.strip()) >= 24 and not any(line.strip() in text for text in public)}


# --- the handout -----------------------------------------------------------------------

def test_handout_grades_in_a_clone_and_holds_no_answers(tmp_path):
    handout = tmp_path / "handout"
    made = tool("handout.py", "--out", handout)
    assert made.returncode == 0, made.stderr
    git(handout, "init", "-q")
    git(handout, "add", "-A")
    git(handout, "commit", "-q", "-m", "Handout")
    clone = tmp_path / "student"
    git(tmp_path, "clone", "-q", str(handout), str(clone))

    texts = {p: p.read_text(errors="replace") for p in clone.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(clone).parts}
    names = {p.relative_to(clone).as_posix() for p in texts}
    assert not any(n.startswith(("solutions/", "tests/mutants/", "tests/kit/", "grader/hidden/",
                                 "grader/course/", "docs/grading.md")) for n in names), names
    assert ".github/workflows/grade.yml" in names and "README.md" in names
    leaks = []
    answers = solution_lines()
    assert sum(map(len, answers.values())) > 100, "too few lines to look for"
    for solution, lines in answers.items():
        for path, text in texts.items():
            found = [line for line in lines if line in text]
            if found:
                leaks.append(f"{path.name} holds {solution.name}'s {found[0]!r}")
    for mutant in (ROOT / "tests" / "mutants").glob("*/*.patch"):
        header = mutant.read_text().splitlines()[0]
        leaks += [f"{p.name} holds {mutant.name}" for p, t in texts.items() if header in t]
    public = [p.read_text() for p in (ROOT / "grader").glob("test_lab*.py")]
    for hidden in (ROOT / "grader" / "hidden").glob("*.py"):
        lines = own_lines(hidden, public)
        assert lines, f"{hidden.name} has no line of its own to look for"
        leaks += [f"{p.name} holds {hidden.name}" for p, t in texts.items()
                  if any(line in t for line in lines)]
    assert not leaks, "\n".join(leaks)

    proc, results = make_grade(clone)
    assert proc.returncode != 0
    assert 0 < results["max_score"] and results["score"] <= STARTER_SHARE * results["max_score"]
    hidden = len(list((ROOT / "grader" / "hidden").glob("*.py")))
    assert re.search(r"Not graded here: \d+ hidden tests? \(lab 01: ", proc.stdout) or not hidden, \
        proc.stdout
    assert not any(t["extra_data"]["hidden"] for t in results["tests"])

    # The reference's lab 05, which links labs 02 and 03 as a student's does: the one
    # build a handout's labs share (the kit's own tests grade every lab's reference).
    for lab in (ROOT / "solutions").iterdir():
        shutil.copytree(lab, clone / "labs" / lab.name, dirs_exist_ok=True,
                        copy_function=shutil.copyfile)    # newer than the build, as edits are
    proc, results = make_grade(clone, "LAB=05")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert results["score"] == results["max_score"] > 0


def test_a_later_release_merges_into_the_students_work(tmp_path):
    course = tmp_path / "course"
    assert tool("handout.py", "--labs", "1", "--out", course).returncode == 0
    assert not (course / "labs" / "02-tcp-client").exists()
    assert not (course / "grader" / "test_lab02_tcp_client.py").exists()
    git(course, "init", "-q")
    git(course, "add", "-A")
    git(course, "commit", "-q", "-m", "Lab 01")
    student = tmp_path / "student"
    git(tmp_path, "clone", "-q", str(course), str(student))
    work = student / "labs" / LAB / "resolve.c"
    work.write_text(work.read_text() + "/* the student's own work */\n")
    git(student, "commit", "-q", "-am", "My lab 01")

    release = tool("handout.py", "--labs", "01,02", "--out", course)
    assert release.returncode == 0, release.stderr
    git(course, "add", "-A")
    changed = git(course, "diff", "--cached", "--name-only").split()
    assert changed and not any(n.startswith(f"labs/{LAB}/") for n in changed), changed
    git(course, "commit", "-q", "-m", "Lab 02")
    git(student, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert "the student's own work" in work.read_text()
    assert (student / "labs" / "02-tcp-client" / "tcp_client.c").exists()
    assert (student / "Makefile").read_bytes() == (ROOT / "Makefile").read_bytes()
    assert "02-tcp-client/tcp_client.c" in make_n(student, "lab-02-tcp-client").stdout


def make_n(tree, target):
    """make -n TARGET in TREE: what it would run, and whether it has such a target."""
    return subprocess.run(["make", "--no-print-directory", "-n", target], cwd=tree, env=env(),
                          capture_output=True, text=True, timeout=60)


def test_a_handout_is_a_selection_of_files_with_the_kits_makefile(tmp_path):
    handout = tmp_path / "handout"
    assert tool("handout.py", "--labs", "05", "--out", handout).returncode == 0
    assert (handout / "Makefile").read_bytes() == (ROOT / "Makefile").read_bytes()
    assert not (handout / "tests" / "Makefile.local").exists()
    # Its help names the targets it has, and none of the kit's own.
    shown = make_n(handout, "help")
    helped = subprocess.run(["make", "--no-print-directory", "help"], cwd=handout, env=env(),
                            capture_output=True, text=True, timeout=60).stdout
    targets = re.findall(r"^  make (\S+)", helped, re.M)
    assert shown.returncode == 0 and targets == ["[all]", "grade", "setup", "starters", "clean"]
    for target in targets[1:]:
        proc = make_n(handout, target)
        assert "No rule to make target" not in proc.stderr, (target, proc.stderr)
    for target in ("test", "bench", "fuzz", "handout", "mutation"):
        assert "No rule to make target" in make_n(handout, target).stderr, target
    # The labs it holds are the labs it builds: 05 and the two whose functions 05 links.
    built = make_n(handout, "lab-05-shutdown-options").stdout
    assert "labs/02-tcp-client/connect.c" in built and "labs/03-tcp-server/listener.c" in built
    kit_help = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, env=env(),
                              capture_output=True, text=True, timeout=60).stdout
    for target in ("test", "bench", "fuzz", "examples", "handout", "mutation"):
        assert f"  make {target} " in kit_help, target


@pytest.mark.parametrize("args, says", [
    (["--labs", "9"], "there is no lab 09"),
    (["--labs", "x"], "'x' is not a lab number"),
    (["--out", "{tmp}"], "holds no handout"),
    (["--out", "{root}"], "never over the kit itself"),
])
def test_handout_refuses_bad_input(tmp_path, args, says):
    (tmp_path / "notes.txt").write_text("an instructor's folder\n")
    args = [a.format(tmp=tmp_path, root=ROOT / "labs") for a in args]
    proc = tool("handout.py", *args)
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    assert (tmp_path / "notes.txt").exists()


# --- Gradescope ------------------------------------------------------------------------

# Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder
# Specifications"): the fields it names, and their types.
GS_TOP = {"score": (int, float), "execution_time": (int, float), "output": str,
          "output_format": str, "test_output_format": str, "test_name_format": str,
          "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list,
          "leaderboard": list}
GS_TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str,
           "name_format": str, "number": str, "output": str, "output_format": str,
           "tags": list, "visibility": str, "extra_data": dict}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GS_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_gradescope(data):
    for key, value in data.items():
        assert key in GS_TOP and isinstance(value, GS_TOP[key]), f"{key}: {value!r}"
    assert "score" in data or all("score" in t for t in data["tests"])
    assert data.get("output_format", "text") in GS_FORMATS
    assert data.get("visibility", "visible") in GS_VISIBILITY
    for test in data["tests"]:
        for key, value in test.items():
            assert key in GS_TEST and isinstance(value, GS_TEST[key]), f"{key}: {value!r}"
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in GS_VISIBILITY and test["output_format"] in GS_FORMATS


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    made = tool("gradescope.py", "--build", "--labs", "01", "--out", out)
    assert made.returncode == 0, made.stderr
    names = zipfile.ZipFile(out).namelist()
    assert any(n.startswith("grader/hidden/") for n in names)
    assert not any(n.startswith(("solutions/", "tests/mutants/", "tests/kit/")) for n in names)
    return out


def test_autograder_refuses_to_overwrite_another_file(tmp_path):
    (tmp_path / "notes.zip").write_text("not a zip\n")
    for out in (tmp_path / "notes.zip", tmp_path / "autograder"):
        proc = tool("gradescope.py", "--build", "--out", out)
        assert proc.returncode == 2 and "must be a new .zip file" in proc.stderr, proc.stderr
    assert (tmp_path / "notes.zip").read_text() == "not a zip\n"


def gradescope_run(tmp_path, zip_path, fill, **extra):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    fill(root / "submission")
    proc = subprocess.run(["sh", str(root / "source" / "run_autograder")],
                          env=env(KIT_AUTOGRADER_ROOT=str(root), **extra),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    check_gradescope(data)
    return data


def clone_of(tree):
    def fill(dest):
        shutil.copytree(tree, dest / "repo" / "labs" / LAB)
    return fill


def loose(tree, broken=False):
    def fill(dest):
        dest.mkdir(parents=True)
        for path in tree.iterdir():
            shutil.copy(path, dest / path.name)
        if broken:
            with open(dest / "wsabasics.c", "a") as f:
                f.write("\nint this_does_not_compile(\n")
    return fill


def own_grader(dest):
    shutil.copytree(ROOT / "labs" / LAB, dest / "labs" / LAB)
    (dest / "Makefile").write_text("grade:\n\t@echo 'Score: 999/999'\n")
    (dest / "grader").mkdir()
    (dest / "grader" / "conftest.py").write_text("def pytest_configure(config):\n    pass\n")
    (dest / "grader" / "test_lab01_wsastartup.py").write_text("def test_all():\n    pass\n")


def test_gradescope_full_submission(tmp_path, autograder_zip):
    data = gradescope_run(tmp_path, autograder_zip, clone_of(ROOT / "solutions" / LAB))
    flagged = data["tests"].pop()
    assert flagged["name"] == "Suspicious code (instructors only)", flagged
    assert flagged["visibility"] == "hidden" and flagged["max_score"] == 0
    total = sum(t["max_score"] for t in data["tests"])
    assert data["score"] == total > 0, data["output"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)
    assert all(t["tags"] == ["lab01"] for t in data["tests"])
    assert data["output_format"] == "md" and f"| 01 | {total}/{total} |" in data["output"]


@pytest.mark.parametrize("shape", ["starter", "not compiling", "own grader and Makefile"])
def test_gradescope_submission_scores_low(tmp_path, autograder_zip, shape):
    fill = {"starter": loose(ROOT / "labs" / LAB),
            "not compiling": loose(ROOT / "solutions" / LAB, broken=True),
            "own grader and Makefile": own_grader}[shape]
    data = gradescope_run(tmp_path, autograder_zip, fill)
    total = sum(t["max_score"] for t in data["tests"])
    assert total > 0 and data["score"] <= STARTER_SHARE * total, data["output"]
    if shape == "not compiling":
        assert data["score"] == 0 and "Lab 01 did not compile" in data["output"]
        assert "this_does_not_compile" in data["output"]


def test_gradescope_writes_results_when_grading_does_not_finish(tmp_path, autograder_zip):
    hangs = patched(ROOT / "tests" / "kit" / "hostile" / "busy-loop.patch", tmp_path / "hangs")
    data = gradescope_run(tmp_path, autograder_zip, clone_of(hangs), KIT_AUTOGRADER_TIMEOUT="5")
    assert "Grading did not finish" in data["output"], data["output"]
    assert data["extra_data"]["status"] == "timed out"


def test_gradescope_writes_results_when_the_autograder_itself_fails(tmp_path, autograder_zip):
    def fill(dest):
        clone_of(ROOT / "solutions" / LAB)(dest)
        (tmp_path / "autograder" / "source" / "grader" / "course" / "kit.py").unlink()
    data = gradescope_run(tmp_path, autograder_zip, fill)
    assert data["score"] == 0 and "failed before grading" in data["output"], data


# --- Classroom 50 ----------------------------------------------------------------------

COMMITTED = "2026-06-01T14:32:01Z"
RUNNER = {"CLASSROOM": "networks-fall", "ASSIGNMENT": "lab01", "ASSIGNMENT_TYPE": "individual",
          "OWNER": "alice", "USERNAME": "alice", "SUBMISSION_TAG": "submit/2026-06-01T14-32-05Z-a1b2c3d",
          "COMMIT_URL": "https://github.com/org/lab01-alice/commit/a1b2c3d",
          "RELEASE_URL": "https://github.com/org/lab01-alice/releases/tag/submit%2F2026",
          "PAGES_BASE_URL": "https://org.github.io/classroom50", "GITHUB_ACTIONS": "true",
          "KIT_SKIP_SETUP": "1"}
# The classroom50/result/v1 contract (foundation50/classroom50, wiki "Advanced
# Autograding"): the fields it names, and their types.
C50_FIELDS = {"schema": str, "classroom": str, "assignment": str, "assignment_type": str,
              "owner": str, "submission": str, "commit": str, "release": str, "review": str,
              "datetime": str, "graded_at": str, "score": int, "max-score": int,
              "tests": list, "submitted_by": dict}
C50_TEST = {"test-name": str, "passed": bool, "score": int, "max-score": int}


def test_classroom50_grades_the_checkout(tmp_path):
    bundle = tmp_path / "bundle"
    made = tool("classroom50.py", "--build", "--labs", "01", "--out", bundle)
    assert made.returncode == 0, made.stderr
    for name in ("runtime-ubuntu.json", "runtime-windows.json"):
        runtime = json.loads((bundle / name).read_text())
        assert runtime["runs-on"] in ("ubuntu-latest", "windows-latest")
    checkout = tmp_path / "checkout"
    assert tool("handout.py", "--labs", "01", "--out", checkout).returncode == 0
    shutil.copytree(ROOT / "solutions" / LAB, checkout / "labs" / LAB, dirs_exist_ok=True)
    (checkout / "grader" / "test_lab01_wsastartup.py").write_text("def test_x():\n    pass\n")
    git(checkout, "init", "-q")
    git(checkout, "add", "-A")
    subprocess.run(["git", "-c", "user.name=A", "-c", "user.email=a@localhost", "commit", "-q",
                    "-m", "work"], cwd=checkout, check=True,
                   env=env(GIT_COMMITTER_DATE=COMMITTED, GIT_AUTHOR_DATE=COMMITTED))
    proc = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout,
                          env=env(RUNNER_TEMP=str(tmp_path / "runner"), **RUNNER),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((checkout / "result.json").read_text())
    for key, value in result.items():
        assert key in C50_FIELDS and isinstance(value, C50_FIELDS[key]), f"{key}: {value!r}"
    assert result["schema"] == "classroom50/result/v1"
    for field, variable in [("classroom", "CLASSROOM"), ("assignment", "ASSIGNMENT"),
                            ("owner", "OWNER"), ("submission", "SUBMISSION_TAG"),
                            ("commit", "COMMIT_URL"), ("release", "RELEASE_URL")]:
        assert result[field] == RUNNER[variable]
    assert result["datetime"] == COMMITTED and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                                             result["graded_at"])
    for test in result["tests"]:
        for key, kind in C50_TEST.items():
            assert isinstance(test[key], kind), f"{key}: {test!r}"
    assert result["score"] == sum(t["score"] for t in result["tests"])
    assert result["max-score"] == sum(t["max-score"] for t in result["tests"]) > 0
    assert result["score"] == result["max-score"], (checkout / "release-body.md").read_text()
    hidden = [t for t in result["tests"] if t.get("hidden")]
    assert hidden and all(re.fullmatch(r"Lab 01: hidden test \d+", t["test-name"]) for t in hidden)
    assert len({t["test-name"] for t in result["tests"]}) == len(result["tests"])


# --- batch grading ---------------------------------------------------------------------

def patched(patch, dest):
    shutil.copytree(ROOT / "solutions" / LAB, dest / LAB)
    subprocess.run(["patch", "-s", "-p1", "-d", str(dest), "-i", str(patch)], check=True)
    return dest / LAB


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
    patched(ROOT / "tests" / "kit" / "hostile" / "busy-loop.patch", folder / "hanging")
    crashing = patched(ROOT / "tests" / "kit" / "hostile" / "segfault.patch",
                       folder.parent / "crash")
    with tarfile.open(folder / "crashing.tar", "w") as tf:
        tf.add(crashing, f"repo/labs/{LAB}")
    own_grader(folder / "owngrader")


def test_grade_batch_writes_one_row_each(tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "batch"
    six_submissions(subs)
    run_id = f"batch-{os.getpid()}"
    # 45 s each: room for a build and a grade on a loaded 2-core machine (measured: 24 s
    # for a build that fails, 33 s for a starter, three at a time beside other tests);
    # the hanging submission still runs out of it.
    args = ["grade", "--submissions", subs, "--out", out, "--labs", "01", "--jobs", "3",
            "--timeout", "45"]
    proc = tool("batch.py", *args, KIT_RUN_ID=run_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^\[6/6 done, 2 failed, ~0 s left\]", proc.stdout, re.M), proc.stdout
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert sorted(rows) == ["broken", "crashing", "full", "hanging", "owngrader", "starter"]
    full = int(rows["full"]["max"])
    assert all(int(r["max"]) == full > 0 for r in rows.values())
    assert rows["full"]["lab01"] == rows["full"]["total"] == str(full)
    assert rows["full"]["status"] == "graded"
    for low in ("starter", "owngrader"):
        assert rows[low]["status"] == "graded" and int(rows[low]["total"]) <= STARTER_SHARE * full
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

    again = tool("batch.py", *args)
    assert again.returncode == 0 and "6 already graded and unchanged" in again.stdout
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
    assert len(list(csv.DictReader(open(merged / "grades.csv")))) == 6


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


def test_grade_batch_stopped_ends_every_run_and_records_none(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    patched(ROOT / "tests" / "kit" / "hostile" / "busy-loop.patch", subs / "spins")
    run_id = f"stop-{os.getpid()}"
    proc = subprocess.Popen([sys.executable, str(COURSE / "batch.py"), "grade", "--submissions",
                             str(subs), "--out", str(out), "--labs", "01", "--timeout", "300"],
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
