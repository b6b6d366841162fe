"""The grader's one room for platform differences.

How programs are found, started and ended on Linux, macOS, Windows (MSYS2) and under
Wine, and the list of places where Wine behaves differently from real Windows. No
other grader module looks at the platform.

Every decision is a function of a Host (where the grader runs, what it runs), so each
Windows path can be tested on Linux by passing it a Windows Host; only the system calls
themselves (ctypes, taskkill, os.killpg) run on one platform alone.
"""
import atexit
import contextlib
import ctypes
import ntpath
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("KIT_TARGET") or "native"


@dataclass(frozen=True)
class Host:
    """SYSTEM is the grader's Python's sys.platform ("linux", "darwin", "win32"; MSYS2's
    own Python says "cygwin" or "msys"); TARGET is "native" or "mingw"."""
    system: str = sys.platform
    target: str = TARGET

    @property
    def on_windows(self):
        return self.system == "win32"

    @property
    def on_linux(self):
        return self.system.startswith("linux")

    @property
    def under_wine(self):
        return self.target == "mingw" and not self.on_windows

    @property
    def windows_programs(self):
        return self.on_windows or self.target == "mingw"

    @property
    def exe(self):
        return ".exe" if self.windows_programs else ""


HOST = Host()
# The same facts as names, for tests that only ask.
ON_WINDOWS = HOST.on_windows
UNDER_WINE = HOST.under_wine
WINDOWS_PROGRAMS = HOST.windows_programs
EXE = HOST.exe

# Whether the programs' sockets are the grader's own: the same system answers
# getsockopt for both, except under Wine, which keeps some options itself (and
# reports them as Windows does).
SAME_SOCKETS_AS_PROGRAMS = not UNDER_WINE

# Linux lets a UDP socket connected to one port send to another with sendto, and
# answers a datagram for it from anywhere but the port it is connected to with an
# ICMP port unreachable, as if it were closed: a client that is gone before its echo
# comes, without racing the server. Elsewhere the grader closes the socket instead.
UDP_SENDTO_WHILE_CONNECTED = sys.platform.startswith("linux")

WINEPREFIX = ROOT / "build" / "mingw" / "wine"
# What wineserver itself writes (a process it ended for a protocol error, say): kept
# here, not in any program's output.
WINESERVER_LOG = ROOT / "build" / "mingw" / "wineserver.log"
# How long wineserver outlives the last Wine process: while a grader runs, its keeper
# (see prepare) holds the server up; after it, the server stays warm this long for the
# next grading run, and is gone soon after.
WINESERVER_PERSIST = 30
# What the keeper prints once Wine's server and services are up.
KEEPER_READY = "kit-wine-ready"
# Written into the prefix once it is made: its registry reaches the disk only when the
# server saves it, so system.reg cannot tell.
PREFIX_MADE = "kit-prefix-made"

# The environment variable that marks every process of one program run, children
# included, so that those that left its process group are found too (Linux).
MARK = "KIT_PROCESS"

# Where Wine differs from the real Windows that the labs target. A test that meets
# one of these says so with wine_differs(KEY); it still runs in full on Windows.
# docs/platform-differences.md explains each, with the tests it affects.
WINE_DIFFERENCES = {
    "resolver-needs-startup":
        "Wine's getaddrinfo answers before WSAStartup; Windows fails with "
        "WSANOTINITIALISED (10093).",
    "udp-unreachable-unreported":
        "Wine reports no ICMP port unreachable on a UDP socket; Windows fails the "
        "next recvfrom with WSAECONNRESET (10054).",
    "reset-read-as-eof":
        "Wine's recv reads a connection the peer reset as an orderly end-of-file "
        "(0); Windows fails it with WSAECONNRESET (10054).",
    "reset-mid-reply-read-as-eof":
        "Wine's recv, waiting when the peer resets in the middle of a reply, now and "
        "then reads the reset as an orderly end-of-file (0); Windows fails it with "
        "WSAECONNRESET (10054).",
}
# The differences above that Wine shows only now and then: a test that meets one is
# not graded under Wine, whether it passes or fails.
WINE_DIFFERS_AT_TIMES = {"reset-mid-reply-read-as-eof"}

