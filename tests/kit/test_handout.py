"""The students' handout (make handout, grader/course/handout.py): a selection of the
kit's files that grades in a clone, holds no answers, and merges into a student's work
as labs are released."""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from instructors import LAB, ONLY_HERE, STARTER_SHARE, env, git, make_grade, tool

pytestmark = ONLY_HERE


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
