"""Correct programs in other styles than the reference's score full marks: each
variant (tests/kit/variants/*.patch) is a patch of the reference solution that a
student could have written, and the grader tests its Graded-by: line names must all
pass on it, graded as make grade grades it (in the build with the sanitizers, where
they run). A variant that one target cannot grade yet says so in a Targets: line, as a
mutant does."""
import pytest

from conftest import ROOT, TARGET, build_graded, grade, patch_fields

VARIANTS = sorted((ROOT / "tests" / "kit" / "variants").glob("*.patch"))


def test_every_variant_says_what_grades_it():
    assert VARIANTS
    for patch in VARIANTS:
        fields = patch_fields(patch)
        assert fields.get("Variant") and fields.get("Graded-by"), \
            f"{patch.name} needs a Variant: and a Graded-by: line"
        for name in fields["Graded-by"][0].split():
            assert (ROOT / "grader" / name.split("::")[0]).exists(), \
                f"{patch.name}: no grader file {name}"


@pytest.mark.parametrize("patch", VARIANTS, ids=lambda p: p.stem)
def test_variant_scores_full_marks(patch, tmp_path):
    fields = patch_fields(patch)
    what = fields["Variant"][0]
    if TARGET not in fields.get("Targets", ["native mingw"])[0].split():
        pytest.skip(f"not graded on {TARGET}: {what}")
    out, env = build_graded("variants", patch)
    # Behind the boundary, as an instructor's tools grade: a correct program in any
    # style gets full marks there too.
    graded = grade(out, tmp_path, *fields["Graded-by"][0].split(), env=env, boundary=True)
    results = graded.results
    lost = [f"{t['name']}: {t['output']}" for t in results["tests"]
            if t["status"] != "passed" and t["score"] != t["max_score"]]
    assert results["max_score"] > 0
    assert results["score"] == results["max_score"] and not lost, \
        f"variant '{what}' lost marks:\n" + "\n".join(lost) + "\n" + graded.report()
