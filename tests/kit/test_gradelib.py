"""Unit tests of the grader's pieces that do not need a program to run. (The platform
module has its own: test_platform.py.)"""
import select
import socket
import struct

from gradelib import expect, peers, report, reruns


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


def test_bytes_hint_reads_how_a_sent_stream_went_wrong():
    data = peers.payload(4000, 1)
    hint = lambda got, sent=True: expect.bytes_hint(  # noqa: E731
        data, got, expect.first_difference(data, got), sent) or ""
    # A send loop that sends the same piece again: bytes from earlier come again.
    assert "came again" in hint(data[:1000] + data[500:3500])
    # A send that took fewer bytes than asked, the rest dropped: the stream skips.
    assert "skips ahead" in hint(data[:1000] + data[1200:])
    # One send that took fewer bytes than asked: a prefix, a short send or a recv.
    assert "one send may take fewer" in hint(data[:1500])
    assert "one send" not in hint(data[:1500], sent=False)


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


def test_exchange_with_a_peer_that_reset_says_so():
    """Shutting down a connection the peer has reset fails (ENOTCONN on Linux): the
    exchange tells how it ended instead of raising."""
    with socket.create_server((peers.IPV4, 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=5) as sock:
            conn, _ = listener.accept()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()                    # a reset
            assert select.select([sock], [], [], 5)[0], "the reset never came"
            got, how = peers.exchange(sock, b"", 5)
    assert (got, how) in ((b"", "reset"), (b"", "eof"))


def test_a_challenge_is_a_bonus_shown_apart(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "GRADE_DIR", tmp_path)
    board = report.Scoreboard(None)
    for name, challenge, outcome in (("a", False, "passed"), ("b", True, "passed"),
                                     ("c", True, "failed")):
        for when in ("setup", "call", "teardown"):
            rep = _Report(when, outcome if when == "call" else "passed")
            rep.nodeid = f"grader/test_lab04_udp.py::test_{name}"
            rep.user_properties = rep.user_properties + [("challenge", challenge)]
            board.record(rep)
    assert board.totals() == (2, 2)
    assert board.bonus(board.entries.values()) == (2, 4)
    lines = []
    board.summary(lines.append)
    assert "  Lab 04: 2/2 (+ challenge 2/4)" in lines
    assert lines.index("  challenge (bonus points, not in the lab's score):") > \
        lines.index("  PASS   2/2   x")
    results = __import__("json").loads((tmp_path / "results.json").read_text())
    assert (results["score"], results["max_score"]) == (2, 2)
    bonus = [t for t in results["tests"] if t["extra_data"].get("challenge")]
    assert [(t["score"], t["max_score"], t["extra_data"]["bonus"]) for t in bonus] == \
        [(0, 0, 2), (0, 0, 0)]


class _Hooks:
    """The hooks gradelib.reruns.protocol calls: it keeps the reports logged."""

    def __init__(self):
        self.logged, self.started, self.finished = [], 0, 0

    def pytest_runtest_logstart(self, nodeid, location):
        self.started += 1

    def pytest_runtest_logreport(self, report):
        self.logged.append(report)

    def pytest_runtest_logfinish(self, nodeid, location):
        self.finished += 1


class _Item:
    nodeid, location = "grader/test_lab07_http_server.py::test_x", ("f", 1, "test_x")

    def __init__(self):
        self.ihook = _Hooks()


class _Outcome:
    def __init__(self, failed, run):
        self.failed, self.run, self.user_properties = failed, run, []
        self.nodeid = _Item.nodeid


def _protocol(outcomes, failures):
    """Runs reruns.protocol on an item whose runs fail as OUTCOMES says (one bool a
    run), the platform failing as FAILURES says (one list of lines a look). Returns
    the hooks, the runs made and the restarts."""
    item, runs, restarts = _Item(), [], []

    def run(item, nextitem, log):
        assert log is False
        runs.append(nextitem)
        return [_Outcome(outcomes[len(runs) - 1], len(runs))]
    looks = iter(failures)
    assert reruns.protocol(item, "next", lambda: next(looks), lambda: restarts.append(1),
                           run=run) is True
    return item.ihook, runs, restarts


def test_a_test_the_platform_broke_runs_again_once():
    line = "wineserver64: server/sock.c:1460: sock_get_poll_events: Assertion `x' failed."
    hooks, runs, restarts = _protocol([True, False], [[line]])
    assert runs == ["next", "next"] and restarts == [1]
    assert [r.run for r in hooks.logged] == [2] and not hooks.logged[0].failed
    assert hooks.logged[0].user_properties == [(reruns.NOTE, line)]
    assert hooks.started == hooks.finished == 1
    summary = reruns.summary(hooks.logged)
    assert len(summary) == 1 and "test_x" in summary[0] and "sock.c:1460" in summary[0]


def test_a_failure_the_platform_did_not_cause_is_the_programs():
    hooks, runs, restarts = _protocol([True], [[]])
    assert len(runs) == 1 and restarts == [] and hooks.logged[0].failed
    assert hooks.logged[0].user_properties == [] and reruns.summary(hooks.logged) == []


def test_a_passing_test_is_not_run_again_though_the_platform_failed():
    hooks, runs, restarts = _protocol([False], [["wineserver: Assertion `x' failed."]])
    assert len(runs) == 1 and restarts == [1] and not hooks.logged[0].failed


def test_a_second_failure_stands():
    hooks, runs, restarts = _protocol([True, True], [["wineserver: Assertion `x' failed."]])
    assert len(runs) == 2 and hooks.logged[0].failed and hooks.logged[0].run == 2
