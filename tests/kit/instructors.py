"""What the kit tests of the instructor's tools share (test_handout.py,
test_gradescope.py, test_classroom50.py, test_batch.py): running a tool and make in a
tree as an instructor would, with git, and the submissions they grade.

The tools are tested natively on Linux only: they build and grade trees with make and
the native compiler, as Gradescope's and Classroom 50's Ubuntu machines do, and the
grader they run is the one every other kit test runs under both targets, so a mingw
run would add the same grading under Wine and nothing of these tools."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, TARGET

# Each test file's pytestmark: where these tests run.
ONLY_HERE = pytest.mark.skipif(TARGET != "native" or not sys.platform.startswith("linux"),
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


def patched(patch, dest):
    shutil.copytree(ROOT / "solutions" / LAB, dest / LAB)
    subprocess.run(["patch", "-s", "-p1", "-d", str(dest), "-i", str(patch)], check=True)
    return dest / LAB
