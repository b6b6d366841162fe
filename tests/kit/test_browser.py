"""A real browser loads a page from lab 07's reference server: Debian's headless
Chromium (.ci/run installs it) gets the page, its style sheet and its image, and the
page's script shows both arrived and were applied (the grader's test_browser)."""
import pytest

from conftest import BUILD, grade

from gradelib import browser


@pytest.mark.skipif(browser.find() is None, reason="no Chromium or Chrome installed "
                    "(Debian: apt-get install chromium; .ci/run installs it)")
def test_browser_loads_the_reference_page(tmp_path):
    graded = grade(BUILD / "solutions", tmp_path, "test_lab07_http_server.py::test_browser")
    entry = graded.test("test_browser")
    assert entry["status"] == "passed" and not entry.get("ungraded") and \
        entry["max_score"] > 0, graded.report()
