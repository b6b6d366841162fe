"""Wine: its loader and preloader, the kit's prefix inside build/, its server, and the
keeper, a Wine process of the grader's own that holds the server up while it runs."""
import atexit
import contextlib
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

from . import hosts, locks

KIT_PREFIX = hosts.ROOT / "build" / "mingw" / "wine"


# The prefix this grader's programs run in: the kit's, or one of the grading run's own
# (run_prefix), which a run behind the boundary has so that its Wine server, which
# makes the programs' sockets, is in the run's network.
WINEPREFIX = Path(os.environ.get("KIT_WINEPREFIX") or KIT_PREFIX)


# What wineserver itself writes (a process it ended for a protocol error, say): kept
# here, not in any program's output.
WINESERVER_LOG = hosts.ROOT / "build" / "mingw" / "wineserver.log"


# A line Wine's server writes when it fails itself: an assertion in its own code (seen
# under load with Wine 8.0: server/sock.c:1460, sock_get_poll_events). It then ends, and
# every Wine process with it: the programs of the tests running, and the keeper.
SERVER_FAILED = re.compile(rb"^wineserver\S*: .*\bAssertion\b.*$", re.M)


# How long wineserver outlives the last Wine process: while a grader runs, its keeper
# (see prepare) holds the server up; after it, the server stays warm this long for the
# next grading run, and is gone soon after.
WINESERVER_PERSIST = 30


# What the keeper prints once Wine's server and services are up.
KEEPER_READY = "kit-wine-ready"


# Written into the prefix once it is made: its registry reaches the disk only when the
# server saves it, so system.reg cannot tell.
PREFIX_MADE = "kit-prefix-made"


# The files of a run's prefix copied, not linked (run_prefix): those Wine's server
# writes (the registry), so that nothing of a run's reaches the kit's prefix.
OWN_FILES = ("system.reg", "user.reg", "userdef.reg", ".update-timestamp", PREFIX_MADE)


def run_prefix(dest):
    """A prefix of a grading run's own at DEST, from the kit's (made first if need be):
    every file linked but OWN_FILES, copied, and the server's folder left to be named
    anew. Its server is the run's, in the run's network; a program only reads it."""
    prepare()
    dest = Path(dest)
    for folder, dirs, files in os.walk(KIT_PREFIX):
        here = dest / Path(folder).relative_to(KIT_PREFIX)
        here.mkdir(parents=True, exist_ok=True)
        for name in files:
            source, target = Path(folder, name), here / name
            if folder == str(KIT_PREFIX) and name == "wineserver":
                continue
            if os.path.islink(source):
                os.symlink(os.readlink(source), target)
            elif folder == str(KIT_PREFIX) and name in OWN_FILES:
                shutil.copy2(source, target)
            else:
                os.link(source, target)
        for name in dirs:
            if os.path.islink(Path(folder, name)):
                os.symlink(os.readlink(Path(folder, name)), here / name)
    return dest


