"""The reference programs of labs 04 and 05 against peers nobody here wrote: socat
as a UDP client and server, socat and ncat as clients that half-close, and socat as
a server that answers only after the end-of-file. Skipped, saying why, where a tool
is missing (labs/common/setup.sh installs them)."""
import hashlib
import os
import socket
import subprocess
import time

import pytest

from conftest import BUILD, need_tool

from gradelib import platform
from gradelib.peers import parse_announce, payload, summary_of
from gradelib.proc import Process

BIN = BUILD / "solutions"
# Every wait here is bounded by this; the programs answer in well under a second.
WAIT = 15.0


def start(name, *args, cwd, stdin=b""):
    return Process(platform.program_path(BIN, name), args, cwd=cwd, stdin=stdin,
                   timeout=WAIT)


def announced(server):
    m = server.wait_line(r"listening on .+", WAIT)
    assert m is not None, server.stop().errors
    return parse_announce(m.group(0))


def run_tool(argv, stdin=b""):
    """Runs a tool to its end; returns its stdout."""
    done = subprocess.run(argv, input=stdin, capture_output=True, timeout=WAIT)
    assert done.returncode == 0, f"{argv[0]} failed: {done.stderr.decode(errors='replace')}"
    return done.stdout


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bound(port, kind):
    """Whether a socket of KIND is bound (UDP) or listening (TCP) on loopback PORT,
    as Linux lists them: asked without touching the port."""
    table, state = ("/proc/net/udp", "07") if kind == socket.SOCK_DGRAM else \
        ("/proc/net/tcp", "0A")
    with open(table) as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return any(r[1].endswith(f":{port:04X}") and r[3] == state for r in rows)


def wait_bound(port, kind, proc):
    """Waits until PROC, a tool that cannot announce itself, holds PORT."""
    if not os.path.exists("/proc/net/udp"):
        pytest.skip("needs Linux's /proc/net to see when the tool is ready")
    deadline = time.monotonic() + WAIT
    while not bound(port, kind):
        assert proc.poll() is None, f"{proc.args[0]} ended: {proc.stderr.read()!r}"
        assert time.monotonic() < deadline, f"{proc.args[0]} never bound port {port}"
        time.sleep(0.02)    # the tool gives no sign but the port: look again shortly


@pytest.fixture
def background():
    """background(argv) starts a tool that outlives one call; ended with the test."""
    procs = []

    def spawn(argv):
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        procs.append(proc)
        return proc
    yield spawn
    for proc in procs:
        proc.kill()
        proc.wait(5)


# --- lab 04: socat's datagrams --------------------------------------------------------

def test_socat_client_gets_udp_server_echo(tmp_path):
    socat = need_tool("socat")
    server = start("udp_server", "--max-datagrams", 1, cwd=tmp_path)
    host, port = announced(server)
    data = payload(1000)
    # socat sends stdin as one datagram and prints what comes back within -t s.
    got = run_tool([socat, "-t", "2", "-", f"UDP4-SENDTO:{host}:{port}"], stdin=data)
    assert got == data
    result = server.wait(WAIT)
    assert result.returncode == 0, result.ended()


def test_udp_client_gets_socat_echo(tmp_path, background):
    socat = need_tool("socat")
    port = free_port(socket.SOCK_DGRAM)
    echo = background([socat, f"UDP4-RECVFROM:{port},bind=127.0.0.1", "PIPE"])
    wait_bound(port, socket.SOCK_DGRAM, echo)
    message = "interop-" + os.urandom(8).hex()
    result = start("udp_client", "127.0.0.1", port, message, "--timeout", 2000,
                   cwd=tmp_path).wait()
    assert result.returncode == 0, result.errors
    assert result.stdout == message.encode() + b"\n"


# --- lab 05: half-closing peers -----------------------------------------------------

@pytest.mark.parametrize("name", ["socat", "ncat"])
def test_half_closing_client_gets_summary(name, tmp_path):
    path = need_tool(name)
    server = start("summary_server", "--max-clients", 1, cwd=tmp_path)
    host, port = announced(server)
    data = payload(300_000)
    # Both end their sending side (shutdown) at the end of stdin, then read on.
    argv = ([path, "-t", "5", "-", f"TCP4:{host}:{port}"] if name == "socat"
            else [path, host, str(port)])
    got = run_tool(argv, stdin=data)
    assert got == summary_of(data)
    result = server.wait(WAIT)
    assert result.returncode == 0, result.ended()


def test_upload_to_socat_answering_after_eof(tmp_path, background):
    socat = need_tool("socat")
    port = free_port(socket.SOCK_STREAM)
    # sha256sum prints only after the end of its input: socat gives it that when
    # upload shuts its sending side down.
    server = background([socat, f"TCP4-LISTEN:{port},bind=127.0.0.1,reuseaddr",
                         "SYSTEM:sha256sum"])
    wait_bound(port, socket.SOCK_STREAM, server)
    data = payload(2_000_000)
    result = start("upload", "127.0.0.1", port, "--timeout", 10000, cwd=tmp_path,
                   stdin=data).wait()
    assert result.returncode == 0, result.errors
    assert result.stdout == hashlib.sha256(data).hexdigest().encode() + b"  -\n"
