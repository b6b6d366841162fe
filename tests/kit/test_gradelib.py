"""Unit tests of the grader's pieces that do not need a program to run."""
import signal

from gradelib import expect, platform, report


def test_signal_is_a_crash():
    assert platform.describe_exit(-signal.SIGSEGV, b"") == \
        "crashed: SIGSEGV (segmentation fault)"
    assert platform.describe_exit(-signal.SIGABRT, b"") == "crashed: SIGABRT (abort)"


def test_ordinary_exit_is_no_crash():
    assert platform.describe_exit(0, b"") is None
    assert platform.describe_exit(2, b"wsainfo: WSAStartup: ...") is None
    assert platform.describe_exit(None, b"") is None


def test_windows_exception_codes(monkeypatch):
    monkeypatch.setattr(platform, "WINDOWS_PROGRAMS", True)
    assert platform.describe_exit(0xC0000005, b"") == \
        "crashed: Windows exception 0xC0000005 (access violation)"
    # Python on Windows may report the code as a negative 32-bit number.
    assert platform.describe_exit(0xC0000005 - (1 << 32), b"").startswith(
        "crashed: Windows exception 0xC0000005")


def test_wine_crash_is_read_from_stderr(monkeypatch):
    monkeypatch.setattr(platform, "UNDER_WINE", True)
    monkeypatch.setattr(platform, "WINDOWS_PROGRAMS", True)
    stderr = (b"wine: Unhandled page fault on write access to 0000000000000000 at "
              b"address 00000001400015C2 (thread 0024), starting debugger...\n")
    assert platform.describe_exit(5, stderr) == \
        "crashed: Windows exception (Unhandled page fault on write access to 0000000000000000)"


def test_crlf_output_compares_as_lf():
    assert platform.normalise_newlines(b"a\r\nb\n\r\n") == b"a\nb\n\n"


def test_wine_command_line(monkeypatch):
    monkeypatch.setattr(platform, "UNDER_WINE", True)
    monkeypatch.setattr(platform, "wine_binary", lambda: "/usr/lib/wine/wine64")
    assert platform.command("bin/resolve.exe", ["::1", 80]) == \
        ["/usr/lib/wine/wine64", "bin/resolve.exe", "::1", "80"]


def test_program_env_is_small(monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "x")
    env = platform.program_env()
    assert "SECRET_TOKEN" not in env
    assert env["LC_ALL"] == "C"


def test_results_output_is_clipped_and_escaped():
    text = report.clip("ok\x1b[31m\x00" + "x" * 10000)
    assert "\x1b" not in text and "\x00" not in text
    assert "\\x1b" in text
    assert len(text) < report.RESULT_OUTPUT_LIMIT + 100


def test_failure_message_shows_expected_got_hint():
    message = str(expect.Failure("it failed", expected="a", got="b", hint="do c"))
    assert message.splitlines() == ["it failed", "expected: a", "got:      b",
                                    "hint:     do c"]


def test_msvcrt_abort_is_a_crash(monkeypatch):
    monkeypatch.setattr(platform, "WINDOWS_PROGRAMS", True)
    assert platform.describe_exit(3, b"Assertion failed: c==5, file ab.c, line 3\n") \
        .startswith("crashed: abort() or a failed assert")
    assert platform.describe_exit(3, b"resolve: timeout\n") is None


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
