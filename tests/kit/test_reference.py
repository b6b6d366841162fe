"""The reference solutions score full marks; the starters score low, fast, with a
hint on every failed line."""
import pytest

from conftest import BUILD, SANITIZERS, grade, leftovers

STARTER_SHARE = 0.20      # the most a starter may score, per the issue of each lab


def test_reference_scores_full_marks(tmp_path):
    graded = grade(BUILD / "solutions", tmp_path)
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


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"),
                    reason="reads /proc")
def test_reference_behind_the_boundary_scores_full_marks_and_leaves_no_process(tmp_path):
    """As an instructor's tools grade (make grade SANDBOX=1): each program in a box of
    its own, the run in a network of its own."""
    graded = grade(BUILD / "solutions", tmp_path, boundary=True)
    assert graded.returncode == 0, graded.report()
    assert graded.results["score"] == graded.results["max_score"] > 0, graded.report()
    assert graded.results["boundary"]["kind"] in ("namespaces", "user"), \
        graded.results["boundary"]
    assert leftovers(graded.run_id) == []
