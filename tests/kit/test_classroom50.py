"""Classroom 50's autograder (make classroom50, grader/course/classroom50.py): the
checkout graded as the runner grades it, with the result in Classroom 50's schema."""
import json
import re
import shutil
import subprocess
import sys

from conftest import ROOT
from instructors import LAB, ONLY_HERE, env, git, tool

pytestmark = ONLY_HERE


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
