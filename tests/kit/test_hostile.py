"""Submissions that hang or crash: each gets a failed line saying what happened, the
run finishes, results.json is written, and no process of theirs is left."""
import sys

import pytest

from conftest import ROOT, build_patched, grade, leftovers, patch_header

HOSTILE = ROOT / "tests" / "kit" / "hostile"
# The grader's own timeout for one program run, and what a run may take beyond it.
RUN_TIMEOUT = 10
SLACK = 20


@pytest.mark.parametrize("name, says", [("hangs", "timed out after"), ("crashes", "crashed")])
def test_hostile_submission(name, says, tmp_path):
    patch = HOSTILE / f"{name}.patch"
    _, caught_by = patch_header(patch)
    out = build_patched("hostile", patch)
    graded = grade(out, tmp_path, caught_by)
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed"
    assert says in entry["output"], entry["output"]
    assert "hint:" in entry["output"], entry["output"]
    assert graded.seconds < RUN_TIMEOUT + SLACK, f"took {graded.seconds:.1f} s"
    transcripts = list((graded.grade_dir / "transcripts").glob("*.txt"))
    assert transcripts, "no transcript kept for the failed test"
    if sys.platform.startswith("linux"):
        assert leftovers(graded.run_id) == [], "processes left behind"
