"""The reference programs of labs 02 and 03 with peers nobody here wrote: socat and
ncat servers for tcp_client; socat, ncat and curl clients for tcp_server. Several MiB
each way, byte for byte. A test whose tool is missing is skipped, saying which."""
import os
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, need_tool
from gradelib import peers, platform
from gradelib.proc import Process

SOLUTIONS = BUILD / "solutions"
SIZE = 3 * 1024 * 1024
TIMEOUT = 30


@pytest.fixture
def payload(tmp_path):
    data = peers.payload(SIZE + 12345)
    path = tmp_path / "payload.bin"
    path.write_bytes(data)
    return data, path


class Tool:
    """A tool run as a server: started in a session of its own, ended with it."""

    def __init__(self, argv, ready, stdin=None):
        self.proc = subprocess.Popen(argv, stdin=stdin or subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.ready = self._wait_for(re.compile(ready), time.monotonic() + 10)

    def _wait_for(self, regex, deadline):
        """True once the tool's stderr has a line matching REGEX; False if it ended
        (its port was taken) or the deadline passed."""
        seen = b""
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if readable:
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    return False
                seen += chunk
                if regex.search(seen.decode("utf-8", "replace")):
                    return True
        return False

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(5)
        self.proc.stderr.close()


def tool_server(make_argv, ready, stdin=None):
    """Starts a tool listening on a free loopback port: make_argv(PORT) is its command.
    The port is found free a moment before the tool binds it; if another process took
    it in between, the tool ends and another port is tried."""
    for _ in range(5):
        with socket.socket() as probe:
            probe.bind((peers.IPV4, 0))
            port = probe.getsockname()[1]
        if stdin is not None:
            stdin.seek(0)
        tool = Tool(make_argv(port), ready, stdin)
        if tool.ready:
            return tool, port
        tool.stop()
    pytest.fail("the tool never listened")


def client_output(port, tmp_path):
    result = Process(platform.program_path(SOLUTIONS, "tcp_client"),
                     [peers.IPV4, port, "hello from tcp_client"], cwd=tmp_path,
                     timeout=TIMEOUT).wait()
    assert result.returncode == 0 and not result.timed_out, f"{result.ended()}\n{result.errors}"
    return result.stdout


def test_tcp_client_with_socat_server(payload, tmp_path):
    need_tool("socat")
    data, path = payload
    tool, port = tool_server(lambda p: ["socat", "-d", "-d",
                                        f"TCP-LISTEN:{p},bind={peers.IPV4}",
                                        f"SYSTEM:cat '{path}'"], r"listening on")
    try:
        assert client_output(port, tmp_path) == data
    finally:
        tool.stop()


def test_tcp_client_with_ncat_server(payload, tmp_path):
    need_tool("ncat")
    data, path = payload
    with open(path, "rb") as source:
        # ncat half-closes when its stdin ends, and reads (the client's line) until
        # the client closes.
        tool, port = tool_server(lambda p: ["ncat", "-v", "-l", peers.IPV4, str(p)],
                                 r"Listening on", stdin=source)
        try:
            assert client_output(port, tmp_path) == data
        finally:
            tool.stop()


@pytest.fixture
def echo_server(tmp_path):
    proc = Process(platform.program_path(SOLUTIONS, "tcp_server"), [], cwd=tmp_path,
                   timeout=120)
    host, port = peers.announced(proc, 10)
    yield port
    proc.stop()


def run_client(argv, path):
    with open(path, "rb") as stdin:
        done = subprocess.run(argv, stdin=stdin, capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout


def test_tcp_server_with_socat_client(payload, echo_server):
    # -t: how long socat waits, after sending all of stdin, for the echo to end.
    data, path = payload
    assert run_client([need_tool("socat"), "-t", str(TIMEOUT), "-",
                       f"TCP:{peers.IPV4}:{echo_server}"], path) == data


def test_tcp_server_with_ncat_client(payload, echo_server):
    # ncat half-closes when its stdin ends, then prints until the server closes.
    data, path = payload
    assert run_client([need_tool("ncat"), peers.IPV4, str(echo_server)], path) == data


def test_tcp_server_with_curl_client(payload, echo_server, tmp_path):
    # curl never half-closes, and reads an HTTP response: its request is made to read,
    # echoed, as one. -X puts a status line and a Content-Length before curl's own
    # request line; the echoed request body is then the response body.
    data, path = payload
    method = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\nX-Echoed:"
    out = tmp_path / "curl.out"
    done = subprocess.run([need_tool("curl"), "-sS", "--max-time", str(TIMEOUT), "-X", method,
                           "-H", "Expect:", "--data-binary", f"@{path}", "-o", str(out),
                           f"http://{peers.IPV4}:{echo_server}/"], capture_output=True,
                          timeout=TIMEOUT + 5)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert out.read_bytes() == data
