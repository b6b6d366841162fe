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
