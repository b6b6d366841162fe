"""Wine's server under the grader (TARGET=mingw): the grader's keeper holds it up for
as long as the grader runs, so that a pause between programs does not end it and no
student program starts a server of its own. Each test runs a grader of its own in a
Wine prefix of its own, whose server would shut down one second after its last
process."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, TARGET

pytestmark = pytest.mark.skipif(TARGET != "mingw" or not sys.platform.startswith("linux"),
                                reason="Wine's server: TARGET=mingw on Linux only")

PROGRAM = BUILD / "tests" / "bin" / "common_units.exe"

# The grader, in short: a program, a pause longer than the server's persistence and its
# shutdown (one second, then at most four), another program. It prints what it saw.
GRADER = r"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gradelib import platform
from gradelib.proc import Process

tmp, program = Path(sys.argv[2]), sys.argv[3]
platform.wine.WINEPREFIX = tmp / "wine"
platform.wine.WINESERVER_LOG = tmp / "wineserver.log"
platform.wine.WINESERVER_PERSIST = 1

sys.path.insert(0, sys.argv[4])
from test_wine import wine_processes

def server():
    return [pid for pid, (cmd, _) in wine_processes(platform.wine.WINEPREFIX).items()
            if "wineserver" in cmd]

platform.prepare()
# What a run's own prefix copies: the registry, on disk once the prefix is made.
registry = platform.wine.WINEPREFIX / "user.reg"
saved = registry.exists() and '"TEMP"=' in registry.read_text(errors="replace")
codes = [Process(program, ["Startup"], cwd=tmp, timeout=60).wait().returncode]
before = server()
time.sleep(6)   # the pause between two programs
codes.append(Process(program, ["Startup"], cwd=tmp, timeout=60).wait().returncode)
print(json.dumps({"saved": saved, "codes": codes, "before": before, "after": server(),
                  "marked": [v for v in wine_processes(platform.wine.WINEPREFIX).values() if v[1]]}))
"""


def wine_processes(prefix, proc="/proc"):
    """PID -> (command, [its KIT_PROCESS mark]) of the live processes of Wine PREFIX."""
    found = {}
    marker = f"WINEPREFIX={prefix}".encode()
    for pid in filter(str.isdigit, os.listdir(proc)):
        try:
            with open(f"{proc}/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"{proc}/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"{proc}/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in env and state not in (b"Z", b"X"):
            mark = [e.decode() for e in env if e.startswith(b"KIT_PROCESS=")]
            found[int(pid)] = (argv[0].decode(errors="replace"), mark)
    return found


@pytest.fixture
def grader(tmp_path):
    """Runs GRADER in TMP_PATH; returns what it printed, once every process of its
    Wine prefix is gone (the keeper ends with the grader, the server a second later)."""
    def run():
        done = subprocess.run([sys.executable, "-c", GRADER, str(ROOT / "grader"),
                               str(tmp_path), str(PROGRAM), str(Path(__file__).parent)],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        deadline = time.monotonic() + 30
        while (left := wine_processes(tmp_path / "wine")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"Wine's processes outlived the grader: {left}"
        return json.loads(done.stdout.splitlines()[-1])
    yield run
    shutil.rmtree(tmp_path / "wine", ignore_errors=True)


def test_wine_server_outlives_a_pause_while_the_grader_runs(grader):
    seen = grader()
    assert seen["saved"], "the new prefix's registry (its TEMP) was not on disk when " \
        "prepare returned: a run's prefix, copied from it, would have none"
    assert seen["codes"] == [0, 0]
    assert len(seen["before"]) == 1, f"not one server for the prefix: {seen}"
    assert seen["after"] == seen["before"], \
        f"Wine's server ended in the pause, and another one was started: {seen}"
    assert seen["marked"] == [], f"Wine's own processes carry a program's mark: {seen}"


def test_server_failures_are_the_servers_own_lines(tmp_path, monkeypatch):
    from gradelib.platform import wine
    log = tmp_path / "wineserver.log"
    log.write_bytes(b"== 2026-12-07 09:42:13 /usr/lib/wine/wineserver -p30\n")
    monkeypatch.setitem(wine._log, "seen", None)
    assert wine.server_failures(log) == []          # the first look
    with open(log, "ab") as f:
        f.write(b"0x5628:1: Socket fd=0x5628, state=3, mask=0, pending=40, reported=40\n"
                b"wineserver64: server/sock.c:1460: sock_get_poll_events: Assertion "
                b"`sock->obj.ops == &sock_ops' failed.\n== 2026-12-07 09:42:51 x -p30\n")
    assert wine.server_failures(log) == [
        "wineserver64: server/sock.c:1460: sock_get_poll_events: Assertion "
        "`sock->obj.ops == &sock_ops' failed."]
    assert wine.server_failures(log) == []          # seen once


# A grader whose Wine server fails (as its assertion does: killed, every Wine process
# with it) between two programs: it finds the failure in the log, restarts the server
# and keeper, and the next program runs, none of Wine's own processes carrying its mark.
FAILING = r"""
import json, os, signal, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gradelib import platform
from gradelib.proc import Process

tmp, program = Path(sys.argv[2]), sys.argv[3]
platform.wine.WINEPREFIX = tmp / "wine"
platform.wine.WINESERVER_LOG = tmp / "wineserver.log"
sys.path.insert(0, sys.argv[4])
from test_wine import wine_processes

def servers():
    return [pid for pid, (cmd, _) in wine_processes(platform.wine.WINEPREFIX).items()
            if "wineserver" in cmd]

platform.prepare()
platform.server_failures()
codes = [Process(program, ["Startup"], cwd=tmp, timeout=60).wait().returncode]
before = servers()
for pid in before:
    os.kill(pid, signal.SIGABRT)
with open(platform.wine.WINESERVER_LOG, "ab") as log:
    log.write(b"wineserver64: server/sock.c:1460: sock_get_poll_events: Assertion `x' failed.\n")
deadline = time.monotonic() + 30
while servers() and time.monotonic() < deadline:
    time.sleep(0.2)
found = platform.server_failures()
platform.restart_server()
after = servers()
codes.append(Process(program, ["Startup"], cwd=tmp, timeout=60).wait().returncode)
print(json.dumps({"codes": codes, "before": before, "after": after, "found": found,
                  "alive": platform.keeper_alive(), "now": servers(),
                  "marked": [v for v in wine_processes(platform.wine.WINEPREFIX).values() if v[1]]}))
"""


def test_a_failed_server_is_found_and_started_anew(tmp_path):
    done = subprocess.run([sys.executable, "-c", FAILING, str(ROOT / "grader"), str(tmp_path),
                           str(PROGRAM), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=240)
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        seen = json.loads(done.stdout.splitlines()[-1])
        assert seen["codes"] == [0, 0], seen
        assert len(seen["found"]) == 1 and "Assertion" in seen["found"][0], seen
        assert seen["alive"] and len(seen["after"]) == 1, f"no server and keeper anew: {seen}"
        assert seen["after"] != seen["before"] and seen["now"] == seen["after"], seen
        assert seen["marked"] == [], f"Wine's own processes carry a program's mark: {seen}"
    finally:
        deadline = time.monotonic() + 30
        while wine_processes(tmp_path / "wine") and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(tmp_path / "wine", ignore_errors=True)
