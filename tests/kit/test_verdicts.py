"""Truthful verdicts: `make grade` grades only what the current sources built (a lab
that does not compile, or whose unit tests do not, has a failed line with the
compiler's errors and its programs are not run), LAB and SRC that name nothing get
one line and no grade, and a failed Check assertion shows what the test wrote."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, TARGET, build_patched, grade, grader_env
from gradelib import platform

# A short grade of every lab: its build line, its unit tests (in the build with the
# sanitizers, where they run), and the usage lines of lab 01's programs.
SHORT = '-k "builds or unit or wsainfo_usage or resolve_usage"'
MAKE_TIMEOUT = 600
# A tree that does not build is judged by Make and the grader, the same whatever the
# target: under Wine each of these tests builds every lab again with MinGW's compiler
# (over a minute each), so the native half of make test checks them, and real Windows
# (TARGET=native there) does too.
BUILDS_EVERY_LAB = pytest.mark.skipif(
    platform.HOST.under_wine, reason="a verdict on a tree that does not build is the same "
    "whatever the target: the native half of make test checks it")


class Tree:
    """A copy of the reference solutions, built and graded by `make grade` as a
    student's tree is."""

    def __init__(self, tmp_path):
        self.src = tmp_path / "src"
        self.out = tmp_path / "out"
        self.grade_dir = tmp_path / "grade"
        shutil.copytree(ROOT / "solutions", self.src)

    def make_grade(self, selection=SHORT):
        proc = subprocess.run(
            ["make", "--no-print-directory", f"TARGET={TARGET}", "grade", f"SRC={self.src}",
             f"OUT={self.out}", f"GRADE_ARGS={selection}"], cwd=ROOT,
            env=dict(os.environ, KIT_GRADE_DIR=str(self.grade_dir)), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", timeout=MAKE_TIMEOUT)
        return proc.returncode, proc.stdout, self.results()

    def results(self):
        path = self.grade_dir / "results.json"
        return json.loads(path.read_text()) if path.exists() else None

    def edit(self, path, old, new):
        path = self.src / path
        text = path.read_text()
        assert old in text, f"{old!r} is not in {path}"
        path.write_text(text.replace(old, new, 1))

    def line_of(self, path, text):
        lines = (self.src / path).read_text().splitlines()
        return next(i for i, line in enumerate(lines, 1) if text in line)

    def program(self, name):
        return platform.program_path(self.out, name)


def lab_tests(results, lab):
    return [t for t in results["tests"] if t["name"].startswith(f"Lab {lab}:")]


def build_line(results, lab):
    return next(t for t in lab_tests(results, lab) if t["extra_data"]["test"].endswith(
        "::test_builds"))


def check_other_labs_full(results, lab, output):
    for other in {t["name"].split(":")[0][4:] for t in results["tests"]} - {lab}:
        tests = lab_tests(results, other)
        assert all(t["status"] == "passed" for t in tests), f"lab {other}:\n{output}"


@pytest.fixture
def built(tmp_path):
    """A tree fully built before it is broken: every lab's build line passes."""
    tree = Tree(tmp_path)
    rc, output, results = tree.make_grade("-k builds")
    assert rc == 0, output
    labs = len(list((ROOT / "grader").glob("test_lab*_*.py")))
    assert len(results["tests"]) == labs, output
    assert results["score"] == results["max_score"] == labs, output
    assert tree.program("lab05_units").exists() and tree.program("upload").exists()
    return tree


@BUILDS_EVERY_LAB
@pytest.mark.parametrize("error", ["syntax", "uninitialized"])
def test_lab_that_does_not_compile_is_not_graded(built, error):
    if error == "syntax":
        built.edit("05-shutdown-options/transfer.c", "int send_all(",
                   "int syntax_error(void) { return 1 }\n\nint send_all(")
        line, says = built.line_of("05-shutdown-options/transfer.c", "syntax_error"), "expected"
    else:
        built.edit("05-shutdown-options/transfer.c", "int send_all(",
                   "int unset(void)\n{\n    int x;\n\n    return x;\n}\n\nint send_all(")
        line, says = built.line_of("05-shutdown-options/transfer.c", "return x;"), \
            "uninitialized"
    rc, output, results = built.make_grade()
    assert rc != 0, output
    assert results["score"] < results["max_score"]
    entry = build_line(results, "05")
    assert entry["status"] == "failed" and entry["max_score"] > 0, output
    assert re.search(rf"transfer\.c:{line}:\d+: error: .*{says}", entry["output"]), \
        entry["output"]
    for test in lab_tests(results, "05"):
        if test["max_score"] > 0:           # not a line this platform does not grade
            assert test["status"] == "failed", output
            assert test is entry or "was not built" in test["output"], test["output"]
    # No program of the earlier build is left to be graded.
    for name in ("upload", "summary_server", "sockopts", "lab05_units"):
        assert not built.program(name).exists(), name
    check_other_labs_full(results, "05", output)


@BUILDS_EVERY_LAB
def test_unit_tests_that_do_not_compile_are_not_graded(built):
    # A prototype gone from a student's header: the lab's programs still build, its
    # unit test program (tests/unit/lab01_test.c calls compare_versions) does not.
    built.edit("01-wsastartup/wsabasics.h", "int compare_versions(WORD a, WORD b);", "")
    rc, output, results = built.make_grade()
    assert rc != 0, output
    entry = build_line(results, "01")
    assert entry["status"] == "failed", output
    assert re.search(r"lab01_test\.c:\d+:\d+: error: .*compare_versions", entry["output"]), \
        entry["output"]
    units = [t for t in lab_tests(results, "01") if "(unit tests)" in t["name"]]
    assert units, output
    for test in units:
        assert test["status"] == "failed" and "lab01_units was not built" in \
            test["output"], test["output"]
    # Its programs did build, and are graded.
    usage = [t for t in lab_tests(results, "01") if "usage" in t["name"]]
    assert len(usage) == 2 and all(t["status"] == "passed" for t in usage), output
    assert not built.program("lab01_units").exists()
    check_other_labs_full(results, "01", output)


def make_grade(*args):
    return subprocess.run(["make", "--no-print-directory", f"TARGET={TARGET}", "grade", *args],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=60, env=dict(os.environ, KIT_GRADE_DIR="/nonexistent"))


@pytest.mark.parametrize("args, says", [
    (["LAB=9"], "LAB=9 is not a lab: the labs are 01 02 03 04 05"),
    (["LAB=x1"], "LAB=x1 is not a lab: the labs are 01 02 03 04 05"),
    (["SRC=no-such-dir"], "SRC=no-such-dir is not a tree of labs: the trees here are "
                          "labs solutions"),
    (["SRC=tests"], "SRC=tests is not a tree of labs: the trees here are labs solutions"),
])
def test_bad_lab_or_src_is_one_line(args, says):
    made = make_grade(*args, "OUT=build/no-such-out")
    assert made.returncode == 2, made.stdout + made.stderr
    assert made.stdout == ""
    assert made.stderr.strip().splitlines() == [made.stderr.strip()]
    assert says in made.stderr, made.stderr
    assert not (ROOT / "build" / "no-such-out").exists()


def test_grader_refuses_a_lab_that_is_not_there(tmp_path):
    env = dict(grader_env(ROOT / "build" / TARGET / "solutions", tmp_path / "grade", "x"),
               KIT_LAB="9")
    proc = subprocess.run(["sh", "grader/pytest.sh", "grader"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
    assert proc.returncode == 4, proc.stdout
    assert "LAB=9 is not a lab: the labs are 01 02 03 04 05" in proc.stdout


ASKS_FOR_NEEDED = """\
Mutant: start_winsock asks WSAStartup for the version it needs, not the one requested.
Caught-by: test_lab01_wsastartup.py::test_unit_startup

--- a/01-wsastartup/wsabasics.c
+++ b/01-wsastartup/wsabasics.c
@@ -57,7 +57,7 @@
 
 int start_winsock(WORD requested, WORD needed, WSADATA *data)
 {
-    int rc = WSAStartup(requested, data);
+    int rc = WSAStartup(needed, data + 0 * requested);
 
     if (rc != 0)
         return rc;      /* WSAStartup returns its error; WSAGetLastError is not set */
"""


def test_failed_assertion_shows_the_test_words(tmp_path):
    patch = tmp_path / "asks-for-needed.patch"
    patch.write_text(ASKS_FOR_NEEDED)
    graded = grade(build_patched("messages", patch), tmp_path,
                   "test_lab01_wsastartup.py::test_unit_startup")
    entry = graded.test("test_unit_startup")
    assert entry["status"] == "failed", graded.output
    # tests/unit/lab01_test.c: ck_assert_uint_eq(data.wVersion, MAKEWORD(2, 2));
    assert ("Assertion 'data.wVersion == MAKEWORD(2, 2)' failed: data.wVersion == 2, "
            "MAKEWORD(2, 2) == 514") in entry["output"], entry["output"]
    assert "WORD)" not in entry["output"] and "BYTE)" not in entry["output"]
