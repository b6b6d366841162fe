"""Each mutant (a deliberately broken solution) is caught by the grader test it names,
which passes on the reference solution. A mutant whose bug exists on one platform only
says so in a Targets: line (text-mode stdout is a Windows bug); on the other target it
is the reference, and is skipped."""
from pathlib import Path

import pytest

from conftest import (ROOT, TARGET, build_patched, grade, patch_fields, patch_header,
                      patch_targets)

MUTANTS = sorted((ROOT / "tests" / "mutants").glob("*/*.patch"))


# Mutants each lab needs that are bugs on every target.
MUTANTS_PER_LAB = 6


def test_every_lab_has_mutants():
    graded = {p.name.split("_")[1] for p in (ROOT / "grader").glob("test_lab*_*.py")}
    for lab in graded:
        everywhere = [p for p in MUTANTS if p.parent.name == lab and
                      set(patch_targets(p)) >= {"native", "mingw"}]
        assert len(everywhere) >= MUTANTS_PER_LAB, \
            f"{lab} has {len(everywhere)} mutants that are bugs on every target"


@pytest.mark.parametrize("patch", MUTANTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutant_is_caught(patch, tmp_path):
    what, caught_by = patch_header(patch)
    if TARGET not in patch_targets(patch):
        pytest.skip(f"not on {TARGET} (Targets: {patch_fields(patch)['Targets'][0]}): {what}")
    out = build_patched("mutants", patch)
    env = None
    if caught_by.endswith("_sanitized"):        # a line graded in the sanitizers' build
        env = {"KIT_SANITIZED_OUT": str(build_patched("mutants", patch, sanitize=True))}
    graded = grade(out, tmp_path, caught_by, env=env)
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed", \
        f"mutant '{what}' was not caught by {caught_by}:\n{graded.output}"
    assert "hint:" in entry["output"], entry["output"]
