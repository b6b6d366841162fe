"""A student in the middle of a course: a lab still the starter is shown as not
started, with its points, and its tests do not run; a line per lab gives each score.
And the record the grader tells starters by is current."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, TARGET, grade

sys.path.insert(0, str(ROOT / "grader"))
from gradelib import platform, starters  # noqa: E402


def test_starter_digests_are_current():
    assert starters.known() == starters.starters(ROOT / "labs"), \
        "grader/starters.json does not match labs/: run 'make starters' and commit it"


def test_a_changed_line_or_crlf(tmp_path):
    tree = tmp_path / "labs"
    shutil.copytree(ROOT / "labs" / "04-udp", tree / "04-udp")
    assert starters.not_started(tree, "04")
    source = tree / "04-udp" / "datagram.c"
    source.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    assert starters.not_started(tree, "04"), "CRLF line ends are still the starter"
    source.write_bytes(source.read_bytes() + b"/* begun */\r\n")
    assert not starters.not_started(tree, "04")
    (tree / "04-udp" / "datagram.c").unlink()
    assert not starters.not_started(tree, "04"), "a removed file is a change"
    assert not starters.not_started(tree, "09") and not starters.not_started(tmp_path, "04")


def mixed_tree(tmp_path, solved):
    """The starters, with the reference's labs SOLVED, built as make grade builds."""
    src = BUILD / "kit-mixed" / tmp_path.name
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT / "labs", src)
    for lab in solved:
        shutil.rmtree(src / lab)
        shutil.copytree(ROOT / "solutions" / lab, src / lab)
    return src


def make_grade(src, tmp_path, *args):
    rel = src.relative_to(ROOT).as_posix()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KIT_", "MAKE")) and k != "MFLAGS"}
    env["KIT_GRADE_DIR"] = str(tmp_path / "grade")
    return subprocess.run(["make", "--no-print-directory", f"TARGET={TARGET}", f"SRC={rel}",
                           f"OUT={rel}/out", "grade", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=600)


def test_labs_not_started_are_shown_so_and_not_run(tmp_path):
    if platform.HOST.under_wine:
        pytest.skip("a starter is told by its files' digests, whatever the target: the "
                    "native half of make test grades a tree of starters")
    src = mixed_tree(tmp_path, ["01-wsastartup"])
    try:
        graded = make_grade(src, tmp_path)
        out = graded.stdout
        assert graded.returncode == 0, out
        assert re.search(r"^  Lab 01: (\d+)/\1\b", out, re.M), out
        for lab in ("02", "03", "04", "05", "06", "07"):
            assert f"not started: its C files are still the starter's (make grade LAB={lab}" \
                in out, out
        lines = [line for line in out.splitlines() if line.startswith("  0")]
        assert len(lines) == 7, out
        assert "full marks" in lines[0] and all("not started" in line for line in lines[1:]), out
        assert "FAIL" not in out and "Transcripts of" not in out, out
        # Asked for by name, a lab not started runs its tests, and fails them.
        graded = make_grade(src, tmp_path, "LAB=02")
        assert graded.returncode != 0 and "FAIL" in graded.stdout, graded.stdout
        assert "not started" not in graded.stdout, graded.stdout
    finally:
        shutil.rmtree(src, ignore_errors=True)