# Windows turns a connect to a loopback port nobody listens on into a refusal only
# after retrying for about 2 s (Linux, macOS and Wine refuse at once). Every timeout
# that may include refused connects allows this much per connect, on every platform,
# so that a test passing on Linux does not time out on Windows.
REFUSED_CONNECT_SECONDS = 2.5

# Windows exception codes a crashed program exits with.
EXCEPTIONS = {
    0xC0000005: "access violation",
    0xC0000094: "integer division by zero",
    0xC00000FD: "stack overflow",
    0xC0000409: "stack buffer overrun (or abort)",
    0xC000001D: "illegal instruction",
    0x80000003: "breakpoint",
    0xC0000135: "a DLL was not found",
}

# Windows process creation: a group of its own, so a console Ctrl+C meant for the
# grader does not reach the student's programs first.
CREATE_NEW_PROCESS_GROUP = 0x00000200
# No error dialog on a crash (Windows Error Reporting would wait for a click and turn
# the crash into a timeout), nor for a missing drive. Children inherit the mode.
SEM_FAILCRITICALERRORS = 0x0001
SEM_NOGPFAULTERRORBOX = 0x0002
ERROR_MODE = SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX
# The Job object each program runs in: closing the grader's handle, or the grader
# ending, ends every process in it; an unhandled exception ends the process at once.
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400
JOB_LIMIT_FLAGS = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9   # the information class SetInformationJobObject takes

# The environment a student's program gets: nothing of the grader's but these. Winsock
# needs SYSTEMROOT (without it WSAStartup fails with WSAEPROVIDERFAILEDINIT), and a
# program built in MSYS2 finds its DLLs through PATH.
PROGRAM_ENV = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "HOME",
               "USERPROFILE", "COMSPEC", "PATHEXT", "KIT_RUN_ID")


def program_path(out_dir, name, host=None):
    """Where the build puts program NAME of a tree: OUT/bin/NAME[.exe]."""
    return Path(out_dir) / "bin" / (name + (host or HOST).exe)


def command(path, args, host=None, wine=None, environ=None):
    """The command line that runs the program at PATH with ARGS on this host: under
    Wine, WINE (default: the installed one) runs it. Elsewhere KIT_WRAPPER, a command,
    goes in front: the kit's own tests run programs under valgrind so."""
    argv = [str(path), *[str(a) for a in args]]
    if (host or HOST).under_wine:
        return [wine or wine_binary(), *argv]
    return wrapper(environ) + argv


def wrapper(environ=None):
    """KIT_WRAPPER's command, as a list (empty when it is not set)."""
    environ = os.environ if environ is None else environ
    return shlex.split(environ.get("KIT_WRAPPER", ""))


def program_argv(argv, host=None, environ=None):
    """ARGV as the program itself sees it: without Wine's launcher or KIT_WRAPPER's
    command in front."""
    if (host or HOST).under_wine:
        return list(argv[1:])
    skip = len(wrapper(environ))
    return list(argv[skip:]) if argv[:skip] == wrapper(environ) else list(argv)


def program_file(path, host=None):
    """PATH (a file of the grader's) as the program sees it: under Wine a Windows path
    on drive Z:, which Wine maps to /."""
    if (host or HOST).under_wine:
        return "Z:" + str(Path(path).resolve()).replace("/", "\\")
    return str(path)


def typed_command(argv, host=None):
    """The command as the student would type it: 'resolve ::1 80' for
    [wine64, 'C:\\...\\bin\\resolve.exe', '::1', '80']."""
    host = host or HOST
    argv = program_argv(argv, host)
    name = ntpath.basename(argv[0]) if host.windows_programs else os.path.basename(argv[0])
    if host.windows_programs and name.lower().endswith(".exe"):
        name = name[:-4]
    return " ".join([name, *(_clip_arg(a) for a in argv[1:])])


