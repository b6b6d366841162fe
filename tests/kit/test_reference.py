"""The reference solutions score full marks; the starters score low, fast, with a
hint on every failed line."""
import sys

from conftest import BUILD, SANITIZERS, grade, leftovers

STARTER_SHARE = 0.20      # the most a starter may score, per the issue of each lab


# Where grader/box.py has a boundary (Linux), the reference is graded behind it, as an
# instructor's tools grade (make grade SANDBOX=1); elsewhere as make grade. The
# starters, the variants and the mutants are graded as make grade grades them.
BOXED = sys.platform.startswith("linux")


def test_reference_scores_full_marks(tmp_path):
    graded = grade(BUILD / "solutions", tmp_path, boundary=BOXED)
    assert graded.returncode == 0, graded.report()
    results = graded.results
    assert results["max_score"] > 0
    assert results["score"] == results["max_score"], graded.report()
    assert all(t["status"] == "passed" for t in results["tests"])
    assert f"Score: {results['score']}/{results['max_score']}" in graded.output
    # Every line ran the build with the sanitizers, where they run (make test built it).
    builds = {t["extra_data"].get("build") for t in results["tests"]}
    assert builds == {"sanitized" if SANITIZERS else "plain"}, builds
    assert (graded.grade_dir / "junit.xml").exists()
    if BOXED:
        # each program in a box of its own, the run in a network of its own, and no
        # process of the run left (read from /proc)
        assert results["boundary"]["kind"] in ("namespaces", "user"), results["boundary"]
        assert leftovers(graded.run_id) == []


def test_starters_score_low_with_hints(tmp_path):
    graded = grade(BUILD / "labs", tmp_path)
    results = graded.results
    assert graded.returncode != 0
    assert results["score"] <= STARTER_SHARE * results["max_score"], graded.output
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed, graded.output
    for entry in failed:
        assert "hint:" in entry["output"], f"no hint for {entry['name']}:\n{entry['output']}"
        # Quickly: no line waits out a timeout on a starter, which ends at once.
        assert "timed out" not in entry["output"], entry["output"]
        assert "nothing within" not in entry["output"], entry["output"]
