"""The call record as the grader reads it (grader/gradelib/calls.py), and a failure
replayed by its seed."""
import pytest

from conftest import ROOT, build_patched, grade
from gradelib import calls

SERVER = """\
WSAStartup(2.2) = 0
getaddrinfo("127.0.0.1", "0", AF_UNSPEC, SOCK_STREAM, AI_PASSIVE) = 0 127.0.0.1:0
socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s1
setsockopt(s1, SOL_SOCKET, SO_LINGER, {l_onoff 1, l_linger 0}) = 0
bind(s1, 127.0.0.1:0) = 0
announce(s1, 127.0.0.1:40000)
listen(s1, SOMAXCONN) = 0
accept(s1, NULL) = INVALID_SOCKET WSAECONNRESET [fault: the client reset while it waited in the backlog]
accept(s1, addr[16]) = s2 from 127.0.0.1:5000
recv(s2, 16384 bytes) = 7 [fault: short recv, asked the system for 7]
recv(s2, 16384 bytes) = 7 [fault: short recv, asked the system for 9]
send(s2, 7 bytes) = SOCKET_ERROR WSAECONNRESET
exit: open s1 s2; WSAStartup 2 (1 failed); WSACleanup 0
"""


def test_record_parsed():
    record = calls.Calls(SERVER)
    assert [s.name for s in record.open_at_exit()] == ["s1", "s2"]
    assert record.sockets["s1"].options == {"SO_LINGER": "{l_onoff 1, l_linger 0}"}
    assert record.backlog("s1") == "SOMAXCONN"
    assert record.announced_too_soon().number == 6
    accepts = record.named("accept")
    assert accepts[0].error == "WSAECONNRESET" and accepts[0].fault.startswith("the client")
    assert accepts[1].made == "s2"
    assert record.sequence() == (
        "WSAStartup -> getaddrinfo -> socket -> setsockopt(SO_LINGER) -> bind -> "
        "[announce] -> listen -> accept WSAECONNRESET* -> accept -> recv* x2 -> "
        "send WSAECONNRESET")
    assert "WSACleanup was called 0 time(s)" in record.startup_problem()


def test_full_record():
    """A record is full at the layer's limit, and when it says calls went unrecorded.
    (That the layer stops there: test_common_layer.test_record_is_bounded.)"""
    assert not calls.Calls(SERVER).full
    line = "select(read s1; write NULL; except NULL; no timeout) = 1\n"
    assert not calls.Calls(line * (calls.RECORD_LIMIT - 1) + "exit: open none; "
                           "WSAStartup 1 (0 failed); WSACleanup 1\n").full
    assert calls.Calls(line * calls.RECORD_LIMIT).full
    assert calls.Calls(SERVER.replace("exit:", "not recorded: 3 calls after the first "
                                      "20000\nexit:")).full


def test_definitions_read(tmp_path):
    """calls.def's entries as the grader reads them; a line that is no entry is an
    error naming it, not a fault or a bound quietly lost."""
    path = tmp_path / "calls.def"
    path.write_text('/* a comment\n   CALLS_FAULT(NOT_ONE, "no") */\n#ifndef CALLS_FAULT\n'
                    'CALLS_LIMIT(RECORD_LIMIT, 7)\nCALLS_FAULT(SHORT_SEND, "short-send")\n')
    assert calls.read_definitions(path) == ({"RECORD_LIMIT": 7}, ("short-send",))
    path.write_text(path.read_text() + 'CALLS_FAULT(SHORT_RECV, short-recv)\n')
    with pytest.raises(ValueError, match=r"calls.def:6: .*CALLS_FAULT\(SHORT_RECV"):
        calls.read_definitions(path)


def test_startup_order():
    failed_then_cleanup = "WSAStartup(0.9) = WSAVERNOTSUPPORTED\nWSACleanup() = SOCKET_ERROR " \
                          "WSANOTINITIALISED\nexit: open none; WSAStartup 1 (1 failed); " \
                          "WSACleanup 0\n"
    assert "after a WSAStartup that failed" in calls.Calls(failed_then_cleanup).startup_problem()
    paired = "WSAStartup(2.2) = 0\nWSACleanup() = 0\nexit: open none; WSAStartup 1 " \
             "(0 failed); WSACleanup 1\n"
    assert calls.Calls(paired).startup_problem() is None


def test_same_seed_same_failure(tmp_path):
    """A failing mutant graded twice with the same seed fails the same way, and its
    transcript shows the program's calls and the command that replays it."""
    patch = ROOT / "tests" / "mutants" / "lab02" / "send-once.patch"
    out = build_patched("mutants", patch)
    test = "test_lab02_tcp_client.py::test_ipv4"
    runs = []
    for name in ("first", "again"):
        (tmp_path / name).mkdir()
        runs.append(grade(out, tmp_path / name, test, env={"KIT_SEED": "31337"}))
    first, again = (r.test("test_ipv4") for r in runs)
    assert first["status"] == "failed", runs[0].output
    assert first["output"] == again["output"]
    assert "KIT_SEED=31337" in first["output"].splitlines()[-1]
    transcript = runs[0].report()
    assert "seed 31337" in transcript
    assert "send* -> " in transcript and "[fault: short send]" in transcript