def _clip_arg(arg, limit=60):
    """A long argument (a test's random message) shortened for a message line."""
    return arg if len(arg) <= limit else f"{arg[:40]}...({len(arg)} characters)"


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
    if not (host or HOST).under_wine:
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


def program_env(extra=None, host=None, environ=None, mark=None):
    """A small, fixed environment for the student's programs, MARK-ed. KIT_PASS_ENV
    names more variables to pass on: the kit's own tests pass the sanitizers' options
    so."""
    host = host or HOST
    environ = os.environ if environ is None else environ
    # Windows' variable names ignore case (Path, SystemRoot).
    fold = str.upper if host.on_windows else str
    keep = set(PROGRAM_ENV) | {fold(k) for k in environ.get("KIT_PASS_ENV", "").split()}
    env = {k: v for k, v in environ.items() if fold(k) in keep}
    env["LC_ALL"] = "C"
    if mark:
        env[MARK] = mark
    if host.under_wine:
        env.update(wine_env())
    env.update(extra or {})
    return env


def wine_env():
    return {"WINEPREFIX": str(WINEPREFIX), "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml,winemenubuilder.exe="}


def python_problem(host=None, executable=None):
    """Why this Python cannot grade, in the student's terms, or None when it can."""
    host = host or HOST
    if host.system in ("cygwin", "msys"):
        return (f"this Python ({executable or sys.executable}) is MSYS2's own, which cannot "
                "run or end Windows programs properly. The grader needs UCRT64's Python: "
                "in the 'MSYS2 UCRT64' shell run 'make setup', then 'make grade' again "
                "(or: make grade PYTHON=/ucrt64/bin/python3).")
    return None


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


