"""Unit tests of the grader's pieces that do not need a program to run. (The platform
module has its own: test_platform.py.)"""
from gradelib import expect, report


def test_results_output_is_clipped_and_escaped():
    text = report.clip("ok\x1b[31m\x00" + "x" * 10000)
    assert "\x1b" not in text and "\x00" not in text
    assert "\\x1b" in text
    assert len(text) < report.RESULT_OUTPUT_LIMIT + 100


def test_failure_message_shows_expected_got_hint():
    message = str(expect.Failure("it failed", expected="a", got="b", hint="do c"))
    assert message.splitlines() == ["it failed", "expected: a", "got:      b",
                                    "hint:     do c"]


class _Report:
    """The little of a pytest report that the scoreboard reads."""

    def __init__(self, when, outcome, wasxfail=None):
        self.nodeid = "grader/test_lab04_udp.py::test_x"
        self.when, self.duration, self.longrepr = when, 0.1, None
        self.failed, self.skipped = outcome == "failed", outcome == "skipped"
        self.user_properties = [("points", 2), ("title", "x"), ("lab", "04"),
                                ("lab_title", "UDP")]
        if wasxfail is not None:
            self.wasxfail = wasxfail


def test_known_platform_difference_is_worth_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "GRADE_DIR", tmp_path)
    board = report.Scoreboard(None)
    board.record(_Report("setup", "passed"))
    board.record(_Report("call", "skipped", wasxfail="Wine says nothing"))
    board.record(_Report("teardown", "passed"))
    assert board.totals() == (0, 0)
    entry = board.entries["grader/test_lab04_udp.py::test_x"]
    assert entry["status"] == "passed" and entry["max_score"] == 0
    assert "not graded on this platform: Wine says nothing" in entry["output"]
    lines = []
    board.summary(lines.append)
    assert any(line.startswith("  SKIP   0/0") for line in lines)