def wine_binary():
    for candidate in ("/usr/lib/wine/wine64", shutil.which("wine64"), shutil.which("wine")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("TARGET=mingw needs Wine: run 'make setup TARGET=mingw'")


def wine_preloader(wine):
    """The preloader Wine's loader WINE runs itself through: beside the loader's real
    file, named after the name it was started by (as Wine's loader does)."""
    name = "wine64-preloader" if Path(wine).name.endswith("64") else "wine-preloader"
    return Path(os.path.realpath(wine)).with_name(name)


def wine_problem(host=None, wine=None):
    """Why Wine cannot run the programs reliably, in the student's terms, or None.

    Wine's preloader reserves the addresses a Windows process needs before anything
    else is loaded. Without it (Debian packages it apart, as wine64-preloader, and
    only suggests it) Wine starts anyway, and about one start in a few thousand
    finds the C heap, which Linux places at random, on the shared user data page:
    the program ends with exit 1 before its main, silently under WINEDEBUG=-all."""
    if not (host or hosts.HOST).under_wine:
        return None
    try:
        wine = wine or wine_binary()
    except RuntimeError as e:
        return str(e)
    preloader = wine_preloader(wine)
    if preloader.exists():
        return None
    return (f"Wine's preloader ({preloader}) is missing. Without it Wine now and then "
            "fails to start a program, which then ends with exit 1 and no message. "
            "Install it: make setup TARGET=mingw (on Debian and Ubuntu it is the "
            "wine64-preloader package).")


def wine_env():
    return {"WINEPREFIX": str(WINEPREFIX), "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml,winemenubuilder.exe="}


def server_dirs(prefix=None, uid=None):
    """The folders where Wine's server for PREFIX keeps its socket: a program in a
    box reaches the server there. Debian's Wine names its folder, under TMPDIR, in
    the prefix's `wineserver` file; Wine's own default is /tmp/.wine-UID."""
    prefix = Path(prefix or WINEPREFIX)
    found = [Path(f"/tmp/.wine-{os.getuid() if uid is None else uid}")]
    try:
        named = (prefix / "wineserver").read_text().strip()
    except OSError:
        named = ""
    if named:
        found.append(Path(os.environ.get("TMPDIR") or "/tmp") / named)
    return [d for d in found if d.is_dir()]


def wine_prefix_commands(wine):
    """What makes a new Wine prefix: boot it, and turn its crash debugger off, so a
    crash ends the program as on Windows instead of starting winedbg."""
    key = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug"
    return [[wine, "wineboot", "-i"],
            [wine, "reg", "add", key, "/v", "Debugger", "/t", "REG_SZ", "/d", "", "/f"]]


def wine_server_command(server):
    """What starts Wine's server, kept up WINESERVER_PERSIST s after its last process."""
    return [server, f"-p{WINESERVER_PERSIST}"]


def wine_keeper_command(wine):
    """The keeper: a Wine process that says KEEPER_READY once Wine's server and
    services are up, then reads commands from its stdin until that closes."""
    return [wine, "cmd", "/q", "/k", "echo", KEEPER_READY]


def prepare(host=None):
    """Readies the target for this grader's programs. Under Wine: a prefix inside
    build/ whose crash debugger is off, Wine's server, and the keeper, a Wine process
    of the grader's own that holds the server and its services up for as long as the
    grader runs (its stdin is a pipe that closes when the grader ends).

    Without a keeper the server shuts down in any pause between programs longer than
    WINESERVER_PERSIST, and the next program starts a new one itself: a server of
    Debian's defaults, which shuts down the moment no program runs, and which with
    Wine's services carries that program's mark and holds its stderr. Programs would
    then start while a server shuts down, and the grader would end Wine's own
    processes with the student's."""
    if not (host or hosts.HOST).under_wine or keeper_alive():
        return
    # Wine's own processes are not the submission's: keep them out of its run.
    env = {k: v for k, v in os.environ.items() if k != "KIT_RUN_ID"}
    env.update(wine_env())
    wine = wine_binary()
    server = Path(wine).with_name("wineserver")
    # The server outlives this run: it must not hold the run's output pipes open.
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    # Parallel workers make the prefix once, one after the other.
    with locks.exclusive(WINEPREFIX.with_name("wine.lock")):
        WINEPREFIX.mkdir(parents=True, exist_ok=True)
        made = WINEPREFIX / PREFIX_MADE
        if not made.exists():
            for argv in wine_prefix_commands(wine):
                subprocess.run(argv, env=env, timeout=120, check=False, **quiet)
            # The prefix's registry (TEMP among its values) reaches the disk when its
            # server saves it, at the latest when it ends: wait for that, since a
            # run's prefix (run_prefix) is copied from the files.
            if server.exists():
                subprocess.run([str(server), "-w"], env=env, timeout=120,
                               check=False, **quiet)
            made.touch()
        # Then the server of the grader's own, so that no Wine command starts one.
        if server.exists():
            argv = wine_server_command(str(server))
            with _wineserver_log(argv) as log:
                subprocess.run(argv, env=env, timeout=120, check=False,
                               **{**quiet, "stderr": log})
        _keeper["proc"] = _start_keeper(wine, env)


@contextlib.contextmanager
def _wineserver_log(argv):
    """WINESERVER_LOG opened for the server that ARGV starts, after a line naming it."""
    with open(WINESERVER_LOG, "ab") as log:
        log.write(f"== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
        log.flush()     # before anything the server writes
        yield log


# This grader's keeper (see prepare), once started.
_keeper = {"proc": None}
# How far this process has read WINESERVER_LOG for the server's failures.
_log = {"seen": None}


def server_failures(log=None):
    """The lines in which Wine's server failed (SERVER_FAILED) that LOG (by default
    WINESERVER_LOG) got since this process last looked; none at the first look."""
    log = Path(log or WINESERVER_LOG)
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            seen = _log["seen"]
            if seen is None or seen > end:
                _log["seen"] = end
                return []
            f.seek(seen)
            text = f.read(end - seen)
    except OSError:
        return []
    _log["seen"] = end
    return [m.group(0).decode("utf-8", "replace") for m in SERVER_FAILED.finditer(text)]


def restart_server():
    """Wine's server and a keeper anew, after the server failed (and took the keeper
    with it): the next programs find them as the run's first did."""
    keeper = _keeper["proc"]
    if keeper is not None:
        _keeper["proc"] = None
        _end_keeper(keeper)
    prepare()


def keeper_alive():
    proc = _keeper["proc"]
    return proc is not None and proc.poll() is None


def _start_keeper(wine, env, timeout=120):
    """Starts the keeper and waits up to TIMEOUT s for it to say it is ready; returns
    it, or None (it is ended) if it never does. Its own session keeps signals meant
    for the grader's group away from it."""
    keeper = subprocess.Popen(wine_keeper_command(wine), env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    if _says(keeper.stdout, KEEPER_READY.encode(), time.monotonic() + timeout):
        atexit.register(_end_keeper, keeper)
        return keeper
    _end_keeper(keeper)
    return None


def _says(stream, word, deadline):
    """Whether STREAM (a pipe) writes WORD before it closes or DEADLINE passes."""
    seen = b""
    while word not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            return False
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            return False
        seen += chunk
    return True


def _end_keeper(keeper):
    """Closes the keeper's stdin, which ends it; kills it if it lingers."""
    for stream in (keeper.stdin, keeper.stdout):
        try:
            stream.close()
        except OSError:
            pass
    try:
        keeper.wait(5)
    except subprocess.TimeoutExpired:
        keeper.kill()
        keeper.wait()