def _lock_file(f, wait):
    """Takes the lock on F's first byte, waiting for it if WAIT (Windows' LK_LOCK gives
    up after 10 s); raises OSError if it is not taken."""
    f.seek(0)
    if os.name == "nt":
        import msvcrt
        msvcrt.locking(f.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
    else:
        import fcntl
        fcntl.flock(f, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(f):
    f.seek(0)
    if os.name == "nt":
        import msvcrt
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl
        fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive(path, timeout=600):
    """Holds an exclusive lock on the file PATH (made if missing) for the with-block, so
    that one process at a time does what it guards, across pytest-xdist's workers. On
    POSIX the wait is bounded by the holder (what it guards has timeouts of its own,
    and the lock goes with its process); on Windows it is at most TIMEOUT s."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as f:
        while True:
            try:
                _lock_file(f, wait=True)
                break
            except OSError:
                if os.name != "nt" or time.monotonic() > deadline:
                    raise
        try:
            yield
        finally:
            _unlock_file(f)


def lock_is_free(path):
    """Whether another open file could take PATH's lock now, without waiting."""
    with open(path, "a+b") as f:
        try:
            _lock_file(f, wait=False)
        except OSError:
            return False
        _unlock_file(f)
        return True


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
    if not (host or HOST).under_wine or keeper_alive():
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
    with exclusive(WINEPREFIX.with_name("wine.lock")):
        WINEPREFIX.mkdir(parents=True, exist_ok=True)
        # The server first, so that no Wine command starts one of its own.
        if server.exists():
            argv = wine_server_command(str(server))
            with _wineserver_log(argv) as log:
                subprocess.run(argv, env=env, timeout=120, check=False,
                               **{**quiet, "stderr": log})
        made = WINEPREFIX / PREFIX_MADE
        if not made.exists():
            for argv in wine_prefix_commands(wine):
                subprocess.run(argv, env=env, timeout=120, check=False, **quiet)
            made.touch()
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


def popen_options(host=None):
    """How each program is started so that its whole tree can be ended: a session and
    process group of its own on POSIX (Wine included), a process group of its own on
    Windows (plus the Job object of after_start)."""
    if (host or HOST).on_windows:
        return {"creationflags": CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def before_start(host=None):
    """Windows: the error mode the program inherits (no crash dialog). Wine: should the
    keeper be gone (it was ended, or Wine's server with it), start the server and the
    keeper again here; otherwise the student's program would start the server."""
    host = host or HOST
    if host.on_windows:
        _kernel32().SetErrorMode(ERROR_MODE)
    prepare(host)


def after_start(proc, host=None):
    """Windows: put the program in a Job object that ends its tree with it."""
    if (host or HOST).on_windows:
        proc._kit_job = _windows_job(proc)


def taskkill_command(pid, environ=None):
    """The command that ends process PID and its children on Windows."""
    environ = os.environ if environ is None else environ
    root = environ.get("SYSTEMROOT") or environ.get("SystemRoot") or r"C:\Windows"
    return [ntpath.join(root, "System32", "taskkill.exe"), "/T", "/F", "/PID", str(pid)]


# --- Exited, but not yet reaped ---------------------------------------------------
# A program's process group is named by its PID. Once the program is reaped and its
# group is empty, Linux may give that number to a new process, which may lead a group
# of its own: a kill of the old group would then end a stranger. So on Linux the
# grader sees a program's exit without reaping it (waitid with WNOWAIT): the zombie
# keeps its PID, and so its group's, until the grader has ended the group and calls
# reap().

def exit_status(popen, host=None):
    """The program's exit status as Popen.returncode gives it (-N: signal N), or None
    while it runs. On Linux the program is left unreaped."""
    if popen.returncode is not None or not (host or HOST).on_linux:
        return popen.poll()
    try:
        info = os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:       # reaped already
        return popen.poll()
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def wait_exit(popen, timeout, host=None):
    """Waits up to TIMEOUT seconds for the program to exit (on Linux without reaping
    it: a pidfd says when). True if it has."""
    if exit_status(popen, host) is not None:
        return True
    if not (host or HOST).on_linux:
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return popen.returncode is not None
    try:
        fd = os.pidfd_open(popen.pid)
    except ProcessLookupError:
        return exit_status(popen, host) is not None
    try:
        select.select([fd], [], [], max(0.0, timeout))
    finally:
        os.close(fd)
    return exit_status(popen, host) is not None


def reap(popen, host=None):
    """Collects the program, once it has exited and its group has been ended."""
    if exit_status(popen, host) is not None:
        popen.wait()


def kill_tree(proc, host=None, mark=None):
    """Ends the program and every process it started: its Job object on Windows; its
    process group on POSIX, and on Linux also every process carrying its MARK (a
    child that started a session of its own, or that Wine detached)."""
    host = host or HOST
    if host.on_windows:
        job = getattr(proc, "_kit_job", None)
        if job:
            k32 = _kernel32()
            k32.TerminateJobObject(job, 1)
            k32.CloseHandle(job)
            proc._kit_job = None
        elif proc.poll() is None:
            # No Job object (it could not be made): taskkill walks the tree by parent.
            subprocess.run(taskkill_command(proc.pid), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, timeout=30)
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    # A process may fork while it is being killed: again until none is left.
    for _ in range(5):
        pids = linux_members(proc.pid, mark) if host.on_linux else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)


def survivors(proc, host=None, mark=None):
    """How many processes of the program's tree are still running, the program itself
    having exited: those it left behind. Not counted on Windows, where the console
    host Windows starts beside a console program may outlive it by a moment (its Job
    object ends whatever is left either way)."""
    host = host or HOST
    if host.on_windows:
        return 0
    if host.on_linux:
        return len(linux_members(proc.pid, mark))
    try:
        os.killpg(proc.pid, 0)      # anyone left in the group? (a zombie counts too)
        return 1
    except (ProcessLookupError, PermissionError):
        return 0


def stat_fields(process_dir):
    """The fields of PROCESS_DIR/stat (/proc/PID) after the command's name: the state
    letter first ("Z": a zombie), the parent's PID, the process group's."""
    with open(os.path.join(process_dir, "stat"), "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()


def linux_members(pgid, mark, proc_dir="/proc"):
    """PIDs of the live (not zombie) processes in process group PGID or carrying MARK
    in their environment, read from PROC_DIR."""
    found = []
    marker = f"{MARK}={mark}".encode() if mark else None
    me = os.getpid()
    for entry in os.scandir(proc_dir):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fields = stat_fields(entry.path)
            if fields[0] in (b"Z", b"X"):
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
            elif marker:
                with open(os.path.join(entry.path, "environ"), "rb") as f:
                    if marker in f.read().split(b"\0"):
                        found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def listening_addresses(port, pids=(), host=None, proc="/proc"):
    """The local addresses ("127.0.0.1", "::", ...) where PORT is served: TCP sockets
    listening on it and UDP sockets bound to it, read from PROC/net on Linux (native
    programs and Wine's alike); None where the system does not tell. When processes
    of PIDS hold some of those sockets, theirs only (a native program holds its own;
    under Wine, wineserver holds a listening socket, so then TCP's come first)."""
    if not (host or HOST).on_linux:
        return None
    rows = []       # (address, inode, tcp)
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(os.path.join(proc, "net", name)) as f:
                table = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in table:
            fields = row.split()
            if len(fields) < 10:
                continue
            address, hex_port = fields[1].rsplit(":", 1)
            tcp = name.startswith("tcp")
            if int(hex_port, 16) == port and (not tcp or fields[3] == "0A"):   # 0A: LISTEN
                rows.append((proc_net_address(address), fields[9], tcp))
    owned = socket_inodes(pids, proc)
    theirs = [address for address, inode, _ in rows if inode in owned]
    if theirs:
        return theirs
    return [address for address, _, tcp in rows if tcp] or [address for address, *_ in rows]


def socket_inodes(pids, proc="/proc"):
    """The inodes of the sockets the processes PIDS hold open."""
    inodes = set()
    for pid in pids:
        try:
            fds = os.listdir(os.path.join(proc, str(pid), "fd"))
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(proc, str(pid), "fd", fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    return inodes


def proc_net_address(hex_address):
    """An address as /proc/net/tcp writes it: 32-bit words in the host's byte order."""
    import ipaddress
    raw = bytes.fromhex(hex_address)
    if sys.byteorder == "little":
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw))


# JOBOBJECT_EXTENDED_LIMIT_INFORMATION, as winnt.h lays it out (144 bytes on x64).
class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class JobLimits(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", _BasicLimits),
                ("IoInfo", ctypes.c_uint64 * 6),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def job_limits():
    """The limits every program's Job object gets."""
    info = JobLimits()
    info.BasicLimitInformation.LimitFlags = JOB_LIMIT_FLAGS
    return info


def _kernel32():
    k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle, dword = ctypes.c_void_p, ctypes.c_uint32
    k32.CreateJobObjectW.restype = handle
    k32.CreateJobObjectW.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
    k32.SetInformationJobObject.argtypes = [handle, ctypes.c_int, ctypes.c_void_p, dword]
    k32.AssignProcessToJobObject.argtypes = [handle, handle]
    k32.TerminateJobObject.argtypes = [handle, ctypes.c_uint]
    k32.CloseHandle.argtypes = [handle]
    k32.SetErrorMode.argtypes = [ctypes.c_uint]
    return k32


def _windows_job(proc):
    k32 = _kernel32()
    job = k32.CreateJobObjectW(None, None)
    if not job:
        return None
    info = job_limits()
    k32.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                ctypes.byref(info), ctypes.sizeof(info))
    if not k32.AssignProcessToJobObject(job, int(proc._handle)):
        # It exited already, or cannot be put in a job: taskkill ends it instead.
        k32.CloseHandle(job)
        return None
    return job


def describe_exit(returncode, stderr, host=None):
    """What a program's exit says beyond its code: a crash in the student's terms, or
    None for an ordinary exit."""
    host = host or HOST
    if returncode is None:
        return None
    found = memory_error(returncode, stderr)
    if found:
        return found
    code = returncode & 0xFFFFFFFF
    if host.windows_programs and code in EXCEPTIONS:
        return f"crashed: Windows exception 0x{code:08X} ({EXCEPTIONS[code]})"
    if returncode < 0 and not host.on_windows:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        what = {"SIGSEGV": "segmentation fault", "SIGABRT": "abort", "SIGBUS": "bus error",
                "SIGFPE": "arithmetic error", "SIGILL": "illegal instruction",
                "SIGKILL": "killed"}.get(name, name)
        return f"crashed: {name} ({what})"
    if host.windows_programs and returncode == 3 and (b"terminate it in an unusual way" in stderr
                                                      or b"Assertion failed" in stderr):
        # abort() and a failed assert in Microsoft's older C runtime (msvcrt) exit with
        # 3; Windows' msvcrt says so on stderr, Wine's only for assert.
        return "crashed: abort() or a failed assert (the C runtime ended the program)"
    if host.windows_programs and returncode == 3 and not stderr.strip():
        # Wine's msvcrt abort() says nothing at all. A lab program that exits with 3
        # (EXIT_TIMEOUT) prints its error line first, so silence means abort().
        return ("crashed: exit 3 with nothing on stderr, as abort() ends a program in "
                "Microsoft's C runtime")
    if host.under_wine:
        # Wine passes on only the low byte of a Windows exit code, so an exception
        # shows in the message Wine prints instead.
        for line in stderr.decode("utf-8", "replace").splitlines():
            if line.startswith("wine: Unhandled"):
                return "crashed: Windows exception (" + line[len("wine: "):].split(" at ")[0] + ")"
    return None


# The exit code the kit's tests give valgrind for "errors found" (KIT_WRAPPER), and
# the sanitizers' reports (ASAN_OPTIONS and UBSAN_OPTIONS set exitcode to it too).
MEMORY_ERROR_EXIT = 97
SANITIZER_REPORT = re.compile(
    rb"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)|: runtime error: ([^\n]{0,120})")
VALGRIND_REPORT = re.compile(rb"^==\d+== (\S[^\n]{0,120})", re.M)


def memory_error(returncode, stderr):
    """A sanitizer's or valgrind's report on stderr, in words; None if there is none.
    (Students who build with -fsanitize get the same words.)"""
    m = SANITIZER_REPORT.search(stderr)
    if m and returncode != 0:
        if m.group(3) is not None:
            what = m.group(3).decode("utf-8", "replace").strip()
            return f"memory error: UndefinedBehaviorSanitizer: {what}"
        if m.group(1) == b"LeakSanitizer":
            return "memory error: LeakSanitizer found memory leaks"
        return f"memory error: AddressSanitizer found {m.group(2).decode()}"
    if returncode == MEMORY_ERROR_EXIT:
        m = VALGRIND_REPORT.search(stderr)
        if m:
            return "memory error: valgrind found: " + m.group(1).decode("utf-8", "replace")
    return None


def normalise_newlines(data):
    """Program text output with CRLF line ends read as LF (Windows text mode)."""
    return data.replace(b"\r\n", b"\n")


def wine_differs(request, key, host=None):
    """Declares that the test meets a known Wine difference: under Wine it is
    expected to fail (strictly: a pass means the list above is out of date)."""
    if (host or HOST).under_wine:
        import pytest
        request.applymarker(pytest.mark.xfail(reason=WINE_DIFFERENCES[key],
                                              strict=key not in WINE_DIFFERS_AT_TIMES))
