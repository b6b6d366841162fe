"""The grader's model tests (grader/gradelib/models): for a mutant of each lab, the
lab's model test fails with a shrunk case, the same case on two runs with the same
seed; without Hypothesis the grader says so and grades nothing."""
import subprocess

import pytest

from conftest import ROOT, TARGET, build_patched, grade, grader_env

# A mutant of each lab, and the model test that must shrink it to one case.
MUTANTS = {
    "01": ("minor-by-strtoul", "test_model_versions_and_addresses"),
    "02": ("stops-at-zero-byte", "test_model_replies"),
    "03": ("failed-not-counted", "test_model_clients"),
    "04": ("echo-as-string", "test_model_exchange"),
    "05": ("signed-bytes", "test_model_summaries"),
    "06": ("partial-line-taken", "test_model_lines"),
    "07": ("checks-before-decoding", "test_model_functions"),
}
SEED = "20240611"


def the_case(output):
    """The part of a model test's failure that names the case: its lines before
    'expected:' (what came may hold ports, which differ from run to run)."""
    return output.split("\nexpected:")[0].split("\nhint:")[0]


# Natively only: under Wine a model test tries a fifth of the cases (MODEL_SCALE), too
# few to meet each mutant's bug with this seed, and the shrinking is the grader's own
# Python, the same on every target.
@pytest.mark.skipif(TARGET != "native", reason="the shrinking is the same on every target; "
                    "under Wine too few cases run to meet each mutant's bug")
@pytest.mark.parametrize("lab", sorted(MUTANTS))
def test_a_mutant_shrinks_to_the_same_case_twice(lab, tmp_path):
    name, test = MUTANTS[lab]
    out = build_patched("mutants", ROOT / "tests" / "mutants" / f"lab{lab}" / f"{name}.patch")
    file = next((ROOT / "grader").glob(f"test_lab{lab}_*.py")).name
    cases = []
    for run in ("first", "second"):
        graded = grade(out, tmp_path / run, f"{file}::{test}", env={"KIT_SEED": SEED})
        entry = graded.test(test)
        assert entry["status"] == "failed", graded.report()
        assert "the smallest failing case found" in entry["output"], entry["output"]
        assert "hint:" in entry["output"], entry["output"]
        cases.append(the_case(entry["output"]))
    assert cases[0] == cases[1]


def test_without_hypothesis_the_grader_says_so_and_grades_nothing(tmp_path):
    # A Python that cannot import hypothesis: sitecustomize blocks it, and with it
    # the plugins (Hypothesis' own among them), as where it is not installed.
    (tmp_path / "sitecustomize.py").write_text('import sys\nsys.modules["hypothesis"] = None\n')
    env = grader_env(ROOT / "build", tmp_path / "grade", "no-hypothesis",
                     {"PYTHONPATH": str(tmp_path), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                      "KIT_JOBS": "1"})
    proc = subprocess.run(["sh", "grader/pytest.sh", "grader"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr
    assert "has no Hypothesis" in said and "make setup" in said, said
