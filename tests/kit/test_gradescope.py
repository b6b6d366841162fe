"""Gradescope's autograder (make autograder, grader/course/gradescope.py): its zip run
as Gradescope runs it, in a local layout, on whole, starter, broken and hostile
submissions; its results.json in Gradescope's specification's shape."""
import json
import subprocess
import zipfile

import pytest

from conftest import ROOT
from instructors import (LAB, ONLY_HERE, STARTER_SHARE, clone_of, env, loose, own_grader,
                        patched, tool)

pytestmark = ONLY_HERE


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
