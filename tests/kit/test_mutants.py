"""Each mutant (a deliberately broken solution) is caught by the grader test it names,
which passes on the reference solution."""
from pathlib import Path

import pytest

from conftest import ROOT, build_patched, grade, patch_header

MUTANTS = sorted((ROOT / "tests" / "mutants").glob("*/*.patch"))


def test_every_lab_has_mutants():
    labs = {p.parent.name for p in MUTANTS}
    graded = {p.name.split("_")[1] for p in (ROOT / "grader").glob("test_lab*_*.py")}
    assert graded <= labs, f"labs without mutants: {graded - labs}"


@pytest.mark.parametrize("patch", MUTANTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutant_is_caught(patch, tmp_path):
    what, caught_by = patch_header(patch)
    out = build_patched("mutants", patch)
    graded = grade(out, tmp_path, caught_by)
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed", \
        f"mutant '{what}' was not caught by {caught_by}:\n{graded.output}"
    assert "hint:" in entry["output"], entry["output"]
