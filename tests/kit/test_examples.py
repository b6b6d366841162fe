"""The examples (examples/): small programs beside the labs, not graded. make test
builds them; these tests run them, so that they keep doing what docs/concepts.md says.

raw_ping sends one ICMP echo request to a loopback address over a raw socket. It has
exactly two good outcomes: a reply line (with the rights a raw socket needs: root here
in CI, administrator on Windows), or the rights message with its own exit code."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD
from gradelib import platform
from gradelib.proc import Process

RAW_PING = platform.program_path(BUILD / "examples", "raw_ping")
SECONDS = 30     # the program waits 2 s for a reply; Wine's start takes a few more
EXIT_USAGE, EXIT_NO_RIGHTS = 1, 4
REPLY = re.compile(r"reply from 127\.0\.0\.1: type 0 code 0 \(echo reply\), "
                   r"time \d+\.\d{3} ms\n")
RIGHTS = ("raw_ping: socket: WSAEACCES (10013)",
          "raw_ping: a raw socket needs administrator rights on Windows, "
          "root or CAP_NET_RAW on Linux")


def run(args, tmp_path):
    result = Process(RAW_PING, args, cwd=tmp_path, timeout=SECONDS).wait()
    assert not result.timed_out, f"raw_ping {' '.join(args)} did not end in {SECONDS} s"
    return result


def assert_no_rights(returncode, errors):
    assert returncode == EXIT_NO_RIGHTS, f"exit {returncode}, expected {EXIT_NO_RIGHTS}:\n{errors}"
    for line in RIGHTS:
        assert line in errors, f"'{line}' is not on stderr:\n{errors}"


@pytest.fixture(scope="module", autouse=True)
def built():
    if not RAW_PING.exists():
        pytest.fail(f"{RAW_PING} is not built: make test builds it (make examples)")


@pytest.mark.parametrize("args", [[], ["127.0.0.1"]], ids=["default", "127.0.0.1"])
def test_raw_ping_replies_or_says_it_needs_rights(args, tmp_path):
    result = run(args, tmp_path)
    if result.returncode == 0:
        assert REPLY.fullmatch(result.text), f"not a reply line: {result.text!r}"
        assert result.errors == "", result.errors
    else:
        assert result.text == "", f"output without a reply: {result.text!r}"
        assert_no_rights(result.returncode, result.errors)


@pytest.mark.parametrize("addr", ["192.0.2.1", "10.0.0.1", "::1", "localhost",
                                  "127.0.0.1.5", ""])
def test_raw_ping_refuses_what_is_not_an_ipv4_loopback_address(addr, tmp_path):
    result = run([addr], tmp_path)
    assert result.returncode == EXIT_USAGE, f"exit {result.returncode}:\n{result.errors}"
    assert f"raw_ping: '{addr}' is not an IPv4 loopback address" in result.errors
    assert "usage: raw_ping [ADDR]" in result.errors
    assert result.text == ""


def test_raw_ping_refuses_more_than_one_address(tmp_path):
    result = run(["127.0.0.1", "127.0.0.2"], tmp_path)
    assert result.returncode == EXIT_USAGE
    assert result.errors.startswith("usage: raw_ping [ADDR]"), result.errors


def test_raw_ping_without_rights_says_so(tmp_path):
    """Run as an ordinary user (nobody), where this runs as root on Linux: the
    socket call is refused, and the program says what it needs."""
    if not platform.ON_LINUX or platform.UNDER_WINE:
        pytest.skip("drops root with setpriv: native Linux only (Wine's prefix is "
                    "root's; on Windows an unelevated run is the default test)")
    if os.geteuid() != 0:
        pytest.skip("not root: the default test already meets the rights message")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    os.chmod(tmp_path, 0o777)
    proc = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                           "--inh-caps=-all", str(RAW_PING)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=SECONDS)
    assert proc.stdout == ""
    assert_no_rights(proc.returncode, proc.stderr)
